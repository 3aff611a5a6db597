package dev.kindling.tokenizer.pretokenize;

import java.util.Arrays;

/**
 * The state of pre-tokenization: a text and the spans {@code [start, end)} of its pieces, in order.
 * Splitting stages only add spans over the same text; stages that rewrite text (Metaspace, a prefix
 * space) build a new text. {@link #origin} is the index of the piece that starts at offset 0 of the
 * original input (HF's {@code offsets_original().0 == 0}), or -1. Reused per thread; not thread-safe.
 */
public final class Splits {
    public CharSequence text = "";
    public int[] start = new int[64];
    public int[] end = new int[64];
    public int count;
    public int origin = -1;
    /** Scratch buffer for stages that rewrite the text. */
    final StringBuilder builder = new StringBuilder();

    public void reset(CharSequence text) {
        this.text = text;
        count = 0;
        origin = -1;
    }

    public void add(int s, int e) {
        if (s >= e) {
            return; // HF drops empty pieces
        }
        if (count == start.length) {
            start = Arrays.copyOf(start, count * 2);
            end = Arrays.copyOf(end, count * 2);
        }
        start[count] = s;
        end[count] = e;
        count++;
    }

    /** Sets the whole text as one piece. */
    public void single(CharSequence text, boolean atOrigin) {
        reset(text);
        add(0, text.length());
        origin = atOrigin && count > 0 ? 0 : -1;
    }

    public String piece(int i) {
        return text.subSequence(start[i], end[i]).toString();
    }
}
