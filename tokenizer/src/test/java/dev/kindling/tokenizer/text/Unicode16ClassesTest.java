package dev.kindling.tokenizer.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pretokenize.RegexPattern;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Characters of Unicode 14 to 16 in the classes of a split regex as Hugging Face tokenizers 0.23.2 gives them: its
 * Oniguruma has Unicode 16 tables, where Java 17's are Unicode 13 and llama.cpp's (node-llama-cpp 3.21.1) Unicode 15.1.
 * Expected: a tokenizer.json with {@code Split(\p{N} | \p{L} | \p{M} | \w, Isolated)} over "!" + c + "!" through HF
 * ({@code ~/.cache/kindling-ref}); the character is in the class when that gives three pieces.
 */
class Unicode16ClassesTest {
    private static boolean matches(String regex, int c) {
        String s = Character.toString(c);
        return new RegexPattern(regex).find(s, 0, s.length()) >= 0;
    }

    @ParameterizedTest(name = "U+{0} {1}")
    @CsvSource({
        "10D40, GARAY DIGIT ZERO (16),            N",
        "10D49, GARAY DIGIT NINE (16),            N",
        "10D4E, GARAY VOWEL LENGTH MARK (16 Lm),  L",
        "10D50, GARAY CAPITAL LETTER A (16),      L",
        "10D70, GARAY SMALL LETTER A (16),        L",
        "10D69, GARAY VOWEL SIGN E (16 Mn),       M",
        "16D70, KIRAT RAI DIGIT ZERO (16),        N",
        "1CCF0, OUTLINED DIGIT ZERO (16),         N",
        "0897,  ARABIC PEPET (16 Mn),             M",
        "11F50, KAWI DIGIT ZERO (15),             N",
        "1E290, TOTO LETTER PA (14),              L",
        "1734,  HANUNOO SIGN PAMUDPOD (Mc since 14), M",
        "2E53,  MEDIEVAL EXCLAMATION MARK (14 Po), -"})
    void classedAsHfDoes(String hex, String name, String hfClass) {
        int c = Integer.parseInt(hex, 16);
        assertEquals(hfClass.equals("N"), Unicode.isNumber(c), name + ": \\p{N}");
        assertEquals(hfClass.equals("L"), Unicode.isLetter(c), name + ": \\p{L}");
        assertEquals(hfClass.equals("M"), Unicode.isMark(c), name + ": \\p{M}");
        assertEquals(hfClass.equals("N"), matches("\\p{N}", c), name + ": regex \\p{N}");
        assertEquals(hfClass.equals("L"), matches("\\p{L}", c), name + ": regex \\p{L}");
        assertEquals(hfClass.equals("M"), matches("\\p{M}", c), name + ": regex \\p{M}");
        assertEquals(!hfClass.equals("-"), matches("\\w", c), name + ": regex \\w");
    }

    /**
     * Refact and StarCoder split each {@code \p{N}} off first. U+10D40 is a digit to HF, so "𐵀'm" is "𐵀" + "'m", the
     * ids of the two pieces as llama.cpp gives them alone; llama.cpp, not knowing Garay, takes the digit as a symbol,
     * with the apostrophe: [189, 243, 132, 227, 25, 95] for refact, [208, 262, 151, 246, 44, 114] for starcoder
     * (found by the fuzz, seed 2).
     */
    @ParameterizedTest
    @CsvSource({"refact, 189 243 132 227, 3464", "starcoder, 208 262 151 246, 3480"})
    void garayDigitIsANumberForGgufPreTokenizers(String vocab, String digitIds, int apostropheM) {
        Tokenizer t = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-" + vocab + ".gguf"));
        int[] digit = Arrays.stream(digitIds.split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(digit, t.encode("\uD803\uDD40", false, false));
        int[] expected = Arrays.copyOf(digit, digit.length + 1);
        expected[digit.length] = apostropheM;
        assertArrayEquals(expected, t.encode("\uD803\uDD40'm", false, false));
    }

    /** HF's Digits pre-tokenizer (Rust's {@code char::is_numeric}) cuts "a𐵀a" into three pieces. */
    @Test
    void garayDigitIsNumericForDigits() {
        assertTrue(HfUnicode.isNumeric(0x10D40));
    }
}
