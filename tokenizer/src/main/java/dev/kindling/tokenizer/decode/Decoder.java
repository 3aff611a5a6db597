package dev.kindling.tokenizer.decode;

import java.util.List;

/**
 * A Hugging Face decoder step: token strings in, token strings out ({@code decode_chain}); the
 * final text is the concatenation. Immutable and thread-safe.
 */
@FunctionalInterface
public interface Decoder {
    List<String> decodeChain(List<String> tokens);

    /**
     * Whether this decoder (or a step of its sequence) is ByteFallback, which joins each run of {@code <0xXX>} tokens
     * and gives the run's text only when the whole run is valid UTF-8, one U+FFFD per byte otherwise: so a byte token's
     * text depends on the tokens after it, which a streaming decoder must wait for.
     */
    default boolean joinsByteRuns() {
        return false;
    }

    /**
     * Where this decoder gives each token a text of its own that depends on nothing but the token and whether it comes
     * first (WordPiece: a space before a word that is not first, none before a {@code ##} continuation, its cleanup per
     * token), that text, so that a streaming decoder can give it as the token comes; null for a decoder whose tokens
     * depend on others or whose text is the tokens' bytes.
     */
    default String placedText(String token, boolean first) {
        return null;
    }
}
