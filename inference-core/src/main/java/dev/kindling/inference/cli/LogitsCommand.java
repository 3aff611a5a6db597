package dev.kindling.inference.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.KvBudgetRefusedException;
import dev.kindling.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code kindling logits --model M (--prompt TEXT | --prompt-file FILE | --tokens IDS) [--top 50] [--threads N] [--tokenizer FILE] [--device D] [--gpu N] [--kv-cache-type f32|f16]}: one
 * JSON object {@code {"tokens":[...],"logits":[... full vocabulary at the last position ...],
 * "top":[{"id","piece","logit"}...]}} (the prompt is encoded with BOS as the vocabulary says).
 *
 * <p>{@code --prompt-file} reads the prompt from a file ({@link PromptFile}); {@code --tokens 1,2,3} gives the ids instead of a prompt (no tokenizer needed; {@code top}'s
 * pieces are then null); {@code --all-positions} adds {@code "positions":[[... logits after token 0 ...], ...]},
 * the full vocabulary after every prefix (as llama.cpp's reference script's {@code --all-positions}).
 * {@code logits} and {@code top} hold all the model's rows, as a Transformers model's logits do: a padded output layer's
 * rows past the tokenizer's ids too (untrained rows, whatever they score), their {@code piece} null, as no token has
 * that id (llama.cpp refuses such a model), as is an id in a gap of the vocabulary's.
 */
public final class LogitsCommand {
    private LogitsCommand() {}

    public static void main(String[] args) throws IOException {
        PrintStream out = Utf8Console.stdout();
        PrintStream err = Utf8Console.stderr();
        System.exit(Utf8Console.exitCode(run(Utf8Console.args(args), out, err), out, err, "logits"));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        CliArgs a;
        EngineOptions o;
        String prompt;
        int[] givenTokens;
        try {
            a = new CliArgs(args, Set.of("model", "prompt", "prompt-file", "tokens", "top", "threads", "tokenizer", "device", "gpu", "kv-cache-type"),
                    Set.of("all-positions"));
            a.require("model");
            if ((a.has("prompt") ? 1 : 0) + (a.has("prompt-file") ? 1 : 0) + (a.has("tokens") ? 1 : 0) != 1) {
                // --tokens with --prompt used the ids and dropped the prompt without a word
                throw new IllegalArgumentException("give one of --prompt TEXT, --prompt-file FILE or --tokens IDS");
            }
            prompt = PromptFile.fromArgs(a, "logits", err);
            givenTokens = a.has("tokens") ? tokenIds(a.get("tokens")) : null;
            o = a.device(EngineOptions.defaults());
            o = a.threads(o);
            if (a.getInt("top", 50) < 0) {
                // a negative --top printed "top": [] and exit 0
                throw new IllegalArgumentException("--top must be >= 0, got " + a.get("top"));
            }
            // a missing, empty or foreign model file, or a missing tokenizer, is a usage error naming its option
            LocalModel.checkLocalModel("--model", Path.of(a.get("model")));
            if (a.has("tokenizer")) {
                LocalModel.checkLocalTokenizer("--tokenizer", Path.of(a.get("tokenizer")));
            }
        } catch (IllegalArgumentException e) {
            err.println("logits: " + e.getMessage());
            return 2;
        }
        if (a.has("tokenizer")) {
            o = o.withTokenizer(Path.of(a.get("tokenizer")));
        }
        Engine opened = CliArgs.openEngine("logits: ", Path.of(a.get("model")), o, err);
        if (opened == null) {
            return 1;
        }
        try (Engine e = opened) {
            int[] tokens;
            float[] logits;
            try {
                tokens = givenTokens != null ? givenTokens : e.encode(prompt);
                logits = e.logits(tokens);
            } catch (dev.kindling.inference.RequestRefusedException | IllegalStateException ex) {
                // ids outside the vocabulary, an empty or too long sequence, no tokenizer for --prompt: these threw
                // out of run() with a stack trace. Only these: another failure of the step is not the caller's to fix
                err.println("logits: " + describe(ex));
                return ex instanceof dev.kindling.inference.EngineClosedException ? 1 : 2;
            } catch (RuntimeException ex) {
                if (ex.getMessage() == null) {
                    throw ex; // no message to show: a fault of ours, whose stack trace is the report
                }
                err.println("logits: " + ex.getMessage());
                return 1;
            }
            float[][] rows = new float[a.has("all-positions") ? tokens.length : 1][];
            rows[rows.length - 1] = logits;
            for (int p = 0; p < rows.length - 1; p++) {
                rows[p] = e.logits(java.util.Arrays.copyOf(tokens, p + 1));
            }
            for (int p = 0; p < rows.length; p++) {
                int nonFinite = 0;
                for (float v : rows[p]) {
                    nonFinite += Float.isFinite(v) ? 0 : 1;
                }
                if (nonFinite > 0) {
                    // JSON has no NaN: they were printed as the strings "NaN", which every reader then had to special-case;
                    // --all-positions printed them so for every position but the last
                    err.println("logits: the model computed " + nonFinite + " non-finite logits (NaN or infinity) of "
                            + rows[p].length + " after token " + (tokens.length - rows.length + p)
                            + ": its weights hold NaN or infinite values, or its activations overflow");
                    return 1;
                }
            }
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
            Tokenizer tok = e.tokenizer().orElse(null);
            for (int i = 0; i < top; i++) {
                ObjectNode n = topNode.addObject();
                n.put("id", order[i]);
                // a padded output layer scores ids the tokenizer has no text for (they threw out of run()), a gap in the
                // vocabulary has none (tokenText's null), and without a tokenizer no id has one: null, as transformers'
                // convert_ids_to_tokens gives None and generate's token_logprobs give their token
                n.put("piece", tok == null || order[i] >= tok.vocabSize() ? null : tok.tokenText(order[i]));
                n.put("logit", logits[order[i]]);
            }
            if (a.has("all-positions")) {
                ArrayNode positions = root.putArray("positions");
                for (float[] r : rows) {
                    ArrayNode row = positions.addArray();
                    for (float v : r) {
                        row.add(v);
                    }
                }
            }
            out.println(json.writeValueAsString(root));
            return 0;
        }
    }

    /**
     * A KV-budget refusal's advice as this command can follow it: {@code --kv-cache-type}, and the heap, since logits has
     * no {@code --kv-budget-mb} (its budget is the engine's default); the engine's own advice names EngineOptions.
     */
    static final String KV_BUDGET_ADVICE = "halve what a position takes with --kv-cache-type f16, or raise the budget, "
            + "a quarter of the heap free after loading, at most 4 GiB: give the JVM more heap, -Xmx (KINDLING_JAVA_OPTS)";

    /** A refusal's message as this command words it: a KV-budget refusal's advice is {@link #KV_BUDGET_ADVICE}. */
    static String describe(Throwable t) {
        return KvBudgetRefusedException.describe(t, KV_BUDGET_ADVICE);
    }

    /**
     * {@code --tokens}' ids, read before the model is opened: an id that is no integer said 'For input string: "abc"'
     * (Java's words) after the model had loaded.
     */
    static int[] tokenIds(String list) {
        String[] items = list.split(",", -1);
        int[] ids = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            try {
                ids[i] = Integer.parseInt(items[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokens must be comma-separated token ids; item " + (i + 1) + " is '"
                        + items[i].trim() + "'");
            }
        }
        return ids;
    }
}
