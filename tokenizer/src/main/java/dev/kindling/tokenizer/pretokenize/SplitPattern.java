package dev.kindling.tokenizer.pretokenize;

/** What a Split pre-tokenizer looks for: a regex, a literal string, or a hand-made scanner. */
public interface SplitPattern {
    /**
     * The first match in {@code text[from, to)} (the piece ends at {@code to}: lookarounds and
     * {@code $} see nothing beyond it), as {@code (start << 32) | end}, or -1 when there is none.
     */
    long find(CharSequence text, int from, int to);

    /** The pattern as written in the file (for errors and logs). */
    String source();
}
