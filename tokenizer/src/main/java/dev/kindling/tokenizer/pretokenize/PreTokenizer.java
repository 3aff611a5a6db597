package dev.kindling.tokenizer.pretokenize;

/**
 * A Hugging Face pre-tokenizer: splits the pieces of {@code in} (and may rewrite their text) into
 * {@code out}. Immutable and thread-safe; all per-call state lives in the {@link Splits}.
 */
public interface PreTokenizer {
    void apply(Splits in, Splits out);

    /** Pre-tokenizers that only split (never rewrite text) can run without copying the text. */
    default boolean rewritesText() {
        return false;
    }
}
