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
 * flush, and those of one that keeps special tokens, each against HF's decode. Prints the first differences and a
 * SUMMARY line; exit 1 on any. Information, not counted as a difference: sequences whose streamed text after some id
 * is not HF DecodeStream's text after that id ({@code stream-step-behind/ahead/other-of-hf-stream}, the first such id
 * deciding which), and those where HF's own DecodeStream pieces do not add up to its decode.
 * java -cp TOKENIZER_CLASSPATH tokenizer/bench/decode/DecodeCompare.java tokenizer.json ref.jsonl
 */
public class DecodeCompare {
    public static void main(String[] args) throws Exception {
        Tokenizer tok = Tokenizer.load(Path.of(args[0]));
        boolean dropsFirstSpace = dropsFirstSpace(tok);
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> diffs = new TreeMap<>();
        int n = 0, shown = 0, stepsShown = 0;
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
            String[] got = new String[4];
            try {
                got[0] = tok.decode(ids, false);
                got[1] = tok.decode(ids, true);
                StreamingDecoder sd = new StreamingDecoder(tok, true, dropsFirstSpace);
                StringBuilder sb = new StringBuilder();
                StringBuilder hfSoFar = new StringBuilder();
                String step = null;
                for (int i = 0; i < ids.length; i++) {
                    sb.append(sd.next(ids[i]));
                    if (i < r.get("stream").size()) {
                        JsonNode p = r.get("stream").get(i);
                        hfSoFar.append(p.isTextual() ? p.asText() : "");
                        if (step == null && !sb.toString().equals(hfSoFar.toString())) {
                            step = (hfSoFar.toString().startsWith(sb.toString()) ? "behind" : sb.toString().startsWith(hfSoFar.toString())
                                    ? "ahead" : "other");
                            if (stepsShown++ < 4) {
                                System.out.println("stream step " + step + " " + kind + " after id " + i + " of " + java.util.Arrays.toString(
                                        java.util.Arrays.copyOfRange(ids, Math.max(0, i - 3), i + 1)) + ": hf=" + json.writeValueAsString(
                                        tail(hfSoFar)) + " got=" + json.writeValueAsString(tail(sb)));
                            }
                        }
                    }
                }
                got[2] = sb.append(sd.flush()).toString();
                StreamingDecoder keeping = new StreamingDecoder(tok, false, dropsFirstSpace);
                StringBuilder kept = new StringBuilder();
                for (int id : ids) {
                    kept.append(keeping.next(id));
                }
                got[3] = kept.append(keeping.flush()).toString();
                if (step != null) {
                    diffs.merge(kind + ":stream-step-" + step + "-of-hf-stream", 1, Integer::sum); // information: the text so far
                }
            } catch (RuntimeException e) {
                got = new String[] {"!" + e, "!" + e, "!" + e, "!" + e};
            }
            String[] what = {"keep", "skip", "stream", "stream-keep"};
            String[] want = {keep, skip, skip, keep};
            for (int k = 0; k < 4; k++) {
                if (!want[k].equals(got[k])) {
                    diffs.merge(kind + ":" + what[k], 1, Integer::sum);
                    if (shown++ < 12) {
                        System.out.println(what[k] + " " + kind + " ids=" + java.util.Arrays.toString(ids).replaceAll("^(.{300}).*", "$1...")
                                + "\n   hf=" + json.writeValueAsString(want[k]) + "\n  got=" + json.writeValueAsString(got[k]));
                    }
                }
            }
            if (r.get("stream").size() == ids.length && !hfStream.toString().equals(skip)) {
                diffs.merge(kind + ":hf-stream-vs-hf-decode", 1, Integer::sum); // information: HF's own DecodeStream
            }
        }
        System.out.println("SUMMARY " + args[0] + " sequences=" + n + " differences=" + diffs);
        System.exit(diffs.keySet().stream().anyMatch(k -> !k.endsWith("hf-stream-vs-hf-decode") && !k.endsWith("-of-hf-stream")) ? 1 : 0);
    }

    /** The last 40 characters. */
    private static String tail(CharSequence s) {
        return s.subSequence(Math.max(0, s.length() - 40), s.length()).toString();
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
