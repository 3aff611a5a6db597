package dev.kindling.inference.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.KvBudgetRefusedException;
import dev.kindling.inference.PromptTooLongException;
import dev.kindling.inference.hf.GenerationConfig;
import dev.kindling.inference.sample.RowSeeds;
import dev.kindling.inference.sample.SamplingParams;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code kindling generate}:
 * <pre>
 *   generate --model M (--prompt TEXT | --prompt-file FILE | --input IN.jsonl --output OUT.jsonl) [--max-tokens N]
 *            [--temperature T] [--top-p P] [--top-k K] [--min-p P] [--repetition-penalty R]
 *            [--frequency-penalty F] [--presence-penalty F] [--seed S]
 *            [--threads N] [--tokenizer FILE] [--llama2c-sampler] [--stop STRING]... [--stop-token-ids ID[,ID...]]
 *            [--device auto|cpu|cuda]
 *            [--gpu N] [--kv-cache-type f32|f16] [--kv-budget-mb MIB] [--max-sequences N] [--max-in-flight N]
 *            [--truncate-prompts] [--generation-config auto|none]
 * </pre>
 * With {@code --prompt} only the completion goes to stdout, streamed ({@code --prompt ""} starts
 * from BOS alone); {@code --prompt-file} is the same with a file's text ({@link PromptFile}). With {@code --input} (JSON lines {@code {id, prompt}}) the rows are read a line at a time
 * ({@link InputRows}), generated in one continuous batch with at most {@link #inFlight} rows in the engine, and written
 * as {@code {id, prompt, completion, n_tokens, finish_reason}} in input order as they finish; a row that fails gets
 * {@code error} instead. Interrupted, it stops at a row's end and says what the output holds ({@link InterruptHook}). Defaults:
 * {@code kindling generate}'s (greedy, 256 tokens), a Hugging Face directory's {@code generation_config.json} included,
 * whose sampling defaults the Spark job and its stages do not read either: a prompt gets the same text from each. With
 * {@code --generation-config auto} (vLLM's flag), as on each of them, the sampling options not given take the file's
 * values ({@link GenerationConfig#samplingDefaults}), and stderr says which.
 */
public final class GenerateCommand {
    static final Set<String> OPTIONS = Set.of("model", "prompt", "prompt-file", "input", "output", "max-tokens", "temperature", "top-p",
            "top-k", "min-p", "repetition-penalty", "frequency-penalty", "presence-penalty", "seed", "threads", "tokenizer", "stop",
            "stop-token-ids", "generation-config", "device", "gpu", "kv-cache-type", "kv-budget-mb", "max-sequences", "max-in-flight");
    static final Set<String> FLAGS = Set.of("llama2c-sampler", "truncate-prompts");

    /** What the error of a prompt longer than the context advises here, and in a row of kindling's generate job: the flag. */
    public static final String LONG_PROMPT_ADVICE = "shorten it; to keep a prompt's end instead: --truncate-prompts";
    /** What a refusal for the KV budget advises: this command's flags. */
    static final String KV_BUDGET_ADVICE = "halve what a position takes with --kv-cache-type f16, or raise the budget: "
            + "--kv-budget-mb, by default a quarter of the heap free after loading, at most 4 GiB: give the JVM more heap, -Xmx";
    static final String USAGE = """
            Usage: generate --model M (--prompt TEXT | --prompt-file FILE | --input IN.jsonl --output OUT.jsonl)
                            [--max-tokens N] [--temperature T] [--top-p P] [--top-k K] [--min-p P]
                            [--repetition-penalty R] [--frequency-penalty F] [--presence-penalty F] [--seed S]
                            [--stop TEXT]... [--stop-token-ids ID[,ID...]] [--llama2c-sampler] [--tokenizer FILE] [--threads N]
                            [--device auto|cpu|cuda] [--gpu N] [--kv-cache-type f32|f16] [--kv-budget-mb MIB]
                            [--max-sequences N] [--max-in-flight N] [--truncate-prompts]
                            [--generation-config auto|none]
            The engine alone, without Spark: --prompt prints the completion; --input reads JSON Lines rows {id, prompt}
            and writes {id, prompt, completion, n_tokens, finish_reason} (or error) in input order. The options are
            kindling generate's (see its --help and the README); --seed (default 0) and each prompt give the same text
            as there.""";

    private GenerateCommand() {}

    public static void main(String[] args) throws IOException {
        PrintStream out = Utf8Console.stdout();
        PrintStream err = Utf8Console.stderr();
        System.exit(Utf8Console.exitCode(run(Utf8Console.args(args), out, err), out, err, "generate"));
    }

    /**
     * Why {@code --stop stop} is refused, in the words both command lines print (this one and {@code kindling}'s), or
     * null.
     */
    public static String stopRefusal(String stop) {
        String problem = GenerationRequest.stopStringProblem(stop);
        return problem == null ? null : stop.isEmpty() ? "--stop must not be empty" : "--stop '" + stop + "' " + problem;
    }

    /**
     * The ids of {@code --stop-token-ids} (vLLM's {@code stop_token_ids}), each value a comma-separated list; an
     * {@link IllegalArgumentException} naming the option for one that is not a token id (an integer >= 0).
     */
    static int[] stopTokenIds(List<String> values) {
        List<Integer> ids = new java.util.ArrayList<>();
        for (String v : values) {
            for (String id : v.split(",", -1)) {
                int parsed;
                try {
                    parsed = Integer.parseInt(id.strip());
                } catch (NumberFormatException e) {
                    parsed = -1;
                }
                if (parsed < 0) {
                    throw new IllegalArgumentException("--stop-token-ids takes token ids (integers >= 0) separated by commas, got '"
                            + v + "'");
                }
                ids.add(parsed);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Why {@code --stop-token-ids} holding {@code id} is refused for {@code model}, whose vocabulary has {@code vocab}
     * ids, or null: in the words both command lines print, before the model loads (the engine refuses it too, as the
     * request's error).
     */
    public static String stopTokenIdRefusal(int id, int vocab, String model) {
        return id >= 0 && id < vocab ? null
                : "--stop-token-ids " + id + " is outside the vocabulary of " + shownModel(model) + " (0.." + (vocab - 1) + ")";
    }

    /**
     * {@code model} as the messages name it: a local path normalised ({@code /work/h4/../shared/m.gguf} is
     * {@code /work/shared/m.gguf}, {@code dir/} is {@code dir}), a URI ({@code s3a://b/m}) as given less a trailing slash.
     */
    public static String shownModel(String model) {
        if (model.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            return model.replaceAll("(?<=[^/])/+$", "");
        }
        try {
            return Path.of(model).normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            return model;
        }
    }

    /** The options {@code --generation-config auto} gives values to, by the generation_config.json key they take. */
    static final Map<String, String> OPTION_OF_KEY = Map.of("temperature", "temperature", "top_k", "top-k", "top_p", "top-p",
            "min_p", "min-p", "repetition_penalty", "repetition-penalty", "max_new_tokens", "max-tokens");

    /**
     * With {@code --generation-config auto}, the model's sampling defaults ({@link GenerationConfig#samplingDefaults}) for
     * the options not given, and a line on {@code err} saying which they are or that the model has none; empty with
     * {@code none} (the default). An {@link IllegalArgumentException} for a value other than auto or none, or auto with
     * {@code --llama2c-sampler}, which takes --temperature and --top-p alone.
     */
    static Map<String, Double> authorsDefaults(CliArgs a) {
        String mode = a.has("generation-config") ? a.get("generation-config") : "none";
        if (!mode.equals("auto") && !mode.equals("none")) {
            throw new IllegalArgumentException("--generation-config must be auto (the model's generation_config.json gives the "
                    + "sampling options not given) or none (the default: Kindling's), got '" + mode + "'");
        }
        if (mode.equals("none")) {
            return Map.of();
        }
        if (a.has("llama2c-sampler")) {
            throw new IllegalArgumentException("--generation-config auto gives Kindling's sampler the model's defaults (top_k, min_p, "
                    + "repetition_penalty among them); --llama2c-sampler takes --temperature and --top-p alone: give them instead");
        }
        Map<String, Double> taken = new java.util.LinkedHashMap<>();
        GenerationConfig.samplingDefaults(Path.of(a.get("model"))).forEach((key, v) -> {
            if (!a.has(OPTION_OF_KEY.get(key))) {
                taken.put(key, v);
            }
        });
        return taken;
    }

    /** What {@code --generation-config auto} took from {@code model}'s file, for the line a run prints on stderr. */
    public static String describeAuthorsDefaults(String given, Map<String, Double> taken, boolean fileFound) {
        String model = shownModel(given);
        if (!fileFound) {
            return "--generation-config auto: " + model + " has no generation_config.json (a GGUF or llama2.c file never has; "
                    + "vLLM reads none beside one either): Kindling's defaults";
        }
        if (taken.isEmpty()) {
            return "--generation-config auto: " + model + "/generation_config.json sets no sampling default an option does not give";
        }
        StringBuilder b = new StringBuilder();
        taken.forEach((key, v) -> b.append(b.length() == 0 ? "" : ", ").append("--").append(OPTION_OF_KEY.get(key)).append(' ')
                .append(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) (double) v) : String.valueOf(v)));
        return "--generation-config auto: " + b + " from " + model + "/generation_config.json";
    }

    /** {@code --help} or {@code -h} where an option's name goes (a --prompt of "-h" is a prompt). */
    static boolean asksForHelp(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
            if (a.startsWith("--") && a.indexOf('=') < 0 && OPTIONS.contains(a.substring(2))) {
                i++; // its value
            }
        }
        return false;
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
        return run(args, out, err, "generate: ");
    }

    /**
     * {@link #run(String[], PrintStream, PrintStream)}, each error line led by {@code errorPrefix}: the Kindling CLI's
     * {@code kindling generate --prompt} runs this command, and its errors read "kindling: error: ..." as every other
     * command's do (they read "generate: ...").
     */
    public static int run(String[] args, PrintStream out, PrintStream err, String errorPrefix) throws IOException {
        if (asksForHelp(args)) {
            out.println(USAGE);
            return 0;
        }
        CliArgs a;
        String prompt;
        try {
            a = new CliArgs(args, OPTIONS, FLAGS);
            a.require("model");
            int prompts = (a.has("prompt") ? 1 : 0) + (a.has("prompt-file") ? 1 : 0) + (a.has("input") ? 1 : 0);
            if (prompts != 1 || a.has("input") != a.has("output")) {
                throw new IllegalArgumentException("give one of --prompt TEXT, --prompt-file FILE, or --input IN --output OUT");
            }
            prompt = PromptFile.fromArgs(a, "generate", err);
        } catch (IllegalArgumentException e) {
            err.println(errorPrefix + e.getMessage());
            return 2;
        }
        EngineOptions o;
        // without sampling options, kindling generate's defaults (greedy, 256 tokens), not a generation_config.json's:
        // the author's do_sample, temperature and max_new_tokens made this command's text differ from the Spark job's
        // and from kindling generate --prompt's, which never read them
        SamplingParams sampling;
        long seed;
        int[] stopTokenIds;
        int maxTokens;
        // --generation-config auto: the options not given take the model's generation_config.json values (vLLM's flag)
        Map<String, Double> authors;
        try {
            authors = authorsDefaults(a);
        } catch (IllegalArgumentException e) {
            err.println(errorPrefix + e.getMessage());
            return 2;
        } catch (dev.kindling.formats.ModelFormatException e) {
            err.println(errorPrefix + e.getMessage()); // a generation_config.json that cannot be read: the model's fault
            return 1;
        }
        try {
            o = a.device(EngineOptions.defaults());
            o = a.threads(o);
            long kvBudgetMb = a.getLong("kv-budget-mb", 0);
            if (kvBudgetMb < 0 || kvBudgetMb > Long.MAX_VALUE >> 20) {
                throw new IllegalArgumentException("--kv-budget-mb must be 0 (the default) or more MiB, got " + a.get("kv-budget-mb"));
            }
            o = o.withKvBudgetBytes(kvBudgetMb << 20);
            int maxSequences = a.getInt("max-sequences", o.maxSequences());
            if (maxSequences < 1 || maxSequences > EngineOptions.MAX_SEQUENCES) {
                throw new IllegalArgumentException("--max-sequences must be 1 to " + EngineOptions.MAX_SEQUENCES + ", got " + a.get("max-sequences"));
            }
            // a step holds at least one token of each sequence (the engine refuses fewer)
            o = o.withMaxSequences(maxSequences).withMaxBatchTokens(Math.max(o.maxBatchTokens(), maxSequences));
            if (a.getInt("max-in-flight", 0) < 0) {
                throw new IllegalArgumentException("--max-in-flight must be 0 (2 x --max-sequences) or more, got " + a.get("max-in-flight"));
            }
            // every value checked before the model loads: --temperature -1, --top-p 0 or --max-tokens x threw out of
            // run() after loading it, with a stack trace and exit status 1
            // 0 by default, as the Spark job's: a run repeats exactly (it was the clock's nanoseconds)
            seed = a.getLong("seed", 0L);
            float temperature = a.getFloat("temperature", authors.getOrDefault("temperature", 0.0).floatValue());
            sampling = !a.has("llama2c-sampler")
                    ? new SamplingParams(temperature, a.getInt("top-k", authors.getOrDefault("top_k", 0.0).intValue()),
                            a.getFloat("top-p", authors.getOrDefault("top_p", 1.0).floatValue()),
                            a.getFloat("min-p", authors.getOrDefault("min_p", 0.0).floatValue()),
                            a.getFloat("repetition-penalty", authors.getOrDefault("repetition_penalty", 1.0).floatValue()),
                            penalty(a, "frequency-penalty"), penalty(a, "presence-penalty"), seed, SamplingParams.Kind.DEFAULT)
                    // top-k, min-p and penalties given with it are refused (SamplingParams), not dropped
                    : SamplingParams.llama2c(temperature, a.getFloat("top-p", 0.9f), seed)
                            .withTopK(a.getInt("top-k", 0)).withMinP(a.getFloat("min-p", 0f))
                            .withPenalties(a.getFloat("repetition-penalty", 1f), penalty(a, "frequency-penalty"),
                                    penalty(a, "presence-penalty"));
            maxTokens = a.getInt("max-tokens", authors.getOrDefault("max_new_tokens", 256.0).intValue());
            if (maxTokens < 0) {
                throw new IllegalArgumentException("--max-tokens must be >= 0, got " + a.get("max-tokens"));
            }
            for (String stop : a.getAll("stop")) {
                String refusal = stopRefusal(stop);
                if (refusal != null) {
                    throw new IllegalArgumentException(refusal);
                }
            }
            stopTokenIds = stopTokenIds(a.getAll("stop-token-ids"));
        } catch (SamplingParams.InvalidParameterException e) {
            // the engine's message names the parameter ("temperature must be a finite number >= 0, got NaN"), not the option typed
            err.println(errorPrefix + "--" + e.parameter() + " " + e.requirement() + ", got " + a.get(e.parameter()));
            return 2;
        } catch (IllegalArgumentException e) {
            err.println(errorPrefix + e.getMessage());
            return 2;
        }
        if ("auto".equals(a.get("generation-config"))) {
            // which values came from the file, or that none could: a sampled text is otherwise unexplained
            Path model = Path.of(a.get("model"));
            err.println("generate: " + describeAuthorsDefaults(a.get("model"), authors,
                    Files.isDirectory(model) && Files.isRegularFile(model.resolve("generation_config.json"))));
        }
        o = o.withTruncatePrompts(a.has("truncate-prompts"));
        try {
            // a missing, empty or foreign model file is a usage error naming --model, before the input is opened
            LocalModel.checkLocalModel("--model", Path.of(a.get("model")));
            if (a.has("tokenizer")) {
                LocalModel.checkLocalTokenizer("--tokenizer", Path.of(a.get("tokenizer")));
            }
            if (stopTokenIds.length > 0) {
                // an id the model never samples would never stop a generation: refused before the model loads
                int vocab;
                try {
                    vocab = LocalModel.vocabularySize(Path.of(a.get("model")));
                } catch (dev.kindling.formats.ModelFormatException unreadable) {
                    vocab = Integer.MAX_VALUE; // opening the model says what is wrong with it, as without stop ids
                }
                for (int id : stopTokenIds) {
                    String refusal = stopTokenIdRefusal(id, vocab, a.get("model"));
                    if (refusal != null) {
                        throw new IllegalArgumentException(refusal);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            err.println(errorPrefix + e.getMessage());
            return 2;
        }
        if (a.has("tokenizer")) {
            o = o.withTokenizer(Path.of(a.get("tokenizer")));
        }
        // every one given (only the last was kept), and the stop ids with them
        Stops stops = new Stops(a.getAll("stop"), stopTokenIds);
        if (!a.has("input")) {
            return prompt(a, o, prompt, sampling, seed, maxTokens, stops, out, err, errorPrefix);
        }
        // the input is opened and the output checked before anything is generated: a missing input or an output that
        // cannot be written threw out of run() with a stack trace, the latter only after every row was generated
        Path inputPath = Path.of(a.get("input"));
        Path output = Path.of(a.get("output"));
        if (!Files.isRegularFile(inputPath)) {
            err.println(errorPrefix + "--input " + a.get("input") + (Files.isDirectory(inputPath)
                    ? " is a directory; this command reads one JSON Lines file (kindling generate reads folders, through Spark)"
                    : ": no such file"));
            return 2;
        }
        String unusable = unusable(inputPath, output);
        if (unusable != null) {
            err.println(errorPrefix + unusable);
            return 2;
        }
        InputRows input;
        try {
            input = new InputRows(inputPath);
        } catch (IOException e) {
            err.println(errorPrefix + "cannot read " + inputPath + ": " + e);
            return 1;
        }
        InterruptHook.Output written = new InterruptHook.Output(output);
        try (input; InterruptHook hook = InterruptHook.install("generate", err, List.of(written))) {
            Engine opened = CliArgs.openEngine(errorPrefix, Path.of(a.get("model")), o, err);
            if (opened == null) {
                return 1;
            }
            try (Engine engine = opened) {
                if (hook.stopping()) {
                    return 1; // interrupted while the model loaded: the output is left as it was
                }
                BufferedWriter w;
                try {
                    w = Files.newBufferedWriter(output, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    err.println(errorPrefix + "cannot write " + output + ": " + e);
                    return 1;
                }
                written.started();
                int code;
                try (w) {
                    code = rows(engine, input, inputPath, sampling, seed, maxTokens, stops, a.getInt("max-in-flight", 0), w, written, hook, err,
                            errorPrefix);
                } catch (IOException e) {
                    // a full disk, a lost mount: one line naming the file, not a stack trace
                    err.println(errorPrefix + "cannot write " + output + ": " + e.getMessage() + " (the file holds what was written"
                            + " before the failure)");
                    return 1;
                }
                if (code == 0) {
                    written.complete();
                } else {
                    written.flushed();
                }
                return code;
            }
        }
    }

    /** {@code --prompt} or {@code --prompt-file}: the completion streamed to {@code out}. */
    private static int prompt(CliArgs a, EngineOptions o, String prompt, SamplingParams sampling, long seed, int maxTokens, Stops stops,
            PrintStream out, PrintStream err, String errorPrefix) {
        Engine opened = CliArgs.openEngine(errorPrefix, Path.of(a.get("model")), o, err);
        if (opened == null) {
            return 1;
        }
        try (Engine engine = opened) {
            GenerationRequest r = stops.applyTo(GenerationRequest.of(prompt).withSampling(forPrompt(sampling, seed, prompt))
                    .withMaxTokens(maxTokens));
            // streamed as it comes; with --stop the engine holds back text that may begin the stop string. Once nobody
            // reads stdout (| head) or it cannot be written, the request is cancelled: a PrintStream swallows the error, and
            // the engine generated on to --max-tokens for no one. Cancelled, not failed from the listener, which the
            // engine logs as a fault; the engine drops a request whose future is done
            AtomicBoolean stdoutLost = new AtomicBoolean();
            AtomicReference<CompletableFuture<Completion>> running = new AtomicReference<>();
            CompletableFuture<Completion> generation = engine.submit(r, (i, token, text, lp) -> {
                if (stdoutLost.get()) {
                    return;
                }
                out.print(text);
                out.flush();
                if (out.checkError()) {
                    stdoutLost.set(true);
                    CompletableFuture<Completion> f = running.get();
                    if (f != null) {
                        f.cancel(false);
                    }
                }
            });
            running.set(generation);
            try {
                if (stdoutLost.get()) {
                    generation.cancel(false);
                }
                generation.join();
            } catch (CancellationException cancelled) {
                if (!stdoutLost.get()) {
                    throw cancelled;
                }
            } catch (RuntimeException e) {
                // the request's own failure, one line: one the engine refused for what it asks (a prompt longer than
                // the context, a KV budget too small for it, no tokenizer to read it) is a usage error, exit 2 as logits gives it; any other
                // (non-finite logits, a fault of ours) exit 1, whatever its type
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                err.println(errorPrefix + describe(cause));
                return cause instanceof dev.kindling.inference.RequestRefusedException ? 2 : 1;
            }
            if (stdoutLost.get()) {
                String failure = Utf8Console.stdoutFailure();
                if (failure == null) {
                    return Utf8Console.STDOUT_CLOSED_EXIT; // quietly, as a shell reports yes | head -1
                }
                err.println(errorPrefix + "cannot write the output to stdout: " + failure); // as Utf8Console.exitCode says it
                return 1;
            }
            out.println();
            return 0;
        }
    }

    /**
     * A prompt's sampling: when Kindling's sampler draws (temperature above 0), its seed is the one every front end
     * derives from {@code --seed} and the prompt's text ({@link RowSeeds}), so the Spark job, {@code kindling generate
     * --prompt} and this command give a prompt the same text. llama2.c's sampler takes {@code --seed} as given, as run.c
     * does, except that 0 (the default) is a fixed state, not the clock: a run repeats.
     */
    static SamplingParams forPrompt(SamplingParams sp, long seed, String prompt) {
        return sp.kind() == SamplingParams.Kind.DEFAULT && sp.temperature() > 0 ? sp.withSeed(RowSeeds.ofText(seed, prompt, 0)) : sp;
    }

    /**
     * Why {@code output} cannot be written, or null. Checked before the model loads: an output in a missing folder was
     * found only after it loaded, and an output that was the input overwrote it (its rows were in memory, so the run went
     * on and the input was lost; now the input is read as the output is written, so it would be read truncated).
     */
    private static String unusable(Path input, Path output) {
        try {
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

    /**
     * Generates the rows of {@code input} and writes them to {@code w} in input order as they finish: at most {@link
     * #inFlight} rows are read ahead and in the engine at once, so memory does not grow with the input. Stops at a row's
     * end when {@code hook} is stopping. Returns the exit code.
     */
    private static int rows(Engine engine, InputRows input, Path inputPath, SamplingParams sp, long seed, int maxTokens, Stops stops,
            int maxInFlight, BufferedWriter w, InterruptHook.Output output, InterruptHook hook, PrintStream err, String errorPrefix)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        int window = maxInFlight > 0 ? maxInFlight : inFlight(engine);
        ArrayDeque<Pending> pending = new ArrayDeque<>();
        long rows = 0;
        long failed = 0;
        try {
            while (!hook.stopping()) {
                while (pending.size() < window && input.hasNext()) {
                    pending.add(submit(engine, input.next(), inputPath, sp, seed, maxTokens, stops));
                }
                if (pending.isEmpty()) {
                    break;
                }
                Pending p = pending.peek();
                Completion c = null;
                String error = null;
                try {
                    c = await(p.result(), hook);
                } catch (ExecutionException e) {
                    error = describe(e.getCause() != null ? e.getCause() : e);
                }
                if (hook.stopping()) {
                    break; // the rows from here on are not written: the output ends at a whole row
                }
                pending.poll();
                ObjectNode o = json.createObjectNode();
                JsonNode in = p.row().json();
                o.set("id", in == null ? null : in.get("id"));
                o.set("prompt", in == null ? null : in.get("prompt"));
                if (c != null) {
                    o.put("completion", c.text());
                    o.put("n_tokens", c.tokens().length);
                    o.put("finish_reason", c.finishReason().label());
                } else {
                    o.put("error", error);
                    failed++;
                }
                w.write(json.writeValueAsString(o));
                w.newLine();
                output.wrote();
                rows++;
            }
        } catch (UncheckedIOException e) { // reading the input, after the rows before it were written
            err.println(errorPrefix + e.getMessage() + "; " + output.path() + " holds the " + rows + " rows before it");
            return 1;
        } finally {
            // rows not written (an interrupt, a read error) are not left generating while the engine closes
            for (Pending p : pending) {
                p.result().cancel(false);
            }
        }
        if (hook.stopping()) {
            return 1;
        }
        if (rows == 0) {
            // not silently: a wrong file given, or one truncated to nothing, would look like a run that went well
            err.println("generate: " + inputPath + " has no rows (it is empty or blank); wrote an empty " + output.path());
        } else if (failed > 0) {
            err.println("generate: " + failed + " of " + rows + " rows failed (see their error field)");
        }
        return 0;
    }

    /** What ends a generation besides the model's end tokens: {@code --stop} strings and {@code --stop-token-ids}. */
    private record Stops(List<String> strings, int[] tokenIds) {
        GenerationRequest applyTo(GenerationRequest r) {
            return r.withStopStrings(strings).withStopTokens(tokenIds);
        }
    }

    /** An input row and its generation (failed at once for a row without a string prompt). */
    private record Pending(InputRows.Row row, CompletableFuture<Completion> result) {
    }

    private static Pending submit(Engine engine, InputRows.Row row, Path inputPath, SamplingParams sp, long seed, int maxTokens,
            Stops stops) {
        JsonNode p = row.json() == null ? null : row.json().get("prompt");
        // the file too, as the reader's errors (not JSON, not UTF-8) name it, and what the field holds instead: "line 3 has no
        // string field prompt" was all a row with "prompt": 5 (or a "text" field instead) said
        CompletableFuture<Completion> result = row.error() != null
                ? CompletableFuture.failedFuture(new IllegalArgumentException(row.error()))
                : p == null || !p.isTextual()
                ? CompletableFuture.failedFuture(new IllegalArgumentException(inputPath + " line " + row.line() + " has no string field prompt"
                        + (p == null ? " (fields: " + String.join(", ", (Iterable<String>) row.json()::fieldNames) + ")"
                                : " (it holds " + (p.isNull() ? "null" : "a " + p.getNodeType().name().toLowerCase(java.util.Locale.ROOT)) + ")")))
                : engine.submit(stops.applyTo(GenerationRequest.of(p.asText()).withSampling(forPrompt(sp, seed, p.asText()))
                        .withMaxTokens(maxTokens)), null);
        return new Pending(row, result);
    }

    /**
     * Rows read ahead and in the engine at once: twice the sequences it decodes together (as the Spark job's default
     * {@code --max-in-flight}), so that a finished sequence's slot is refilled at once while the output waits for the row
     * at its head.
     */
    static int inFlight(Engine engine) {
        return 2 * engine.options().maxSequences();
    }

    /** The result, or null once {@code hook} is stopping (checked every 50 ms: an interrupt need not wait for a long row). */
    private static Completion await(CompletableFuture<Completion> f, InterruptHook hook) throws ExecutionException {
        while (true) {
            try {
                return f.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (hook.stopping()) {
                    return null;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExecutionException("interrupted", e);
            } catch (java.util.concurrent.CancellationException e) {
                throw new ExecutionException("cancelled", e);
            }
        }
    }

    /** A request's error as this command words it: a refusal's advice names this command's flags. */
    private static String describe(Throwable t) {
        return PromptTooLongException.in(t) != null ? PromptTooLongException.describe(t, LONG_PROMPT_ADVICE)
                : KvBudgetRefusedException.describe(t, KV_BUDGET_ADVICE);
    }
}
