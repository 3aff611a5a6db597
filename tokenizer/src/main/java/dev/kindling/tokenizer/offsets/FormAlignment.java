package dev.kindling.tokenizer.offsets;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.Unicode;
import java.text.Normalizer.Form;

/**
 * A text put through a Unicode normalization form (NFC, NFKC, NFKD) with, for each of its characters, the range of the
 * input it came from, as Hugging Face {@code tokenizers} keeps it in a {@code NormalizedString}: the form gives each
 * output character a change (0: it replaces the next input character, 1: it is inserted after the previous one, -N:
 * it replaces the next input character and N more are removed after it) and the input is consumed in order. So a
 * composed character covers only the first character it was made of ("e\u0301" gives é over the e), the marks it
 * absorbed belong to nothing, a compatibility expansion ("ﬁ" to "fi") gives every part the whole character, and
 * after a reordering of marks each output character takes the input character at its place, not its own.
 *
 * <p>The changes are those of the {@code unicode-normalization-alignments} crate HF uses: full decomposition (the
 * first character of a decomposition replaces, the others are inserted), canonical ordering of marks (each keeps its
 * change), then canonical composition (a composite's change is its starter's plus, for each character it absorbed,
 * that one's change less one).
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
     * {@code text} through {@code before}, one character at a time, then {@code form}: each output character of
     * {@code before} comes from the character it was made of (HF: the first part replaces it, the others are inserted
     * after it), and the form's alignment is taken back through that. {@code before} may be null.
     */
    public static FormAlignment of(String text, dev.kindling.tokenizer.normalize.Normalizer before, Form form) {
        if (before == null) {
            return of(text, form);
        }
        StringBuilder mid = new StringBuilder(text.length() + 8);
        IntBuffer from = new IntBuffer(); // per UTF-16 unit of mid: the start of its text character
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            String out = before.normalize(Character.toString(c));
            mid.append(out);
            for (int u = 0; u < out.length(); u++) {
                from.add(i);
            }
            i += Character.charCount(c);
        }
        from.add(text.length());
        FormAlignment f = of(mid.toString(), form);
        int[] st = new int[f.start.length];
        int[] en = new int[f.end.length];
        for (int u = 0; u < st.length; u++) {
            st[u] = from.get(f.start[u]);
            // the end of the text character of the last mid unit before f.end[u]
            int e = f.end[u];
            en[u] = e <= f.start[u] ? st[u] : end(text, from.get(e - 1));
        }
        return new FormAlignment(f.normalized, st, en, text.length());
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

    /**
     * {@code text} rewritten into {@code cps}, each with its change as HF's {@code NormalizedString::transform} takes
     * it (a normalizer that gives them itself: HF's Precompiled).
     */
    public static FormAlignment ofChanges(String text, IntBuffer cps, IntBuffer changes) {
        return transform(text, cps, changes);
    }

    private static int end(String text, int charStart) {
        return charStart + Character.charCount(text.codePointAt(charStart));
    }

    /** {@code text} through {@code form} (not NFD: a decomposition alone is followed by the aligner itself). */
    public static FormAlignment of(String text, Form form) {
        boolean compose = form == Form.NFC || form == Form.NFKC;
        Form decompose = form == Form.NFC || form == Form.NFD ? Form.NFD : Form.NFKD;
        IntBuffer cps = new IntBuffer();
        IntBuffer changes = new IntBuffer();
        java.util.Map<Integer, String> decompositions = new java.util.HashMap<>();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            String d = c < 0xA0 ? null
                    : decompositions.computeIfAbsent(c, x -> HfUnicode.normalize(Character.toString(x), decompose));
            if (d == null || (d.length() == Character.charCount(c) && d.codePointAt(0) == c)) {
                cps.add(c);
                changes.add(0);
                continue;
            }
            for (int k = 0, n = 0; k < d.length(); n++) {
                int x = d.codePointAt(k);
                k += Character.charCount(x);
                cps.add(x);
                changes.add(n == 0 ? 0 : 1);
            }
        }
        int n = cps.size();
        int[] cp = new int[n];
        int[] ch = new int[n];
        for (int i = 0; i < n; i++) {
            cp[i] = cps.get(i);
            ch[i] = changes.get(i);
        }
        reorder(cp, ch);
        IntBuffer outCp = new IntBuffer();
        IntBuffer outCh = new IntBuffer();
        if (compose) {
            compose(cp, ch, outCp, outCh);
        } else {
            for (int i = 0; i < n; i++) {
                outCp.add(cp[i]);
                outCh.add(ch[i]);
            }
        }
        return transform(text, outCp, outCh);
    }

    /**
     * Canonical ordering: adjacent marks swap (with their changes) while the first has the higher combining class.
     * Java has no public combining class, but NFD of two decomposed characters is exactly that reordering.
     */
    private static void reorder(int[] cp, int[] ch) {
        for (int i = 1; i < cp.length; i++) {
            for (int j = i; j > 0 && swaps(cp[j - 1], cp[j]); j--) {
                int t = cp[j];
                cp[j] = cp[j - 1];
                cp[j - 1] = t;
                t = ch[j];
                ch[j] = ch[j - 1];
                ch[j - 1] = t;
            }
        }
    }

    private static boolean swaps(int x, int y) {
        if (x == y || !Unicode.isMark(x) || !Unicode.isMark(y)) { // the same, or combining class 0 (no mark)
            return false;
        }
        String xy = Character.toString(x) + Character.toString(y);
        return HfUnicode.normalize(xy, Form.NFD).codePointAt(0) == y;
    }

    /**
     * Canonical composition of the ordered decomposition {@code cp}: Java composes it, and each composite is matched
     * back to its starter and to the characters its own decomposition adds, taken at their first place after the
     * starter not already absorbed (the composition algorithm takes the first unblocked one).
     */
    private static void compose(int[] cp, int[] ch, IntBuffer outCp, IntBuffer outCh) {
        StringBuilder sb = new StringBuilder(cp.length);
        for (int c : cp) {
            sb.appendCodePoint(c);
        }
        String composed = HfUnicode.normalize(sb, Form.NFC);
        boolean[] absorbed = new boolean[cp.length];
        int i = 0;
        for (int k = 0; k < composed.length(); ) {
            int o = composed.codePointAt(k);
            k += Character.charCount(o);
            while (i < cp.length && absorbed[i]) {
                i++;
            }
            if (i >= cp.length) { // not expected: Java's NFC gave more than it was given
                break;
            }
            int change = ch[i];
            if (o != cp[i]) {
                String parts = HfUnicode.normalize(Character.toString(o), Form.NFD);
                int first = parts.codePointAt(0);
                for (int p = Character.charCount(first); p < parts.length() && first == cp[i]; ) {
                    int part = parts.codePointAt(p);
                    p += Character.charCount(part);
                    for (int j = i + 1; j < cp.length; j++) {
                        if (!absorbed[j] && cp[j] == part) {
                            absorbed[j] = true;
                            change += ch[j] - 1;
                            break;
                        }
                    }
                }
            }
            outCp.add(o);
            outCh.add(change);
            i++;
        }
    }

    /** HF's {@code NormalizedString::transform} over the input: each output character takes its input range. */
    private static FormAlignment transform(String text, IntBuffer cps, IntBuffer changes) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        IntBuffer starts = new IntBuffer();
        IntBuffer ends = new IntBuffer();
        int at = 0; // input characters consumed
        int prevStart = 0;
        int prevEnd = 0; // the last consumed input character
        for (int k = 0; k < cps.size(); k++) {
            int c = cps.get(k);
            int change = changes.get(k);
            int s = prevStart;
            int e = prevEnd;
            if (change <= 0 && at < text.length()) {
                s = at;
                e = at + Character.charCount(text.codePointAt(at));
                prevStart = s;
                prevEnd = e;
                at = e;
                for (int r = 0; r < -change && at < text.length(); r++) {
                    int next = at + Character.charCount(text.codePointAt(at));
                    prevStart = at;
                    prevEnd = next;
                    at = next;
                }
            }
            sb.appendCodePoint(c);
            for (int u = 0; u < Character.charCount(c); u++) {
                starts.add(s);
                ends.add(e);
            }
        }
        int[] st = new int[starts.size()];
        int[] en = new int[ends.size()];
        for (int i = 0; i < st.length; i++) {
            st[i] = starts.get(i);
            en[i] = ends.get(i);
        }
        return new FormAlignment(sb.toString(), st, en, text.length());
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
