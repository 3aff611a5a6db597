package dev.kindling.tokenizer.pretokenize;

/** What a Split pre-tokenizer looks for: a regex, a literal string, or a hand-made scanner. */
public interface SplitPattern {
    /**
     * The first match in {@code text[from, to)} (the piece ends at {@code to}: lookarounds and
     * {@code $} see nothing beyond it), as {@code (start << 32) | end}, or -1 when there is none.
     */
    long find(CharSequence text, int from, int to);

    /**
     * The first match in {@code text[from, to)} when the piece being split began at {@code start} (at most
     * {@code from}): what a match may look back at. The same as {@link #find(CharSequence, int, int)} unless the
     * pattern looks behind ({@link RegexPattern}).
     */
    default long find(CharSequence text, int start, int from, int to) {
        return find(text, from, to);
    }

    /** The pattern as written in the file (for errors and logs). */
    String source();
}
