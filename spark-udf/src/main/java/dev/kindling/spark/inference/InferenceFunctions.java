package dev.kindling.spark.inference;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineClosedException;
import dev.kindling.inference.EngineStepException;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.executor.PerTask;
import dev.kindling.spark.sql.SqlFunction;
import dev.kindling.spark.sql.SqlUdfs;
import dev.kindling.spark.sql.SqlUdfs.Arg;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * The inference SQL functions (the model is a path, opened once per executor JVM like the stages'):
 *
 * <pre>
 * kindling_generate(prompt, model)                      -> string   greedy, 256 tokens at most
 * kindling_generate_ex(prompt, model, options)          -> struct&lt;text, tokens, finish_reason, logprob, error&gt;
 * kindling_chat(messages, model, options)               -> the same struct; messages through the chat template
 * kindling_sample(prompt, model, options)               -> the same struct; NONDETERMINISTIC (unseeded sampling, temperature 1 by default)
 * kindling_score(text, model)                           -> struct&lt;logprob, perplexity, n_tokens, error&gt;
 * kindling_perplexity(text, model)                      -> double
 * kindling_embed(text, model)                           -> array&lt;float&gt;
 * kindling_embed_ex(text, model, options)               -> struct&lt;embedding, error&gt;; options truncate, normalize
 * kindling_judge(instruction, response, model, rubric)  -> struct&lt;rating, source, text, probabilities, error&gt;
 * </pre>
 *
 * {@code options} is a {@code map<string,string>}: {@code max_tokens}, {@code temperature},
 * {@code top_p}, {@code top_k}, {@code min_p}, {@code repetition_penalty}, {@code frequency_penalty},
 * {@code presence_penalty} (each in [-2, 2], as vLLM), {@code seed}, {@code stop}, {@code stop_token_ids} (ids separated
 * by commas), {@code generation_config} ({@code auto|none}: with auto the sampling options not given take the model's
 * generation_config.json values, as {@code --generation-config auto}), {@code system}
 * (kindling_chat only: a usage error with a plain prompt), {@code continue_final_message} ({@code true|false},
 * kindling_chat only: the final message is left open for the model to continue, as transformers' and vLLM's option,
 * and the text is the continuation alone), {@code truncate_prompts} ({@code true|false}: a prompt longer than the
 * context keeps its end, as the stages' {@code truncatePrompts}; else it is the row's error). Spark may evaluate a row more than once, so {@code kindling_generate_ex} and
 * {@code kindling_chat} sample only with a {@code seed} (the per-row seed derives from it and the
 * prompt: the same result every time); unseeded sampling is {@code kindling_sample}, registered as
 * nondeterministic. Null inputs give null; a row that fails gets its {@code error} in the struct
 * (the scalar functions throw). A constant {@code model} is looked up as the query is analysed ({@link
 * ExecutorEngines#checkOnDriver}): one that is not there or is no model fails before any task, naming the function and
 * the argument, and so is kindling_judge's constant {@code rubric} ({@link Rubric#checkOnDriver}); a column's are known to
 * the tasks only.
 *
 * <p>Each call waits for its row, so a task feeds the engine one row at a time (the engine still
 * batches the rows of concurrent tasks): for throughput over many rows use the stages
 * ({@link Generate}, {@link Score}...), which keep a window of rows in flight per task. The functions count nothing for
 * the session (no accumulator): the tokens are in the rows ({@code tokens}, {@code n_tokens}); kindling_judge's struct holds
 * none, and the {@link Judge} stage's {@code metrics()} count what a judge read and wrote.
 */
public final class InferenceFunctions {
    /** The struct of the generation functions. */
    public static final StructType GENERATION = Generate.RESULT.add("error", DataTypes.StringType, true);
    public static final StructType SCORE = new StructType().add("logprob", DataTypes.DoubleType, true)
            .add("perplexity", DataTypes.DoubleType, true).add("n_tokens", DataTypes.IntegerType, true)
            .add("error", DataTypes.StringType, true);
    public static final StructType JUDGMENT = Judge.RESULT.add("error", DataTypes.StringType, true);
    public static final StructType EMBEDDING = new StructType().add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("error", DataTypes.StringType, true);
    /** What a row's error advises for a prompt longer than the context: the option of the functions that take options. */
    static final String SQL_ADVICE = "shorten it; to keep a prompt's end instead: the option map('truncate_prompts', 'true') of "
            + "kindling_generate_ex, kindling_chat and kindling_sample";
    /** What a row's error advises for a sequence past the KV budget: the functions' engine has the default one. */
    static final String SQL_KV_BUDGET_ADVICE = "the functions' engine has the default KV cache, which no option of theirs sets: "
            + "f32, a quarter of the heap free after loading, at most 4 GiB; give the executors more heap, spark.executor.memory, "
            + "or run the stage, whose setKvCacheType(\"f16\") and setKvBudgetMb set it";
    /** The functions' advice for their refusals. */
    static final RefusalAdvice SQL_REFUSAL_ADVICE = new RefusalAdvice(SQL_ADVICE, SQL_KV_BUDGET_ADVICE);
    /** kindling_generate's advice for a prompt longer than the context: the function with options, kindling_generate_ex. */
    static final String GENERATE_ADVICE = "shorten it; to keep a prompt's end instead: kindling_generate_ex(prompt, model, "
            + "map('truncate_prompts', 'true')).text, the same greedy 256 tokens at most";
    /** kindling_embed_ex's options: the Embed stage's settings. */
    static final List<String> EMBED_OPTION_NAMES = List.of("truncate", "normalize");

    private InferenceFunctions() {}

    public static void register(SparkSession spark) {
        // the session's Hadoop settings travel with each query's tasks, for models on s3a://
        HadoopConf hadoop = HadoopConf.live(spark);
        // a constant model is looked up as the query is analysed, as a stage's model when transform is called
        Arg modelArg = Arg.path("model", ExecutorEngines::checkOnDriver);
        // each function's model (and rubric), as its errors name it, is asked of the function's arguments
        SqlFunction generate = SqlUdfs.function("kindling_generate", Arg.string("prompt"), modelArg);
        SqlFunction.Argument generateModel = generate.argument("model");
        SqlUdfs.register(spark, generate, (UDF2<String, String, String>) (prompt, model) -> {
            if (prompt == null || model == null) {
                return null;
            }
            try {
                return await(engine(generateModel, model, hadoop).submit(new Prompts.Prompt(prompt, null).request().withMaxTokens(256), null)).text();
            } catch (dev.kindling.inference.PromptTooLongException e) {
                // the engine's advice named Java options (GenerationRequest.withTruncatePrompt) that a query cannot set; not
                // the cause either, whose message says so again under Spark's
                throw new KindlingException(generateModel.function() + ": " + e.withAdvice(GENERATE_ADVICE));
            }
        }, DataTypes.StringType);
        SqlFunction generateEx = SqlUdfs.function("kindling_generate_ex", Arg.string("prompt"), modelArg, Arg.options("options"));
        SqlFunction.Argument generateExModel = generateEx.argument("model");
        SqlUdfs.register(spark, generateEx, (UDF3<String, String, scala.collection.Map<?, ?>, Row>)
                (prompt, model, options) -> prompt == null || model == null ? null
                        : generation(generateExModel, hadoop, model, m -> plainPrompt(prompt, options), options,
                                true, false), GENERATION);
        SqlFunction chat = SqlUdfs.function("kindling_chat", Arg.messages("messages"), modelArg, Arg.options("options"));
        SqlFunction.Argument chatModel = chat.argument("model");
        SqlUdfs.register(spark, chat, (UDF3<Seq<Row>, String, scala.collection.Map<?, ?>, Row>)
                (messages, model, options) -> messages == null || model == null ? null
                        : generation(chatModel, hadoop, model, engine -> chatPrompt(engine, model, messages, options), options, true, true),
                GENERATION);
        SqlFunction sample = SqlUdfs.function("kindling_sample", Arg.string("prompt"), modelArg, Arg.options("options"));
        SqlFunction.Argument sampleModel = sample.argument("model");
        SqlUdfs.registerNondeterministic(spark, sample,
                (UDF3<String, String, scala.collection.Map<?, ?>, Row>) (prompt, model, options) -> prompt == null
                        || model == null ? null : generation(sampleModel, hadoop, model, m -> plainPrompt(prompt, options),
                        options, false, false),
                GENERATION);
        // a constant options map is checked as the query is analysed: a bad option failed in a task, once per row, behind
        // Spark's stack trace (what each function does with it on a row, without a model)
        SqlUdfs.checkConstantMap(spark, generateEx.argument("options"), m -> {
            generationSettings(options(m), true, false);
            plainPrompt("", m);
        });
        SqlUdfs.checkConstantMap(spark, chat.argument("options"), m -> generationSettings(options(m), true, true));
        SqlUdfs.checkConstantMap(spark, sample.argument("options"), m -> {
            generationSettings(options(m), false, false);
            plainPrompt("", m);
        });
        SqlFunction score = SqlUdfs.function("kindling_score", Arg.string("text"), modelArg);
        SqlFunction.Argument scoreModel = score.argument("model");
        SqlUdfs.register(spark, score, (UDF2<String, String, Row>) (text, model) -> {
            if (text == null || model == null) {
                return null;
            }
            try {
                Score.TextScore s = await(Score.submit(engine(scoreModel, model, hadoop), text, "chunk"));
                return RowFactory.create(s.logprob(), s.perplexity(), s.predicted(), null);
            } catch (KindlingException | TaskKilledException | CancellationException | EngineClosedException
                    | EngineStepException e) {
                throw e; // a usage error, the task is being killed, the engine closed or failed under it: not the row's error
            } catch (RuntimeException e) {
                return RowFactory.create(null, null, null, SQL_REFUSAL_ADVICE.describe(unwrap(e)));
            }
        }, SCORE);
        SqlFunction perplexity = SqlUdfs.function("kindling_perplexity", Arg.string("text"), modelArg);
        SqlFunction.Argument perplexityModel = perplexity.argument("model");
        SqlUdfs.register(spark, perplexity, (UDF2<String, String, Double>) (text, model) -> text == null || model == null
                ? null : await(Score.submit(engine(perplexityModel, model, hadoop), text, "chunk")).perplexity(),
                DataTypes.DoubleType);
        SqlFunction embed = SqlUdfs.function("kindling_embed", Arg.string("text"), modelArg);
        SqlFunction.Argument embedModel = embed.argument("model");
        SqlUdfs.register(spark, embed, (UDF2<String, String, float[]>) (text, model) -> text == null || model == null
                ? null : await(Embed.submit(engine(embedModel, model, hadoop), text, false, false)),
                DataTypes.createArrayType(DataTypes.FloatType, false));
        // a row's error in the struct, and the stage's settings: kindling_embed throws for a text past the context, failing
        // the query, and its error pointed to a truncate setting SQL had no way to give
        SqlFunction embedEx = SqlUdfs.function("kindling_embed_ex", Arg.string("text"), modelArg, Arg.options("options"));
        SqlFunction.Argument embedExModel = embedEx.argument("model");
        SqlUdfs.register(spark, embedEx, (UDF3<String, String, scala.collection.Map<?, ?>, Row>) (text, model, options) -> {
            if (text == null || model == null) {
                return null;
            }
            EmbedSettings settings = EmbedSettings.of(options);
            try {
                return RowFactory.create(await(Embed.submit(engine(embedExModel, model, hadoop), text, settings.normalize(), settings.truncate())), null);
            } catch (KindlingException | TaskKilledException | CancellationException | EngineClosedException
                    | EngineStepException e) {
                throw e; // a usage error, the task is being killed, the engine closed or failed under it: not the row's error
            } catch (RuntimeException e) {
                return RowFactory.create(null, SQL_REFUSAL_ADVICE.describe(unwrap(e)));
            }
        }, EMBEDDING);
        // as the generation functions' maps: an unknown option or a flag not true/false failed in a task, once per row
        SqlUdfs.checkConstantMap(spark, embedEx.argument("options"), EmbedSettings::of);
        SqlFunction judge = SqlUdfs.function("kindling_judge", Arg.string("instruction"), Arg.string("response"), modelArg,
                Arg.path("rubric", Rubric::checkOnDriver));
        SqlFunction.Argument judgeModel = judge.argument("model");
        SqlFunction.Argument judgeRubric = judge.argument("rubric");
        SqlUdfs.register(spark, judge, (UDF4<String, String, String, String, Row>) (instruction, response, model, rubric) -> {
            if (response == null || model == null) {
                return null;
            }
            // read once per task, as the engine is looked up: a per-JVM cache kept a rubric file's first text for the
            // notebook's life, edits and deletion unseen, where the Judge stage read the file anew
            String name = rubric == null ? "helpfulness" : rubric;
            Rubric r = PerTask.get("rubric:" + name, () -> Rubric.load(name, 1, 5, hadoop.get(), judgeRubric.named()));
            try {
                Judging.Judgment j = await(Judging.submit(engine(judgeModel, model, hadoop), r,
                        instruction == null ? "" : instruction, response, "auto", 128));
                return RowFactory.create(j.rating(), j.source(), j.text(), j.probabilities(), null);
            } catch (KindlingException | TaskKilledException | CancellationException | EngineClosedException
                    | EngineStepException e) {
                throw e; // a usage error, the task is being killed, the engine closed or failed under it: not the row's error
            } catch (RuntimeException e) {
                // not SQL_ADVICE: kindling_judge takes no options, and a judge never cuts its prompt
                return RowFactory.create(null, null, null, null,
                        new RefusalAdvice(Judge.LONG_PROMPT_ADVICE, SQL_KV_BUDGET_ADVICE).describe(unwrap(e)));
            }
        }, JUDGMENT);
    }

    /**
     * The engine of {@code model}, argument {@code argument} of its function, looked up once per task and kept to its end: each lookup compares the model's files on
     * disk with the engine's ({@link ExecutorEngines}), a few file-system calls that the functions, called for every row,
     * would otherwise make per row. A task's rows are so served by one engine even if the file changes under it, as a stage's
     * partition is. Only a row with input looks it up: a task whose rows are all null opens no model.
     */
    private static Engine engine(SqlFunction.Argument argument, String model, HadoopConf hadoop) {
        return PerTask.get("engine:" + model, () -> {
            try {
                return ExecutorEngines.get(EngineSpec.of(model), hadoop);
            } catch (KindlingException e) {
                // a model from a column, or one gone since the query was analysed: "s3a://b/m.gguf does not exist" named
                // neither the function nor the argument
                throw dev.kindling.spark.executor.LocalFiles.naming(argument.named(), model, e);
            }
        });
    }

    private interface PromptOf {
        Prompts.Prompt of(Engine engine);
    }

    private static Row generation(SqlFunction.Argument modelArgument, HadoopConf hadoop, String model, PromptOf prompt,
            scala.collection.Map<?, ?> options, boolean needSeed, boolean chat) {
        Map<String, String> o = options(options);
        Engine engine = engine(modelArgument, model, hadoop);
        if ("auto".equals(o.get("generation_config"))) {
            o = withAuthorsDefaults(o, HadoopConf.localize(model, hadoop));
        }
        GenerationSettings g = generationSettings(o, needSeed, chat);
        try {
            Prompts.Prompt p = prompt.of(engine);
            Completion c = await(Generate.submit(engine, p, g.sampling(), 1, 0, g.maxTokens(), g.stop(), g.stopTokenIds(), g.truncate())).get(0);
            Row r = Generate.toRow(c);
            return RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), null);
        } catch (KindlingException | TaskKilledException | CancellationException | EngineClosedException
                | EngineStepException e) {
            throw e; // a usage error, the task is being killed, the engine closed or failed under it: not the row's error
        } catch (RuntimeException e) {
            return RowFactory.create(null, null, null, null,
                    SQL_REFUSAL_ADVICE.describe(unwrap(e)));
        }
    }

    /**
     * The options with {@code generation_config} auto: each sampling option not given takes the model's
     * generation_config.json value, as {@code --generation-config auto} ({@code max_tokens} from {@code max_new_tokens}).
     */
    private static Map<String, String> withAuthorsDefaults(Map<String, String> o, java.nio.file.Path localModel) {
        Map<String, String> filled = new java.util.HashMap<>(o);
        dev.kindling.inference.hf.GenerationConfig.samplingDefaults(localModel).forEach((key, v) -> filled.putIfAbsent(
                key.equals("max_new_tokens") ? "max_tokens" : key, v == Math.rint(v) ? String.valueOf((long) (double) v) : String.valueOf(v)));
        return filled;
    }

    /** What kindling_embed_ex's options say ({@link #EMBED_OPTION_NAMES}), checked: on every row, and at analysis for a constant map. */
    private record EmbedSettings(boolean truncate, boolean normalize) {
        static EmbedSettings of(scala.collection.Map<?, ?> options) {
            Map<String, String> o = options(options, EMBED_OPTION_NAMES, "embedding");
            return new EmbedSettings(flag(o, "truncate", "embedding"), flag(o, "normalize", "embedding"));
        }
    }

    /** What the generation options say, checked: the same on every row, and at analysis for a constant map. */
    private record GenerationSettings(SamplingSpec sampling, int maxTokens, List<String> stop, int[] stopTokenIds, boolean truncate) {}

    /**
     * The sampling, token limit, stop string and truncation of a generation function's options ({@code needSeed}:
     * kindling_generate_ex and kindling_chat, whose sampling needs a seed; {@code chat}: kindling_chat), each bad one a
     * usage error naming it.
     */
    private static GenerationSettings generationSettings(Map<String, String> o, boolean needSeed, boolean chat) {
        if (!chat && o.containsKey("continue_final_message")) {
            // a text prompt has no final message to continue: ignoring the option would generate something else than asked
            throw KindlingException.usage("generation option continue_final_message applies to kindling_chat's messages only");
        }
        // kindling_sample samples: at temperature 1 (vLLM's default) unless told otherwise; greedy, its default gave every
        // row the same text. The others are greedy unless a temperature (and a seed) is given
        SamplingSpec s = sampling(o, needSeed ? "0" : "1");
        if (needSeed && s.temperature() > 0 && !o.containsKey("seed")) {
            throw KindlingException.usage("temperature > 0 is taken only with a 'seed' option, "
                    + "as Spark may evaluate a row twice; use kindling_sample for unseeded sampling");
        }
        if (!needSeed && !o.containsKey("seed")) {
            s = s.withSeed(java.util.concurrent.ThreadLocalRandom.current().nextLong());
        }
        int maxTokens = (int) wholeNumber(o, "max_tokens", "256", Integer.MAX_VALUE);
        if (maxTokens < 0) {
            // a usage error like the other options', not the engine's refusal in every row's struct
            throw KindlingException.usage("generation option max_tokens must be >= 0, got '" + o.get("max_tokens").trim() + "'");
        }
        String mode = o.get("generation_config");
        if (mode != null && !mode.equals("auto") && !mode.equals("none")) {
            throw KindlingException.usage("generation option generation_config must be auto (the model's generation_config.json "
                    + "gives the sampling options not given) or none (the default), got '" + mode + "'");
        }
        if ("".equals(o.get("stop"))) {
            // a usage error like the other options', not a failure of every row
            throw KindlingException.usage("generation option stop must not be empty");
        }
        return new GenerationSettings(s, maxTokens, o.containsKey("stop") ? List.of(o.get("stop")) : List.of(), stopTokenIds(o),
                flag(o, "truncate_prompts"));
    }

    /**
     * The {@code stop_token_ids} option, ids separated by commas ({@code map('stop_token_ids', '1,2')}: a map's values
     * share one type); one that is not an id is a usage error naming it, one past the model's vocabulary the row's error.
     */
    private static int[] stopTokenIds(Map<String, String> o) {
        String v = o.get("stop_token_ids");
        if (v == null) {
            return new int[0];
        }
        String[] parts = v.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                ids[i] = -1;
            }
            if (ids[i] < 0) {
                throw KindlingException.usage("generation option stop_token_ids takes token ids (integers >= 0) separated by commas, "
                        + "got '" + v + "'");
            }
        }
        return ids;
    }

    /** A prompt the model reads as it is: a system message would never reach it, so the option is refused. */
    private static Prompts.Prompt plainPrompt(String prompt, scala.collection.Map<?, ?> options) {
        if (options(options).containsKey("system")) {
            // the function is named where the error is thrown: at analysis (SqlUdfs.checkConstantMap), in Spark's UDF failure
            throw KindlingException.usage("the prompt is read as plain text, so the model would never see the "
                    + "'system' option; give messages to kindling_chat, which renders them with it through the chat template");
        }
        return new Prompts.Prompt(prompt, null);
    }

    private static Prompts.Prompt chatPrompt(Engine engine, String model, Seq<Row> messages, scala.collection.Map<?, ?> options) {
        if (engine.tokenizer().flatMap(dev.kindling.tokenizer.Tokenizer::chatTemplate).isEmpty()) {
            // said here, not by Prompts: the stages' advice ("give plain prompts, or a tokenizer file with one") does not
            // fit a function that takes no tokenizer; Prompts' chat template errors are then out of this function's reach
            throw new KindlingException("kindling_chat: the model " + model + " has no chat template (tokenizer.chat_template) "
                    + "to render the messages with; give a model that has one (a GGUF with tokenizer.chat_template, or a "
                    + "Hugging Face checkpoint directory whose tokenizer_config.json holds one), or a plain prompt to "
                    + "kindling_generate_ex");
        }
        Map<String, String> o = options(options);
        Prompts p = new Prompts(-1, 0, Prompts.Chat.ON, o.get("system"), flag(o, "continue_final_message"));
        return p.of(engine, RowFactory.create(messages));
    }

    static final List<String> OPTION_NAMES = List.of("max_tokens", "temperature", "top_p", "top_k", "min_p",
            "repetition_penalty", "frequency_penalty", "presence_penalty", "seed", "stop", "stop_token_ids", "system",
            "continue_final_message", "truncate_prompts", "generation_config");

    /** A true/false option, false when absent; anything else is a usage error naming it. */
    static boolean flag(Map<String, String> o, String name) {
        return flag(o, name, "generation");
    }

    /** As {@link #flag(Map, String)}, for a function whose options are {@code what} options. */
    static boolean flag(Map<String, String> o, String name, String what) {
        String v = o.get(name);
        if (v == null) {
            return false;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw KindlingException.usage(what + " option " + name + " must be true or false, got '" + v + "'");
        };
    }

    /**
     * The options map as strings. Its values may be numbers too: {@code map('max_tokens', 32, 'temperature', 0.8)} is
     * what one writes in SQL, and Spark hands that map over as decimals without casting it (a Java UDF has no input
     * types), so numbers are taken as written; other types are refused naming the option.
     */
    static Map<String, String> options(scala.collection.Map<?, ?> options) {
        return options(options, OPTION_NAMES, "generation");
    }

    /** As {@link #options(scala.collection.Map)}, for a function that takes the options {@code known}, named {@code what}. */
    static Map<String, String> options(scala.collection.Map<?, ?> options, List<String> known, String what) {
        Map<String, String> o = new HashMap<>();
        if (options != null) {
            scala.collection.Iterator<? extends scala.Tuple2<?, ?>> it = options.iterator();
            while (it.hasNext()) {
                scala.Tuple2<?, ?> kv = it.next();
                String name = String.valueOf(kv._1());
                if (!known.contains(name)) {
                    throw KindlingException.usage("unknown " + what + " option '" + name + "' (known: " + String.join(", ", known) + ")");
                }
                Object v = kv._2();
                if (v instanceof String s) {
                    o.put(name, s);
                } else if (v instanceof java.math.BigDecimal d) {
                    o.put(name, d.toPlainString());
                } else if (v instanceof Number n) {
                    o.put(name, n.toString());
                } else if (v instanceof Boolean b) {
                    o.put(name, b.toString()); // map('continue_final_message', true)
                } else if (v != null) {
                    throw KindlingException.usage(what + " option " + name + " must be a string or a number, got "
                            + v.getClass().getSimpleName() + " '" + v + "'");
                }
            }
        }
        return o;
    }

    static SamplingSpec sampling(Map<String, String> o) {
        return sampling(o, "0");
    }

    /** {@link #sampling(Map)} with another default temperature. */
    static SamplingSpec sampling(Map<String, String> o, String defaultTemperature) {
        double temperature = number(o, "temperature", defaultTemperature);
        long topK = wholeNumber(o, "top_k", "0", Integer.MAX_VALUE);
        double topP = number(o, "top_p", "1");
        double minP = number(o, "min_p", "0");
        double penalty = number(o, "repetition_penalty", "1");
        double frequency = penalty(o, "frequency_penalty");
        double presence = penalty(o, "presence_penalty");
        long seed = wholeNumber(o, "seed", "0", Long.MAX_VALUE);
        try {
            return new SamplingSpec((float) temperature, (int) topK, (float) topP, (float) minP, (float) penalty, (float) frequency,
                    (float) presence, seed);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage("generation options: " + e.getMessage());
        }
    }

    /** A frequency or presence penalty option (default 0): a number in [-2, 2], as vLLM; the error names the option. */
    static double penalty(Map<String, String> o, String name) {
        double v = number(o, name, "0");
        if (!SamplingSpec.validPenalty(v)) {
            throw KindlingException.usage("generation option " + name + " must be in [-2, 2], got '" + o.get(name).trim() + "'");
        }
        return v;
    }

    /** Option {@code name} as a number; the error names the option. */
    static double number(Map<String, String> o, String name, String defaultValue) {
        return decimal(o, name, defaultValue).doubleValue();
    }

    /**
     * Option {@code name} as a whole number within {@code ±max} ("5.0" and "1e3" count; "2.5" must be whole, 10^12 for an
     * int option is out of range, each said so).
     */
    static long wholeNumber(Map<String, String> o, String name, String defaultValue, long max) {
        java.math.BigDecimal d = decimal(o, name, defaultValue);
        String v = o.getOrDefault(name, defaultValue).trim();
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw KindlingException.usage("generation option " + name + " must be a whole number, got '" + v + "'");
        }
        if (d.abs().compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
            throw KindlingException.usage("generation option " + name + " is out of range, got '" + v + "'");
        }
        return d.longValueExact();
    }

    private static java.math.BigDecimal decimal(Map<String, String> o, String name, String defaultValue) {
        String v = o.getOrDefault(name, defaultValue).trim();
        try {
            return new java.math.BigDecimal(v);
        } catch (NumberFormatException e) {
            throw KindlingException.usage("generation option " + name + " must be a number, got '" + v + "'");
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The row's result. A task killed without an interrupt ({@code spark.sql.execution.interruptOnCancel} false, RDD
     * jobs) is only told by its flag, so the wait looks at it as the stages' windows do: waiting on held the task, and
     * the engine generated the row for nobody, until the generation ended.
     */
    private static <T> T await(Future<T> f) {
        TaskContext task = TaskContext.get();
        try {
            while (true) {
                if (task != null && task.isInterrupted()) {
                    f.cancel(true);
                    PerTask.stopIfKilled(task, "killed while its row was in the engine");
                }
                try {
                    return f.get(InOrderWindow.STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // not yet: check again
                }
            }
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = unwrap(e);
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new CompletionException(c);
        }
    }
}
