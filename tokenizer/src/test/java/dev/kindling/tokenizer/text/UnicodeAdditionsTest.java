package dev.kindling.tokenizer.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link Unicode#generalCategory} searches the Unicode 16 table only for a character the JDK calls unassigned, or a
 * non-spacing mark in a block where the table lists a character of another category; these check, for every code
 * point, that this gives the table's category exactly where a search for every unassigned character and every mark
 * would.
 */
class UnicodeAdditionsTest {
    private static int everyMarkSearched(int c) {
        int jdk = Character.getType(c);
        int listed = UnicodeAdditions.category(c);
        return listed >= 0 && (jdk == Character.UNASSIGNED || jdk == Character.NON_SPACING_MARK) ? listed : jdk;
    }

    @Test
    void generalCategoryIsTheTablesWhereTheJdkHasNoneOrAMark() {
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            int code = c;
            assertEquals(everyMarkSearched(c), Unicode.generalCategory(c), () -> String.format("U+%04X", code));
        }
    }

    @Test
    void marksOfOtherBlocksAreTheJdks() {
        assertEquals(Character.NON_SPACING_MARK, Unicode.generalCategory(0x094D)); // DEVANAGARI SIGN VIRAMA
        assertEquals(Character.NON_SPACING_MARK, Unicode.generalCategory(0x0650)); // ARABIC KASRA
        assertEquals(Character.NON_SPACING_MARK, Unicode.generalCategory(0x1733)); // HANUNOO VOWEL SIGN U, beside U+1734
        if (Character.getType(0x1734) == Character.NON_SPACING_MARK) { // Java 17 to 24: Mn, Unicode 16: Mc
            assertEquals(Character.COMBINING_SPACING_MARK, Unicode.generalCategory(0x1734)); // HANUNOO SIGN PAMUDPOD
        }
        assertEquals(Character.OTHER_LETTER, Unicode.generalCategory(0x1E290)); // TOTO LETTER PA (Unicode 14)
    }

    @Test
    void additionsAreTheCodePointsWhoseCategoryIsNotTheJdks() {
        int[] next = {0};
        Unicode.forEachCategoryAddition((c, unicode16, jdk) -> {
            for (int d = next[0]; d < c; d++) {
                int code = d;
                assertEquals(Character.getType(d), Unicode.generalCategory(d), () -> String.format("U+%04X is not listed", code));
            }
            assertEquals(Unicode.generalCategory(c), unicode16);
            assertEquals(Character.getType(c), jdk);
            assertNotEquals(jdk, unicode16);
            next[0] = c + 1;
        });
        for (int d = next[0]; d <= Character.MAX_CODE_POINT; d++) {
            int code = d;
            assertEquals(Character.getType(d), Unicode.generalCategory(d), () -> String.format("U+%04X is not listed", code));
        }
    }
}
