package dev.kindling.tokenizer.normalize;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.Unicode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import dev.kindling.tokenizer.text.DeepStack;
import java.util.regex.Pattern;

/** The normalizers of Hugging Face {@code tokenizers} that tokenizer.json files use. */
public final class Normalizers {
    private Normalizers() {}

    /** Unicode normalization form; a fast check skips text that is already normalized. */
    public static Normalizer unicode(java.text.Normalizer.Form form) {
        return new UnicodeForm(form);
    }

    /** A Unicode normalization form step, which offsets follow through its own alignment ({@link #composingForm}). */
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
            if (simple || java.text.Normalizer.isNormalized(s, form)) {
                return s;
            }
            return HfUnicode.normalize(s, form);
        }
    }

    /**
     * The first NFC, NFKC or NFKD step of {@code n} (alone or in a {@link #sequence}), or null: the form whose
     * alignment Hugging Face keeps per character and offsets must follow (NFD's decompositions the aligner follows
     * itself).
     */
    public static java.text.Normalizer.Form composingForm(Normalizer n) {
        if (n instanceof UnicodeForm u && u.form() != java.text.Normalizer.Form.NFD) {
            return u.form();
        }
        if (n instanceof Sequence q) {
            for (Normalizer part : q.parts()) {
                java.text.Normalizer.Form f = composingForm(part);
                if (f != null) {
                    return f;
                }
            }
        }
        return null;
    }

    /**
     * A normalizer that acts on each character alone: a text's output is its characters' outputs one after another.
     * Offsets take such a step before a Unicode form into that form's alignment ({@link #charWiseBeforeForm}).
     */
    @FunctionalInterface
    public interface CharWise extends Normalizer {}

    /**
     * The Lowercase, StripAccents and NFD steps of {@code n} that come before its {@link #composingForm}, as one
     * normalizer to put each character through alone (HF's alignment: every part of a character's output comes from
     * that character), or null when there are none. They change what the form sees (Lowercase makes I + U+0307, which
     * NFC composes into U+0130, "i" + U+0307, which it does not). The other steps (Prepend, Strip, Replace) the
     * aligner follows itself.
     */
    public static Normalizer charWiseBeforeForm(Normalizer n) {
        if (!(n instanceof Sequence q) || composingForm(n) == null) {
            return null;
        }
        List<Normalizer> before = new java.util.ArrayList<>();
        for (Normalizer part : q.parts()) {
            if (composingForm(part) != null) {
                break;
            }
            if (part instanceof CharWise || part instanceof UnicodeForm) { // a form before the composing one is NFD
                before.add(part);
            }
        }
        return before.isEmpty() ? null : sequence(before);
    }

    /** HF's Lowercase normalizer: {@link #lowercase(String)}. */
    public static Normalizer lowercase() {
        CharWise n = Normalizers::lowercase;
        return n;
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

    /** Removes leading and/or trailing Unicode whitespace. */
    public static Normalizer strip(boolean left, boolean right) {
        return s -> {
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
        };
    }

    /**
     * HF's StripAccents (meant to follow NFD): removes every combining mark, spacing (Mc, the Devanagari vowel
     * signs) and enclosing (Me) as well as non-spacing (Mn), as its {@code is_combining_mark} does, by that one's
     * Unicode 9.0 tables ({@link HfUnicode#isCombiningMark}): the marks of later versions (U+07FD, Unicode 11) stay.
     */
    public static Normalizer stripAccents() {
        CharWise n = s -> removeMarks(s, false);
        return n;
    }

    /** Removes the non-spacing marks (Mn) of Unicode 8.0 only, as HF's BertNormalizer strips accents ({@link HfUnicode}). */
    static String removeNonSpacingMarks(String s) {
        return removeMarks(s, true);
    }

    private static String removeMarks(String s, boolean bertNonSpacingOnly) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            boolean mark = bertNonSpacingOnly ? HfUnicode.isBertNonSpacingMark(cp) : HfUnicode.isCombiningMark(cp);
            if (mark && sb == null) {
                sb = new StringBuilder(s.length());
                sb.append(s, 0, i);
            } else if (!mark && sb != null) {
                sb.appendCodePoint(cp);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    /** Replaces every occurrence of a literal string. */
    public static Normalizer replaceLiteral(String pattern, String content) {
        if (pattern.isEmpty()) {
            return Normalizer.NONE;
        }
        return s -> s.contains(pattern) ? s.replace(pattern, content) : s;
    }

    /** Replaces every match of a regex (Java syntax, Unicode classes); a match too deep for the stack, see {@link DeepStack}. */
    public static Normalizer replaceRegex(Pattern regex, String content) {
        String quoted = Matcher.quoteReplacement(content);
        return s -> DeepStack.replaceAll(regex, s, quoted, "the normalizer's Replace regex", "text");
    }

    /** Prepends {@code prefix} to non-empty text. */
    public static Normalizer prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
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
    }

    /**
     * HF's BertNormalizer: {@code cleanText} drops NUL, U+FFFD and control characters and turns
     * whitespace into spaces; {@code chineseChars} pads CJK ideographs with spaces; then optional
     * accent stripping (NFD and removal of Mn) and lowercasing.
     */
    public static Normalizer bert(boolean cleanText, boolean chineseChars, boolean stripAccents, boolean lowercase) {
        return s -> {
            StringBuilder sb = new StringBuilder(s.length() + 8);
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
                    sb.appendCodePoint(cp);
                }
            }
            String out = sb.toString();
            if (stripAccents) {
                out = removeNonSpacingMarks(HfUnicode.normalize(out, java.text.Normalizer.Form.NFD));
            }
            if (lowercase) {
                out = lowercase(out);
            }
            return out;
        };
    }

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

    /** An extended grapheme cluster, as Rust's unicode-segmentation {@code graphemes(true)} gives them. */
    private static final Pattern GRAPHEME = Pattern.compile("\\X");

    /**
     * HF's {@code Precompiled} normalizer, which applies the map as sentencepiece does not: per extended grapheme
     * cluster, a cluster of under 6 UTF-8 bytes that some key starts is replaced whole by the output of the
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
         * The output's code points with HF's change for each ({@code NormalizedString::transform}'s: 0 replaces the
         * next input character, 1 is inserted after the last one taken, -N also removes the N after it), as HF's
         * Precompiled gives them (tokenizers 0.23): each output character 0, then, when the output has more characters
         * than what it replaced, its last ones 1, and when it has fewer, the last character given so far (maybe an
         * earlier one's, when the output is empty) removes the difference. A deletion at the start of a text has no
         * character to remove it, so the next output character takes its place: HF's offsets shift there, and
         * Kindling's with them.
         */
        public void changes(String s, IntBuffer cps, IntBuffer changes) {
            apply(s, null, cps, changes);
        }

        private void apply(String s, StringBuilder sb, IntBuffer cps, IntBuffer changes) {
            Matcher g = GRAPHEME.matcher(s);
            while (g.find()) {
                String cluster = g.group();
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

    /**
     * The Precompiled step that {@code n} starts with (alone or first in a {@link #sequence}), or null: the step whose
     * alignment offsets follow, as they follow a Unicode form's ({@link #composingForm}).
     */
    public static Precompiled leadingPrecompiled(Normalizer n) {
        if (n instanceof Precompiled p) {
            return p;
        }
        return n instanceof Sequence q && q.parts().length > 0 && q.parts()[0] instanceof Precompiled p ? p : null;
    }

    /** HF's Nmt normalizer: drops some control characters and maps others to a space. */
    public static Normalizer nmt() {
        return s -> {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if ((cp >= 0x0001 && cp <= 0x0008) || cp == 0x000B || (cp >= 0x000E && cp <= 0x001F) || cp == 0x007F
                        || cp == 0x008F || cp == 0x009F) {
                    continue;
                }
                if (cp == 0x0009 || cp == 0x000A || cp == 0x000C || cp == 0x000D || cp == 0x1680 || (cp >= 0x200B && cp <= 0x200F)
                        || cp == 0x2028 || cp == 0x2029 || cp == 0x2581 || cp == 0xFEFF || cp == 0xFFFD) {
                    sb.append(' ');
                } else {
                    sb.appendCodePoint(cp);
                }
            }
            return sb.toString();
        };
    }
}
