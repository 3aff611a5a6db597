package dev.kindling.tokenizer.spm;

import dev.kindling.tokenizer.normalize.PrecompiledCharsMap;
import dev.kindling.tokenizer.offsets.FormAlignment;
import dev.kindling.tokenizer.text.StringTrie;

/**
 * sentencepiece's {@code Normalizer::Normalize} for a model with a character map: the text's UTF-8 is rewritten one
 * prefix at a time ({@code NormalizePrefix}): a user-defined piece the text starts with is kept as it is, else the
 * map's longest key is replaced by its output, else one character is kept as it is, and a byte that starts no UTF-8
 * character (left over when a key ended inside one) becomes U+FFFD. The whitespace rules work on those outputs, as
 * there: with {@code remove_extra_whitespaces} the pieces whose output is exactly a space are dropped at the start, an
 * output's leading spaces are dropped after a space, and trailing spaces (U+2581 once escaped, as sentencepiece strips
 * the escaped text) go at the end; the dummy-prefix space goes in first, before any of the text; with
 * {@code escape_whitespaces} every space of the output becomes U+2581. So a character the map turns into a space
 * (U+3000, a tab in {@code nmt_nfkc}) counts as one, and one it turns into nothing leaves no trace.
 */
final class CharsMapNormalizer {
    private static final char SPACE_MARK = '\u2581';

    private final PrecompiledCharsMap map;
    private final StringTrie userDefined;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;

    CharsMapNormalizer(PrecompiledCharsMap map, StringTrie userDefined, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
        this.map = map;
        this.userDefined = userDefined;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
    }

    /** {@code text[from, to)} as UTF-8, with the UTF-16 range of the character each byte belongs to. */
    private static final class Utf8Text {
        final String text;
        final int to;
        final byte[] b;
        final int n;
        final int[] charStart;
        final int[] charEnd;

        Utf8Text(String text, int from, int to) {
            this.text = text;
            this.to = to;
            byte[] bytes = new byte[(to - from) * 3];
            int[] st = new int[bytes.length + 1];
            int[] en = new int[bytes.length + 1];
            int k = 0;
            for (int i = from; i < to; ) {
                int cp = text.codePointAt(i);
                int units = Character.charCount(cp);
                if (units == 2 && i + 1 >= to) { // a pair cut by the fragment's end is not a character of it
                    cp = 0xFFFD;
                    units = 1;
                } else if (units == 1 && Character.isSurrogate((char) cp)) {
                    cp = 0xFFFD; // an unpaired surrogate, as everywhere in Kindling
                }
                int start = k;
                if (cp < 0x80) {
                    bytes[k++] = (byte) cp;
                } else if (cp < 0x800) {
                    bytes[k++] = (byte) (0xC0 | cp >> 6);
                    bytes[k++] = (byte) (0x80 | cp & 0x3F);
                } else if (cp < 0x10000) {
                    bytes[k++] = (byte) (0xE0 | cp >> 12);
                    bytes[k++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    bytes[k++] = (byte) (0x80 | cp & 0x3F);
                } else {
                    bytes[k++] = (byte) (0xF0 | cp >> 18);
                    bytes[k++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    bytes[k++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    bytes[k++] = (byte) (0x80 | cp & 0x3F);
                }
                for (int j = start; j < k; j++) {
                    st[j] = i;
                    en[j] = i + units;
                }
                i += units;
            }
            this.b = bytes;
            this.n = k;
            this.charStart = st;
            this.charEnd = en;
        }

        boolean startsCharacter(int pos) {
            return (b[pos] & 0xC0) != 0x80;
        }

        int characterLength(int pos) {
            int lead = b[pos] & 0xFF;
            return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        }
    }

    /** One step of {@code NormalizePrefix}: its output, and how many bytes of the input it consumed. */
    private static final class Step {
        String output;
        int consumed;
    }

    /** Sets {@code step} to the prefix of {@code in} at byte {@code pos}. */
    private void prefix(Utf8Text in, int pos, Step step) {
        if (!userDefined.isEmpty() && in.startsCharacter(pos)) {
            int at = in.charStart[pos];
            long m = userDefined.longestAt(in.text, at, in.to);
            if (m >= 0) {
                int end16 = at + (int) (m >>> 32);
                int end = pos;
                while (end < in.n && in.charStart[end] < end16) {
                    end++;
                }
                step.output = in.text.substring(at, end16);
                step.consumed = end - pos;
                return;
            }
        }
        long match = map.longestPrefix(in.b, pos, in.n);
        if (match >= 0) {
            step.output = map.output(match);
            step.consumed = PrecompiledCharsMap.keyLength(match);
        } else if (in.startsCharacter(pos)) {
            step.consumed = in.characterLength(pos);
            String c = in.text.substring(in.charStart[pos], in.charEnd[pos]);
            step.output = c.length() == 1 && Character.isSurrogate(c.charAt(0)) ? "\uFFFD" : c;
        } else {
            step.output = "\uFFFD"; // a byte a key left behind inside a character: sentencepiece consumes it alone
            step.consumed = 1;
        }
    }

    /** The normalized text of {@code text[from, to)} that the model segments. */
    String normalize(String text, int from, int to) {
        if (to <= from) {
            return "";
        }
        Utf8Text in = new Utf8Text(text, from, to);
        Step step = new Step();
        int pos = 0;
        if (removeExtraWhitespaces) {
            while (pos < in.n) {
                prefix(in, pos, step);
                if (!step.output.equals(" ")) {
                    break;
                }
                pos += step.consumed;
            }
        }
        if (pos >= in.n) {
            return "";
        }
        StringBuilder sb = new StringBuilder(in.n + 1);
        char space = escapeWhitespaces ? SPACE_MARK : ' ';
        if (addDummyPrefix) {
            sb.append(space);
        }
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < in.n) {
            prefix(in, pos, step);
            String sp = step.output;
            int k = 0;
            while (prevSpace && k < sp.length() && sp.charAt(k) == ' ') {
                k++;
            }
            if (k < sp.length()) {
                for (int i = k; i < sp.length(); i++) {
                    char c = sp.charAt(i);
                    sb.append(c == ' ' ? space : c);
                }
                prevSpace = sp.charAt(sp.length() - 1) == ' ';
            }
            pos += step.consumed;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            int len = sb.length();
            while (len > 0 && sb.charAt(len - 1) == space) {
                len--;
            }
            sb.setLength(len);
        }
        return sb.toString();
    }

    /**
     * {@code text[from, to)} through the map alone, without the whitespace rules (the offset aligner follows those
     * itself, as it does for a model without a map), with the input range of each output character: every character
     * of a rule's output comes from the whole key it replaced (HF's alignment of a compatibility expansion: both
     * letters of the "fi" of "ﬁ" cover the ligature), and a key the map deletes covers nothing.
     */
    void mapped(String text, int from, int to, StringBuilder out, dev.kindling.tokenizer.bpe.IntBuffer starts,
            dev.kindling.tokenizer.bpe.IntBuffer ends) {
        if (to <= from) {
            return;
        }
        Utf8Text in = new Utf8Text(text, from, to);
        Step step = new Step();
        for (int pos = 0; pos < in.n; pos += step.consumed) {
            prefix(in, pos, step);
            int s = in.charStart[pos];
            int e = in.charEnd[pos + step.consumed - 1];
            out.append(step.output);
            for (int i = 0; i < step.output.length(); i++) {
                starts.add(s);
                ends.add(e);
            }
        }
    }

    /** The alignment of a whole text whose parts {@link #mapped} wrote. */
    static FormAlignment alignment(StringBuilder out, dev.kindling.tokenizer.bpe.IntBuffer starts,
            dev.kindling.tokenizer.bpe.IntBuffer ends, int inputLength) {
        int[] st = new int[starts.size()];
        int[] en = new int[ends.size()];
        for (int i = 0; i < st.length; i++) {
            st[i] = starts.get(i);
            en[i] = ends.get(i);
        }
        return FormAlignment.ofRanges(out.toString(), st, en, inputLength);
    }
}
