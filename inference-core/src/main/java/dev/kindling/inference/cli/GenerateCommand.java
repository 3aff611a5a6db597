package dev.kindling.inference.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.sample.SamplingParams;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * {@code kindling generate}:
 * <pre>
 *   generate --model M (--prompt TEXT | --prompt-file FILE | --input IN.jsonl --output OUT.jsonl) [--max-tokens N]
 *            [--temperature T] [--top-p P] [--top-k K] [--min-p P] [--repetition-penalty R]
 *            [--frequency-penalty F] [--presence-penalty F] [--seed S]
 *            [--threads N] [--tokenizer FILE] [--llama2c-sampler] [--stop STRING] [--device auto|cpu|cuda]
 *            [--gpu N] [--kv-cache-type f32|f16] [--kv-budget-mb MIB] [--truncate-prompts]
 * </pre>
 * With {@code --prompt} only the completion goes to stdout, streamed ({@code --prompt ""} starts
 * from BOS alone); {@code --prompt-file} is the same with a file's text ({@link PromptFile}). With {@code --input} (JSON lines {@code {id, prompt}}) all rows are generated in
 * one continuous batch and written as {@code {id, prompt, completion, n_tokens, finish_reason}} in
 * input order; a row that fails gets {@code error} instead. Defaults: greedy, 256 tokens; for a
 * Hugging Face directory, its {@code generation_config.json} (sampling when {@code do_sample},
 * {@code max_new_tokens}) when no sampling option / {@code --max-tokens} is given.
 */
public final class GenerateCommand {
    static final Set<String> OPTIONS = Set.of("model", "prompt", "prompt-file", "input", "output", "max-tokens", "temperature", "top-p",
            "top-k", "min-p", "repetition-penalty", "frequency-penalty", "presence-penalty", "seed", "threads", "tokenizer", "stop",
            "device", "gpu", "kv-cache-type", "kv-budget-mb");
    static final Set<String> FLAGS = Set.of("llama2c-sampler", "truncate-prompts");

    /** The largest {@code --input} read: the largest byte array the JVM allocates ({@code Files.readAllBytes} reads it). */
    static final int MAX_INPUT_BYTES = Integer.MAX_VALUE - 8;

    private GenerateCommand() {}

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    /** {@code --frequency-penalty} or {@code --presence-penalty} (default 0): in [-2, 2], the range vLLM accepts. */
    static float penalty(CliArgs a, String key) {
        float v = a.getFloat(key, 0f);
        if (!(v >= -2f && v <= 2f)) {
            throw new IllegalArgumentException("--" + key + " must be a finite number in [-2, 2], got " + a.get(key));
        }
        return v;
    }

    /** Runs the command; returns the exit code (0 ok, 1 failure, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        CliArgs a;
        String prompt;
        try {
            a = new CliArgs(args, OPTIONS, FLAGS);
            a.require("model");
            int prompts = (a.has("prompt") ? 1 : 0) + (a.has("prompt-file") ? 1 : 0) + (a.has("input") ? 1 : 0);
            if (prompts != 1 || a.has("input") != a.has("output")) {
                throw new IllegalArgumentException("give one of --prompt TEXT, --prompt-file FILE, or --input IN --output OUT");
            }
            prompt = a.has("prompt-file") ? PromptFile.read(Path.of(a.get("prompt-file"))) : a.get("prompt");
        } catch (IllegalArgumentException e) {
            err.println("generate: " + e.getMessage());
            return 2;
        }
        EngineOptions o;
        // without sampling options, the model author's defaults (a Hugging Face directory's
        // generation_config.json; greedy otherwise)
        boolean samplingGiven = a.has("temperature") || a.has("top-p") || a.has("top-k") || a.has("min-p")
                || a.has("repetition-penalty") || a.has("frequency-penalty") || a.has("presence-penalty")
                || a.has("llama2c-sampler");
        SamplingParams given;
        long seed;
        try {
            o = a.device(EngineOptions.defaults());
            o = a.threads(o);
            long kvBudgetMb = a.getLong("kv-budget-mb", 0);
            if (kvBudgetMb < 0 || kvBudgetMb > Long.MAX_VALUE >> 20) {
                throw new IllegalArgumentException("--kv-budget-mb must be 0 (the default) or more MiB, got " + a.get("kv-budget-mb"));
            }
            o = o.withKvBudgetBytes(kvBudgetMb << 20);
            // every value checked before the model loads: --temperature -1, --top-p 0 or --max-tokens x threw out of
            // run() after loading it, with a stack trace and exit status 1
            seed = a.getLong("seed", System.nanoTime());
            float temperature = a.getFloat("temperature", 0f);
            given = !samplingGiven ? null
                    // top-k, min-p and penalties given with it are refused (SamplingParams), not dropped
                    : a.has("llama2c-sampler") ? SamplingParams.llama2c(temperature, a.getFloat("top-p", 0.9f), seed)
                            .withTopK(a.getInt("top-k", 0)).withMinP(a.getFloat("min-p", 0f))
                            .withPenalties(a.getFloat("repetition-penalty", 1f), penalty(a, "frequency-penalty"),
                                    penalty(a, "presence-penalty"))
                    : new SamplingParams(temperature, a.getInt("top-k", 0), a.getFloat("top-p", 1f), a.getFloat("min-p", 0f),
                            a.getFloat("repetition-penalty", 1f), penalty(a, "frequency-penalty"), penalty(a, "presence-penalty"),
                            seed, SamplingParams.Kind.DEFAULT);
            if (a.getInt("max-tokens", 0) < 0) {
                throw new IllegalArgumentException("--max-tokens must be >= 0, got " + a.get("max-tokens"));
            }
            if (a.has("stop") && a.get("stop").isEmpty()) {
                throw new IllegalArgumentException("--stop must not be empty");
            }
        } catch (SamplingParams.InvalidParameterException e) {
            // the engine's message names the parameter ("temperature must be >= 0, got NaN"), not the option typed
            err.println("generate: --" + e.parameter() + " " + e.requirement() + ", got " + a.get(e.parameter()));
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("generate: " + e.getMessage());
            return 2;
        }
        o = o.withTruncatePrompts(a.has("truncate-prompts"));
        if (a.has("tokenizer")) {
            o = o.withTokenizer(Path.of(a.get("tokenizer")));
        }
        List<String> stops = a.has("stop") ? List.of(a.get("stop")) : List.of();
        // the input is read and the output opened before anything is generated: a missing input or an output
        // that cannot be written threw out of run() with a stack trace, the latter only after every row was generated
        List<Row> rows = null;
        if (a.has("input")) {
            if (!Files.isRegularFile(Path.of(a.get("input")))) {
                err.println("generate: no such input file " + a.get("input"));
                return 2;
            }
            String unusable = unusable(Path.of(a.get("input")), Path.of(a.get("output")));
            if (unusable != null) {
                err.println("generate: " + unusable);
                return 2;
            }
            rows = readRows(Path.of(a.get("input")), err);
            if (rows == null) {
                return 1;
            }
        }
        Engine opened = CliArgs.openEngine("generate", Path.of(a.get("model")), o, err);
        if (opened == null) {
            return 1;
        }
        try (Engine engine = opened) {
            SamplingParams sp = given != null ? given : engine.generationConfig().sampling(seed);
            int maxTokens = a.getInt("max-tokens", engine.generationConfig().maxNewTokens() > 0
                    ? engine.generationConfig().maxNewTokens() : 256);
            if (rows != null) {
                Path output = Path.of(a.get("output"));
                BufferedWriter w;
                try {
                    w = Files.newBufferedWriter(output, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    err.println("generate: cannot write " + output + ": " + e);
                    return 1;
                }
                try (w) {
                    if (rows.isEmpty()) {
                        // not silently: a wrong file given, or one truncated to nothing, would look like a run that went well
                        err.println("generate: " + a.get("input") + " has no rows (it is empty or blank); wrote an empty " + output);
                        return 0;
                    }
                    return rows(engine, rows, sp, maxTokens, stops, w, err);
                }
            }
            GenerationRequest r = GenerationRequest.of(prompt).withSampling(sp).withMaxTokens(maxTokens)
                    .withStopStrings(stops);
            try {
                // streamed as it comes; with --stop the engine holds back text that may begin the stop string
                engine.submit(r, (i, token, text, lp) -> {
                    out.print(text);
                    out.flush();
                }).join();
            } catch (RuntimeException e) {
                // the request's own failure (a prompt longer than the context, non-finite logits): one line
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                err.println("generate: " + cause.getMessage());
                return 1;
            }
            out.println();
            return 0;
        }
    }

    /**
     * A non-blank input line and its number (for messages): its JSON, or why it has none ({@code error}: not UTF-8, not
     * a JSON object), which its output row reports while the other rows are generated.
     */
    private record Row(int line, JsonNode json, String error) {
    }

    /**
     * Why {@code input} cannot be read whole or {@code output} cannot be written, or null. Checked before the model loads:
     * an output in a missing folder was found only after it loaded, and an output that was the input overwrote it (its rows
     * were in memory, so the run went on and the input was lost).
     */
    private static String unusable(Path input, Path output) {
        try {
            // readAllBytes below: over the largest array Java allocates it was an OutOfMemoryError, "Required array size too large"
            long size = Files.size(input);
            if (size > MAX_INPUT_BYTES) {
                return input + " is " + size + " bytes, over the 2 GiB an --input file may have (it is read whole): split it (split -l),"
                        + " or run the Spark job, kindling generate -i, which reads any size";
            }
            if (Files.isDirectory(output)) {
                return "cannot write " + output + ": it is a directory";
            }
            if (Files.exists(output) && Files.isSameFile(input, output)) {
                return "--output " + output + " is the input file: writing it would overwrite the rows being read; give another path";
            }
        } catch (IOException e) {
            return "cannot read " + input + ": " + e;
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            return "cannot write " + output + ": no such directory " + parent;
        }
        return null;
    }

    /** The input's rows, or null after printing why the file cannot be read. */
    private static List<Row> readRows(Path input, PrintStream err) {
        // more after a line's object (two rows on one line, a newline lost) is not JSON, as Python's json.loads says "Extra
        // data": Jackson read the first object and dropped the rest without a word
        ObjectMapper json = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        List<Row> rows = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(input);
        } catch (IOException e) {
            err.println("generate: cannot read " + input + ": " + e);
            return null;
        }
        // line by line, each decoded strictly: one bad line stopped the whole file, a byte that is not UTF-8 as
        // "MalformedInputException: Input length = 1" without its line; now its line and the bad byte's offset in it
        // a UTF-8 byte order mark starting the file is not text: skipped, as the Spark job's reader (Hadoop's LineReader)
        // and Python's json.loads of the bytes skip it; it made line 1 "not JSON" (Jackson reads it as a character)
        int bom = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        int n = 0;
        for (int start = 0; start < bytes.length; ) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            n++;
            String where = input + " line " + n;
            try {
                // offsets count from the line's first byte, the byte order mark's on line 1
                String line = StrictUtf8.decode(bytes, start == 0 ? bom : start, end, start, where);
                if (!line.isBlank()) {
                    JsonNode row = json.readTree(line);
                    rows.add(row.isObject() ? new Row(n, row, null) : new Row(n, null, where + " is not a JSON object"));
                }
            } catch (IllegalArgumentException e) { // not UTF-8: StrictUtf8's message, with the bad byte's offset in the line
                rows.add(new Row(n, null, e.getMessage()));
            } catch (IOException e) {
                rows.add(new Row(n, null, where + " is not JSON: " + e.getMessage().lines().findFirst().orElse("")));
            }
            start = end + 1;
        }
        return rows;
    }

    private static int rows(Engine engine, List<Row> rows, SamplingParams sp, int maxTokens, List<String> stops,
            BufferedWriter w, PrintStream err) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<java.util.concurrent.CompletableFuture<Completion>> futures = new ArrayList<>();
        for (Row row : rows) {
            JsonNode p = row.json() == null ? null : row.json().get("prompt");
            futures.add(row.error() != null ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalArgumentException(row.error()))
                    : p == null || !p.isTextual()
                    ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalArgumentException("line " + row.line()
                            + " has no string field prompt"))
                    : engine.submit(GenerationRequest.of(p.asText()).withSampling(sp).withMaxTokens(maxTokens)
                            .withStopStrings(stops), null));
        }
        int failed = 0;
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode o = json.createObjectNode();
            JsonNode in = rows.get(i).json();
            o.set("id", in == null ? null : in.get("id"));
            o.set("prompt", in == null ? null : in.get("prompt"));
            try {
                Completion c = futures.get(i).join();
                o.put("completion", c.text());
                o.put("n_tokens", c.tokens().length);
                o.put("finish_reason", c.finishReason().label());
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                o.put("error", cause.getMessage());
                failed++;
            }
            w.write(json.writeValueAsString(o));
            w.newLine();
        }
        if (failed > 0) {
            err.println("generate: " + failed + " of " + rows.size() + " rows failed (see their error field)");
        }
        return 0;
    }
}
