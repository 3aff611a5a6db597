package dev.kindling.tokenizer.text;

import dev.kindling.formats.text.CanonicalOrder;

/**
 * Per-character Unicode rules of Hugging Face tokenizers that Java's tables do not give, the same on every JDK.
 * HF's Lowercase normalizer is Rust's {@code char::to_lowercase} with the Unicode of HF's Rust toolchain (17.0
 * for tokenizers 0.23.2): {@link #LOWERCASE} holds the 95 capitals of Unicode 14 to 17 (U+2C2F, U+A7CB,
 * Vithkuqi, Garay, Beria Erfe) that Java 17's Unicode 13 leaves as they are. BERT's rules (BertNormalizer,
 * BertPreTokenizer, Punctuation) take punctuation, controls and non-spacing marks from the {@code unicode_categories}
 * crate, whose tables are Unicode 8.0: the three {@code BERT_} tables hold the ranges where its answer is not the
 * one Unicode 16 ({@link Unicode#generalCategory}) gives, the characters of Unicode 9 and later (U+2E4F, U+08E2,
 * U+07FD) and those whose category changed since (U+166D, U+1112E). StripAccents takes its combining marks from the
 * {@code unicode-normalization} crate's Unicode 9.0 ({@link #COMBINING_MARK}), and the Digits pre-tokenizer its
 * numbers from Rust's {@code char::is_numeric}, Unicode 17 ({@link #NUMERIC}), a single_word added token its word
 * characters from Rust's regex {@code \w} ({@link #WORD}); the normalization forms do not know the
 * characters of {@link #NORMALIZATION_UNKNOWN} ({@link #normalize}). Written by
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

    private static final int[] BERT_PUNCTUATION = {
        // BERT punctuation: first, last of each range where HF differs from Unicode 16
        0x61D, 0x61D, 0x9FD, 0x9FD, 0xA76, 0xA76, 0xC77, 0xC77, 0xC84, 0xC84, 0x166D, 0x166D, 0x1B4E, 0x1B4F, 0x1B7D, 0x1B7F,
        0x2E43, 0x2E4F, 0x2E52, 0x2E5D, 0x10D6E, 0x10D6E, 0x10EAD, 0x10EAD, 0x10F55, 0x10F59, 0x10F86, 0x10F89, 0x111C9, 0x111C9, 0x113D4, 0x113D5,
        0x113D7, 0x113D8, 0x1144B, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x1145D, 0x11660, 0x1166C, 0x116B9, 0x116B9, 0x1183B, 0x1183B, 0x11944, 0x11946,
        0x119E2, 0x119E2, 0x11A3F, 0x11A46, 0x11A9A, 0x11A9C, 0x11A9E, 0x11AA2, 0x11B00, 0x11B09, 0x11BE1, 0x11BE1, 0x11C41, 0x11C45, 0x11C70, 0x11C71,
        0x11EF7, 0x11EF8, 0x11F43, 0x11F4F, 0x11FFF, 0x11FFF, 0x12FF1, 0x12FF2, 0x16D6D, 0x16D6F, 0x16E97, 0x16E9A, 0x16FE2, 0x16FE2, 0x1E5FF, 0x1E5FF,
        0x1E95E, 0x1E95F
    };

    private static final int[] BERT_CONTROL = {
        // BERT control: first, last of each range where HF differs from Unicode 16
        0x890, 0x891, 0x8E2, 0x8E2, 0x110CD, 0x110CD, 0x13430, 0x1343F
    };

    private static final int[] BERT_NON_SPACING_MARK = {
        // BERT non-spacing mark: first, last of each range where HF differs from Unicode 16
        0x7FD, 0x7FD, 0x897, 0x89F, 0x8CA, 0x8E1, 0x9FE, 0x9FE, 0xAFA, 0xAFF, 0xB55, 0xB55, 0xC04, 0xC04, 0xC3C, 0xC3C,
        0xD00, 0xD00, 0xD3B, 0xD3C, 0xD81, 0xD81, 0xEBA, 0xEBA, 0xECE, 0xECE, 0x1734, 0x1734, 0x180F, 0x180F, 0x1885, 0x1886,
        0x1ABF, 0x1ACE, 0x1DF6, 0x1DFB, 0xA82C, 0xA82C, 0xA8C5, 0xA8C5, 0xA8FF, 0xA8FF, 0xA9BD, 0xA9BD, 0x10D24, 0x10D27, 0x10D69, 0x10D6D,
        0x10EAB, 0x10EAC, 0x10EFC, 0x10EFF, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x11073, 0x11074, 0x110C2, 0x110C2, 0x111C9, 0x111C9,
        0x111CF, 0x111CF, 0x1123E, 0x1123E, 0x11241, 0x11241, 0x1133B, 0x1133B, 0x113BB, 0x113C0, 0x113CE, 0x113CE, 0x113D0, 0x113D0, 0x113D2, 0x113D2,
        0x113E1, 0x113E2, 0x11438, 0x1143F, 0x11442, 0x11444, 0x11446, 0x11446, 0x1145E, 0x1145E, 0x1171E, 0x1171E, 0x1182F, 0x11837, 0x11839, 0x1183A,
        0x1193B, 0x1193C, 0x1193E, 0x1193E, 0x11943, 0x11943, 0x119D4, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x119E0, 0x11A01, 0x11A0A, 0x11A33, 0x11A38,
        0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A56, 0x11A59, 0x11A5B, 0x11A8A, 0x11A96, 0x11A98, 0x11A99, 0x11C30, 0x11C36, 0x11C38, 0x11C3D,
        0x11C3F, 0x11C3F, 0x11C92, 0x11CA7, 0x11CAA, 0x11CB0, 0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D,
        0x11D3F, 0x11D45, 0x11D47, 0x11D47, 0x11D90, 0x11D91, 0x11D95, 0x11D95, 0x11D97, 0x11D97, 0x11EF3, 0x11EF4, 0x11F00, 0x11F01, 0x11F36, 0x11F3A,
        0x11F40, 0x11F40, 0x11F42, 0x11F42, 0x11F5A, 0x11F5A, 0x13440, 0x13440, 0x13447, 0x13455, 0x1611E, 0x16129, 0x1612D, 0x1612F, 0x16F4F, 0x16F4F,
        0x16FE4, 0x16FE4, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1E000, 0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A,
        0x1E08F, 0x1E08F, 0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF, 0x1E944, 0x1E94A
    };

    private static final int[] COMBINING_MARK = {
        // StripAccents combining mark: first, last of each range where HF differs from Unicode 16
        0x7FD, 0x7FD, 0x897, 0x89F, 0x8CA, 0x8D3, 0x9FE, 0x9FE, 0xAFA, 0xAFF, 0xB55, 0xB55, 0xC04, 0xC04, 0xC3C, 0xC3C,
        0xCF3, 0xCF3, 0xD00, 0xD00, 0xD3B, 0xD3C, 0xD81, 0xD81, 0xEBA, 0xEBA, 0xECE, 0xECE, 0x1715, 0x1715, 0x180F, 0x180F,
        0x1ABF, 0x1ACE, 0x1CF2, 0x1CF3, 0x1CF7, 0x1CF7, 0x1DF6, 0x1DFA, 0xA82C, 0xA82C, 0xA8FF, 0xA8FF, 0x10D24, 0x10D27, 0x10D69, 0x10D6D,
        0x10EAB, 0x10EAC, 0x10EFC, 0x10EFF, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x11073, 0x11074, 0x110C2, 0x110C2, 0x11145, 0x11146,
        0x111C9, 0x111C9, 0x111CE, 0x111CF, 0x11241, 0x11241, 0x1133B, 0x1133B, 0x113B8, 0x113C0, 0x113C2, 0x113C2, 0x113C5, 0x113C5, 0x113C7, 0x113CA,
        0x113CC, 0x113D0, 0x113D2, 0x113D2, 0x113E1, 0x113E2, 0x1145E, 0x1145E, 0x1182C, 0x1183A, 0x11930, 0x11935, 0x11937, 0x11938, 0x1193B, 0x1193E,
        0x11940, 0x11940, 0x11942, 0x11943, 0x119D1, 0x119D7, 0x119DA, 0x119E0, 0x119E4, 0x119E4, 0x11A01, 0x11A0A, 0x11A33, 0x11A39, 0x11A3B, 0x11A3E,
        0x11A47, 0x11A47, 0x11A51, 0x11A5B, 0x11A8A, 0x11A99, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47,
        0x11D8A, 0x11D8E, 0x11D90, 0x11D91, 0x11D93, 0x11D97, 0x11EF3, 0x11EF6, 0x11F00, 0x11F01, 0x11F03, 0x11F03, 0x11F34, 0x11F3A, 0x11F3E, 0x11F42,
        0x11F5A, 0x11F5A, 0x13440, 0x13440, 0x13447, 0x13455, 0x1611E, 0x1612F, 0x16F4F, 0x16F4F, 0x16F7F, 0x16F87, 0x16FE4, 0x16FE4, 0x16FF0, 0x16FF1,
        0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1E08F, 0x1E08F, 0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF
    };

    private static final int[] NUMERIC = {
        // Digits numeric: first, last of each range where HF differs from Unicode 16
        0x11DE0, 0x11DE9, 0x16FF4, 0x16FF6
    };

    private static final int[] NORMALIZATION_UNKNOWN = {
        // Normalization forms: first, last of each range the unicode-normalization tables do not know
        0x7FD, 0x7FD, 0x897, 0x89F, 0x8CA, 0x8D3, 0x9FE, 0x9FE, 0xC3C, 0xC3C, 0xD3B, 0xD3C, 0xEBA, 0xEBA, 0x1715, 0x1715,
        0x1ABF, 0x1ADD, 0x1AE0, 0x1AEB, 0x1DF6, 0x1DFA, 0x32FF, 0x32FF, 0xA7F1, 0xA7F4, 0xA82C, 0xA82C, 0xAB69, 0xAB69, 0x105C9, 0x105C9,
        0x105E4, 0x105E4, 0x10781, 0x10785, 0x10787, 0x107B0, 0x107B2, 0x107BA, 0x10D24, 0x10D27, 0x10D69, 0x10D6D, 0x10EAB, 0x10EAC, 0x10EFA, 0x10EFB,
        0x10EFD, 0x10EFF, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x1133B, 0x1133B, 0x11383, 0x11383, 0x11385, 0x11385, 0x1138E, 0x1138E,
        0x11391, 0x11391, 0x113C5, 0x113C5, 0x113C7, 0x113C8, 0x113CE, 0x113D0, 0x1145E, 0x1145E, 0x11839, 0x1183A, 0x11938, 0x11938, 0x1193D, 0x1193E,
        0x11943, 0x11943, 0x119E0, 0x119E0, 0x11A34, 0x11A34, 0x11A47, 0x11A47, 0x11A99, 0x11A99, 0x11D42, 0x11D42, 0x11D44, 0x11D45, 0x11D97, 0x11D97,
        0x11F41, 0x11F42, 0x16121, 0x16128, 0x1612F, 0x1612F, 0x16D68, 0x16D6A, 0x16FF0, 0x16FF1, 0x1CCD6, 0x1CCF9, 0x1E030, 0x1E06D, 0x1E08F, 0x1E08F,
        0x1E130, 0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E4EC, 0x1E4EF, 0x1E5EE, 0x1E5EF, 0x1E6E3, 0x1E6E3, 0x1E6E6, 0x1E6E6, 0x1E6EE, 0x1E6EF,
        0x1E6F5, 0x1E6F5, 0x1F16C, 0x1F16C, 0x1FBF0, 0x1FBF9
    };

    private static final int[] WORD = {
        // single_word word character: first, last of each range where HF differs from Unicode 16
        0x24B6, 0x24E9, 0x1F130, 0x1F149, 0x1F150, 0x1F169, 0x1F170, 0x1F189
    };

    /**
     * A word character to a single_word added token: {@code \w} of Rust's regex crate, which HF's added_vocabulary.rs
     * matches before and after the token (Alphabetic, M, Nd, Pc, Join_Control; Unicode 16). {@link #WORD} holds the
     * Other_Alphabetic symbols (circled and squared letters), which Unicode 16's categories do not make letters.
     */
    public static boolean isWordCharacter(int c) {
        if (c < 0x80) {
            return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' || c >= '0' && c <= '9' || c == '_';
        }
        int t = Unicode.generalCategory(c);
        boolean unicode16 = t == Character.UPPERCASE_LETTER || t == Character.LOWERCASE_LETTER || t == Character.TITLECASE_LETTER
                || t == Character.MODIFIER_LETTER || t == Character.OTHER_LETTER || t == Character.NON_SPACING_MARK
                || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.DECIMAL_DIGIT_NUMBER
                || t == Character.LETTER_NUMBER || t == Character.CONNECTOR_PUNCTUATION || c == 0x200C || c == 0x200D;
        return unicode16 != inRanges(WORD, c);
    }

    /** HF StripAccents' {@code is_combining_mark}: general category M (Mn, Mc, Me) in Unicode 9.0. */
    public static boolean isCombiningMark(int c) {
        return Unicode.isMark(c) != inRanges(COMBINING_MARK, c);
    }

    /** Rust's {@code char::is_numeric} (general category N in Unicode 17), where HF's Digits pre-tokenizer splits. */
    public static boolean isNumeric(int c) {
        return Unicode.isNumber(c) != inRanges(NUMERIC, c);
    }

    /** HF's BERT punctuation: Rust's {@code is_ascii_punctuation}, or general category P in Unicode 8.0. */
    public static boolean isBertPunctuation(int c) {
        if (c < 0x80) {
            return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
        }
        int t = Unicode.generalCategory(c);
        boolean unicode16 = t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                || t == Character.OTHER_PUNCTUATION;
        return unicode16 != inRanges(BERT_PUNCTUATION, c);
    }

    /**
     * HF bert.rs {@code is_control}: not \t \n \r, and Cc, Cf or Co in Unicode 8.0 (or a lone surrogate, which HF
     * never sees). HF's comment there says Cn too, but the crate's {@code is_other} it calls is Cc, Cf and Co only,
     * so an unassigned code point (U+0378, U+FFFE) stays in the text and becomes [UNK].
     */
    public static boolean isBertControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Unicode.generalCategory(c);
        if (t == Character.SURROGATE) {
            return true;
        }
        boolean unicode16 = t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE;
        return unicode16 != inRanges(BERT_CONTROL, c);
    }

    /** A non-spacing mark (Mn) in Unicode 8.0, what BertNormalizer's strip_accents removes after NFD. */
    public static boolean isBertNonSpacingMark(int c) {
        if (c < 0x300) {
            return false;
        }
        return (Unicode.generalCategory(c) == Character.NON_SPACING_MARK) != inRanges(BERT_NON_SPACING_MARK, c);
    }

    /**
     * {@code s} through Java's normalization {@code form} as HF's NFC, NFD, NFKC and NFKD normalizers apply it. Their
     * {@code unicode-normalization} tables predate Unicode 10: a character they do not know ({@link
     * #NORMALIZATION_UNKNOWN}: marks such as U+A82C or U+1DF6, compatibility characters such as U+32FF) stays as it is
     * and, being of combining class 0 there, nothing is reordered or composed across it, where Java's tables (Unicode 13
     * on Java 17) would move the mark or decompose the character. So the text is normalized piece by piece between them,
     * each through {@link CanonicalOrder#normalize}, the JDK's text, whose merge sort orders a long run of marks the JDK
     * would insert into place one by one (quadratic in the run).
     */
    public static String normalize(CharSequence s, java.text.Normalizer.Form form) {
        int from = 0;
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int c = Character.codePointAt(s, i);
            int n = Character.charCount(c);
            if (isNormalizationUnknown(c)) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8);
                }
                sb.append(CanonicalOrder.normalize(s.subSequence(from, i), form)).appendCodePoint(c);
                from = i + n;
            }
            i += n;
        }
        if (sb == null) {
            return CanonicalOrder.normalize(s, form);
        }
        return sb.append(CanonicalOrder.normalize(s.subSequence(from, s.length()), form)).toString();
    }

    /** A character HF's normalization tables do not know ({@link #normalize}): it stays, of combining class 0. */
    public static boolean isNormalizationUnknown(int c) {
        return c >= NORMALIZATION_UNKNOWN[0] && inRanges(NORMALIZATION_UNKNOWN, c);
    }

    /** Whether {@code c} lies in one of the [first, last] pairs of {@code ranges} (sorted, disjoint). */
    private static boolean inRanges(int[] ranges, int c) {
        if (c < ranges[0] || c > ranges[ranges.length - 1]) {
            return false;
        }
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (c < ranges[2 * mid]) {
                hi = mid - 1;
            } else if (c > ranges[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

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

    /**
     * The simple lowercase of {@code c} as HF's Rust toolchain knows it (Unicode 17): {@link #LOWERCASE} first, then
     * {@link Character#toLowerCase(int)}, so that U+2C2F gives U+2C5F on Java 17 too. One code point: U+0130 gives
     * "i" (its full lowercase, {@link #lowercaseNewerCapitals} then {@link String#toLowerCase}, is "i\u0307").
     */
    public static int toLowerCase(int c) {
        int lower = c < LOWERCASE[0] ? -1 : lowercase(c);
        return lower >= 0 ? lower : Character.toLowerCase(c);
    }

    /** The lowercase of {@code c} in {@link #LOWERCASE}, or -1 when the table does not hold {@code c}. */
    private static int lowercase(int c) {
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
