package dev.kindling.tokenizer;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.tokenizer.gguf.GgufTokenizers;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text to token ids and back, for every vocabulary format Kindling reads.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(Path.of("llama3/tokenizer.json"));   // or .json.gz, .gguf, .tiktoken, tokenizer.bin, tokenizer.model
 * int[] ids = tok.encode("Hello world", true);                        // BOS/EOS/template as the file says
 * String back = tok.decode(ids, true);                                // "Hello world"
 * }</pre>
 *
 * <p><b>Special-token text in the input.</b> {@link #encode(String, boolean)} recognises the text of
 * added/special tokens (for example {@code <|im_end|>}) and emits their ids, as Hugging Face
 * {@code tokenizers} and llama.cpp with {@code parse_special=true} do; this is what a rendered chat
 * prompt needs. {@link #encode(String, boolean, boolean)} with {@code parseSpecialTokens=false}
 * treats special-token text as ordinary text (HF {@code encode_special_tokens}, llama.cpp
 * {@code parse_special=false}, tiktoken {@code encode_ordinary}); non-special added tokens
 * (llama.cpp "user defined") are still matched, as in those libraries.
 *
 * <p><b>Text that is not valid Unicode.</b> A Java string cannot hold invalid UTF-8, but it can
 * hold unpaired surrogates: they are encoded as U+FFFD. {@link #encode(byte[], boolean)} decodes
 * bytes the way Rust's {@code String::from_utf8_lossy} does (each maximal invalid subsequence becomes
 * one U+FFFD) before encoding; {@code null} text is an error, empty text gives no tokens (or only
 * BOS/EOS when {@code addSpecialTokens}).
 *
 * <p>Implementations are immutable and thread-safe: Spark task threads share one instance.
 */
public interface Tokenizer {

    /**
     * Loads a tokenizer, detecting the format: a Hugging Face {@code tokenizer.json} (also
     * {@code .json.gz}, or a directory holding one, with {@code tokenizer_config.json} beside it for
     * the chat template and the BOS/EOS flags), a {@code .gguf} (the vocabulary inside), a tiktoken
     * rank file ({@code *.tiktoken}; the encoding name comes from the file name), a llama2.c
     * {@code tokenizer.bin}, or a SentencePiece {@code tokenizer.model} (known by its content; a directory holding
     * no tokenizer.json is read through its {@code tokenizer.model}, with {@code tokenizer_config.json} beside it).
     *
     * @throws dev.kindling.formats.ModelFormatException naming the file and field when it cannot be read
     * @throws java.util.concurrent.CancellationException naming the file when the calling thread is interrupted and the
     *     load fails (the interrupt closes the file a .gguf is read through); the interrupt is left set
     */
    static Tokenizer load(Path path) {
        return TokenizerLoader.load(path);
    }

    /** The vocabulary inside an already opened GGUF ({@code tokenizer.ggml.*}), as llama.cpp reads it. */
    static Tokenizer fromGguf(GgufFile gguf) {
        return GgufTokenizers.fromGguf(gguf);
    }

    /** A short name (file or model name) for logs and benchmark output. */
    String name();

    /** Number of ids, including added and special tokens (the largest id + 1). */
    int vocabSize();

    /** Encodes {@code text}; {@code addSpecialTokens} adds BOS/EOS/template tokens as the file says. */
    default int[] encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, true);
    }

    /**
     * Encodes {@code text}. With {@code parseSpecialTokens=false}, the text of special tokens is
     * tokenized as ordinary text (see the class comment).
     */
    int[] encode(String text, boolean addSpecialTokens, boolean parseSpecialTokens);

    /**
     * Encodes {@code text} and gives each token's {@code [start, end)} range in {@code text} (Java
     * string indices), as Hugging Face {@code tokenizers}' {@code encoding.offsets}; see
     * {@link Encoding}. Costs about one more pass over the text than {@link #encode(String, boolean)},
     * which stays the allocation-light path.
     */
    default Encoding encodeWithOffsets(String text, boolean addSpecialTokens) {
        return encodeWithOffsets(text, addSpecialTokens, true);
    }

    /**
     * As {@link #encodeWithOffsets(String, boolean)}, with {@code parseSpecialTokens} as in
     * {@link #encode(String, boolean, boolean)}: with {@code false} the ids are {@code encode}'s with {@code false}, and
     * text that spells a special token is covered by the text tokens it became (HF's {@code split_special_tokens}).
     */
    default Encoding encodeWithOffsets(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        String t = Utf8.scrubSurrogates(java.util.Objects.requireNonNull(text, "text to encode is null"));
        return OffsetAligner.align(this, t, encode(t, addSpecialTokens, parseSpecialTokens), OffsetAligner.Prefix.NONE);
    }

    /** Encodes UTF-8 bytes; invalid sequences become U+FFFD (see the class comment). */
    default int[] encode(byte[] utf8, boolean addSpecialTokens) {
        return encode(Utf8.decodeLossy(java.util.Objects.requireNonNull(utf8, "bytes to encode are null")), addSpecialTokens);
    }

    /** Encodes several texts; the result is in input order. */
    default List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(encode(t, addSpecialTokens));
        }
        return out;
    }

    default int count(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens).length;
    }

    /** Ids back to text; {@code skipSpecialTokens} drops control/special tokens. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * {@link #decode(int[], boolean)}, then, with {@code cleanUpTokenizationSpaces}, transformers' clean-up of the text
     * ({@link #cleanUpTokenizationSpaces(String)}): what a transformers user's {@code tokenizer.decode(ids)} gives where
     * {@code tokenizer_config.json} sets {@code clean_up_tokenization_spaces} true (Llama 3's does: {@code "Hello ,
     * world !"} decodes as {@code "Hello, world!"} there). Kindling never applies it unasked: the {@code tokenizers}
     * library does not, and the clean-up changes text the model wrote ({@code "' hi '"} becomes {@code "'hi'"}).
     */
    default String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUpTokenizationSpaces) {
        String text = decode(ids, skipSpecialTokens);
        return cleanUpTokenizationSpaces ? cleanUpTokenizationSpaces(text) : text;
    }

    /**
     * transformers' {@code PreTrainedTokenizerBase.clean_up_tokenization} (src/transformers/tokenization_utils_base.py,
     * transformers 4.x), which its {@code decode} applies to the whole decoded text where
     * {@code clean_up_tokenization_spaces} is set: ten replacements, in this order, each of every occurrence left to
     * right as Python's {@code str.replace}. Not the {@code tokenizers} WordPiece decoder's {@code cleanup}, which
     * cleans each token and also turns {@code " do not"} into {@code " don't"}.
     */
    static String cleanUpTokenizationSpaces(String text) {
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    /**
     * The exact bytes this token contributes when decoded (byte-level characters and {@code <0xXX>}
     * tokens resolved, the SentencePiece space marker as a space). Used for streaming decode and stop
     * strings in generation. Special tokens give the UTF-8 of their text.
     */
    byte[] tokenBytes(int id);

    /**
     * The bytes of the text this token stands for where an encoding holds it, which its offsets cover: its
     * {@link #tokenBytes}, but the text of a GGUF token that decodes as nothing though text encodes to it (llama.cpp's
     * undefined token type). {@link dev.kindling.tokenizer.offsets.OffsetAligner} reads it.
     */
    default byte[] encodedBytes(int id) {
        return tokenBytes(id);
    }

    /**
     * The byte a byte-fallback token ({@code <0xXX>}) stands for where the decoder joins runs of them as Hugging Face's
     * ByteFallback decoder does (a run that is not valid UTF-8 as a whole gives one U+FFFD per byte, its valid bytes
     * too, so a run's text is known only when it ends), else -1: a tokenizer.json whose decoder has ByteFallback
     * (Llama 2, Mistral, Gemma). A SentencePiece model, a GGUF vocabulary and byte-level BPE give -1: their bytes
     * decode as one UTF-8 string, one U+FFFD per maximal invalid subpart. {@link StreamingDecoder} reads it.
     */
    default int fallbackByte(int id) {
        return -1;
    }

    /**
     * The text {@code decode} gives this token first among the tokens it decodes ({@code first}) or after another, where
     * that depends on its place and on nothing else: Hugging Face's WordPiece decoder (BERT's) puts a space before a
     * word's first piece that is not first, none before a {@code ##} continuation, keeps the {@code ##} of a first one,
     * and cleans each token on its own ({@code cleanup}: {@code " ."} is {@code "."}); a tokenizer.json without a decoder
     * joins its tokens with spaces. Null where the text is the token's bytes ({@link #tokenBytes}) wherever it comes, and
     * for an id decode leaves out (a gap in the vocabulary). {@link StreamingDecoder} reads it.
     */
    default String placedText(int id, boolean first) {
        return null;
    }

    /**
     * The raw vocabulary string (piece), for logits and debug output: null for an id with no token (a gap in a
     * tokenizer.json's vocab or a tiktoken file's ranks), as transformers' {@code convert_ids_to_tokens} gives None, where
     * "" passed for a token's string; an id outside 0..vocabSize()-1 is refused.
     */
    String tokenText(int id);

    /** The id of a vocabulary string (piece or added token), if there is one. */
    OptionalInt tokenId(String tokenText);

    /** Control / special added tokens. */
    boolean isSpecial(int id);

    /** -1 when none. */
    int bosId();

    /** -1 when none. */
    int eosId();

    /** Ids that end generation (EOS, {@code <|eot_id|>}, {@code <|im_end|>}, {@code <end_of_turn>} ... as the file says). */
    int[] stopIds();

    /** Whether {@code encode(text, true)} prepends BOS. */
    boolean addsBos();

    /** The Jinja chat template, when the file has one. */
    Optional<ChatTemplate> chatTemplate();
}
