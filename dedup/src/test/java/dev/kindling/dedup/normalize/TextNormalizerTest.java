package dev.kindling.dedup.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.minhash.Jaccard;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.testing.SharedData;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

    @Test
    void nearIsLikeDatatroveSimplifyTextPlusNfkc() {
        assertEquals("the cafe 0", TextNormalizer.normalize("  Ｔhe  café — 2024!", NormalizeOptions.NEAR));
        assertEquals("well known fact 0 0 dollars", TextNormalizer.normalize("Well-known fact: $1,000,000 dollars.", NormalizeOptions.NEAR));
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

    /**
     * Invisible format characters are dropped by exact and near: a soft hyphen (as German and Dutch news sites set in
     * long words), a zero-width space, a word joiner, a byte order mark or a bidi mark inside a copy made it another
     * text, to exact dedup and to every shingle it touched. The Arabic number sign is drawn, so it stays.
     */
    @Test
    void invisibleFormatCharactersAreDropped() {
        String plain = "An international agreement was signed today.";
        for (String hidden : new String[] {"\u00AD", "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u200E", "\u202A"}) {
            String copy = "An inter" + hidden + "national agree" + hidden + "ment was signed to" + hidden + "day." + hidden;
            for (NormalizeOptions o : new NormalizeOptions[] {NormalizeOptions.EXACT, NormalizeOptions.NEAR}) {
                assertEquals(TextNormalizer.normalize(plain, o), TextNormalizer.normalize(copy, o), hidden.codePointAt(0) + " " + o);
            }
        }
        // a tag character (outside the BMP) too
        assertEquals("flag", TextNormalizer.normalize("fl\uDB40\uDC67ag", NormalizeOptions.NEAR));
        assertEquals("\u0600 0", TextNormalizer.normalize("\u0600 12", NormalizeOptions.NEAR), "the Arabic number sign is seen");
        assertTrue(TextNormalizer.isInvisible(0x00AD) && !TextNormalizer.isInvisible(0x0600) && !TextNormalizer.isInvisible('a'));
        // kept when not asked for (NONE, and the options as they were before the switch)
        assertEquals("a\u00ADb", TextNormalizer.normalize("a\u00ADb", NormalizeOptions.NONE));
        assertEquals("a\u00ADb", TextNormalizer.normalize("A\u00ADB",
                new NormalizeOptions(true, true, true, true, true, NormalizeOptions.Digits.ZERO)));
    }

    @Test
    void optionsAreIndependent() {
        NormalizeOptions digitsOnly = new NormalizeOptions(false, false, false, false, false, NormalizeOptions.Digits.REMOVE);
        assertEquals("Room B, floor ", TextNormalizer.normalize("Room 12B, floor 3", digitsOnly));
        assertEquals("Same  Text", TextNormalizer.normalize("Same  Text", NormalizeOptions.NONE));
        NormalizeOptions zero = new NormalizeOptions(false, false, true, false, false, NormalizeOptions.Digits.ZERO);
        assertEquals("v0 and 0, 0.0", TextNormalizer.normalize("v1.25 and 3000, 1.2.3", zero));
        NormalizeOptions punctuationOnly = new NormalizeOptions(false, false, false, true, false, NormalizeOptions.Digits.KEEP);
        assertEquals("Ago never  1 5", TextNormalizer.normalize("Ago\u2014never  1.5", punctuationOnly));
    }

    /**
     * NEAR against what datatrove's current {@code simplify_text} (utils/text.py, {@code TextNormConfig} defaults) gives,
     * worked by hand from its steps: lower case; {@code \p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)?} to {@code 0}; punctuation to a space
     * ({@code PUNCTUATION_TRANS}); white space runs to one space; NFD with the marks dropped; strip.
     */
    static void near(String expected, String text) {
        assertEquals(expected, TextNormalizer.normalize(text, NormalizeOptions.NEAR), text);
    }

    @Test
    void nearPunctuationBecomesASpace() {
        near("some years ago never mind how long precisely having", "Some years ago\u2014never mind how long precisely\u2014having");
        near("some years ago never mind", "Some years ago -- never mind");
        near("don t stop well known", "Don't stop: well-known!");
        near("a b", "  a\t\n(\u00ab\u00bb) b  ");
        near("", "\u2014 ... \u2014");
        near("the cafe 0", "  \uFF34he  caf\u00e9 \u2014 2024!");
    }

    @Test
    void nearNumbersAreZeroWithOneDecimalSeparator() {
        // the number goes before the punctuation: a thousands separator joins one group only
        near("0 0 in 0 or so", "$1,000,000.50 in 1851\u2014or so");
        near("pi is 0", "Pi is 3.14159");
        near("0 0", "2024-2025");
        near("0 0", "1.2.3");
        near("0", "\u0661\u066b\u0665");          // Arabic-Indic 1.5 with the Arabic decimal separator
        near("0 items", "\uFF11\uFF12 items");    // full-width digits (NFKC first)
        near("a0b", "a12b");
        near("0 and 0", "3. and 4");                // a separator without digits after it is punctuation
    }

    /**
     * A passage of Moby-Dick full of em-dashes, against the same passage with the dashes written as spaced ASCII
     * dashes (as plain-text editions and mirrors write them): datatrove's simplify_text makes them the same text, so its
     * MinHash sees the same 5-gram shingles. Dropping the dashes with no space glued 16 pairs of words
     * ("hump—Oh" as "humpoh"), which left the pair a Jaccard similarity of 0.17, far below the 0.8 threshold.
     */
    @Test
    void nearDuplicatesWithOtherDashesAreTheSameText() {
        String chapter = JsonlDocuments.read(SharedData.require("corpus/moby-dick.jsonl"), "id", "text").stream()
                .filter(d -> d.id().equals("chapter_81")).findFirst().orElseThrow().text();
        String passage = chapter.split("\n\n")[18];
        assertTrue(passage.startsWith("\"Oh! see the suds he makes!\" cried Flask"), passage);
        assertEquals(16, passage.chars().filter(c -> c == '\u2014').count());
        String mirror = passage.replace("\u2014", " -- ");
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        double j = Jaccard.of(sh.shingleSet(passage), sh.shingleSet(mirror));
        assertEquals(1.0, j, "Jaccard of the 5-gram shingles");
        assertEquals(TextNormalizer.normalize(passage, NormalizeOptions.NEAR), TextNormalizer.normalize(mirror, NormalizeOptions.NEAR));
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
