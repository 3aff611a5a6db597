package dev.kindling.inference.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code kindling logits --model M --prompt TEXT [--top 50] [--threads N] [--tokenizer FILE]}: one
 * JSON object {@code {"tokens":[...],"logits":[... full vocabulary at the last position ...],
 * "top":[{"id","piece","logit"}...]}} (the prompt is encoded with BOS as the vocabulary says).
 */
public final class LogitsCommand {
    private LogitsCommand() {}

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        CliArgs a;
        try {
            a = new CliArgs(args, Set.of("model", "prompt", "top", "threads", "tokenizer"), Set.of());
            a.require("model");
            a.require("prompt");
        } catch (IllegalArgumentException e) {
            err.println("logits: " + e.getMessage());
            return 2;
        }
        EngineOptions o = EngineOptions.defaults();
        if (a.has("threads")) {
            o = o.withThreads(a.getInt("threads", 1));
        }
        if (a.has("tokenizer")) {
            o = o.withTokenizer(Path.of(a.get("tokenizer")));
        }
        try (Engine e = Engine.open(Path.of(a.get("model")), o)) {
            int[] tokens = e.encode(a.get("prompt"));
            float[] logits = e.logits(tokens);
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            ArrayNode t = root.putArray("tokens");
            for (int id : tokens) {
                t.add(id);
            }
            ArrayNode l = root.putArray("logits");
            for (float v : logits) {
                l.add(v);
            }
            int top = Math.min(a.getInt("top", 50), logits.length);
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (x, y) -> Float.compare(logits[y], logits[x]));
            ArrayNode topNode = root.putArray("top");
            Tokenizer tok = e.tokenizer().orElseThrow();
            for (int i = 0; i < top; i++) {
                ObjectNode n = topNode.addObject();
                n.put("id", order[i]);
                n.put("piece", tok.tokenText(order[i]));
                n.put("logit", logits[order[i]]);
            }
            out.println(json.writeValueAsString(root));
            return 0;
        }
    }
}
