package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single_word added token is matched only where no word character touches it, and HF's word characters are those
 * of {@code \w} in Rust's regex crate (added_vocabulary.rs: letters and the other Alphabetic characters, marks, decimal
 * digits, connector punctuation, ZWJ and ZWNJ; Unicode 16), not Rust's {@code is_alphanumeric}: "_", U+0301 and
 * ZWJ are word characters, "²" is not. Kindling had read {@code Character.isAlphabetic}, whose table is the JDK's (the
 * Kawi vowel sign U+11F00 was no word character on Java 17 and one on Java 25). Expected ids: the shared Llama 2 file
 * with {@code "<sw>"} (id 32000, single_word, not normalized) added, through HF tokenizers 0.23.2
 * ({@code t.encode(text, null, {addSpecialTokens: false})}).
 */
class SingleWordParityTest {
    @Test
    void wordCharactersAreRustRegexWords(@TempDir Path tmp) throws Exception {
        Tokenizer t = AddedTokensParityTest.withAdded(AddedTokensParityTest.llama2(), tmp, new Object[] {32000, "<sw>", "single_word raw"});
        Object[][] cases = {
            {"x_<sw> y", new int[] {1318, 28730, 28789, 1616, 28767, 337}},
            {"a\u0301<sw> y", new int[] {264, 28949, 28789, 1616, 28767, 337}},
            {"x\u00B2<sw> y", new int[] {1318, 28941, 32000, 28705, 337}},
            {"\u24B6<sw> y", new int[] {28705, 229, 149, 185, 28789, 1616, 28767, 337}},
            {"a\u200D<sw> y", new int[] {264, 29274, 28789, 1616, 28767, 337}},
            {"a\uD807\uDF00<sw> y", new int[] {264, 243, 148, 191, 131, 28789, 1616, 28767, 337}},
            {"\u0F00<sw> y", new int[] {28705, 227, 191, 131, 28789, 1616, 28767, 337}},
            {"x <sw>_y", new int[] {1318, 523, 1616, 28767, 28730, 28724}},
            {"x <sw>\u0301", new int[] {1318, 523, 1616, 28767, 28949}},
            {"x <sw>\u00B2", new int[] {1318, 28705, 32000, 28705, 28941}},
            {"x <sw>\u24B6", new int[] {1318, 523, 1616, 28767, 229, 149, 185}},
            {"x <sw>\uD807\uDF00", new int[] {1318, 523, 1616, 28767, 243, 148, 191, 131}},
        };
        for (Object[] c : cases) {
            String text = (String) c[0];
            assertArrayEquals((int[]) c[1], t.encode(text, false), () -> LlamaCppVectors.escape(text));
        }
    }
}
