package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * decode(ids, skipSpecialTokens, true) gives what transformers' decode gives where tokenizer_config.json sets
 * clean_up_tokenization_spaces (Llama 3's does), and decode without it the tokenizers library's text: clean-up-hf.jsonl
 * holds Llama 3's decodes by HF tokenizers 0.23.2 and by transformers.js's tokenizer with Llama 3's config, which
 * cleans up as transformers does. The texts are decoded here from their bytes (Tokenizers.byteLevel, no file to load):
 * that Kindling's Llama 3 decode is HF's text, the corpus parity tests show.
 */
class CleanUpTokenizationSpacesTest {
    @Test
    void decodesAsTransformersWithItsCleanUp() throws Exception {
        Tokenizer tok = Tokenizers.byteLevel();
        ObjectMapper json = new ObjectMapper();
        int rows = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(CleanUpTokenizationSpacesTest.class
                .getResourceAsStream("/decode/clean-up-hf.jsonl"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode row = json.readTree(line);
                byte[] bytes = row.get("text").asText().getBytes(StandardCharsets.UTF_8);
                int[] ids = new int[bytes.length];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = bytes[i] & 0xFF;
                }
                assertEquals(row.get("text").asText(), tok.decode(ids, false, false), line);
                assertEquals(row.get("cleaned").asText(), tok.decode(ids, false, true), line);
                assertEquals(row.get("cleaned").asText(), tok.decode(ids, true, true), line); // no special tokens to skip
                rows++;
            }
        }
        assertEquals(10, rows);
        // the rule alone, in its order: " ' " goes before " 's" is looked for, so "a ' s" loses both spaces; and unlike
        // the WordPiece decoder's cleanup, " do not" stays
        assertEquals("a's", Tokenizer.cleanUpTokenizationSpaces("a ' s"));
        assertEquals("x do not", Tokenizer.cleanUpTokenizationSpaces("x do not"));
    }
}
