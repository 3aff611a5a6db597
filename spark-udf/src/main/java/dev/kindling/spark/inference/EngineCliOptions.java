package dev.kindling.spark.inference;

import dev.kindling.spark.KindlingException;
import picocli.CommandLine.Option;

/** The model and engine options of the inference commands (a picocli mixin). */
public class EngineCliOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "The model: a .gguf file, a llama2.c checkpoint (with --tokenizer) or a Hugging Face checkpoint "
                    + "directory; local, s3a:// or a SparkFiles name, copied once per executor.")
    public String model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "A tokenizer file instead of the model's vocabulary.")
    public String tokenizer;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    public String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Engine threads per executor (default: the executor's cores).")
    public int threads;

    @Option(names = "--max-sequences", defaultValue = "64", paramLabel = "N",
            description = "Sequences the engine decodes together (default: ${DEFAULT-VALUE}).")
    public int maxSequences;

    @Option(names = "--max-in-flight", defaultValue = "0", paramLabel = "N",
            description = "Rows a task keeps in the engine at once (default: 2 x --max-sequences).")
    public int maxInFlight;

    @Option(names = "--kv-cache-type", defaultValue = "f32", paramLabel = "TYPE",
            description = "How the CPU engine stores the KV cache: f32 (default) or f16 (llama.cpp's default: half the memory, "
                    + "so twice the positions and sequences fit; K, V, queries and attention weights rounded as llama.cpp rounds them).")
    public String kvCacheType;

    @Option(names = "--kv-budget-mb", defaultValue = "0", paramLabel = "MIB",
            description = "KV cache memory of each executor's engine in MiB; 0 (default): a quarter of the heap free after "
                    + "loading, at most 4 GiB. Requests that do not fit wait.")
    public int kvBudgetMb;

    @Option(names = "--truncate-prompts", description = "Prompts longer than the context keep their end instead of failing the row.")
    public boolean truncatePrompts;

    /**
     * {@link #spec()}, after refusing a bare {@code --model} or {@code --tokenizer} name that is no file here and that no
     * file given to Spark in {@code conf} (the command's {@code --conf}) or the session it joins supplies
     * ({@link dev.kindling.spark.executor.LocalFiles#bareNameFoundNowhere}): it failed ~10 s later, once Spark had
     * started, as "nosuch.gguf does not exist", naming neither the option nor where it was looked for.
     */
    public EngineSpec spec(java.util.Map<String, String> conf) {
        // the engine options' own mistakes first (--threads -1 with a model name that is nothing was said as the model)
        EngineSpec spec = spec(false);
        checkBareNames("--model", model, "--tokenizer", tokenizer, conf);
        return spec;
    }

    /**
     * Refuses a bare model name given as {@code modelOption}, or tokenizer name given as {@code tokenizerOption}, that is no
     * file here and that no file given to Spark in {@code conf} (the command's {@code --conf}) or the session it joins
     * supplies ({@link dev.kindling.spark.executor.LocalFiles#bareNameFoundNowhere}): the driver opens the model first,
     * once Spark has started, and it failed there as "nosuch.gguf does not exist". Shared by every command that opens a
     * model (distill's {@code --teacher} and {@code --judge} too), called last in its validation so that its own option
     * mistakes are said first. The engine opens its tokenizer as a file: {@code byte-level}, the token counts' built-in
     * tokenizer, is none, and passed this check to fail as "byte-level does not exist" once Spark had started.
     *
     * @param tokenizerOption the option that gives this model's engine its tokenizer, or null where the command has none
     */
    public static void checkBareNames(String modelOption, String model, String tokenizerOption, String tokenizer,
            java.util.Map<String, String> conf) {
        if (dev.kindling.spark.executor.LocalFiles.bareNameFoundNowhere(model, conf)) {
            throw KindlingException.usage(notFound(modelOption, model));
        }
        if (tokenizerOption != null && dev.kindling.spark.executor.LocalFiles.bareNameFoundNowhere(tokenizer, conf)) {
            throw KindlingException.usage(notFound(tokenizerOption, tokenizer)
                    + (tokenizer.equals(dev.kindling.spark.tokenize.ExecutorTokenizers.BYTE_LEVEL) ? "; " + BYTE_LEVEL_REASON
                    + ", or no " + tokenizerOption : ""));
        }
    }

    /**
     * Why {@code byte-level} is no engine's tokenizer, where a model is given it: the commands' {@code --tokenizer}, the
     * stages' {@code tokenizer} param ({@link EngineStage}), each followed by its own "or none".
     */
    public static final String BYTE_LEVEL_REASON = "the built-in byte-level tokenizer counts tokens (tokenize, pack, demo), a model "
            + "reads with its own vocabulary: give its tokenizer file";

    private static String notFound(String option, String path) {
        return option + " '" + path + "': no such file (looked in " + java.nio.file.Path.of("").toAbsolutePath()
                + " and among the files given to Spark with --files)";
    }

    /**
     * The engine {@code generate --prompt} runs in this process, without Spark: the engine options' checks, and {@code
     * --tokenizer byte-level} (where no file has that name here) refused saying why, as {@link #checkBareNames} refuses it
     * for a Spark job: the engine's bare "--tokenizer byte-level does not exist" said nothing of it.
     */
    public EngineSpec spec() {
        return spec(true);
    }

    private EngineSpec spec(boolean inThisProcess) {
        // a local model or tokenizer that is not there was reported only after Spark had started and read the input
        ExecutorEngines.checkLocalModel("--model", model);
        if (inThisProcess && dev.kindling.spark.tokenize.ExecutorTokenizers.BYTE_LEVEL.equals(tokenizer)
                && !java.nio.file.Files.exists(java.nio.file.Path.of(tokenizer))) {
            throw KindlingException.usage("--tokenizer '" + tokenizer + "': no such file (looked in " + java.nio.file.Path.of("").toAbsolutePath()
                    + "); " + BYTE_LEVEL_REASON + ", or no --tokenizer");
        }
        dev.kindling.spark.tokenize.ExecutorTokenizers.checkLocal("--tokenizer", tokenizer);
        requireTokenizer("--model", model, "--tokenizer", tokenizer);
        checkValues(device, threads, maxSequences, maxInFlight, kvCacheType);
        try {
            return new EngineSpec(model, tokenizer, device, threads, maxSequences, 0, kvBudgetBytes(kvBudgetMb), truncatePrompts,
                    kvCacheType);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(e.getMessage());
        }
    }

    /**
     * Refuses an engine option's value naming the option as typed: EngineSpec's own refusals ("threads must be 0 ... or
     * more", "KV cache type must be f32 or f16") named a setting, not the option. The distill commands' teacher and judge
     * options have the same names.
     */
    /** {@link dev.kindling.inference.EngineOptions#MAX_SEQUENCES}, the limit the engine's own command takes too. */
    public static final int MAX_SEQUENCES = dev.kindling.inference.EngineOptions.MAX_SEQUENCES;

    public static void checkValues(String device, int threads, int maxSequences, int maxInFlight, String kvCacheType) {
        if (dev.kindling.inference.EngineOptions.deviceName(device) == null) {
            throw KindlingException.usage("--device must be auto, cpu or cuda, got " + device);
        }
        if (threads < 0 || threads > dev.kindling.inference.EngineOptions.MAX_THREADS) {
            throw KindlingException.usage("--threads must be 0 (the executor's cores) to " + dev.kindling.inference.EngineOptions.MAX_THREADS
                    + ", got " + threads);
        }
        if (maxSequences < 1 || maxSequences > MAX_SEQUENCES) {
            // 100,000,000 ran the executor out of memory sizing its step buffers (exit 52, "interrupted")
            throw KindlingException.usage("--max-sequences must be 1 to " + MAX_SEQUENCES + ", got " + maxSequences);
        }
        if (maxInFlight < 0) {
            throw KindlingException.usage("--max-in-flight must be 0 (2 x --max-sequences) or more, got " + maxInFlight);
        }
        try {
            dev.kindling.inference.KvCacheType.parse(kvCacheType);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage("--kv-cache-type must be f32 or f16, got " + kvCacheType);
        }
    }

    /**
     * Refuses, before Spark starts, a local llama2.c checkpoint given as {@code modelOption} with no tokenizer: it carries no
     * vocabulary, and every row failed the same way after Spark had started and the model loaded. Shared by every command
     * that opens a model ({@code --model}, distill's {@code --teacher} and {@code --judge}); a remote model is left to the job.
     *
     * @param tokenizerOption the option that gives this model its tokenizer, or null where the command gives its engine none
     *                        (demo, bench spark-generate): there a llama2.c checkpoint cannot be used at all
     * @param tokenizer       the value of {@code tokenizerOption}, or null
     */
    public static void requireTokenizer(String modelOption, String model, String tokenizerOption, String tokenizer) {
        if (tokenizer != null) {
            return;
        }
        java.nio.file.Path local = dev.kindling.spark.executor.LocalFiles.existingLocal(modelOption, model);
        if (local != null && dev.kindling.inference.hf.HfModelLoader.isCheckpoint(local)
                && !java.nio.file.Files.isRegularFile(local.resolve("tokenizer.json"))
                && !java.nio.file.Files.isRegularFile(local.resolve("tokenizer.model"))) {
            // found when the engine opened, after Spark had started, as "give its tokenizer file (--tokenizer)", an option
            // distill does not have
            String checkpoint = modelOption + " " + model + " is a Hugging Face checkpoint without tokenizer.json";
            throw KindlingException.usage(tokenizerOption == null
                    ? checkpoint + ", and this command gives its engine no other: put the model's tokenizer.json in the folder"
                    : checkpoint + ": pass " + tokenizerOption + " FILE (the model's tokenizer.json), or put it in the folder");
        }
        if (local == null || !java.nio.file.Files.isRegularFile(local) || dev.kindling.formats.gguf.GgufFile.looksLikeGguf(local)
                || !dev.kindling.inference.llama2c.Llama2cLoader.looksLikeLlama2c(local)) {
            return;
        }
        String checkpoint = modelOption + " " + model + " is a llama2.c checkpoint, which carries no tokenizer";
        if (tokenizerOption == null) {
            throw KindlingException.usage(checkpoint + ", and this command gives its engine none: give a .gguf file or a "
                    + "Hugging Face checkpoint directory with its tokenizer.json");
        }
        throw KindlingException.usage(checkpoint + ": pass " + tokenizerOption + " FILE (llama2.c's tokenizer.bin, a "
                + "tokenizer.json, a SentencePiece tokenizer.model or a GGUF vocabulary)");
    }

    /**
     * {@code --kv-budget-mb} in bytes, for the {@link EngineSpec} of this mixin and of the distill commands' teacher
     * options; a negative value is refused naming the option.
     */
    public static long kvBudgetBytes(int mib) {
        if (mib < 0) {
            throw new IllegalArgumentException("--kv-budget-mb must be 0 (the default) or more, got " + mib);
        }
        return (long) mib << 20;
    }

    /**
     * What a job's row error advises for a prompt longer than the context: generate's flag (score and embed refuse it), as
     * {@code generate --prompt} (the engine's own command) advises it.
     */
    static final String LONG_PROMPT_ADVICE = dev.kindling.inference.cli.GenerateCommand.LONG_PROMPT_ADVICE;
    /** The two settings a KV budget refusal's advice names, as a command with --kv-cache-type words them (bench spark-generate too). */
    static final String HALVE_OR_RAISE_KV_BUDGET = "halve what a position takes with --kv-cache-type f16, or raise the budget";
    /**
     * The default KV budget and how a command line raises it, for the commands without --kv-budget-mb too (demo, bench
     * spark-generate).
     */
    public static final String DEFAULT_KV_BUDGET = "by default a quarter of the heap free after loading, at most 4 GiB: give "
            + "the executors more heap, -Xmx in KINDLING_JAVA_OPTS with a local master, --conf spark.executor.memory on a cluster";
    /**
     * What a job's row error advises for a sequence past the KV budget: these options' flags, which the distill commands'
     * teacher (and judge) options share. The stages' own advice named their setters, which a command line cannot call.
     */
    public static final String KV_BUDGET_ADVICE = HALVE_OR_RAISE_KV_BUDGET + ": --kv-budget-mb, " + DEFAULT_KV_BUDGET;

    /** Applies these options to a stage, whose row errors then advise these flags. */
    public <S extends EngineStage<S>> S applyTo(S stage) {
        stage.setEngine(spec());
        stage.setMaxInFlight(maxInFlight);
        return stage.adviseOnKvBudget(KV_BUDGET_ADVICE);
    }
}
