package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ids Hugging Face gives added tokens whose declared ids are not the ones it uses: an id beyond the vocabulary
 * with a gap before it, ids out of the file's order, an id the model already holds, a content the model has under
 * another id. HF ignores the declared id; a new content takes the next id after the added ones, at least the model's
 * vocabulary size, in the file's order. Expected ids and id -> token tables: {@code added-token-ids-hf.json}, written
 * by {@code added-token-ids-hf.mjs} next to it with HF tokenizers 0.23.2.
 */
class AddedTokenIdsParityTest {
    @Test
    void addedTokensTakeHfIds(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode root = json.readTree(AddedTokenIdsParityTest.class.getResource("/hf/added-token-ids-hf.json"));
        int checked = 0;
        int n = 0;
        for (JsonNode entry : root.get("tokenizers")) {
            String name = "added_tokens " + entry.at("/tokenizer/added_tokens");
            Path file = tmp.resolve("added-ids-" + n++ + ".json");
            json.writeValue(file.toFile(), entry.get("tokenizer"));
            Tokenizer t = Tokenizer.load(file);
            for (Iterator<Map.Entry<String, JsonNode>> it = entry.get("idToToken").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = Integer.parseInt(e.getKey());
                assertEquals(e.getValue().asText(), t.tokenText(id), () -> name + ": token of id " + id);
                assertEquals(id, t.tokenId(e.getValue().asText()).orElse(-1), () -> name + ": id of " + e.getValue());
                checked++;
            }
            for (JsonNode c : entry.get("cases")) {
                String text = c.get("text").asText();
                int[] expected = json.treeToValue(c.get("ids"), int[].class);
                assertArrayEquals(expected, t.encode(text, false), () -> name + " on " + text);
                checked++;
            }
        }
        assertEquals(6 * 2 + 4 + 5 + 5 + 4 + 4 + 5, checked, "ids and cases in added-token-ids-hf.json");
    }
}
