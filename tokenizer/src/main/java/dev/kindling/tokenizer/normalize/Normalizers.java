package dev.kindling.tokenizer.normalize;

import dev.kindling.formats.text.CanonicalOrder;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.text.GraphemeBreaks;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.Unicode;
import java.util.List;
import java.util.Locale;
import dev.kindling.tokenizer.text.DeepStack;
import java.util.regex.Pattern;

/** The normalizers of Hugging Face {@code tokenizers} that tokenizer.json files use. */
public final class Normalizers {
    private Normalizers() {}

    /** Unicode normalization form; a fast check skips text that is already normalized. */
    public static Normalizer unicode(java.text.Normalizer.Form form) {
        return new UnicodeForm(form);
    }

    /** A Unicode normalization form step. */
    public record UnicodeForm(java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String s) {
            // below U+0300 nothing composes under NFC; NFD decomposes from U+00C0 (À) on, NFK* from U+00A0 (no-break space)
            boolean simple = true;
            int limit = form == java.text.Normalizer.Form.NFC ? 0x300 : form == java.text.Normalizer.Form.NFD ? 0xC0 : 0xA0;
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) >= limit) {
                    simple = false;
                    break;
                }
            }
            if (simple) {
                return s;
            }
            if (CanonicalOrder.hasLongMarkRun(s)) {
                // the JDK's check inserts each mark of the run into place, quadratic in it; normalizing here is not
                String n = HfUnicode.normalize(s, form);
                return n.equals(s) ? s : n;
            }
            if (java.text.Normalizer.isNormalized(s, form)) {
                return s;
            }
            return HfUnicode.normalize(s, form);
        }

        /** HF's alignment of the form ({@link FormChanges}); text the form leaves as it is keeps its ranges. */
        @Override
        public void normalize(NormalizedText text) {
            String s = text.text();
            if (normalize(s) == s) {
                return;
            }
            IntBuffer cps = new IntBuffer();
            IntBuffer changes = new IntBuffer();
            FormChanges.of(s, form, cps, changes);
            text.transform(cps, changes, 0);
        }
    }

    /** HF's Lowercase normalizer: {@link #lowercase(String)}. */
    public static Normalizer lowercase() {
        return new Lowercase();
    }

    /** HF's Lowercase: each character's lowercase replaces it, a second character of it inserted (U+0130's dot). */
    private record Lowercase() implements Normalizer {
        @Override
        public String normalize(String s) {
            return lowercase(s);
        }

        @Override
        public void normalize(NormalizedText text) {
            text.eachCharacter(c -> lowercase(Character.toString(c)));
        }
    }

    /**
     * Lowercase as HF's {@code NormalizedString::lowercase}: Rust's {@code char::to_lowercase} on each character
     * alone (the full mapping, so U+0130 gives "i\u0307"). {@link String#toLowerCase} would also apply Unicode's
     * Final_Sigma rule and give "ς" for a capital sigma that ends a word; one character alone always gives "σ".
     * Rust's tables are Unicode 17, so the capitals Java 17 does not know yet come from {@link HfUnicode} first.
     */
    static String lowercase(String s) {
        // replace returns s itself when s has no capital sigma
        return HfUnicode.lowercaseNewerCapitals(s.replace('\u03A3', '\u03C3')).toLowerCase(Locale.ROOT);
    }

    /**
     * HF's NFD of each character asked for so far ({@link HfUnicode#normalize}), by plane (made as a character of it is
     * first asked for: emoji are plane 1's), null where not asked yet.
     */
    private static final String[][] NFD_OF = new String[Character.MAX_CODE_POINT + 1 >>> 16][];

    /** HF's NFD of {@code c} alone, kept (a race makes a plane or a string twice, equal: one is kept, both right). */
    static String nfdOf(int c) {
        String[] plane = NFD_OF[c >>> 16];
        if (plane == null) {
            plane = new String[0x10000];
            NFD_OF[c >>> 16] = plane;
        }
        String d = plane[c & 0xFFFF];
        if (d == null) {
            d = HfUnicode.normalize(Character.toString(c), java.text.Normalizer.Form.NFD);
            plane[c & 0xFFFF] = d;
        }
        return d;
    }

    /** A mark (Mn, Mc, Me): every code point of a combining class above 0 is one, so two marks apart are never reordered. */
    private static boolean isMark(int c) {
        if (c < 0x300) {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /**
     * Appends {@link #lowercase(String)} of {@code c} alone: what lowercasing a text gives, character by character (its
     * one context rule, Final_Sigma, is what {@code lowercase} takes out).
     */
    static void appendLowercase(StringBuilder sb, int c) {
        if (c < 0x80) {
            sb.append((char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
        } else if (c == '\u0130') {
            sb.append("i\u0307"); // its full lowercase, as String.toLowerCase gives it
        } else if (c == '\u03A3') {
            sb.append('\u03C3');
        } else {
            sb.appendCodePoint(HfUnicode.toLowerCase(c));
        }
    }

    /** Removes leading and/or trailing Unicode whitespace. */
    public static Normalizer strip(boolean left, boolean right) {
        return new Strip(left, right);
    }

    private record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String s) {
            int a = 0;
            int b = s.length();
            if (left) {
                while (a < b && Unicode.isWhiteSpace(s.codePointAt(a))) {
                    a += Character.charCount(s.codePointAt(a));
                }
            }
            if (right) {
                while (b > a && Unicode.isWhiteSpace(s.codePointBefore(b))) {
                    b -= Character.charCount(s.codePointBefore(b));
                }
            }
            return s.substring(a, b);
        }

        /** The whitespace at the ends removed; what is left keeps its ranges. */
        @Override
        public void normalize(NormalizedText text) {
            int a = 0;
            int b = text.size();
            while (left && a < b && Unicode.isWhiteSpace(text.codePoint(a))) {
                a++;
            }
            while (right && b > a && Unicode.isWhiteSpace(text.codePoint(b - 1))) {
                b--;
            }
            text.keep(a, b);
        }
    }

    /**
     * HF's StripAccents (meant to follow NFD): removes every combining mark, spacing (Mc, the Devanagari vowel
     * signs) and enclosing (Me) as well as non-spacing (Mn), as its {@code is_combining_mark} does, by that one's
     * Unicode 9.0 tables ({@link HfUnicode#isCombiningMark}): the marks of later versions (U+07FD, Unicode 11) stay.
     */
    public static Normalizer stripAccents() {
        return new StripAccents();
    }

    private record StripAccents() implements Normalizer {
        @Override
        public String normalize(String s) {
            StringBuilder sb = null;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                boolean mark = HfUnicode.isCombiningMark(cp);
                if (mark && sb == null) {
                    sb = new StringBuilder(s.length());
                    sb.append(s, 0, i);
                } else if (!mark && sb != null) {
                    sb.appendCodePoint(cp);
                }
                i += Character.charCount(cp);
            }
            return sb == null ? s : sb.toString();
        }

        @Override
        public void normalize(NormalizedText text) {
            text.filter(c -> !HfUnicode.isCombiningMark(c));
        }
    }

    /** Replaces every occurrence of a literal string. */
    public static Normalizer replaceLiteral(String pattern, String content) {
        if (pattern.isEmpty()) {
            return Normalizer.NONE;
        }
        return new ReplaceLiteral(pattern, content);
    }

    private record ReplaceLiteral(String pattern, String content) implements Normalizer {
        @Override
        public String normalize(String s) {
            return s.contains(pattern) ? s.replace(pattern, content) : s;
        }

        @Override
        public void normalize(NormalizedText text) {
            String s = text.text();
            IntBuffer ranges = new IntBuffer();
            for (int at = s.indexOf(pattern); at >= 0; at = s.indexOf(pattern, at + pattern.length())) {
                ranges.add(at);
                ranges.add(at + pattern.length());
            }
            replaceMatches(text, s, ranges, content);
        }
    }

    /** Replaces every match of a regex (Java syntax, Unicode classes); a match too deep for the stack, see {@link DeepStack}. */
    public static Normalizer replaceRegex(Pattern regex, String content) {
        return new ReplaceRegex(regex, content);
    }

    private record ReplaceRegex(Pattern regex, String content) implements Normalizer {
        @Override
        public String normalize(String s) {
            return DeepStack.replaceAll(regex, s, content, "the normalizer's Replace regex", "text");
        }

        @Override
        public void normalize(NormalizedText text) {
            String s = text.text();
            int[] m = DeepStack.matches(regex, s, "the normalizer's Replace regex", "text");
            IntBuffer ranges = new IntBuffer();
            ranges.add(m, 0, m.length);
            replaceMatches(text, s, ranges, content);
        }
    }

    /** HF's Replace over the matches {@code ranges} (UTF-16 index pairs into {@code s}, the text's {@link NormalizedText#text}). */
    private static void replaceMatches(NormalizedText text, String s, IntBuffer ranges, String content) {
        int[] chars = new int[ranges.size()];
        int at = 0; // UTF-16 index
        int k = 0; // its character index
        for (int j = 0; j < chars.length; j++) {
            k += s.codePointCount(at, ranges.get(j));
            at = ranges.get(j);
            chars[j] = k;
        }
        text.replace(chars, content);
    }

    /** Prepends {@code prefix} to non-empty text. */
    public static Normalizer prepend(String prefix) {
        return new Prepend(prefix);
    }

    private record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String s) {
            return s.isEmpty() ? s : prefix + s;
        }

        /** HF's prepend: the prefix's first character replaces the text's first, which with the rest is inserted after it. */
        @Override
        public void normalize(NormalizedText text) {
            if (text.size() == 0 || prefix.isEmpty()) {
                return;
            }
            IntBuffer cps = new IntBuffer();
            IntBuffer changes = new IntBuffer();
            String s = prefix + text.text();
            for (int i = 0, n = 0; i < s.length(); n++) {
                int c = s.codePointAt(i);
                i += Character.charCount(c);
                cps.add(c);
                changes.add(n == 0 || i > prefix.length() + Character.charCount(text.codePoint(0)) ? 0 : 1);
            }
            text.transform(cps, changes, 0);
        }
    }

    public static Normalizer sequence(List<Normalizer> parts) {
        Normalizer[] p = parts.toArray(Normalizer[]::new);
        if (p.length == 1) {
            return p[0];
        }
        return new Sequence(p);
    }

    private record Sequence(Normalizer[] parts) implements Normalizer {
        @Override
        public String normalize(String s) {
            for (Normalizer n : parts) {
                s = n.normalize(s);
            }
            return s;
        }

        /** Each step on what the one before made, so the ranges compose. */
        @Override
        public void normalize(NormalizedText text) {
            for (Normalizer n : parts) {
                n.normalize(text);
            }
        }
    }

    /**
     * HF's BertNormalizer: {@code cleanText} drops NUL, U+FFFD and control characters and turns
     * whitespace into spaces; {@code chineseChars} pads CJK ideographs with spaces; then optional
     * accent stripping (NFD and removal of Mn) and lowercasing.
     */
    public static Normalizer bert(boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase) {
        return new Bert(cleanText, chineseChars, stripAccents, lowercase);
    }

    private record Bert(boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase) implements Normalizer {
        @Override
        public String normalize(String s) {
            return normalizedChars(s).toString();
        }

        /**
         * The steps past {@code cleanText}'s and {@code chineseChars}' on their text: NFD, then the non-spacing marks
         * dropped and each character lowercased alone ({@link #appendLowercase}), in one pass into one builder, where
         * the cleaned text, its NFD, the text without marks and its lowercase were each a string of the whole text
         * (8.4 bytes allocated a character of Moby-Dick, 27.7 of accented Latin). A char below U+00C0 (ASCII, Latin-1's
         * signs) has no decomposition and is of combining class 0, so nothing is reordered across it: it is copied (A-Z
         * lowercased). A stretch of the other chars is NFD's when the chars' own decompositions ({@link #nfdOf}, each in
         * canonical order) put no mark beside a mark of another (nothing to reorder), else it goes through NFD whole. A builder where a char of the
         * result is past Latin-1 (of two bytes a char from the start where the cleaned text is), else a String.
         */
        private CharSequence accentsAndCase(CharSequence cleaned) {
            if (!stripAccents) {
                String c = cleaned.toString();
                return lowercase ? Normalizers.lowercase(c) : c;
            }
            int n = cleaned.length();
            StringBuilder sb = new StringBuilder(cleaned instanceof StringBuilder ? "\u0100" : ""); // two bytes a char from the start
            sb.setLength(0);
            sb.ensureCapacity(n);
            for (int i = 0; i < n; ) {
                char ch = cleaned.charAt(i);
                if (ch < 0xC0) {
                    sb.append(lowercase && ch >= 'A' && ch <= 'Z' ? (char) (ch + ('a' - 'A')) : ch);
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < n && cleaned.charAt(j) >= 0xC0) {
                    j++;
                }
                int before = sb.length();
                boolean lastMark = false;
                for (int k = i; k < j; ) {
                    int cp = Character.codePointAt(cleaned, k);
                    k += Character.charCount(cp);
                    String d = nfdOf(cp);
                    for (int m = 0; m < d.length(); ) {
                        int x = d.codePointAt(m);
                        boolean mark = isMark(x);
                        if (mark && lastMark && m == 0) {
                            k = j; // marks to put in canonical order: the stretch's NFD whole
                            sb.setLength(before);
                            String nfd = HfUnicode.normalize(cleaned.subSequence(i, j), java.text.Normalizer.Form.NFD);
                            for (int q = 0; q < nfd.length(); ) {
                                int y = nfd.codePointAt(q);
                                q += Character.charCount(y);
                                appendUnlessMark(sb, y);
                            }
                            break;
                        }
                        m += Character.charCount(x);
                        lastMark = mark;
                        appendUnlessMark(sb, x);
                    }
                }
                i = j;
            }
            for (int k = 0; k < sb.length(); k++) {
                if (sb.charAt(k) > 0xFF) {
                    return sb;
                }
            }
            return sb.toString();
        }

        /** {@code c} lowercased where this normalizer lowercases, unless it is a non-spacing mark of Unicode 8.0. */
        private void appendUnlessMark(StringBuilder sb, int c) {
            if (HfUnicode.isBertNonSpacingMark(c)) {
                return;
            }
            if (lowercase) {
                appendLowercase(sb, c);
            } else {
                sb.appendCodePoint(c);
            }
        }

        /**
         * Where the text holds only ASCII and CJK unified ideographs, which NFD leaves as they are, none of them a mark,
         * and only ASCII capitals have a lowercase, all the steps run in one pass, and a text of two bytes a char stays
         * in its builder: CJK padded with spaces was copied from a growing builder into a String (24 bytes allocated
         * per character of 1 MB). Latin-1 text is copied into a String still (a byte a char), which the pre-tokenizer and
         * model read through String's own paths (VocabMap's regionMatches).
         */
        @Override
        public CharSequence normalizedChars(String s) {
            return (stripAccents || lowercase) && !asciiOrUnifiedIdeographs(s) ? accentsAndCase(cleanedAndPadded(s, false))
                    : cleanedAndPadded(s, lowercase);
        }

        /**
         * {@code cleanText}'s and {@code chineseChars}' steps (with {@code lowercaseAscii}, A-Z lowercased too), made in a
         * builder with room for the text and two spaces around each char from U+3400 on (an ideograph's first, which is
         * all of CJK text): a String where no char of the text is past Latin-1, else the builder, which holds two bytes a
         * char from the start (so it is not copied when the first ideograph comes).
         */
        private CharSequence cleanedAndPadded(String s, boolean lowercaseAscii) {
            int high = 0;
            boolean wide = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                wide |= c > 0xFF;
                high += c >= 0x3400 ? 1 : 0;
            }
            int capacity = chineseChars ? s.length() + 2 * high : s.length();
            StringBuilder sb;
            if (wide) {
                sb = new StringBuilder("\u0100");
                sb.setLength(0);
                sb.ensureCapacity(capacity);
            } else {
                sb = new StringBuilder(capacity);
            }
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (cleanText) {
                    if (cp == 0 || cp == 0xFFFD || (isBertControl(cp))) {
                        continue;
                    }
                    if (isBertWhitespace(cp)) {
                        sb.append(' ');
                        continue;
                    }
                }
                if (chineseChars && Unicode.isChineseChar(cp)) {
                    sb.append(' ').appendCodePoint(cp).append(' ');
                } else {
                    sb.appendCodePoint(lowercaseAscii && cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
                }
            }
            return wide ? sb : sb.toString();
        }

        /** Whether {@code s} holds nothing but ASCII and CJK unified ideographs (not the compatibility ones, which NFD maps). */
        private static boolean asciiOrUnifiedIdeographs(String s) {
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                boolean compatibility = (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
                if (cp >= 0x80 && (compatibility || !Unicode.isChineseChar(cp))) {
                    return false;
                }
            }
            return true;
        }

        /**
         * As HF runs its steps: the removed characters filtered out, whitespace mapped to a space, an ideograph replaced
         * by a space with itself and a space inserted after it, then NFD, the marks filtered out, and Lowercase.
         */
        @Override
        public void normalize(NormalizedText text) {
            if (cleanText) {
                text.filter(c -> !(c == 0 || c == 0xFFFD || isBertControl(c)));
                text.map(c -> isBertWhitespace(c) ? ' ' : c);
            }
            if (chineseChars) {
                IntBuffer cps = new IntBuffer();
                IntBuffer changes = new IntBuffer();
                for (int i = 0; i < text.size(); i++) {
                    int c = text.codePoint(i);
                    boolean pad = Unicode.isChineseChar(c);
                    if (pad) {
                        cps.add(' ');
                        changes.add(0);
                    }
                    cps.add(c);
                    changes.add(pad ? 1 : 0);
                    if (pad) {
                        cps.add(' ');
                        changes.add(1);
                    }
                }
                text.transform(cps, changes, 0);
            }
            if (stripAccents) {
                NFD.normalize(text);
                text.filter(c -> !HfUnicode.isBertNonSpacingMark(c));
            }
            if (lowercase) {
                LOWERCASE.normalize(text);
            }
        }
    }

    private static final Normalizer NFD = unicode(java.text.Normalizer.Form.NFD);
    private static final Normalizer LOWERCASE = lowercase();

    /**
     * HF bert.rs is_whitespace: \t \n \r and Rust's {@code char::is_whitespace}, the White_Space property, which holds
     * every space separator (Zs) and is the same on every JDK.
     */
    static boolean isBertWhitespace(int c) {
        return Unicode.isWhiteSpace(c);
    }

    /** HF bert.rs is_control: {@link HfUnicode#isBertControl}. */
    static boolean isBertControl(int c) {
        return HfUnicode.isBertControl(c);
    }

    /** HF's Precompiled normalizer over a SentencePiece character map ({@link Precompiled}). */
    public static Normalizer precompiled(PrecompiledCharsMap map) {
        return new Precompiled(map);
    }

    /**
     * HF's {@code Precompiled} normalizer, which applies the map as sentencepiece does not: per extended grapheme
     * cluster (Unicode 17's, as HF cuts them: {@link GraphemeBreaks}, not Java 17's {@code \X}), a cluster of under 6 UTF-8 bytes that some key starts is replaced whole by the output of the
     * <em>shortest</em> such key (what follows that key in the cluster is lost: "ｶﾞ" is 6 bytes and maps per character,
     * "\uFB01\u0301" loses its accent); any other cluster is mapped character by character, each by the shortest key
     * it starts with, else kept. sentencepiece takes the longest key at each byte, across clusters. The two agree on
     * the keys {@code nmt_nfkc} and {@code nfkc_cf} hold for single characters, which are most of them.
     */
    public record Precompiled(PrecompiledCharsMap map) implements Normalizer {
        @Override
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length() + 8);
            apply(s, sb, null, null);
            return sb.toString();
        }

        /**
         * HF's alignment of the map's output: each output character with its change ({@link NormalizedText#transform}),
         * as HF's Precompiled gives them (tokenizers 0.23): each output character 0, then, when the output has more
         * characters than what it replaced, its last ones 1, and when it has fewer, the last character given so far
         * (maybe an earlier one's, when the output is empty) removes the difference. A deletion at the start of a text has no
         * character to remove it, so the next output character takes its place: HF's offsets shift there, and
         * Kindling's with them.
         */
        @Override
        public void normalize(NormalizedText text) {
            IntBuffer cps = new IntBuffer();
            IntBuffer changes = new IntBuffer();
            apply(text.text(), null, cps, changes);
            text.transform(cps, changes, 0);
        }

        private void apply(String s, StringBuilder sb, IntBuffer cps, IntBuffer changes) {
            for (int at = 0, end; at < s.length(); at = end) { // clusters as HF's unicode-segmentation cuts them
                end = GraphemeBreaks.next(s, at);
                String cluster = s.substring(at, end);
                byte[] b = cluster.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                if (b.length < 6) {
                    long m = map.shortestPrefix(b, 0, b.length);
                    if (m >= 0) {
                        emit(map.output(m), cluster, sb, cps, changes);
                        continue;
                    }
                }
                for (int i = 0; i < cluster.length(); ) {
                    int cp = cluster.codePointAt(i);
                    String c = Character.toString(cp);
                    byte[] cb = c.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    long m = map.shortestPrefix(cb, 0, cb.length);
                    emit(m >= 0 ? map.output(m) : c, c, sb, cps, changes);
                    i += Character.charCount(cp);
                }
            }
        }

        private static void emit(String out, String replaced, StringBuilder sb, IntBuffer cps, IntBuffer changes) {
            if (sb != null) {
                sb.append(out);
                return;
            }
            int n = out.codePointCount(0, out.length());
            int grow = n - replaced.codePointCount(0, replaced.length());
            for (int i = 0, k = 0; i < out.length(); k++) {
                int cp = out.codePointAt(i);
                cps.add(cp);
                changes.add(grow > 0 && k >= n - grow ? 1 : 0);
                i += Character.charCount(cp);
            }
            if (grow < 0 && changes.size() > 0) {
                changes.set(changes.size() - 1, changes.get(changes.size() - 1) + grow);
            }
        }
    }

    /** HF's Nmt normalizer: drops some control characters and maps others to a space. */
    public static Normalizer nmt() {
        return new Nmt();
    }

    private record Nmt() implements Normalizer {
        @Override
        public String normalize(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (removed(cp)) {
                    continue;
                }
                sb.appendCodePoint(space(cp) ? ' ' : cp);
            }
            return sb.toString();
        }

        /** As HF: the removed characters filtered out, then the others mapped to a space. */
        @Override
        public void normalize(NormalizedText text) {
            text.filter(c -> !removed(c));
            text.map(c -> space(c) ? ' ' : c);
        }

        private static boolean removed(int cp) {
            return (cp >= 0x0001 && cp <= 0x0008) || cp == 0x000B || (cp >= 0x000E && cp <= 0x001F) || cp == 0x007F
                    || cp == 0x008F || cp == 0x009F;
        }

        private static boolean space(int cp) {
            return cp == 0x0009 || cp == 0x000A || cp == 0x000C || cp == 0x000D || cp == 0x1680 || (cp >= 0x200B && cp <= 0x200F)
                    || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 || cp == 0xFEFF || cp == 0xFFFD;
        }
    }
}
