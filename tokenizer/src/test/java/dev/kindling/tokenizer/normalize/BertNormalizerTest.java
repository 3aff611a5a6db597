package dev.kindling.tokenizer.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.tokenizer.text.HfUnicode;
import java.text.Normalizer.Form;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BertNormalizer's accent stripping and lowercasing in one pass over the text ({@code Normalizers.bert}) give what its
 * steps give one after another (NFD of the whole text, the non-spacing marks of Unicode 8.0 removed, the text
 * lowercased), allocating a few bytes a character where each step made a string of the whole text.
 */
class BertNormalizerTest {
    /** Each step on the whole text, as the normalizer ran them before. */
    private static String stepByStep(String s, boolean lowercase) {
        StringBuilder sb = new StringBuilder();
        String nfd = HfUnicode.normalize(s, Form.NFD);
        for (int i = 0; i < nfd.length(); ) {
            int c = nfd.codePointAt(i);
            i += Character.charCount(c);
            if (!HfUnicode.isBertNonSpacingMark(c)) {
                sb.appendCodePoint(c);
            }
        }
        return lowercase ? Normalizers.lowercase(sb.toString()) : sb.toString();
    }

    @Test
    void eachCharacterLowercasedAloneIsTheTextsLowercase() {
        // every character with a lowercase is in planes 0 and 1 (Unicode 17's last, Garay's and Tolong Siki's, too)
        for (int c = 0; c < 0x20000; c++) {
            StringBuilder sb = new StringBuilder();
            Normalizers.appendLowercase(sb, c);
            String expected = Normalizers.lowercase(Character.toString(c));
            if (!expected.contentEquals(sb)) {
                assertEquals(expected, sb.toString(), "U+" + Integer.toHexString(c));
            }
        }
    }

    @Test
    void oneNormalizerPassGivesTheStepsText() {
        // marks of classes 220 and 230 (reordered), Vietnamese's two marks, a spacing mark of class 9, marks HF's tables
        // lack (U+1DF6, U+A82C), a long run, U+0130 and capital sigma, surrogate pairs, Latin-1 signs, CJK, ﬁ, Å (U+212B)
        String[] alphabet = {"a", "E", "Z", " ", ".", "\u00B5", "\u00BF", "\u00C0", "\u00C9", "\u00E9", "\u00FF", "\u0130", "\u03A3",
                "\u1EC6", "e\u0323\u0302", "\u0301", "\u0316", "\u0323", "\u0302", "\u094D", "\u0903", "\u1DF6", "\uA82C",
                "\u0301".repeat(70), "\uD835\uDC00", "\uD801\uDC00", "\u4E2D", "\uFB01", "\u212B", "\u0410", "\u0419", "\u03AA",
                "\u0F73", "\u0FB2\u0F80", "\u0344", "\u01D6", "\u1EC7", "\uAC00", "\u1100\u1161", "\uD834\uDD5E", "\u2C2F"};
        Normalizer strip = Normalizers.bert(false, false, true, false);
        Normalizer stripAndLower = Normalizers.bert(false, false, true, true);
        Random rnd = new Random(11);
        for (int i = 0; i < 4_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 1 + rnd.nextInt(12); k > 0; k--) {
                sb.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            String s = sb.toString();
            assertEquals(stepByStep(s, false), strip.normalize(s), () -> "strip_accents on " + escape(s));
            assertEquals(stepByStep(s, true), stripAndLower.normalize(s), () -> "strip_accents and lowercase on " + escape(s));
            assertEquals(stepByStep(s, true), stripAndLower.normalizedChars(s).toString(), () -> "the encode path on " + escape(s));
        }
    }

    @Test
    void accentedTextIsNormalizedInOnePass() {
        Normalizer bert = Normalizers.bert(true, true, true, true);
        String text = "\u00C9l\u00E8ve na\u00EFve \u00E0 l'\u00E9t\u00E9, \u201Cd\u00E9j\u00E0\u201D \u041F\u0440\u0438\u0432\u0435\u0442 ".repeat(2_500);
        String expected = stepByStep(text, true);
        assertEquals(expected, bert.normalizedChars(text).toString()); // also asks the JDK about each character once
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        CharSequence out = bert.normalizedChars(text);
        double perChar = (threads.getCurrentThreadAllocatedBytes() - before) / (double) text.length();
        assertEquals(expected, out.toString());
        // 4.0 now (the cleaned text and the result, two bytes a char each); the steps one after another took 24.4
        assertTrue(perChar < 8, "bytes allocated per character: " + perChar);
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(c < 0x80 ? Character.toString(c) : String.format("\\u%04X", c)));
        return sb.toString();
    }
}
