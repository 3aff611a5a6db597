package dev.kindling.tokenizer.normalize;

/**
 * A Hugging Face normalizer: text in, normalized text out ({@link #normalize(String)}, the encode path), or, for
 * offsets, the same step on a {@link NormalizedText} that keeps where each character came from. Implementations are
 * immutable and thread-safe.
 */
@FunctionalInterface
public interface Normalizer {
    String normalize(String text);

    /**
     * What {@link #normalize(String)} gives, as any {@code CharSequence}: a normalizer may hand over the builder it made
     * the text in rather than a copy of it in a String (the encode path, which reads it once, uses this one).
     */
    default CharSequence normalizedChars(String text) {
        return normalize(text);
    }

    /**
     * This step on {@code text}, keeping each output character's original range as HF's step keeps it. The steps of
     * {@link Normalizers} each give their own mapping; a normalizer that gives none is taken for a Replace of the part
     * of the text it changed (between the common start and end of its input and output).
     */
    default void normalize(NormalizedText text) {
        text.replaceChanged(normalize(text.text()));
    }

    /** The identity. */
    Normalizer NONE = s -> s;
}
