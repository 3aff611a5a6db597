package dev.kindling.dedup.normalize;

import java.text.Normalizer;

/**
 * The one normalisation shared by exact dedup, MinHash shingling, sentence dedup and
 * decontamination, so that every stage agrees on what "the same text" means.
 *
 * <pre>{@code
 * String n = TextNormalizer.normalize("  Ｔhe  café—2024!", NormalizeOptions.NEAR);   // "the cafe 0"
 * }</pre>
 *
 * <p>ASCII text skips the Unicode normalisers (it is already NFKC and has no marks), which keeps the
 * common case to one pass over the characters.
 */
public final class TextNormalizer {
    private TextNormalizer() {}

    // Classes of ASCII characters, looked up instead of Character.getType in the hot loop.
    private static final byte OTHER = 0;
    private static final byte SPACE = 1;
    private static final byte PUNCT = 2;
    private static final byte DIGIT = 3;
    private static final byte UPPER = 4;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            byte k;
            if (Character.isWhitespace(c)) {
                k = SPACE;
            } else if (c >= '0' && c <= '9') {
                k = DIGIT;
            } else if (c >= 'A' && c <= 'Z') {
                k = UPPER;
            } else if (Character.isLetter(c)) {
                k = OTHER;
            } else {
                k = PUNCT;   // ASCII punctuation, symbols and controls
            }
            ASCII[c] = k;
        }
    }

    /** Normalises {@code text} (null is rejected: callers say which row it came from). */
    public static String normalize(String text, NormalizeOptions o) {
        if (text == null) {
            throw new IllegalArgumentException("text is null");
        }
        String s = text;
        boolean ascii = isAscii(s);
        if (!ascii) {
            if (o.nfkc() && !Normalizer.isNormalized(s, Normalizer.Form.NFKC)) {
                s = Normalizer.normalize(s, Normalizer.Form.NFKC);
            }
            if (o.stripDiacritics()) {
                s = stripMarks(s);
            }
        }
        if (!o.caseFold() && !o.collapseWhitespace() && !o.punctuationAsSpace() && o.digits() == NormalizeOptions.Digits.KEEP) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); ) {
            int start = i;
            int cp = s.charAt(i);
            byte kind;
            if (cp < 128) {
                kind = ASCII[cp];
                i++;
            } else {
                cp = s.codePointAt(i);
                i += Character.charCount(cp);
                kind = classify(cp);
            }
            if (kind == PUNCT && o.punctuationAsSpace()) {
                kind = SPACE;
                cp = ' ';
            }
            if (kind == SPACE) {
                if (o.collapseWhitespace()) {
                    pendingSpace = true;
                } else {
                    out.appendCodePoint(cp);
                }
                continue;
            }
            if (kind == DIGIT) {
                if (o.digits() == NormalizeOptions.Digits.REMOVE) {
                    continue;
                }
                if (o.digits() == NormalizeOptions.Digits.ZERO) {
                    i = afterNumber(s, start);   // datatrove replaces numbers before punctuation: "1,000,000" -> "0,0"
                    cp = '0';
                }
            }
            if (pendingSpace) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                pendingSpace = false;
            }
            if (o.caseFold()) {
                cp = kind == UPPER ? cp + 32 : (cp < 128 ? cp : fold(cp));
            }
            out.appendCodePoint(cp);
        }
        return out.toString();
    }

    /**
     * The index after the number starting at {@code i}: its digits, and one decimal separator with the digits after
     * it (datatrove's {@code \p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?}).
     */
    private static int afterNumber(String s, int i) {
        int end = digits(s, i);
        if (end + 1 < s.length() && isDecimalSeparator(s.charAt(end)) && Character.isDigit(s.codePointAt(end + 1))) {
            end = digits(s, end + 1);
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

    /** Period, comma, Arabic comma, Arabic decimal separator and the three decimal-separator keys (datatrove's list). */
    private static boolean isDecimalSeparator(char c) {
        return c == '.' || c == ',' || c == '\u060C' || c == '\u066B' || c == '\u2396' || c == '\u2397' || c == '\u2398';
    }

    /** Simple case folding of one code point. */
    public static int fold(int cp) {
        return Character.toLowerCase(Character.toUpperCase(cp));
    }

    private static byte classify(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85) {
            return SPACE;
        }
        if (Character.isDigit(cp)) {
            return DIGIT;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL, Character.CONTROL -> PUNCT;
            default -> OTHER;
        };
    }

    /** True for a Unicode punctuation, symbol or control character (what punctuationAsSpace makes a space). */
    public static boolean isPunctuationOrSymbol(int cp) {
        return cp < 128 ? ASCII[cp] == PUNCT : classify(cp) == PUNCT;
    }

    private static String stripMarks(String s) {
        String d = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); ) {
            int cp = d.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) {
                sb.appendCodePoint(cp);
            }
        }
        // Recompose what is left (Hangul syllables, for instance) so lengths stay as users expect.
        return Normalizer.normalize(sb, Normalizer.Form.NFC);
    }

    /** True when every char is below 128. */
    public static boolean isAscii(CharSequence s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }
}
