package dev.kindling.tokenizer.offsets;

import dev.kindling.tokenizer.normalize.NormalizedText;

/**
 * A normalized text with, for each of its characters, the range of the input it came from, as Hugging Face
 * {@code tokenizers} keeps it in a {@code NormalizedString}: tokens are aligned with the normalized text, and a
 * normalized range maps back to the input from the start of its first character's range to the end of its last's.
 */
public final class FormAlignment {
    private final String normalized;
    /** Per UTF-16 unit of {@link #normalized}: the input range of its character. */
    private final int[] start;
    private final int[] end;
    private final int inputLength;

    private FormAlignment(String normalized, int[] start, int[] end, int inputLength) {
        this.normalized = normalized;
        this.start = start;
        this.end = end;
        this.inputLength = inputLength;
    }

    /**
     * A normalization whose input ranges the caller worked out (a SentencePiece character map): {@code start[u]} and
     * {@code end[u]} are the input range of the character at UTF-16 index {@code u} of {@code normalized}.
     */
    public static FormAlignment ofRanges(String normalized, int[] start, int[] end, int inputLength) {
        if (start.length != normalized.length() || end.length != normalized.length()) {
            throw new IllegalArgumentException("one range per UTF-16 unit of the normalized text");
        }
        return new FormAlignment(normalized, start, end, inputLength);
    }

    /** The text a tokenizer.json normalizer made, with the input ranges its steps kept. */
    public static FormAlignment of(NormalizedText text) {
        StringBuilder sb = new StringBuilder(text.size() + 8);
        int units = 0;
        for (int i = 0; i < text.size(); i++) {
            units += Character.charCount(text.codePoint(i));
        }
        int[] st = new int[units];
        int[] en = new int[units];
        for (int i = 0, u = 0; i < text.size(); i++) {
            int c = text.codePoint(i);
            sb.appendCodePoint(c);
            for (int k = 0; k < Character.charCount(c); k++, u++) {
                st[u] = text.start(i);
                en[u] = text.end(i);
            }
        }
        return new FormAlignment(sb.toString(), st, en, text.originalLength());
    }

    /** The normalized text. */
    public String normalized() {
        return normalized;
    }

    /** The input start of normalized range {@code [from, to)}: where its first character came from. */
    public int start(int from, int to) {
        if (from < start.length) {
            return start[from];
        }
        return inputLength;
    }

    /** The input end of normalized range {@code [from, to)}: where its last character came from; empty at its start. */
    public int end(int from, int to) {
        if (to > from && to <= end.length) {
            return end[to - 1];
        }
        return start(from, to);
    }
}
