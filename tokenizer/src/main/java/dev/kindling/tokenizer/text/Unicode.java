package dev.kindling.tokenizer.text;

/**
 * The Unicode character classes the tokenizer regexes and normalizers use, defined once so the
 * hand-made scanners, the regex fallback and the normalizers agree. Letters, numbers and marks are
 * Unicode 16's ({@link #generalCategory}), as in the regex engines of Hugging Face tokenizers and
 * tiktoken, on every JDK; BERT's punctuation, controls and marks are Unicode 8.0's as in HF ({@link HfUnicode}).
 * None of them reads the JDK's own tables where those differ (Java 17 is Unicode 13, Java 25 Unicode 16).
 */
public final class Unicode {
    private Unicode() {}

    /**
     * The Unicode {@code White_Space} property: what {@code \s} means in Oniguruma and Rust's regex
     * (and Java's with {@code UNICODE_CHARACTER_CLASS}); includes U+0085 and U+00A0, unlike
     * {@link Character#isWhitespace}.
     */
    public static boolean isWhiteSpace(int c) {
        if (c <= 0x20) {
            return c == 0x20 || (c >= 0x09 && c <= 0x0D);
        }
        if (c < 0x85) {
            return false;
        }
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /**
     * The Unicode 16 general category ({@link Character#getType}'s constants): the JDK's, except for the
     * characters Java 17 does not know yet (or knows as a non-spacing mark that became spacing), so that a
     * letter of Unicode 14 to 16 is a letter on every JDK from 17 on.
     */
    public static int generalCategory(int c) {
        int t = Character.getType(c);
        // the hot path: one load and test for a mark, the table search in a separate method
        return UnicodeAdditions.mayDiffer(c, t) ? UnicodeAdditions.categoryOr(c, t) : t;
    }

    /** A code point whose {@link #generalCategory} ({@code unicode16}) is not the JDK's ({@code jdk}). */
    @FunctionalInterface
    public interface CategoryAddition {
        void accept(int c, int unicode16, int jdk);
    }

    /**
     * Calls {@code action} with every code point whose {@link #generalCategory} is not the JDK's, in increasing order.
     * Reads the table's ranges directly rather than through {@link #generalCategory}, so that compiling a regex (11,000
     * code points per class) does not teach the JIT that the table search in {@link #generalCategory} is taken often.
     */
    public static void forEachCategoryAddition(CategoryAddition action) {
        forEachCategoryAddition(Character.MAX_CODE_POINT + 1, action);
    }

    /** {@link #forEachCategoryAddition(CategoryAddition)} for the code points below {@code end} alone. */
    public static void forEachCategoryAddition(int end, CategoryAddition action) {
        int[] r = UnicodeAdditions.RANGES;
        for (int i = 0; i < r.length && r[i] < end; i += 3) {
            for (int c = r[i]; c <= r[i + 1] && c < end; c++) {
                int jdk = Character.getType(c);
                if (UnicodeAdditions.mayDiffer(c, jdk) && jdk != r[i + 2]) {
                    action.accept(c, r[i + 2], jdk);
                }
            }
        }
    }

    /** {@code \p{L}}: Lu, Ll, Lt, Lm, Lo. */
    public static boolean isLetter(int c) {
        if (c < 0x80) {
            return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
        }
        int t = generalCategory(c);
        return t == Character.UPPERCASE_LETTER || t == Character.LOWERCASE_LETTER || t == Character.TITLECASE_LETTER
                || t == Character.MODIFIER_LETTER || t == Character.OTHER_LETTER;
    }

    /** {@code \p{N}}: Nd, Nl, No. */
    public static boolean isNumber(int c) {
        if (c < 0x80) {
            return c >= '0' && c <= '9';
        }
        int t = generalCategory(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** {@code \p{M}}: Mn, Mc, Me. */
    public static boolean isMark(int c) {
        if (c < 0x300) {
            return false;
        }
        int t = generalCategory(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /** Rust's {@code char::is_ascii_punctuation} || general category P in Unicode 8.0 (HF's BERT/Punctuation rule, {@link HfUnicode}). */
    public static boolean isBertPunctuation(int c) {
        return HfUnicode.isBertPunctuation(c);
    }

    /** HF's {@code is_chinese_char}: the CJK ideograph blocks BERT pads with spaces. */
    public static boolean isChineseChar(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
