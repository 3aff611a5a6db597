package dev.kindling.spark.inference;

import dev.kindling.inference.sample.RowSeeds;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.inference.sample.TokenLogprob;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import dev.kindling.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Text generation over a DataFrame, with the executor's engine: a prompt column (or a
 * {@code messages} column through the model's chat template) in, a struct
 * {@code {text, tokens, finish_reason, logprob}} out ({@code n > 1}: an array of them), plus the
 * error column.
 *
 * <pre>{@code
 * Dataset<Row> out = new Generate().setModel("s3a://models/teacher.gguf")
 *         .setPromptCol("prompt").setOutputCol("generation")
 *         .setMaxTokens(256).setTemperature(0.8).setTopP(0.95).setSeed(42)
 *         .transform(prompts);
 * out.select("id", "generation.text", "generation.finish_reason", "error").show();
 * }</pre>
 *
 * <p>With {@code continueFinalMessage} the messages are rendered as transformers'
 * {@code apply_chat_template(continue_final_message=True)}: no assistant header, the final message
 * left open (a prefilled reply, "Sure, here is"), and {@code text} is the continuation alone, without
 * the prefilled part, as vLLM's chat completions return it.
 *
 * <p>Output fields: {@code text} (the completion, cut before a stop string), {@code tokens} (the
 * generated ids, the end token included when one stopped it, a {@code stopTokenIds} id too), {@code finish_reason} ({@code stop}:
 * an end token, a stop token id or a stop string; {@code length}: max tokens or the context), {@code logprob} (sum of
 * the chosen tokens' log-probabilities) and, with {@code logprobs >= 0}, {@code token_logprobs} (per generated token its
 * id, vocabulary string, log-prob and bytes, with the {@code logprobs} most likely tokens at that step). A row whose prompt is null gets nulls; a row that fails
 * (prompt longer than the context, a template error) gets a null output and its {@code error}; the
 * other rows go on.
 *
 * <p>Determinism: greedy decoding ({@code temperature 0}, the default) is deterministic; with a
 * temperature, sample {@code i} of a prompt is drawn with the seed {@link RowSeeds#of}(seed,
 * SHA-256 of the prompt, i), so the output is the same whatever the partitioning, batch or
 * executor.
 */
public final class Generate extends EngineStage<Generate> {
    private static final long serialVersionUID = 1L;

    /** The struct of one generation. */
    public static final StructType RESULT = new StructType()
            .add("text", DataTypes.StringType, true)
            .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add("finish_reason", DataTypes.StringType, true)
            .add("logprob", DataTypes.DoubleType, true);

    /**
     * One alternative at a generated position: the id, its vocabulary string (as {@code convert_ids_to_tokens}), log-prob
     * and the bytes it adds to the text (OpenAI's {@code bytes}: 0-255 each; a byte-fallback token such as {@code <0xE2>}
     * is one byte of a character that only the tokens after it complete, so the text of a token alone cannot say it).
     * An id past the tokenizer's (an end or stop id among a padded output layer's rows) has a null string, as
     * {@code convert_ids_to_tokens} gives None, and no bytes, as an end token the text leaves out; so has an id in a gap
     * of the tokenizer's vocabulary (its string was "").
     */
    public static final StructType TOP_LOGPROB = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("token", DataTypes.StringType, true)
            .add("logprob", DataTypes.DoubleType, false)
            .add("bytes", DataTypes.createArrayType(DataTypes.IntegerType, false), true);

    /** One generated token with its log-prob and the most likely alternatives there (OpenAI's {@code logprobs.content}). */
    public static final StructType TOKEN_LOGPROB = TOP_LOGPROB
            .add("top_logprobs", DataTypes.createArrayType(TOP_LOGPROB, false), false);

    /** {@link #RESULT} with each generated token's log-prob ({@code logprobs >= 0}). */
    public static final StructType RESULT_WITH_TOKEN_LOGPROBS = RESULT
            .add("token_logprobs", DataTypes.createArrayType(TOKEN_LOGPROB, false), true);

    /** Most samples per prompt: each is a request in flight, and {@code n} of them a row's output. */
    public static final int MAX_SAMPLES = 1024;
    /**
     * Most alternatives per generated token: each is in the row's output (100 over 256 tokens is 25,600 entries a row;
     * 100,000 over a 128k vocabulary made a 48 MB row of 8 tokens). vLLM's default limit is 20, OpenAI's 20.
     */
    public static final int MAX_LOGPROBS = 100;

    private final Param<String> promptCol;
    private final Param<String> messagesCol;
    private final Param<String> chat;
    private final Param<String> systemPrompt;
    private final BooleanParam continueFinalMessage;
    private final Param<String> outputCol;
    private final IntParam n;
    private final IntParam logprobs;
    private final IntParam maxTokens;
    private final DoubleParam temperature;
    private final DoubleParam topP;
    private final IntParam topK;
    private final DoubleParam minP;
    private final DoubleParam repetitionPenalty;
    private final DoubleParam frequencyPenalty;
    private final DoubleParam presencePenalty;
    private final LongParam seed;
    private final StringArrayParam stop;
    private final IntArrayParam stopTokenIds;
    private final Param<String> generationConfig;
    private final BooleanParam perRowSampling;

    public Generate() {
        this(Identifiable.randomUID("kindlingGenerate"));
    }

    public Generate(String uid) {
        super(uid);
        promptCol = new Param<>(this, "promptCol", "column of prompt texts",
                ParamChecks.column(this, "promptCol"));
        messagesCol = new Param<>(this, "messagesCol",
                "column of chat messages (array<struct<role, content>>, or a string holding them as a JSON array, whose "
                        + "objects reach the template with their keys in the text's order) rendered with the model's chat "
                        + "template; empty to use promptCol", ParamChecks.optional(this, "messagesCol", "a column name"));
        chat = new Param<>(this, "chat", "render promptCol as a user message with the model's chat template: "
                + "off, on, or auto (when the model has one)", ParamChecks.value(this, "chat", "on, off or auto",
                        (String v) -> Prompts.Chat.parse(v) != null));
        systemPrompt = new Param<>(this, "systemPrompt", "system message put first in chat prompts (an error with text prompts the "
                + "model reads as they are: chat off, or auto on a model without a chat template); empty for none",
                ParamChecks.optional(this, "systemPrompt", "a system message"));
        continueFinalMessage = ParamChecks.bool(this, "continueFinalMessage", "messagesCol only: leave the final message open "
                + "for the model to continue (transformers' continue_final_message) instead of appending the assistant header; "
                + "the output text is the continuation alone");
        outputCol = new Param<>(this, "outputCol", "output column: struct<text, tokens, finish_reason, logprob> (array of them when n > 1)",
                ParamChecks.column(this, "outputCol"));
        n = new IntParam(this, "n", "samples per prompt, 1 to " + MAX_SAMPLES, ParamChecks.number(this, "n", "in 1.." + MAX_SAMPLES,
                (Integer v) -> v >= 1 && v <= MAX_SAMPLES));
        logprobs = new IntParam(this, "logprobs", "-1: no per-token log-probs (default); 0: add token_logprobs, each generated "
                + "token's log-prob; k (at most " + MAX_LOGPROBS + "): also the k most likely tokens at each step (the model's "
                + "distribution, before temperature and penalties)", ParamChecks.number(this, "logprobs",
                        "-1 (none), or 0 to " + MAX_LOGPROBS, (Integer v) -> v >= -1 && v <= MAX_LOGPROBS));
        maxTokens = new IntParam(this, "maxTokens", "most tokens to generate per sample", ParamChecks.atLeast(this, "maxTokens", 0));
        temperature = new DoubleParam(this, "temperature", "sampling temperature; 0 = greedy",
                ParamChecks.number(this, "temperature", "a finite number >= 0", (Double v) -> v >= 0 && v < Double.POSITIVE_INFINITY));
        topP = new DoubleParam(this, "topP", "nucleus sampling mass in (0, 1]; 1 = off",
                ParamChecks.number(this, "topP", "in (0, 1]", (Double v) -> v > 0 && v <= 1));
        topK = new IntParam(this, "topK", "keep the k most likely tokens; 0 = off",
                ParamChecks.number(this, "topK", ">= 0 (or -1: off)", (Integer v) -> v >= -1));
        minP = new DoubleParam(this, "minP", "drop tokens below minP x the top probability; 0 = off",
                ParamChecks.number(this, "minP", "in [0, 1]", (Double v) -> v >= 0 && v <= 1));
        repetitionPenalty = new DoubleParam(this, "repetitionPenalty", "> 1 discourages repeating tokens; 1 = off",
                ParamChecks.number(this, "repetitionPenalty", "a finite number > 0", (Double v) -> v > 0 && v < Double.POSITIVE_INFINITY));
        frequencyPenalty = new DoubleParam(this, "frequencyPenalty",
                "subtracted from a token's logit per time it was generated, in [-2, 2]; 0 = off",
                ParamChecks.number(this, "frequencyPenalty", "a finite number in [-2, 2]", (Double v) -> SamplingSpec.validPenalty(v)));
        presencePenalty = new DoubleParam(this, "presencePenalty",
                "subtracted from a token's logit once it was generated, in [-2, 2]; 0 = off",
                ParamChecks.number(this, "presencePenalty", "a finite number in [-2, 2]", (Double v) -> SamplingSpec.validPenalty(v)));
        seed = new LongParam(this, "seed", "sampling seed (per-row seeds are derived from it and the prompt)",
                ParamChecks.number(this, "seed", "a number", (Long v) -> true));
        stop = new StringArrayParam(this, "stop", "stop strings (the text is cut before the first one)",
                ParamChecks.value(this, "stop", "non-empty strings", Generate::checkStops));
        stopTokenIds = new IntArrayParam(this, "stopTokenIds", "token ids that end a generation besides the model's end tokens "
                + "(vLLM's stop_token_ids): the id is the last of the tokens, and not in the text",
                ParamChecks.value(this, "stopTokenIds", "token ids (>= 0)", (int[] ids) -> java.util.Arrays.stream(ids).allMatch(id -> id >= 0)));
        generationConfig = new Param<>(this, "generationConfig", "none: Kindling's sampling defaults; auto: the params not set take "
                + "the model's generation_config.json temperature, top_k, top_p, min_p, repetition_penalty and max_new_tokens "
                + "(vLLM's --generation-config auto)", ParamChecks.value(this, "generationConfig", "auto or none",
                        (String v) -> v.equals("auto") || v.equals("none")));
        perRowSampling = ParamChecks.bool(this, "perRowSampling", "read each row's own sampling settings from the input's "
                + "columns max_tokens, temperature, top_p, top_k, min_p, repetition_penalty, frequency_penalty, presence_penalty, "
                + "seed, stop and stop_token_ids where present (vLLM's SamplingParams per request): a row's value replaces the "
                + "stage's, a null keeps it, and a value that is no setting is the row's error, naming the column");
        setDefault(perRowSampling, false);
        setDefault(generationConfig, "none");
        setDefault(promptCol, "prompt");
        setDefault(messagesCol, "");
        setDefault(chat, "off");
        setDefault(systemPrompt, "");
        setDefault(continueFinalMessage, false);
        setDefault(outputCol, "generation");
        setDefault(n, 1);
        setDefault(logprobs, -1);
        setDefault(maxTokens, 256);
        setDefault(temperature, 0.0);
        setDefault(topP, 1.0);
        setDefault(topK, 0);
        setDefault(minP, 0.0);
        setDefault(repetitionPenalty, 1.0);
        setDefault(frequencyPenalty, 0.0);
        setDefault(presencePenalty, 0.0);
        setDefault(seed, 0L);
        setDefault(stop, new String[0]);
        setDefault(stopTokenIds, new int[0]);
    }

    @Override
    protected String stageName() {
        return "generate";
    }

    public Param<String> promptCol() { return promptCol; }
    public Param<String> messagesCol() { return messagesCol; }
    public Param<String> chat() { return chat; }
    public Param<String> systemPrompt() { return systemPrompt; }
    public BooleanParam continueFinalMessage() { return continueFinalMessage; }
    public Param<String> outputCol() { return outputCol; }
    public IntParam n() { return n; }
    public IntParam logprobs() { return logprobs; }
    public IntParam maxTokens() { return maxTokens; }
    public DoubleParam temperature() { return temperature; }
    public DoubleParam topP() { return topP; }
    public IntParam topK() { return topK; }
    public DoubleParam minP() { return minP; }
    public DoubleParam repetitionPenalty() { return repetitionPenalty; }
    public DoubleParam frequencyPenalty() { return frequencyPenalty; }
    public DoubleParam presencePenalty() { return presencePenalty; }
    public LongParam seed() { return seed; }
    public StringArrayParam stop() { return stop; }
    public IntArrayParam stopTokenIds() { return stopTokenIds; }
    public Param<String> generationConfig() { return generationConfig; }
    public BooleanParam perRowSampling() { return perRowSampling; }

    public Generate setPromptCol(String v) { set(promptCol, v); return this; }
    public Generate setMessagesCol(String v) { set(messagesCol, v == null ? "" : v); return this; }
    public Generate setChat(boolean v) { set(chat, v ? "on" : "off"); return this; }
    public Generate setChat(String v) { set(chat, Prompts.Chat.parse(v).name().toLowerCase(java.util.Locale.ROOT)); return this; }
    public Generate setSystemPrompt(String v) { set(systemPrompt, v == null ? "" : v); return this; }
    public Generate setContinueFinalMessage(boolean v) { set(continueFinalMessage, v); return this; }
    public Generate setOutputCol(String v) { set(outputCol, v); return this; }
    public Generate setN(int v) { set(n, v); return this; }
    public Generate setLogprobs(int v) { set(logprobs, v); return this; }
    public Generate setMaxTokens(int v) { set(maxTokens, v); return this; }
    public Generate setTemperature(double v) { set(temperature, v); return this; }
    public Generate setTopP(double v) { set(topP, v); return this; }
    public Generate setTopK(int v) { set(topK, v); return this; }
    public Generate setMinP(double v) { set(minP, v); return this; }
    public Generate setRepetitionPenalty(double v) { set(repetitionPenalty, v); return this; }
    public Generate setFrequencyPenalty(double v) { set(frequencyPenalty, v); return this; }
    public Generate setPresencePenalty(double v) { set(presencePenalty, v); return this; }
    public Generate setSeed(long v) { set(seed, v); return this; }
    public Generate setStop(String... v) {
        set(stop, v == null ? new String[0] : v);
        return this;
    }

    public Generate setStopTokenIds(int... v) {
        set(stopTokenIds, v == null ? new int[0] : v.clone());
        return this;
    }

    public Generate setGenerationConfig(String v) { set(generationConfig, v); return this; }
    public Generate setPerRowSampling(boolean v) { set(perRowSampling, v); return this; }

    /**
     * The columns of {@code schema} that {@code perRowSampling} reads (as {@code schema} spells them): none when it has
     * none, and a usage error for one of a type that holds no setting.
     */
    public List<String> rowSamplingColumns(StructType schema) {
        RowSampling r = RowSampling.bind(schema, who());
        return r == null ? List.of() : r.columns();
    }

    /**
     * Defaults for the sampling params that a command line gives its options ({@code distill dpo}'s temperature 0.8):
     * what a param not set holds, unless {@code generationConfig} auto finds the model's value for it.
     */
    public Generate setSamplingDefaults(int maxTokensDefault, double temperatureDefault, double topPDefault, int topKDefault,
            double minPDefault, double repetitionPenaltyDefault) {
        setDefault(maxTokens, maxTokensDefault);
        setDefault(temperature, temperatureDefault);
        setDefault(topP, topPDefault);
        setDefault(topK, topKDefault);
        setDefault(minP, minPDefault);
        setDefault(repetitionPenalty, repetitionPenaltyDefault);
        return this;
    }

    /** The param each {@link dev.kindling.inference.hf.GenerationConfig#SAMPLING_KEYS} key gives a value to. */
    private Param<?> paramOfKey(String key) {
        return switch (key) {
            case "temperature" -> temperature;
            case "top_k" -> topK;
            case "top_p" -> topP;
            case "min_p" -> minP;
            case "repetition_penalty" -> repetitionPenalty;
            default -> maxTokens;
        };
    }

    /**
     * With {@code generationConfig} auto, the model's sampling defaults for the params not set, by generation_config.json
     * key ({@link dev.kindling.inference.hf.GenerationConfig#samplingDefaults}), read on the driver (through Hadoop for a
     * remote model); empty when the model has no such file (a GGUF or llama2.c file: vLLM reads none beside one either).
     * Not present with {@code none}.
     */
    public java.util.Optional<AuthorsDefaults> authorsDefaults(org.apache.spark.sql.SparkSession spark) {
        if (!getGenerationConfig().equals("auto")) {
            return java.util.Optional.empty();
        }
        String model = getModel();
        java.util.Map<String, Double> file;
        try {
            if (HadoopConf.remote(model)) {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(model.replaceAll("/+$", "") + "/generation_config.json");
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(HadoopConf.of(spark).get());
                if (!fs.isFile(p)) {
                    return java.util.Optional.of(new AuthorsDefaults(false, java.util.Map.of()));
                }
                try (java.io.InputStream in = fs.open(p)) {
                    file = dev.kindling.inference.hf.GenerationConfig.samplingDefaults(in.readAllBytes(), java.nio.file.Path.of(p.toString()));
                }
            } else {
                java.nio.file.Path local = java.nio.file.Path.of(model);
                if (!java.nio.file.Files.isRegularFile(local.resolve("generation_config.json"))) {
                    return java.util.Optional.of(new AuthorsDefaults(false, java.util.Map.of()));
                }
                file = dev.kindling.inference.hf.GenerationConfig.samplingDefaults(local);
            }
        } catch (java.io.IOException e) {
            throw new KindlingException(who() + ": cannot read " + dev.kindling.inference.cli.GenerateCommand.shownModel(model)
                    + "/generation_config.json: " + e.getMessage());
        } catch (dev.kindling.formats.ModelFormatException e) {
            throw new KindlingException(who() + ": " + e.getMessage());
        }
        java.util.Map<String, Double> taken = new java.util.LinkedHashMap<>();
        file.forEach((key, v) -> {
            if (!isSet(paramOfKey(key))) {
                taken.put(key, v);
            }
        });
        return java.util.Optional.of(new AuthorsDefaults(true, taken));
    }

    /**
     * What {@code generationConfig} auto found: whether the model has a generation_config.json, and the values it gives
     * the params not set, by key.
     */
    public record AuthorsDefaults(boolean fileFound, java.util.Map<String, Double> taken) {
        /** One line saying which values came from the file, or that there is none, in the command lines' words. */
        public String describe(String model) {
            return dev.kindling.inference.cli.GenerateCommand.describeAuthorsDefaults(model, taken, fileFound);
        }
    }

    /**
     * The settings the rows are generated with: this stage, or with {@code generationConfig} auto a copy holding the
     * model's defaults in the params not set (what {@link #transform} samples with, and what a run's manifest records).
     */
    public Generate settingsAsRun(org.apache.spark.sql.SparkSession spark) {
        return withAuthorsDefaults(authorsDefaults(spark).map(AuthorsDefaults::taken).orElse(java.util.Map.of()));
    }

    /** This stage's sampling settings with {@code authors}' values in the params not set: a copy, or this when none. */
    private Generate withAuthorsDefaults(java.util.Map<String, Double> authors) {
        if (authors.isEmpty()) {
            return this;
        }
        Generate g = (Generate) copy(org.apache.spark.ml.param.ParamMap.empty());
        authors.forEach((key, v) -> {
            switch (key) {
                case "top_k" -> g.setTopK(v.intValue());
                case "max_new_tokens" -> g.setMaxTokens(v.intValue());
                case "temperature" -> g.setTemperature(v);
                case "top_p" -> g.setTopP(v);
                case "min_p" -> g.setMinP(v);
                default -> g.setRepetitionPenalty(v);
            }
        });
        return g;
    }

    /** The stop strings' check (the param's validator): refused when set rather than failing every row with the same error. */
    private static boolean checkStops(String[] stops) {
        for (int i = 0; i < stops.length; i++) {
            if (stops[i] == null) {
                throw new IllegalArgumentException("stop string " + i + " is null");
            }
            // the engine's own check, which failed every row with the same error when the setter let a value through
            String problem = dev.kindling.inference.GenerationRequest.stopStringProblem(stops[i]);
            if (problem != null) {
                throw new IllegalArgumentException("stop string " + i + " " + problem);
            }
        }
        return true;
    }

    public String getOutputCol() { return getOrDefault(outputCol); }
    public int getN() { return (Integer) getOrDefault(n); }
    public int getLogprobs() { return (Integer) getOrDefault(logprobs); }

    /** The sampling settings (the seed is replaced per row and sample, see {@link RowSeeds}). */
    public SamplingSpec sampling() {
        try {
            return new SamplingSpec((float) getTemperature(), getTopK(), (float) getTopP(), (float) getMinP(),
                    (float) getRepetitionPenalty(), (float) getFrequencyPenalty(), (float) getPresencePenalty(), getSeed());
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(who() + ": " + e.getMessage());
        }
    }

    /**
     * A system prompt with text prompts the model reads as they are (chat off) would never reach it: an error rather than
     * a setting silently dropped (chat auto on a model without a chat template is found when the model is open).
     */
    static void requireSystemPromptSeen(String who, boolean messages, String chat, String systemPrompt) {
        if (!messages && systemPrompt != null && !systemPrompt.isEmpty() && Prompts.Chat.parse(chat) == Prompts.Chat.OFF) {
            throw KindlingException.usage(who + ": a system prompt is set, but chat is off: the model reads the prompts as "
                    + "plain text and would never see the system prompt; set chat on or auto (through the model's chat template), "
                    + "or give no system prompt");
        }
    }

    private boolean usesMessages() {
        return !getOrDefault(messagesCol).isEmpty();
    }

    // the getters Spark ML stages have for every param
    public String getPromptCol() { return getOrDefault(promptCol); }
    public String getMessagesCol() { return getOrDefault(messagesCol); }
    public String getChat() { return getOrDefault(chat); }
    public String getSystemPrompt() { return getOrDefault(systemPrompt); }
    public boolean getContinueFinalMessage() { return (Boolean) getOrDefault(continueFinalMessage); }
    public int getMaxTokens() { return (Integer) getOrDefault(maxTokens); }
    public double getTemperature() { return (Double) getOrDefault(temperature); }
    public double getTopP() { return (Double) getOrDefault(topP); }
    public int getTopK() { return (Integer) getOrDefault(topK); }
    public double getMinP() { return (Double) getOrDefault(minP); }
    public double getRepetitionPenalty() { return (Double) getOrDefault(repetitionPenalty); }
    public double getFrequencyPenalty() { return (Double) getOrDefault(frequencyPenalty); }
    public double getPresencePenalty() { return (Double) getOrDefault(presencePenalty); }
    public long getSeed() { return (Long) getOrDefault(seed); }
    public String[] getStop() { return getOrDefault(stop).clone(); }
    public int[] getStopTokenIds() { return getOrDefault(stopTokenIds).clone(); }
    public String getGenerationConfig() { return getOrDefault(generationConfig); }
    public boolean getPerRowSampling() { return (Boolean) getOrDefault(perRowSampling); }

    @Override
    public StructType transformSchema(StructType schema) {
        requireEngineTokenizer();
        if (usesMessages()) {
            String m = getOrDefault(messagesCol);
            int at = Columns.indexOf(schema, m, who());
            // a string holds the messages as JSON text (Prompts.messages(String)): their keys reach the template in its order
            if (at < 0 || !Prompts.isMessages(schema.apply(at).dataType()) && !Columns.isString(schema.apply(at).dataType())) {
                requireColumn(schema, m, "messagesCol", Prompts.MESSAGES, Prompts.MESSAGES_WITH_PARTS, Prompts.MESSAGE_MAPS,
                        DataTypes.StringType); // names the missing column or its type
            }
        } else {
            requireColumn(schema, getOrDefault(promptCol), "promptCol", DataTypes.StringType);
            if (getContinueFinalMessage()) {
                throw KindlingException.usage(who() + ": continueFinalMessage continues the final message of messagesCol; a text "
                        + "prompt is a user message followed by the generation prompt (continue_final_message and "
                        + "add_generation_prompt are not compatible)");
            }
        }
        requireAbsent(schema, getOutputCol());
        requireSystemPromptSeen(who(), usesMessages(), getOrDefault(chat), getOrDefault(systemPrompt));
        String input = usesMessages() ? getOrDefault(messagesCol) : getOrDefault(promptCol);
        if (Columns.sameName(getErrorCol(), input)) {
            throw KindlingException.usage(who() + ": the error column '" + getErrorCol() + "' is the prompt column; choose another");
        }
        if (getN() < 1) {
            throw KindlingException.usage(who() + ": n must be >= 1, got " + getN());
        }
        if (getMaxTokens() < 0) {
            throw KindlingException.usage(who() + ": maxTokens must be >= 0");
        }
        String one = SamplingCliOptions.oneAnswerSetting(getTemperature(), getTopK(), getMinP(), getMaxTokens());
        if (getN() > 1 && one != null) {
            // n copies of one answer, as generate --samples refuses: the stage gave them silently
            throw KindlingException.usage(who() + ": n = " + getN() + " samples with " + one + " are " + getN() + " copies of one "
                    + "answer; sample with setTemperature (> 0), and no topK 1, minP 1 or maxTokens 0, or set n to 1");
        }
        sampling();
        return job(schema).outputSchema(schema, getErrorCol());
    }

    /** The type of the output column. */
    public DataType outputType() {
        StructType one = getLogprobs() >= 0 ? RESULT_WITH_TOKEN_LOGPROBS : RESULT;
        return getN() == 1 ? one : DataTypes.createArrayType(one, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        transformSchema(schema);
        InferenceMetrics metrics = startTransform(dataset);
        Generate settings = settingsAsRun(dataset.sparkSession());
        return run(job(schema, metrics, settings), dataset);
    }

    private Job job(StructType schema) {
        return job(schema, null, this);
    }

    /** The job, sampling as {@code settings} say (this stage, or its copy with the model's defaults). */
    private Job job(StructType schema, InferenceMetrics metrics, Generate settings) {
        Prompts prompts = usesMessages()
                ? new Prompts(-1, Columns.indexOf(schema, getOrDefault(messagesCol), who()), Prompts.Chat.ON, getOrDefault(systemPrompt),
                        getContinueFinalMessage())
                : new Prompts(Columns.indexOf(schema, getOrDefault(promptCol), who()), -1, Prompts.Chat.parse(getOrDefault(chat)), getOrDefault(systemPrompt));
        prompts.forModel(who(), getModel(), getTokenizer());
        return new Job(engineSpec(), window(), metrics, prompts, getOutputCol(), outputType(), getN(), getLogprobs(),
                settings.sampling(), settings.getMaxTokens(), List.of(getOrDefault(stop)), getStopTokenIds(),
                getPerRowSampling() ? RowSampling.bind(schema, who()) : null);
    }

    /** Generation for one prompt: what the stage asks the engine, reusable by other stages. */
    public static CompletableFuture<List<Completion>> submit(Engine engine, Prompts.Prompt prompt, SamplingSpec sampling,
            int n, int maxTokens, List<String> stop) {
        return submit(engine, prompt, sampling, n, 0, maxTokens, stop, new int[0], false);
    }

    /**
     * As {@link #submit(Engine, Prompts.Prompt, SamplingSpec, int, int, List)}, with the {@code top} most likely tokens at each
     * step, the generation also ended by {@code stopTokenIds}, and a prompt longer than the context cut to its end when
     * {@code truncatePrompt} (else as the engine's options say).
     */
    static CompletableFuture<List<Completion>> submit(Engine engine, Prompts.Prompt prompt, SamplingSpec sampling,
            int n, int top, int maxTokens, List<String> stop, int[] stopTokenIds, boolean truncatePrompt) {
        String id = prompt.id();
        List<CompletableFuture<Completion>> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SamplingParams s = sampling.params(sampling.temperature() > 0 ? RowSeeds.of(sampling.seed(), id, i) : sampling.seed());
            GenerationRequest r = prompt.request().withSampling(s).withMaxTokens(maxTokens).withStopStrings(stop).withStopTokens(stopTokenIds).withLogprobs(Math.max(0, top))
                    .withTruncatePrompt(truncatePrompt);
            parts.add(engine.submit(r, null));
        }
        return InOrderWindow.allOf(parts);
    }

    /** A completion as the output struct. */
    public static Row toRow(Completion c) {
        double lp = 0;
        for (TokenLogprob t : c.logprobs()) {
            lp += t.logprob();
        }
        return RowFactory.create(c.text(), c.tokens(), c.finishReason().label(), lp);
    }

    /** A completion as {@link #RESULT_WITH_TOKEN_LOGPROBS}: the tokens' strings from {@code tokenizer} (null without one). */
    static Row toRowWithTokenLogprobs(Completion c, Tokenizer tokenizer) {
        Row[] tokens = new Row[c.logprobs().size()];
        double lp = 0;
        for (int i = 0; i < tokens.length; i++) {
            TokenLogprob t = c.logprobs().get(i);
            lp += t.logprob();
            Row[] top = new Row[t.topTokens().length];
            for (int j = 0; j < top.length; j++) {
                int id = t.topTokens()[j];
                top[j] = RowFactory.create(id, tokenText(tokenizer, id), (double) t.topLogprobs()[j], tokenBytes(tokenizer, id));
            }
            tokens[i] = RowFactory.create(t.token(), tokenText(tokenizer, t.token()), (double) t.logprob(),
                    tokenBytes(tokenizer, t.token()), top);
        }
        return RowFactory.create(c.text(), c.tokens(), c.finishReason().label(), lp, tokens);
    }

    /**
     * The vocabulary string of {@code id}: null without a tokenizer, and for an id past the tokenizer's, which a padded
     * output layer's end or stop id is (transformers' {@code convert_ids_to_tokens} gives None there): "token id 505 is
     * outside 0..499" failed the row that such an id ended.
     */
    private static String tokenText(Tokenizer tokenizer, int id) {
        return tokenizer == null || id >= tokenizer.vocabSize() ? null : tokenizer.tokenText(id);
    }

    /**
     * The bytes the token adds to the text, as unsigned values (a JSON array of numbers, as OpenAI writes them; null without
     * a tokenizer): none for a special token (the end token, {@code <s>}, {@code <unk>}), which the text leaves out. Its
     * vocabulary string's bytes ({@code <s>}: 60, 115, 62) were given, and the tokens' bytes joined were not the text.
     * None for an id past the tokenizer's either: only an end or stop id is drawn there, and its text is left out.
     */
    static int[] tokenBytes(Tokenizer tokenizer, int id) {
        if (tokenizer == null) {
            return null;
        }
        byte[] b = id >= tokenizer.vocabSize() || tokenizer.isSpecial(id) ? new byte[0] : tokenizer.tokenBytes(id);
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }

    /** A prompt's completions, with the engine's tokenizer when the rows carry token strings (else null). */
    record Samples(List<Completion> completions, Tokenizer tokenizer) {}

    private static final class Job extends RowInference<Generate.Samples> {
        private static final long serialVersionUID = 1L;
        private final Prompts prompts;
        private final StructType columns;
        private final int n;
        private final int logprobs;
        private final SamplingSpec sampling;
        private final int maxTokens;
        private final List<String> stop;
        private final int[] stopTokenIds;
        /** The row's own settings' columns (perRowSampling), or null. */
        private final RowSampling rowSampling;

        Job(EngineSpec engine, int window, InferenceMetrics metrics, Prompts prompts, String outputCol, DataType type, int n,
                int logprobs, SamplingSpec sampling, int maxTokens, List<String> stop, int[] stopTokenIds, RowSampling rowSampling) {
            super("generate", engine, window, metrics);
            this.prompts = prompts;
            this.columns = new StructType().add(outputCol, type, true);
            this.n = n;
            this.logprobs = logprobs;
            this.sampling = sampling;
            this.maxTokens = maxTokens;
            this.stop = new ArrayList<>(stop);
            this.stopTokenIds = stopTokenIds.clone();
            this.rowSampling = rowSampling;
        }

        @Override
        protected CompletableFuture<Samples> start(Engine engine, Row row) {
            Tokenizer tokenizer = logprobs >= 0 ? engine.tokenizer().orElse(null) : null;
            // a row's own value that is no setting throws here, and is that row's error
            RowSampling.Settings s = rowSampling == null ? new RowSampling.Settings(sampling, maxTokens, stop, stopTokenIds)
                    : rowSampling.of(row, sampling, maxTokens, stop, stopTokenIds, engine.config().vocabSize());
            // map, not thenApply: cancelling the row's future must cancel the engine's requests
            return InOrderWindow.map(submit(engine, prompts.of(engine, row), s.sampling(), n, logprobs, s.maxTokens(), s.stop(),
                    s.stopTokenIds(), false), c -> new Samples(c, tokenizer));
        }

        @Override
        protected boolean hasInput(Row row) {
            return !prompts.isNull(row);
        }

        @Override
        protected Object[] values(Samples samples) {
            List<Completion> cs = samples.completions();
            Row[] rows = new Row[cs.size()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = logprobs >= 0 ? toRowWithTokenLogprobs(cs.get(i), samples.tokenizer()) : toRow(cs.get(i));
            }
            return new Object[] {n == 1 ? rows[0] : rows};
        }

        @Override
        protected StructType outputColumns() {
            return columns;
        }

        @Override
        protected long[] tokenCounts(Samples samples) {
            long prompt = 0;
            long gen = 0;
            for (Completion c : samples.completions()) {
                gen += c.tokens().length;
            }
            // the prompt once, whatever the samples (vLLM's usage.prompt_tokens): it was counted once per sample
            prompt = samples.completions().isEmpty() ? 0 : samples.completions().get(0).promptTokens().length;
            return new long[] {prompt, gen};
        }
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static org.apache.spark.ml.util.MLReader<Generate> read() {
        return StageReader.of(Generate.class);
    }

    public static Generate load(String path) {
        return read().load(path);
    }
}
