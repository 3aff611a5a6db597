package dev.kindling.tokenizer.text;

/**
 * Per-character Unicode rules of Hugging Face tokenizers that Java's tables do not give, the same on every JDK.
 * HF's Lowercase normalizer is Rust's {@code char::to_lowercase} with the Unicode of HF's Rust toolchain (17.0
 * for tokenizers 0.23.2): {@link #LOWERCASE} holds the 95 capitals of Unicode 14 to 17 (U+2C2F, U+A7CB,
 * Vithkuqi, Garay, Beria Erfe) that Java 17's Unicode 13 leaves as they are. Written by
 * {@code tokenizer/bench/HfUnicodeTable.java} from what HF does to every code point
 * ({@code tokenizer/bench/hf_unicode_rules.mjs}; both say how to run them).
 */
public final class HfUnicode {
    private HfUnicode() {}

    private static final int[] LOWERCASE = {
        // from Hugging Face tokenizers' Lowercase where Java 17 differs: code point, its lowercase
        0x1C89, 0x1C8A, 0x2C2F, 0x2C5F, 0xA7C0, 0xA7C1, 0xA7CB, 0x264, 0xA7CC, 0xA7CD, 0xA7CE, 0xA7CF, 0xA7D0, 0xA7D1, 0xA7D2, 0xA7D3,
        0xA7D4, 0xA7D5, 0xA7D6, 0xA7D7, 0xA7D8, 0xA7D9, 0xA7DA, 0xA7DB, 0xA7DC, 0x19B, 0x10570, 0x10597, 0x10571, 0x10598, 0x10572, 0x10599,
        0x10573, 0x1059A, 0x10574, 0x1059B, 0x10575, 0x1059C, 0x10576, 0x1059D, 0x10577, 0x1059E, 0x10578, 0x1059F, 0x10579, 0x105A0, 0x1057A, 0x105A1,
        0x1057C, 0x105A3, 0x1057D, 0x105A4, 0x1057E, 0x105A5, 0x1057F, 0x105A6, 0x10580, 0x105A7, 0x10581, 0x105A8, 0x10582, 0x105A9, 0x10583, 0x105AA,
        0x10584, 0x105AB, 0x10585, 0x105AC, 0x10586, 0x105AD, 0x10587, 0x105AE, 0x10588, 0x105AF, 0x10589, 0x105B0, 0x1058A, 0x105B1, 0x1058C, 0x105B3,
        0x1058D, 0x105B4, 0x1058E, 0x105B5, 0x1058F, 0x105B6, 0x10590, 0x105B7, 0x10591, 0x105B8, 0x10592, 0x105B9, 0x10594, 0x105BB, 0x10595, 0x105BC,
        0x10D50, 0x10D70, 0x10D51, 0x10D71, 0x10D52, 0x10D72, 0x10D53, 0x10D73, 0x10D54, 0x10D74, 0x10D55, 0x10D75, 0x10D56, 0x10D76, 0x10D57, 0x10D77,
        0x10D58, 0x10D78, 0x10D59, 0x10D79, 0x10D5A, 0x10D7A, 0x10D5B, 0x10D7B, 0x10D5C, 0x10D7C, 0x10D5D, 0x10D7D, 0x10D5E, 0x10D7E, 0x10D5F, 0x10D7F,
        0x10D60, 0x10D80, 0x10D61, 0x10D81, 0x10D62, 0x10D82, 0x10D63, 0x10D83, 0x10D64, 0x10D84, 0x10D65, 0x10D85, 0x16EA0, 0x16EBB, 0x16EA1, 0x16EBC,
        0x16EA2, 0x16EBD, 0x16EA3, 0x16EBE, 0x16EA4, 0x16EBF, 0x16EA5, 0x16EC0, 0x16EA6, 0x16EC1, 0x16EA7, 0x16EC2, 0x16EA8, 0x16EC3, 0x16EA9, 0x16EC4,
        0x16EAA, 0x16EC5, 0x16EAB, 0x16EC6, 0x16EAC, 0x16EC7, 0x16EAD, 0x16EC8, 0x16EAE, 0x16EC9, 0x16EAF, 0x16ECA, 0x16EB0, 0x16ECB, 0x16EB1, 0x16ECC,
        0x16EB2, 0x16ECD, 0x16EB3, 0x16ECE, 0x16EB4, 0x16ECF, 0x16EB5, 0x16ED0, 0x16EB6, 0x16ED1, 0x16EB7, 0x16ED2, 0x16EB8, 0x16ED3
    };

    /**
     * {@code s} with each capital of {@link #LOWERCASE} replaced by its lowercase, or {@code s} itself when it has
     * none. Each replacement is a lowercase letter that {@link String#toLowerCase} leaves alone (a newer JDK maps
     * these capitals the same way), so this may run before it.
     */
    public static String lowercaseNewerCapitals(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            int lower = cp < LOWERCASE[0] ? -1 : lowercase(cp);
            if (lower >= 0 && sb == null) {
                sb = new StringBuilder(s.length());
                sb.append(s, 0, i);
            }
            if (sb != null) {
                sb.appendCodePoint(lower >= 0 ? lower : cp);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    /** The lowercase of {@code c} in {@link #LOWERCASE}, or -1 when the table does not hold {@code c}. */
    public static int lowercase(int c) {
        int lo = 0;
        int hi = LOWERCASE.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int key = LOWERCASE[2 * mid];
            if (c < key) {
                hi = mid - 1;
            } else if (c > key) {
                lo = mid + 1;
            } else {
                return LOWERCASE[2 * mid + 1];
            }
        }
        return -1;
    }
}
