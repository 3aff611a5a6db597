package dev.kindling.tokenizer.pretokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.tokenizer.text.Unicode;
import org.junit.jupiter.api.Test;

/**
 * The scanners read a code point's class from a table below U+10000; for every code point it is what
 * {@link Unicode}'s classes (Unicode 16 letters, numbers and marks, White_Space) give.
 */
class ScannerClassesTest {
    private static String hex(int c) {
        return String.format("U+%04X", c);
    }

    @Test
    void everyCodePointHasItsUnicodeClass() {
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            int expected = c == '\r' || c == '\n' ? 4 : Unicode.isWhiteSpace(c) ? 3 : Unicode.isLetter(c) ? 1
                    : Unicode.isNumber(c) ? 2 : 5;
            int code = c;
            assertEquals(expected, Scanners.classOf(c), () -> hex(code));
        }
    }

    @Test
    void everyCodePointHasItsO200kLetterClassesAndMarks() {
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            int t = Unicode.generalCategory(c);
            boolean mark = Unicode.isMark(c);
            boolean upper = t == Character.UPPERCASE_LETTER || t == Character.TITLECASE_LETTER || t == Character.MODIFIER_LETTER
                    || t == Character.OTHER_LETTER || mark;
            boolean lower = t == Character.LOWERCASE_LETTER || t == Character.MODIFIER_LETTER || t == Character.OTHER_LETTER || mark;
            int expected = (upper ? Scanners.U : 0) | (lower ? Scanners.LW : 0);
            int code = c;
            assertEquals(expected, Scanners.upperLower(c), () -> hex(code));
            assertEquals(mark, Scanners.isMark(c), () -> hex(code));
        }
    }
}
