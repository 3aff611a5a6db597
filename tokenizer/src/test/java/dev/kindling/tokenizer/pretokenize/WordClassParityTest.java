package dev.kindling.tokenizer.pretokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Oniguruma's {@code \w} (Hugging Face tokenizers' Split regexes) is not Java's: outside brackets it also takes
 * ² ³ ¹ ¼ ½ ¾, inside brackets it does not, and it never takes the joiners U+200C and U+200D, which Java's does. These
 * are all the code points where the two differ ({@code tokenizer/bench/split_classes_ref.mjs} and
 * {@code SplitClassesCompare.java} over every code point). HF's own Whitespace pre-tokenizer runs {@code \w+|[^\w\s]+}
 * with Rust's regex crate instead, whose {@code \w} is Java's. Expected ids: {@code word-class-hf.json}, written by
 * {@code word-class-hf.mjs} next to it with HF tokenizers 0.23.2.
 */
class WordClassParityTest {
    @Test
    void wordClassesSplitAsInHf(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode root = json.readTree(WordClassParityTest.class.getResource("/pretokenize/word-class-hf.json"));
        int checked = 0;
        for (JsonNode entry : root.get("tokenizers")) {
            JsonNode pre = entry.at("/tokenizer/pre_tokenizer");
            String name = pre.has("pattern") ? "/" + pre.at("/pattern/Regex").asText() + "/" : pre.get("type").asText();
            Path file = tmp.resolve("word-class-" + checked + ".json");
            json.writeValue(file.toFile(), entry.get("tokenizer"));
            Tokenizer t = Tokenizer.load(file);
            for (JsonNode c : entry.get("cases")) {
                String text = c.get("text").asText();
                int[] expected = json.treeToValue(c.get("ids"), int[].class);
                assertArrayEquals(expected, t.encode(text, false), () -> name + " on " + LlamaCppVectors.escape(text));
                checked++;
            }
        }
        assertEquals(11 * 13, checked, "cases in word-class-hf.json");
    }
}
