package dev.kindling.dedup.normalize;

import dev.kindling.formats.text.CanonicalOrder;
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
 * common case to one pass over the characters; so do the ASCII parts of other text, and runs of punctuation
 * such as curly quotes and dashes ({@link #unicodePasses}).
 */
public final class TextNormalizer {
    private TextNormalizer() {}

    // Classes of ASCII characters, looked up instead of Character.getType in the hot loop.
    private static final byte OTHER = 0;
    private static final byte SPACE = 1;
    private static final byte PUNCT = 2;
    private static final byte DIGIT = 3;
    private static final byte UPPER = 4;
    /** An invisible format character ({@link #isInvisible}); never ASCII. */
    private static final byte INVISIBLE = 5;
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
        String s = unicodePasses(text, o);
        if (!o.caseFold() && !o.collapseWhitespace() && !o.punctuationAsSpace() && o.digits() == NormalizeOptions.Digits.KEEP
                && !o.dropInvisible()) {
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
            if (kind == INVISIBLE && o.dropInvisible()) {
                continue;
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
            case Character.FORMAT -> isInvisible(cp) ? INVISIBLE : OTHER;
            default -> OTHER;
        };
    }

    /**
     * An invisible format character (general category Cf) that {@link NormalizeOptions#dropInvisible} drops: all but
     * the prepended concatenation marks (Arabic number signs U+0600-0605, U+06DD, U+0890-0891, U+08E2; Syriac
     * U+070F; Kaithi U+110BD, U+110CD), which are drawn.
     */
    public static boolean isInvisible(int cp) {
        return Character.getType(cp) == Character.FORMAT && !(cp >= 0x0600 && cp <= 0x0605) && cp != 0x06DD && cp != 0x070F
                && cp != 0x0890 && cp != 0x0891 && cp != 0x08E2 && cp != 0x110BD && cp != 0x110CD;
    }

    /** True for a Unicode punctuation, symbol or control character (what punctuationAsSpace makes a space). */
    public static boolean isPunctuationOrSymbol(int cp) {
        return cp < 128 ? ASCII[cp] == PUNCT : classify(cp) == PUNCT;
    }

    /**
     * NFKC and mark stripping (as {@code o} asks) of {@code text}, one segment at a time. Every ASCII character is a
     * normalisation boundary (a starter, combining class 0, that composes with nothing before it), so NFKC, NFD and NFC
     * of a text are those of its pieces cut before each ASCII character, joined; {@link #unicodePassesWholeText} is
     * the whole-text twin and the oracle. Only the pieces holding non-ASCII characters other than {@link #isInert}
     * punctuation (with the ASCII character before them, which may take their marks) go through {@link Normalizer},
     * and a text none of whose pieces change is returned as it is: English with curly quotes and dashes allocated
     * about 21 bytes per character in three whole-text passes (a 10 MB document), and now allocates only for the
     * pieces that hold letters outside ASCII.
     */
    static String unicodePasses(String text, NormalizeOptions o) {
        if (!o.nfkc() && !o.stripDiacritics()) {
            return text;
        }
        int n = text.length();
        int i = firstNonAscii(text, 0);
        if (i == n) {
            return text;
        }
        StringBuilder out = null;   // made at the first piece that changes
        int copied = 0;             // text[0..copied) is in out already (or unchanged, while out is null)
        while (i < n) {
            int start = i > 0 && text.charAt(i - 1) < 128 ? i - 1 : i;
            int end = i;
            boolean inert = true;
            while (end < n && text.charAt(end) >= 128) {
                inert &= isInert(text.charAt(end));
                end++;
            }
            if (inert) {   // curly quotes, dashes and the like: no pass changes them
                i = firstNonAscii(text, end);
                continue;
            }
            String piece = text.substring(start, end);
            String done = unicodePassesWholeText(piece, o);
            if (out != null || !done.equals(piece)) {
                if (out == null) {
                    out = new StringBuilder(n + 16);
                }
                out.append(text, copied, start).append(done);
                copied = end;
            }
            i = firstNonAscii(text, end);
        }
        return out == null ? text : out.append(text, copied, n).toString();
    }

    /**
     * BMP punctuation, symbols and space separators that NFKC and NFD leave as they are (one bit per char). Such a
     * character is a starter that composes with nothing (only marks, Hangul jamo and a few vowel signs follow a
     * character in a canonical decomposition), so a run of them, and the ASCII character before it, pass through
     * NFKC, NFD, mark dropping and NFC unchanged. {@code UnicodePassesTest} checks every one of them in context.
     */
    private static final long[] INERT = new long[1024];

    static {
        for (char c = 128; c < 0xD800; c++) {
            int type = Character.getType(c);
            boolean candidate = switch (type) {
                case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                     Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                     Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                     Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL, Character.SPACE_SEPARATOR -> true;
                default -> false;
            };
            if (candidate) {
                String one = String.valueOf(c);
                if (Normalizer.isNormalized(one, Normalizer.Form.NFKC) && Normalizer.isNormalized(one, Normalizer.Form.NFD)) {
                    INERT[c >>> 6] |= 1L << c;
                }
            }
        }
    }

    /** True for a char in {@link #INERT}. */
    static boolean isInert(char c) {
        return (INERT[c >>> 6] & (1L << c)) != 0;
    }

    private static int firstNonAscii(String s, int from) {
        int n = s.length();
        while (from < n && s.charAt(from) < 128) {
            from++;
        }
        return from;
    }

    /**
     * {@link #unicodePasses} on the whole text at once: NFKC unless already NFKC, then NFD, the non-spacing marks
     * dropped, NFC, each a new string. The twin the tests hold the segmented passes to.
     */
    static String unicodePassesWholeText(String text, NormalizeOptions o) {
        String s = text;
        if (isAscii(s)) {
            return s;
        }
        if (o.nfkc()) {
            if (CanonicalOrder.hasLongMarkRun(s)) {
                // put in canonical order here, which the JDK's check and normaliser do in quadratic time (CanonicalOrder);
                // decomposed here, not through CanonicalOrder.normalize, which would look for the run again on every piece
                s = Normalizer.normalize(CanonicalOrder.decompose(s, Normalizer.Form.NFKD), Normalizer.Form.NFKC);
            } else if (!Normalizer.isNormalized(s, Normalizer.Form.NFKC)) {
                s = Normalizer.normalize(s, Normalizer.Form.NFKC);
            }
        }
        if (o.stripDiacritics()) {
            s = stripMarks(s);
        }
        return s;
    }

    private static String stripMarks(String s) {
        String d = CanonicalOrder.normalize(s, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); ) {
            int cp = d.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) {
                sb.appendCodePoint(cp);
            }
        }
        // Recompose what is left (Hangul syllables, for instance) so lengths stay as users expect. Dropping the
        // non-spacing marks of class 0 between marks (U+0902 between U+1D16D and U+1D165) joins the runs they split into
        // one the JDK's NFC would sort one mark at a time: a long one is put in order here first (CanonicalOrder)
        return CanonicalOrder.normalize(sb, Normalizer.Form.NFC);
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
