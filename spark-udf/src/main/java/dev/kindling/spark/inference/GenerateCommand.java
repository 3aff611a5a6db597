package dev.kindling.spark.inference;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindling generate}: with {@code --prompt}, one completion printed to stdout (the engine
 * alone, no Spark: {@link dev.kindling.inference.cli.GenerateCommand}); with
 * {@code --input/--output}, a Spark job over rows {@code {id, prompt}} writing
 * {@code {id, prompt, completion, n_tokens, finish_reason, error}} ({@code --samples N}: {@code {id, prompt,
 * completions: [{completion, n_tokens, finish_reason}, ...], error}}; {@code --logprobs K} adds {@code logprob} and
 * {@code token_logprobs}), or with {@code --messages-column} over chat rows
 * {@code {id, messages}} (Hugging Face's format) writing {@code {id, messages, completion, n_tokens, finish_reason, error}}.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text with a model (GGUF, llama2.c or Hugging Face checkpoint).",
                "--prompt TEXT prints one completion (no Spark). --input IN --output OUT runs a Spark job over rows {id, prompt} "
                        + "and writes {id, prompt, completion, n_tokens, finish_reason, error} in input order; a row that fails "
                        + "gets its error and the others go on. --messages-column reads chat rows {id, messages: [{role, content}, ...]} "
                        + "instead, through the model's chat template, and writes {id, messages, completion, ...}. With "
                        + "--per-row-sampling, input columns max_tokens, temperature, top_p, top_k, min_p, seed, stop, "
                        + "stop_token_ids (and the penalties, as vLLM's SamplingParams names them) give a row its own settings."})
public final class GenerateCommand extends SparkCommand {
    @Mixin
    EngineCliOptions engine;

    @Mixin
    SamplingCliOptions sampling;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "One prompt: print only its completion (\"\" starts from BOS).")
    String prompt;

    @Option(names = "--prompt-file", paramLabel = "FILE",
            description = "As --prompt, with the text of FILE (UTF-8, at most 256 MiB) less one final newline, as llama.cpp's -f reads it.")
    String promptFile;

    @Option(names = "--prompt-column", paramLabel = "NAME",
            description = "Prompt column of --input (default: prompt), written to the output as prompt.")
    String promptColumn;

    /**
     * {@code --text-column} is read as {@code --prompt-column} (the shared input option), but left out of the help: listed
     * with the shared "Text column (default: text)" beside {@code --prompt-column}, it told of a default this command
     * does not have and of a second column.
     */
    @Override
    protected java.util.Set<String> hiddenInheritedOptions() {
        return java.util.Set.of("--text-column");
    }

    @Option(names = "--messages-column", paramLabel = "NAME",
            description = "Read chat messages (an array of {role, content}, Hugging Face's messages) from this column of --input "
                    + "instead of a text prompt, through the model's chat template with the generation prompt.")
    String messagesColumn;

    @Option(names = "--continue-final-message",
            description = "With --messages-column: leave the final message (a prefilled reply) open for the model to continue, "
                    + "instead of adding the generation prompt (transformers' continue_final_message); the completion is the "
                    + "continuation alone.")
    boolean continueFinalMessage;

    @Option(names = "--chat", defaultValue = "off", paramLabel = "MODE",
            description = "Prompts through the model's chat template as user messages: off (default), on, auto (when the model has one). "
                    + "Spark jobs only.")
    String chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message for chat prompts (needs --chat on or auto, and a model with a chat template).")
    String system;

    // no -n: llama.cpp's -n is the tokens to predict, and -n 64 with a temperature would quietly write 64 samples
    @Option(names = "--samples", paramLabel = "N",
            description = "Completions per prompt, 1 to 1024 (vLLM's n). Given (1 included), each row has completions: "
                    + "[{completion, n_tokens, finish_reason}, ...] in place of those columns, the same shape for any N; "
                    + "sample i of a prompt is the same whatever N. Above 1 it needs sampling: a --temperature, and no "
                    + "--top-k 1, --min-p 1 or --max-tokens 0.")
    Integer samples;

    @Option(names = "--logprobs", paramLabel = "K",
            description = "Add logprob (the sum over the completion's tokens) and token_logprobs: [{id, token, logprob, "
                    + "bytes, top_logprobs: [{id, token, logprob, bytes}, ...K most likely]}, ...] per generated token (K = 0: "
                    + "the generated tokens alone; at most 100). The model's distribution, before temperature and penalties "
                    + "(vLLM's, OpenAI's); token is the vocabulary string (convert_ids_to_tokens; null for an id past the "
                    + "tokenizer's, a padded output layer's end id, or one no token has), bytes what it adds to the text (0-255 each, OpenAI's bytes).")
    Integer logprobs;

    // opt-in, as vLLM reads no sampling from data: a prompts file with a column of that name for another purpose (a
    // self-instruct seed task's seed, a note's stop) changed what its rows got without a word
    @Option(names = "--per-row-sampling",
            description = "Read each row's own sampling settings from the input's columns max_tokens, temperature, top_p, top_k, "
                    + "min_p, repetition_penalty, frequency_penalty, presence_penalty, seed, stop and stop_token_ids where "
                    + "present (vLLM's SamplingParams names, per request): a row's value replaces the option's, a null keeps it, "
                    + "a value that is no setting is the row's error. Without it such columns are the input's other columns.")
    boolean perRowSampling;

    @Mixin
    PipelineOptions pipeline;

    /**
     * What {@code --prompt} reads ({@link #runWithoutSpark} passes them to the engine's command): the model, the engine
     * options of one sequence on this machine, the sampling, and --verbose. The others (Spark, the input, the output,
     * the accounting, --chat, --max-sequences...) are for the Spark job, and given with --prompt are a usage error.
     */
    public static final Set<String> PROMPT_OPTIONS = Set.of("--prompt", "--prompt-file", "--verbose",
            "--model", "--tokenizer", "--device", "--threads", "--kv-cache-type", "--kv-budget-mb", "--truncate-prompts",
            "--max-tokens", "--temperature", "--top-p", "--top-k", "--min-p", "--repetition-penalty", "--frequency-penalty",
            "--presence-penalty", "--seed", "--stop", "--stop-token-ids", "--generation-config");

    @Override
    protected void validate() {
        if (promptFile != null) {
            if (prompt != null) {
                throw KindlingException.usage("give either --prompt TEXT or --prompt-file FILE, not both");
            }
            try {
                prompt = dev.kindling.inference.cli.PromptFile.read(java.nio.file.Path.of(promptFile));
            } catch (IllegalArgumentException e) {
                throw KindlingException.usage(e.getMessage());
            }
        }
        String promptOption = promptFile != null ? "--prompt-file" : "--prompt";
        if (prompt != null && (!job.input.isEmpty() || job.output != null)) {
            throw KindlingException.usage("give either " + promptOption + (promptFile != null ? " FILE" : " TEXT")
                    + ", or --input IN --output OUT");
        }
        if (prompt == null && (job.input.isEmpty() || job.output == null)) {
            throw KindlingException.usage("generate needs --prompt-file FILE or --prompt TEXT, or --input IN and --output OUT");
        }
        if (prompt != null) {
            refuseOptionsNotReadBy(promptOption, PROMPT_OPTIONS, "--input jobs");
        }
        if (system != null && !system.isEmpty() && Prompts.Chat.parse(chat) == Prompts.Chat.OFF) {
            throw KindlingException.usage("--system needs --chat on or auto: with --chat off (the default) the model reads the "
                    + "prompts as plain text and would never see the system message");
        }
        Prompts.Chat.parse(chat);
        sampling.applyTo(new Generate()); // the same checks for --prompt as for a Spark job
        if (samples != null && (samples < 1 || samples > Generate.MAX_SAMPLES)) {
            throw KindlingException.usage("--samples must be in 1.." + Generate.MAX_SAMPLES + ", got " + samples);
        }
        String oneText = sampling.oneAnswerSetting();
        if (samples != null && samples > 1 && oneText != null) {
            throw KindlingException.usage("--samples " + samples + " with " + oneText + " gives " + samples
                    + " identical completions; sample with a --temperature above 0, and no --top-k 1, --min-p 1 or --max-tokens 0");
        }
        if (logprobs != null && (logprobs < 0 || logprobs > Generate.MAX_LOGPROBS)) {
            throw KindlingException.usage("--logprobs must be 0 (the generated tokens' log-probs) to " + Generate.MAX_LOGPROBS
                    + " (also the K most likely tokens at each step), got " + logprobs);
        }
        boolean textColumnGiven = spec.commandLine().getParseResult().hasMatchedOption("--text-column");
        if (promptColumn != null && textColumnGiven) {
            // --text-column won and --prompt-column was dropped without a word
            throw KindlingException.usage("--prompt-column and --text-column name the same column; give one");
        }
        if (messagesColumn != null) {
            if (promptColumn != null || textColumnGiven) {
                throw KindlingException.usage("give either --messages-column (chat messages) or --prompt-column (text prompts), not both");
            }
            if (!chat.equals("off")) {
                // messages always go through the chat template; --chat says whether a text prompt does
                throw KindlingException.usage("--chat applies to text prompts; --messages-column always uses the chat template");
            }
            job.textColumn = messagesColumn;
            job.textColumnOption = "--messages-column";
            job.textColumnHoldsMessages = true;
        } else if (continueFinalMessage) {
            throw KindlingException.usage("--continue-final-message continues the final message of --messages-column; a text prompt "
                    + "is a user message followed by the generation prompt (continue_final_message and add_generation_prompt are not "
                    + "compatible)");
        }
        if (messagesColumn == null && promptColumn != null && !textColumnGiven) {
            job.textColumn = promptColumn;
            job.textColumnOption = "--prompt-column";
        } else if (messagesColumn == null && !textColumnGiven) {
            job.textColumn = "prompt";
            job.textColumnOption = "--prompt-column";
        }
        // --prompt runs the engine here, without Spark: a missing model is "--model M does not exist", no files given to Spark
        EngineSpec engineSpec = prompt != null ? engine.spec() : engine.spec(job.conf);
        sampling.checkStopTokenIds(engineSpec.model());
        if (messagesColumn != null) {
            requireChatTemplate(engineSpec);
        } else if (prompt == null) {
            requireChatTemplateForTextPrompts(engineSpec);
        }
    }

    /**
     * {@code --chat on}, and {@code --system} with {@code --chat auto}, on a local model (or {@code --tokenizer}) without a
     * chat template: a usage error naming the options, as distill gives it. The job started Spark, loaded the model and
     * failed 35 s in with the stage's words ({@code Generate(kindlingGenerate_8fd8...): ... give plain prompts}), naming
     * no option of the command.
     */
    private void requireChatTemplateForTextPrompts(EngineSpec spec) {
        Prompts.Chat mode = Prompts.Chat.parse(chat);
        boolean withSystem = system != null && !system.isEmpty();
        if (mode == Prompts.Chat.OFF || (mode == Prompts.Chat.AUTO && !withSystem)) {
            return;
        }
        String source = spec.tokenizer() != null ? spec.tokenizer() : spec.model();
        if (hasChatTemplate(source) != Boolean.FALSE) {
            return;
        }
        if (mode == Prompts.Chat.ON) {
            throw KindlingException.usage("--chat on needs a chat template, and " + source + " has none (tokenizer.chat_template): "
                    + "use --chat off (the default) to give the prompts as plain text, or a --tokenizer with a chat template");
        }
        throw KindlingException.usage("--system needs a chat template, and " + source + " has none (tokenizer.chat_template): with "
                + "--chat auto the model reads the prompts as plain text and would never see the system message; give no --system, "
                + "or a --tokenizer with a chat template");
    }

    /** Whether a local model or tokenizer has a chat template; null where it cannot be told here (remote, missing). */
    private static Boolean hasChatTemplate(String source) {
        if (source.contains("://")) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(source);
        java.nio.file.Path file = !java.nio.file.Files.isDirectory(p) ? p
                : java.nio.file.Files.isRegularFile(p.resolve("tokenizer.json")) ? p.resolve("tokenizer.json") : p.resolve("tokenizer.model");
        if (!java.nio.file.Files.isRegularFile(file)) {
            return null; // a missing model is reported as such where the engine opens it
        }
        return dev.kindling.tokenizer.Tokenizer.load(java.nio.file.Files.isDirectory(p) ? p : file).chatTemplate().isPresent();
    }

    /**
     * A usage error when the model (or {@code --tokenizer}) is a local file without a chat template, found as the engine
     * finds its tokenizer: otherwise the job started Spark and loaded the model on every executor to fail every task
     * with the same message. A model elsewhere ({@code s3a://}) is checked by the engine on the executors.
     */
    private static void requireChatTemplate(EngineSpec spec) {
        String source = spec.tokenizer() != null ? spec.tokenizer() : spec.model();
        if (source.contains("://")) {
            return;
        }
        if (hasChatTemplate(source) == Boolean.FALSE) {
            throw KindlingException.usage(source + " has no chat template (tokenizer.chat_template), which --messages-column "
                    + "renders the messages with; give a tokenizer with one (--tokenizer FILE)");
        }
    }

    @Override
    protected Integer runWithoutSpark() throws Exception {
        if (prompt == null) {
            return null;
        }
        // an s3:// model was "cannot read s3://b/m.gguf: No FileSystem for scheme "s3"" (exit 1), where a job says which URI to write
        requireS3aScheme(dev.kindling.spark.executor.LocalFiles.hadoopConf());
        // every option the Spark job honours, so that --prompt gives what a row with that prompt gets: the engine's
        // command derives the same per-row seed (RowSeeds, from --seed, default 0, and the prompt) when sampling
        long seed = sampling.seedOrDefault();
        List<String> args = new ArrayList<>(List.of("--model", dev.kindling.spark.executor.LocalFiles.localize("--model", engine.model).toString(),
                "--prompt", prompt));
        // with --generation-config auto, only the options typed: the others are the model's file's to give
        Object[][] defaulted = {{"--max-tokens", sampling.maxTokens}, {"--temperature", sampling.temperature},
                {"--top-p", sampling.topP}, {"--top-k", sampling.topK}, {"--min-p", sampling.minP},
                {"--repetition-penalty", sampling.repetitionPenalty}};
        for (Object[] o : defaulted) {
            if (!sampling.generationConfigAuto() || sampling.optionTyped((String) o[0])) {
                args.addAll(List.of((String) o[0], String.valueOf(o[1])));
            }
        }
        if (sampling.generationConfigAuto()) {
            args.addAll(List.of("--generation-config", "auto"));
        }
        args.addAll(List.of("--frequency-penalty", String.valueOf(sampling.frequencyPenalty),
                "--presence-penalty", String.valueOf(sampling.presencePenalty), "--seed", String.valueOf(seed),
                "--device", engine.device, "--kv-cache-type", engine.kvCacheType,
                "--kv-budget-mb", String.valueOf(engine.kvBudgetMb)));
        if (engine.threads > 0) {
            args.addAll(List.of("--threads", String.valueOf(engine.threads)));
        }
        if (engine.truncatePrompts) {
            args.add("--truncate-prompts");
        }
        if (engine.tokenizer != null) {
            args.addAll(List.of("--tokenizer", dev.kindling.spark.executor.LocalFiles.localize("--tokenizer", engine.tokenizer).toString()));
        }
        for (String stop : sampling.stop) {
            args.addAll(List.of("--stop", stop));
        }
        if (!sampling.stopTokenIds.isEmpty()) {
            args.addAll(List.of("--stop-token-ids", sampling.stopTokenIds.stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(","))));
        }
        PrintStream out = printStream(spec.commandLine().getOut(), System.out);
        PrintStream err = printStream(spec.commandLine().getErr(), System.err);
        int code = dev.kindling.inference.cli.GenerateCommand.run(args.toArray(new String[0]), out, err, "kindling: error: ");
        out.flush();
        err.flush();
        return code;
    }

    static PrintStream printStream(PrintWriter w, PrintStream fallback) {
        if (w == null) {
            return fallback;
        }
        return new PrintStream(new OutputStream() {
            private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

            @Override
            public void write(int b) {
                pending.write(b);
            }

            @Override
            public void flush() throws java.io.IOException {
                w.print(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
                w.flush();
                if (stdoutClosed(w)) {
                    // picocli's writer over System.out swallows a broken pipe: failing here lets the engine's command see
                    // it (checkError) and stop generating for no reader
                    throw new java.io.IOException("nobody reads stdout");
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        Generate g = engine.applyTo(sampling.applyTo(new Generate())).setSystemPrompt(system).setOutputCol("_generation")
                .setN(samples == null ? 1 : samples).setLogprobs(logprobs == null ? -1 : logprobs)
                .adviseOnLongPrompts(EngineCliOptions.LONG_PROMPT_ADVICE);
        if (messagesColumn != null) {
            g.setMessagesCol(job.textColumn).setContinueFinalMessage(continueFinalMessage);
        } else {
            g.setPromptCol(job.textColumn).setChat(chat);
        }
        // which sampling defaults the model's generation_config.json gave, or that it has none, said before the run
        g.authorsDefaults(run.spark()).ifPresent(d -> run.out().println("generate: " + d.describe(g.getModel())));
        InferenceProgress progress = InferenceProgress.attach(run, g::metrics);
        InferenceStage generate = new InferenceStage("generate", g);
        if (samples == null || samples == 1) {
            generate.reportSum("n_tokens", "generated tokens");
        } else {
            // every sample's tokens (the rows' n_tokens are inside completions)
            generate.reportTotal("generated_tokens", org.apache.spark.sql.functions.aggregate(
                    org.apache.spark.sql.functions.transform(col("_generation"), c -> size(c.getField("tokens"))),
                    org.apache.spark.sql.functions.lit(0L), (a, b) -> a.plus(b)), "generated tokens");
        }
        String promptName = messagesColumn != null ? "messages" : "prompt";
        Dataset<Row> input = run.readInput();
        // a row's own sampling settings, as vLLM takes a SamplingParams per request: said before the run, as an input
        // column named temperature changes what the rows get
        g.setPerRowSampling(perRowSampling);
        List<String> rowSampling = perRowSampling ? g.rowSamplingColumns(input.schema()) : List.of();
        List<String> unread = perRowSampling ? List.of() : RowSampling.named(input.schema());
        if (!rowSampling.isEmpty()) {
            run.out().println("generate: each row's " + String.join(", ", rowSampling) + " (input columns) replace the options' "
                    + "values for that row; a null keeps the option's");
        } else if (perRowSampling || !unread.isEmpty()) {
            // on stderr: a flag that reads nothing, or columns that look like settings and are not read, is for the user
            // to see, not the summary's
            java.io.PrintWriter err = spec.commandLine().getErr() != null ? spec.commandLine().getErr()
                    : new java.io.PrintWriter(System.err, true);
            err.println(perRowSampling
                    ? "generate: warning: --per-row-sampling: the input has none of the columns " + String.join(", ", RowSampling.COLUMNS)
                            + "; every row has the options' settings"
                    : "generate: warning: not read as sampling settings: input columns " + String.join(", ", unread)
                            + " (every row has the options'; they go through as other columns); --per-row-sampling reads "
                            + "them as each row's own");
            err.flush();
        }
        // the input's other columns go through, as score and embed keep them: generate wrote the id and the prompt alone,
        // and a row's metadata (its source, its language, an earlier stage's note) was lost without a word. One named as
        // a column generate writes (generate run again over its own output) goes through as input_NAME, as the reader
        // keeps an input's own error column
        java.util.Map<String, String> passThrough = new java.util.LinkedHashMap<>();
        List<String> written = new ArrayList<>(List.of(promptName, "n_tokens", "finish_reason"));
        written.addAll(samples != null ? List.of("completions") : List.of("completion"));
        written.addAll(logprobs != null ? List.of("logprob", "token_logprobs") : List.of());
        String[] inputColumns = input.columns();
        for (String c : Columns.userColumns(input.schema())) {
            if (Columns.sameName(c, job.idColumn) || Columns.sameName(c, job.textColumn) || c.equals(Columns.MESSAGES_JSON)) {
                continue;
            }
            boolean clashes = written.stream().anyMatch(w -> Columns.sameName(c, w));
            if (clashes && Columns.contains(inputColumns, "input_" + c)) {
                throw KindlingException.usage("the input has columns '" + c + "' and 'input_" + c + "', and generate writes '" + c
                        + "' (keeping the input's as input_" + c + "): rename one");
            }
            passThrough.put(c, clashes ? "input_" + c : c);
        }
        List<PipelineStage> stages = List.of(generate, completionColumns(job.textColumn, promptName, passThrough, samples, logprobs != null));
        // an empty prompt is a request like any other (generation from BOS, as --prompt "" is), not the empty
        // document the reader marks it as; a null or missing prompt stays read:null_text, counted and set aside
        Column reason = col(dev.kindling.spark.io.Columns.REASON);
        Dataset<Row> docs = input.withColumn(dev.kindling.spark.io.Columns.REASON,
                when(reason.equalTo("read:empty_text"), org.apache.spark.sql.functions.lit(null).cast("string")).otherwise(reason));
        if (messagesColumn != null && java.util.Arrays.asList(docs.columns()).contains(Columns.MESSAGES_JSON)) {
            // from JSON Lines: the messages' JSON text, whose objects keep the file's key order (Spark's structs sort
            // them); the messages column is what the output shows
            g.setMessagesCol(Columns.MESSAGES_JSON);
        }
        // only the reader rejects: a rejected row's completion columns are null, and --rejected holds the input's columns
        // (the prompt as prompt), as filter's
        java.util.Set<String> results = new java.util.LinkedHashSet<>(written);
        results.remove(promptName);
        GenerationManifest manifest = generationManifest(run.spark());
        run.runPipeline(docs, stages, out, pipeline, java.util.Set.of(), results);
        manifest.generator("model", g.settingsAsRun(run.spark()), g.engineSpec().modelName(), system,
                g.authorsDefaults(run.spark())).perRowSampling(perRowSampling, rowSampling).write(run.spark(), out.path());
        run.out().println(progress.summary("generate", "tokens counted as tasks ran; a recomputed partition counts again"));
        return 0;
    }

    /**
     * Flattens the generation into {@code id, prompt, completion, n_tokens, finish_reason, error} (+ accounting columns),
     * the prompt column written as {@code promptName} ({@code prompt}, or {@code messages} for chat rows) and the input's
     * {@code passThrough} columns after it (each under the name it maps to); with
     * {@code samples}, {@code completion, n_tokens, finish_reason} are the fields of each item of {@code completions};
     * with {@code logprobs}, {@code logprob} and {@code token_logprobs} follow {@code finish_reason}.
     */
    static PipelineStage completionColumns(String promptColumn, String promptName, java.util.Map<String, String> passThrough,
            Integer samples, boolean logprobs) {
        return new PipelineStage() {
            @Override
            public String name() {
                return "select";
            }

            @Override
            public boolean accounted() {
                return false; // picks the output's columns and rejects nothing
            }

            @Override
            public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
                List<Column> columns = new ArrayList<>(List.of(Columns.named(context.idColumn()), Columns.named(promptColumn).as(promptName)));
                passThrough.forEach((c, as) -> columns.add(Columns.named(c).as(as)));
                if (samples != null && samples > 1) {
                    columns.add(org.apache.spark.sql.functions.transform(col("_generation"),
                            g -> org.apache.spark.sql.functions.struct(completionFields(g, logprobs).toArray(new Column[0]))).as("completions"));
                } else if (samples != null) {
                    // --samples 1: the same list as any N, so that code reading the output does not change with N
                    Column g = col("_generation");
                    columns.add(when(g.isNotNull(), org.apache.spark.sql.functions.array(
                            org.apache.spark.sql.functions.struct(completionFields(g, logprobs).toArray(new Column[0])))).as("completions"));
                } else {
                    columns.addAll(completionFields(col("_generation"), logprobs));
                }
                return DatasetReader.selectWithAccounting(docs, columns, true);
            }
        };
    }

    /** One completion's output fields, from the Generate stage's struct {@code g}. */
    private static List<Column> completionFields(Column g, boolean logprobs) {
        List<Column> fields = new ArrayList<>(List.of(g.getField("text").as("completion"),
                when(g.isNotNull(), size(g.getField("tokens"))).as("n_tokens"), g.getField("finish_reason").as("finish_reason")));
        if (logprobs) {
            fields.add(g.getField("logprob").as("logprob"));
            fields.add(g.getField("token_logprobs").as("token_logprobs"));
        }
        return fields;
    }
}
