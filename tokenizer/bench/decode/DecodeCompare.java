import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.StreamingDecoder;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kindling's decode and streaming decode against the lines decode_ref.mjs writes (HF tokenizers' decode both ways and
 * its DecodeStream): decode(ids, false), decode(ids, true), and the pieces of a StreamingDecoder (skip special tokens,
 * the first space dropped where the tokenizer's decode drops it, as the engine's TextSupport asks) joined with its
 * flush, each against HF's decode. Prints the first differences and a SUMMARY line; exit 1 on any.
 * java -cp TOKENIZER_CLASSPATH tokenizer/bench/decode/DecodeCompare.java tokenizer.json ref.jsonl
 */
public class DecodeCompare {
    public static void main(String[] args) throws Exception {
        Tokenizer tok = Tokenizer.load(Path.of(args[0]));
        boolean dropsFirstSpace = dropsFirstSpace(tok);
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> diffs = new TreeMap<>();
        int n = 0, shown = 0;
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            if (line.isBlank()) {
                continue;
            }
            n++;
            JsonNode r = json.readTree(line);
            int[] ids = new int[r.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.get("ids").get(i).asInt();
            }
            String kind = r.get("kind").asText();
            String keep = r.get("keep").asText(), skip = r.get("skip").asText();
            StringBuilder hfStream = new StringBuilder();
            for (JsonNode p : r.get("stream")) {
                hfStream.append(p.isTextual() ? p.asText() : "");
            }
            String[] got = new String[3];
            try {
                got[0] = tok.decode(ids, false);
                got[1] = tok.decode(ids, true);
                StreamingDecoder sd = new StreamingDecoder(tok, true, dropsFirstSpace);
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    sb.append(sd.next(id));
                }
                got[2] = sb.append(sd.flush()).toString();
            } catch (RuntimeException e) {
                got = new String[] {"!" + e, "!" + e, "!" + e};
            }
            String[] what = {"keep", "skip", "stream"};
            String[] want = {keep, skip, skip};
            for (int k = 0; k < 3; k++) {
                if (!want[k].equals(got[k])) {
                    diffs.merge(kind + ":" + what[k], 1, Integer::sum);
                    if (shown++ < 12) {
                        System.out.println(what[k] + " " + kind + " ids=" + java.util.Arrays.toString(ids).replaceAll("^(.{300}).*", "$1...")
                                + "\n   hf=" + json.writeValueAsString(want[k]) + "\n  got=" + json.writeValueAsString(got[k]));
                    }
                }
            }
            if (!hfStream.toString().equals(skip)) {
                diffs.merge(kind + ":hf-stream-vs-hf-decode", 1, Integer::sum); // information: HF's own DecodeStream
            }
        }
        System.out.println("SUMMARY " + args[0] + " sequences=" + n + " differences=" + diffs);
        System.exit(diffs.keySet().stream().anyMatch(k -> !k.endsWith("hf-stream-vs-hf-decode")) ? 1 : 0);
    }

    /** As inference-core's TextSupport decides it: does decoding a first " word" token drop its space. */
    static boolean dropsFirstSpace(Tokenizer tok) {
        for (int id = 0; id < tok.vocabSize(); id++) {
            if (!tok.isSpecial(id)) {
                byte[] b = tok.tokenBytes(id);
                if (b.length > 1 && b[0] == ' ' && b[1] != ' ') {
                    return !tok.decode(new int[] {id}, true).startsWith(" ");
                }
            }
        }
        return false;
    }
}
