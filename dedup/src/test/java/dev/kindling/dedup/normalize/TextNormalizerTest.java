package dev.kindling.dedup.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

    @Test
    void nearIsLikeDatatroveSimplifyTextPlusNfkc() {
        assertEquals("the cafe 0", TextNormalizer.normalize("  Ｔhe  café — 2024!", NormalizeOptions.NEAR));
        assertEquals("wellknown fact 0 dollars", TextNormalizer.normalize("Well-known fact: $1,000,000 dollars.", NormalizeOptions.NEAR));
        assertEquals("naive facade", TextNormalizer.normalize("NAÏVE\tFAÇADE\n", NormalizeOptions.NEAR));
        // ligature and superscript through NFKC; final sigma folds with sigma
        assertEquals("ﬁ".length(), 1);
        assertEquals("fi 0", TextNormalizer.normalize("ﬁ ²", NormalizeOptions.NEAR));
        assertEquals(TextNormalizer.normalize("ΟΔΟΣ", NormalizeOptions.NEAR), TextNormalizer.normalize("οδος", NormalizeOptions.NEAR));
    }

    @Test
    void exactKeepsPunctuationAndDigits() {
        assertEquals("hello, world 42!", TextNormalizer.normalize(" Hello,\u00A0 World\r\n42! ", NormalizeOptions.EXACT));
    }

    @Test
    void optionsAreIndependent() {
        NormalizeOptions digitsOnly = new NormalizeOptions(false, false, false, false, false, NormalizeOptions.Digits.REMOVE);
        assertEquals("Room B, floor ", TextNormalizer.normalize("Room 12B, floor 3", digitsOnly));
        assertEquals("Same  Text", TextNormalizer.normalize("Same  Text", NormalizeOptions.NONE));
        NormalizeOptions zero = new NormalizeOptions(false, false, true, false, false, NormalizeOptions.Digits.ZERO);
        assertEquals("v0.0 and 0", TextNormalizer.normalize("v1.25 and 3000", zero));
    }

    @Test
    void badInput() {
        assertEquals("", TextNormalizer.normalize("", NormalizeOptions.NEAR));
        assertEquals("", TextNormalizer.normalize(" \t\n\u3000 ", NormalizeOptions.NEAR));
        assertEquals("", TextNormalizer.normalize("!!! ... ---", NormalizeOptions.NEAR));
        assertThrows(IllegalArgumentException.class, () -> TextNormalizer.normalize(null, NormalizeOptions.NEAR));
        assertThrows(IllegalArgumentException.class, () -> NormalizeOptions.named("loud"));
        // unpaired surrogates pass through without an exception
        assertEquals("a\uD800b", TextNormalizer.normalize("a\uD800b", NormalizeOptions.EXACT));
        // CJK passes through (no case, no spaces added)
        assertEquals("日本語のテキスト", TextNormalizer.normalize("日本語の　テキスト。", NormalizeOptions.NEAR).replace(" ", ""));
    }
}
