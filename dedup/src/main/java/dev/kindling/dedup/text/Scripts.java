package dev.kindling.dedup.text;

/**
 * Scripts written without spaces between words (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar,
 * Tibetan). Word-based stages treat each of their characters as one token, so word n-grams over
 * such text become character n-grams instead of one giant "word" per sentence.
 */
public final class Scripts {
    private Scripts() {}

    /** True when {@code cp} belongs to a script that does not separate words with spaces. */
    public static boolean isUnspaced(int cp) {
        if (cp < 0x0E00) {
            return false;   // everything below Thai (Latin, Greek, Cyrillic, Arabic, Indic...) uses spaces
        }
        Character.UnicodeScript s = Character.UnicodeScript.of(cp);
        return switch (s) {
            case HAN, HIRAGANA, KATAKANA, THAI, LAO, KHMER, MYANMAR, TIBETAN, YI -> true;
            default -> false;
        };
    }
}
