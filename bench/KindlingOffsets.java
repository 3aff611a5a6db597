import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kindling's ids and offsets for each {"id", "text"} line of a JSON Lines file, as bench/hf_offsets.mjs prints HF's:
 * offsets in code points (Kindling's Java API counts UTF-16 units; the SQL function counts code points, as HF).
 * java -cp TOKENIZER_CLASSPATH bench/KindlingOffsets.java tokenizer.json docs.jsonl
 */
public class KindlingOffsets {
    public static void main(String[] args) throws Exception {
        Tokenizer tok = Tokenizer.load(Path.of(args[0]));
        ObjectMapper json = new ObjectMapper();
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode d = json.readTree(line);
            String text = d.get("text").asText();
            Encoding e = tok.encodeWithOffsets(text, false);
            int[][] offsets = new int[e.size()][];
            for (int i = 0; i < e.size(); i++) {
                offsets[i] = new int[] {text.codePointCount(0, e.start(i)), text.codePointCount(0, e.end(i))};
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", d.get("id"));
            row.put("ids", e.ids());
            row.put("offsets", offsets);
            out.append(json.writeValueAsString(row)).append('\n');
        }
        System.out.print(out);
    }
}
