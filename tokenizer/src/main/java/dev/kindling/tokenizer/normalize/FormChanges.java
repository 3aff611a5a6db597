package dev.kindling.tokenizer.normalize;

import dev.kindling.formats.text.CanonicalOrder;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.text.HfUnicode;
import java.text.Normalizer.Form;

/**
 * A Unicode normalization form's output characters with their changes ({@link NormalizedText#transform}), as the
 * {@code unicode-normalization-alignments} crate that Hugging Face {@code tokenizers} uses gives them: full
 * decomposition (the first character of a decomposition replaces, the others are inserted), canonical ordering of marks
 * (each keeps its change), then, for NFC and NFKC, canonical composition (a composite's change is its starter's plus,
 * for each character it absorbed, that one's change less one). So a composed character covers only the first character
 * it was made of ("e\u0301" gives é over the e), the marks it absorbed belong to nothing, a compatibility expansion
 * ("ﬁ" to "fi") gives every part the whole character, and after a reordering of marks each output character takes the
 * input character at its place, not its own.
 */
final class FormChanges {
    private FormChanges() {}

    /** {@code text} through {@code form}: its characters into {@code outCp}, their changes into {@code outCh}. */
    static void of(String text, Form form, IntBuffer outCp, IntBuffer outCh) {
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
        if (compose) {
            compose(cp, ch, outCp, outCh);
        } else {
            for (int i = 0; i < n; i++) {
                outCp.add(cp[i]);
                outCh.add(ch[i]);
            }
        }
    }

    /**
     * Canonical ordering: each run of marks stably sorted by combining class, each with its change ({@link
     * CanonicalOrder}'s merge sort, where swapping adjacent marks took k² steps on a run of k); a character HF's tables
     * do not know is of class 0 there.
     */
    private static void reorder(int[] cp, int[] ch) {
        new CanonicalOrder(HfUnicode::isNormalizationUnknown).sortRuns(cp, ch, cp.length);
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
}
