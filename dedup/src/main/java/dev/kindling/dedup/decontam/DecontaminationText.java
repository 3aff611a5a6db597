package dev.kindling.dedup.decontam;

import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;

/**
 * The text whose words decontamination compares, as datatrove's {@code simplify_text} (the normalisation of its
 * {@code NGramsDecontFilter}) makes it, in its order: lower case; each number, digits of any script with at most one
 * decimal separator ({@code \p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?}), becomes {@code 0}; punctuation becomes a space; white space
 * runs become one space; accents go. So {@code "ago—never"} is two words, as {@code "ago -- never"} is, and
 * {@code "$1,000,000.50"} is {@code "0 0"}.
 *
 * <p>Two differences, both on the side of finding more: NFKC comes first (full-width letters and digits, ligatures), and
 * punctuation is every Unicode punctuation, symbol and control character ({@link TextNormalizer#isPunctuationOrSymbol})
 * rather than datatrove's list of about a hundred. Words are then split at spaces (datatrove uses its language's word
 * tokenizer, {@code load_word_tokenizer}, which has little left to split once the punctuation is gone).
 *
 * <p>Near dedup keeps {@link NormalizeOptions#NEAR}, which drops punctuation without a space: its shingles, and so
 * which documents are duplicates, do not change here.
 */
public final class DecontaminationText {
    private DecontaminationText() {}

    /** NFKC and accents only: the per-character steps below do the rest. */
    private static final NormalizeOptions UNICODE = new NormalizeOptions(true, false, false, false, true, NormalizeOptions.Digits.KEEP);

    public static String normalize(String text) {
        String s = TextNormalizer.normalize(text, UNICODE);
        StringBuilder out = new StringBuilder(s.length());
        boolean space = false;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (Character.isDigit(cp)) {
                i = afterNumber(s, i);
                cp = '0';
            } else {
                i += Character.charCount(cp);
                if (isSpace(cp) || TextNormalizer.isPunctuationOrSymbol(cp)) {
                    space = true;
                    continue;
                }
                cp = TextNormalizer.fold(cp);
            }
            if (space && out.length() > 0) {
                out.append(' ');
            }
            space = false;
            out.appendCodePoint(cp);
        }
        return out.toString();
    }

    /** The index after the number starting at {@code i}: its digits, and one separator with the digits after it. */
    private static int afterNumber(String s, int i) {
        int end = digits(s, i);
        if (end < s.length() && isDecimalSeparator(s.charAt(end))) {
            int after = end + 1;
            if (after < s.length() && Character.isDigit(s.codePointAt(after))) {
                end = digits(s, after);
            }
        }
        return end;
    }

    private static int digits(String s, int i) {
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!Character.isDigit(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }

    /** datatrove's decimal separators: period, comma, Arabic comma and decimal separator, the three decimal-separator keys. */
    private static boolean isDecimalSeparator(char c) {
        return c == '.' || c == ',' || c == '\u060C' || c == '\u066B' || c == '\u2396' || c == '\u2397' || c == '\u2398';
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }
}
