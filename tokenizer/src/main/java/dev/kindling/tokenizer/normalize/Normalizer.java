package dev.kindling.tokenizer.normalize;

/**
 * A Hugging Face normalizer: text in, normalized text out (offsets are not tracked). Implementations
 * are immutable and thread-safe.
 */
@FunctionalInterface
public interface Normalizer {
    String normalize(String text);

    /** The identity. */
    Normalizer NONE = s -> s;
}
