package dev.kindling.tokenizer.normalize;

import dev.kindling.tokenizer.bpe.IntBuffer;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * A text on its way through normalizer steps, with, for each character of it, the range of the original text it came
 * from, as Hugging Face {@code tokenizers} keeps it in a {@code NormalizedString} ({@link Normalizer#normalize(
 * NormalizedText)}). Every step composes its own mapping: it gives each output character a change ({@link #transform}:
 * 0 replaces the next character, 1 is inserted after the last one taken, -N also removes the N after it), and the
 * output character takes the original range of the character it replaced, or, inserted, that of the character before
 * it (none at the start: {@code [0, 0)}). A Replace maps the content of each match to its last character
 * ({@link #replace}). A token's offsets are then the start of its first character's range and the end of its last's.
 *
 * <p>Ranges are Java string (UTF-16) indices of the original; characters are code points. Used for offsets only: the
 * {@code encode} path runs {@link Normalizer#normalizedChars(String)}, which allocates none of this.
 */
public final class NormalizedText {
    private final String original;
    private int[] cps;
    private int[] start;
    private int[] end;
    private int size;

    private NormalizedText(String original, int[] cps, int[] start, int[] end, int size) {
        this.original = original;
        this.cps = cps;
        this.start = start;
        this.end = end;
        this.size = size;
    }

    /** {@code text} before any step: each character covers itself. */
    public static NormalizedText of(String text) {
        int n = text.codePointCount(0, text.length());
        int[] cps = new int[n];
        int[] start = new int[n];
        int[] end = new int[n];
        for (int i = 0, k = 0; i < text.length(); k++) {
            int c = text.codePointAt(i);
            cps[k] = c;
            start[k] = i;
            i += Character.charCount(c);
            end[k] = i;
        }
        return new NormalizedText(text, cps, start, end, n);
    }

    /** The text as the steps so far left it. */
    public String text() {
        StringBuilder sb = new StringBuilder(size + 8);
        for (int i = 0; i < size; i++) {
            sb.appendCodePoint(cps[i]);
        }
        return sb.toString();
    }

    /** The length of the original text (UTF-16 units). */
    public int originalLength() {
        return original.length();
    }

    /** Its number of characters (code points). */
    public int size() {
        return size;
    }

    /** Its character at {@code i}. */
    public int codePoint(int i) {
        return cps[i];
    }

    /** The start, in the original, of the range character {@code i} came from. */
    public int start(int i) {
        return start[i];
    }

    /** The end, in the original, of the range character {@code i} came from. */
    public int end(int i) {
        return end[i];
    }

    /** Whether the steps changed nothing: the same characters, each covering itself. */
    public boolean unchanged() {
        if (size != original.codePointCount(0, original.length())) {
            return false;
        }
        for (int i = 0, k = 0; k < size; k++) {
            int c = original.codePointAt(i);
            if (cps[k] != c || start[k] != i) {
                return false;
            }
            i += Character.charCount(c);
            if (end[k] != i) {
                return false;
            }
        }
        return true;
    }

    /**
     * HF's {@code NormalizedString::transform}: the text becomes {@code out}, each character with its change, after
     * {@code initialRemoved} characters are dropped from the start.
     */
    public void transform(IntBuffer out, IntBuffer changes, int initialRemoved) {
        int n = out.size();
        int[] c2 = new int[n];
        int[] s2 = new int[n];
        int[] e2 = new int[n];
        int at = initialRemoved; // the next character to replace
        for (int k = 0; k < n; k++) {
            int change = changes.get(k);
            int from;
            if (change > 0) {
                from = at - 1; // inserted: the alignment of the character before it
            } else {
                from = Math.min(at, size - 1); // a step giving more replacements than characters keeps the last
                at += 1 - change;
            }
            c2[k] = out.get(k);
            s2[k] = from < 0 ? 0 : start[from];
            e2[k] = from < 0 ? 0 : end[from];
        }
        set(c2, s2, e2, n);
    }

    /**
     * HF's {@code NormalizedString::replace}: each match {@code [ranges[2j], ranges[2j + 1])} (character indices, in
     * order, not overlapping) becomes {@code content}, every character of which is inserted after the match was
     * removed, so takes the range of the match's last character (of the character before an empty match).
     */
    public void replace(int[] ranges, String content) {
        if (ranges.length == 0) {
            return;
        }
        int length = content.codePointCount(0, content.length());
        int n = size;
        for (int j = 0; j < ranges.length; j += 2) {
            n += length - (ranges[j + 1] - ranges[j]);
        }
        int[] c2 = new int[n];
        int[] s2 = new int[n];
        int[] e2 = new int[n];
        int k = 0;
        int copied = 0;
        for (int j = 0; j < ranges.length; j += 2) {
            int a = ranges[j];
            int b = ranges[j + 1];
            k = copy(copied, a, c2, s2, e2, k);
            copied = b;
            int s = b > a ? start[b - 1] : k > 0 ? s2[k - 1] : 0;
            int e = b > a ? end[b - 1] : k > 0 ? e2[k - 1] : 0;
            for (int i = 0; i < content.length(); k++) {
                int c = content.codePointAt(i);
                i += Character.charCount(c);
                c2[k] = c;
                s2[k] = s;
                e2[k] = e;
            }
        }
        k = copy(copied, size, c2, s2, e2, k);
        set(c2, s2, e2, k);
    }

    private int copy(int from, int to, int[] c2, int[] s2, int[] e2, int k) {
        System.arraycopy(cps, from, c2, k, to - from);
        System.arraycopy(start, from, s2, k, to - from);
        System.arraycopy(end, from, e2, k, to - from);
        return k + to - from;
    }

    /** HF's {@code NormalizedString::filter}: the characters {@code keep} refuses are removed. */
    public void filter(IntPredicate keep) {
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (keep.test(cps[i])) {
                cps[k] = cps[i];
                start[k] = start[i];
                end[k] = end[i];
                k++;
            }
        }
        size = k;
    }

    /** Only the characters {@code [from, to)} kept, with their ranges (HF's strip). */
    public void keep(int from, int to) {
        set(java.util.Arrays.copyOfRange(cps, from, to), java.util.Arrays.copyOfRange(start, from, to),
                java.util.Arrays.copyOfRange(end, from, to), to - from);
    }

    /** HF's {@code NormalizedString::map}: each character replaced by one other. */
    public void map(IntUnaryOperator f) {
        for (int i = 0; i < size; i++) {
            cps[i] = f.applyAsInt(cps[i]);
        }
    }

    /**
     * Each character replaced by what {@code f} makes of it alone (at least one character): the first character of
     * that replaces it, the others are inserted after it (HF's Lowercase).
     */
    public void eachCharacter(java.util.function.IntFunction<String> f) {
        IntBuffer out = new IntBuffer();
        IntBuffer changes = new IntBuffer();
        for (int i = 0; i < size; i++) {
            String s = f.apply(cps[i]);
            for (int k = 0, n = 0; k < s.length(); n++) {
                int c = s.codePointAt(k);
                k += Character.charCount(c);
                out.add(c);
                changes.add(n == 0 ? 0 : 1);
            }
        }
        transform(out, changes, 0);
    }

    /**
     * A step that says nothing of its alignment: the text becomes {@code out}, the part that differs between the two
     * (after their common start and end) replaced as a Replace would replace it.
     */
    void replaceChanged(String out) {
        int n = out.codePointCount(0, out.length());
        int head = 0;
        for (int i = 0; head < Math.min(size, n) && out.codePointAt(i) == cps[head]; head++) {
            i += Character.charCount(cps[head]);
        }
        int tail = 0;
        int most = Math.min(size, n) - head;
        for (int i = out.length(); tail < most && out.codePointBefore(i) == cps[size - 1 - tail]; tail++) {
            i -= Character.charCount(cps[size - 1 - tail]);
        }
        if (head == size && head == n) {
            return;
        }
        int from = out.offsetByCodePoints(0, head);
        int to = out.offsetByCodePoints(out.length(), -tail);
        replace(new int[] {head, size - tail}, out.substring(from, to));
    }

    private void set(int[] c2, int[] s2, int[] e2, int n) {
        cps = c2;
        start = s2;
        end = e2;
        size = n;
    }
}
