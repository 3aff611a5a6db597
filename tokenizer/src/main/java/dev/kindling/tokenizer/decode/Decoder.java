package dev.kindling.tokenizer.decode;

import java.util.List;

/**
 * A Hugging Face decoder step: token strings in, token strings out ({@code decode_chain}); the
 * final text is the concatenation. Immutable and thread-safe.
 */
@FunctionalInterface
public interface Decoder {
    List<String> decodeChain(List<String> tokens);
}
