package dev.kindling.spark.inference;

import static dev.kindling.spark.cli.BenchCommand.atLeast;

import dev.kindling.inference.AdvisedRefusal;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.cli.SparkJobOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindling bench spark-generate}: the Generate stage's output tokens per second through a
 * Spark job, next to the same engine (same model, threads and batch size) fed directly with the
 * same prompts — the cost of Spark around the engine. One JSON line.
 */
@Command(name = "spark-generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Output tok/s of the Generate stage in a Spark job vs the same engine alone (same model, threads, batch, "
                + "prompts; greedy). Prints {\"engine_tok_s\",\"spark_tok_s\",\"spark_overhead_pct\",...}: spark_overhead_pct is "
                + "the throughput the job loses, 100 x (1 - spark_tok_s / engine_tok_s), not added time (spark_s / engine_s - 1)."})
public final class SparkGenerateBenchCommand extends SparkCommand {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "The model: a .gguf file or a Hugging Face checkpoint directory with its tokenizer.json, whose vocabulary "
                    + "reads the text prompts (not a llama2.c checkpoint, which carries none).")
    String model;

    @Option(names = "--prompts", defaultValue = "256", paramLabel = "N", description = "Prompts (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "Tokens per completion (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Engine threads (default: the executor's cores).")
    int threads;

    @Option(names = "--max-sequences", defaultValue = "64", paramLabel = "N", description = "Engine batch (default: ${DEFAULT-VALUE}).")
    int maxSequences;

    @Option(names = "--kv-cache-type", defaultValue = "f32", paramLabel = "TYPE", description = "f32 (default) or f16.")
    String kvCacheType;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N", description = "Partitions of the prompts (default: Spark's default parallelism).")
    int partitions;

    @Option(names = "--reps", defaultValue = "3", paramLabel = "N", description = "Timed repetitions of each, alternating; medians reported (default: ${DEFAULT-VALUE}).")
    int reps;

    /**
     * What a refusal of the bench's prompts advises (on a model of a short context, or a small heap): what this command can
     * do, where the engine's words named its Java options and the Generate stage's its setters. It makes up its prompts,
     * cuts none, and has --kv-cache-type but no --kv-budget-mb.
     */
    static final String LONG_PROMPT_ADVICE = "bench spark-generate makes up its prompts, a sentence each, and cuts none (it "
            + "has no --truncate-prompts): bench a model of a longer context";
    static final String KV_BUDGET_ADVICE = EngineCliOptions.HALVE_OR_RAISE_KV_BUDGET + " (bench spark-generate has no "
            + "--kv-budget-mb), " + EngineCliOptions.DEFAULT_KV_BUDGET;

    /** Makes up its prompts and writes nowhere. */
    @Override
    protected Set<String> unusedInheritedOptions() {
        Set<String> unused = new HashSet<>(SparkJobOptions.INPUT_OPTIONS);
        unused.addAll(SparkJobOptions.BAD_ROW_OPTIONS);
        unused.addAll(SparkJobOptions.OUTPUT_OPTIONS);
        return unused;
    }

    @Override
    protected void validate() {
        // each named with its value (one message named four options, and not --threads or --partitions when they were wrong)
        atLeast("--prompts", prompts, 1);
        atLeast("--max-tokens", maxTokens, 1);
        atLeast("--reps", reps, 1);
        atLeast("--max-sequences", maxSequences, 1);
        if (maxSequences > EngineCliOptions.MAX_SEQUENCES) {
            throw KindlingException.usage("--max-sequences must be at most " + EngineCliOptions.MAX_SEQUENCES + ", got " + maxSequences);
        }
        atLeast("--threads", threads, 0);
        atLeast("--partitions", partitions, 0);
        try {
            dev.kindling.inference.KvCacheType.parse(kvCacheType);
        } catch (IllegalArgumentException e) {
            // found once Spark had started, as "KV cache type must be f32 or f16", which named no option
            throw KindlingException.usage("--kv-cache-type must be f32 or f16, got " + kvCacheType);
        }
        job.noProgress = true;
        ExecutorEngines.checkLocalModel("--model", model);
        // the engine gets no tokenizer: a llama2.c checkpoint failed after Spark had started and cached the prompts
        EngineCliOptions.requireTokenizer("--model", model, null, null);
        // a bare name that is nothing failed once Spark had started, as "nosuch.gguf does not exist"
        EngineCliOptions.checkBareNames("--model", model, null, null, job.conf);
    }

    /** Distinct story-like prompts (no shared prefix beyond a few words, so prefix caching does not help either side). */
    static List<String> prompts(int n) {
        String[] who = {"a little girl", "an old man", "a small dog", "a happy cat", "a brave boy", "a tiny bird", "a big bear", "a kind queen"};
        String[] where = {"in the park", "by the sea", "in a forest", "at school", "on a farm", "in the city", "under a tree", "near a river"};
        String[] what = {"found a shiny key", "lost a red ball", "met a new friend", "saw a strange light", "baked a cake",
            "built a boat", "heard a song", "planted a seed"};
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(String.format(Locale.ROOT, "Once upon a time, %s %s %s on day %d.", who[i % who.length],
                    where[(i / who.length) % where.length], what[(i / (who.length * where.length)) % what.length], i));
        }
        return out;
    }

    @Override
    protected int run(JobRun run) {
        SparkSession spark = run.spark();
        EngineSpec engineSpec;
        try {
            engineSpec = new EngineSpec(model, null, "auto", threads, maxSequences, 0, 0L, false, kvCacheType);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(e.getMessage());
        }
        int resolvedThreads = threads > 0 ? threads : ExecutorCores.current();
        int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        List<String> texts = prompts(prompts);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(String.valueOf(i), texts.get(i)));
        }
        Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType))
                .repartition(parts).cache();
        df.count();
        // the engine the Spark tasks use in local mode (same instance: same model, threads and batch)
        Engine engine = ExecutorEngines.get(engineSpec.withThreads(resolvedThreads), HadoopConf.of(spark));
        Generate generate = generate(engineSpec.withThreads(resolvedThreads), maxTokens);
        List<String> warm = texts.subList(0, Math.min(texts.size(), Math.max(8, texts.size() / 4)));
        engineAlone(engine, warm, generate.refusalAdvice());
        sparkJob(df.limit(warm.size()), generate);
        emptyJob(df);
        double[] e = new double[reps];
        double[] s = new double[reps];
        double[] es = new double[reps];
        double[] ss = new double[reps];
        double[] fixed = new double[reps];
        long engineTokens = 0;
        long sparkTokens = 0;
        for (int r = 0; r < reps; r++) {
            long[] a = engineAlone(engine, texts, generate.refusalAdvice());
            long[] b = sparkJob(df, generate);
            fixed[r] = emptyJob(df) / 1e9;
            engineTokens = a[0];
            sparkTokens = b[0];
            e[r] = a[0] / (a[1] / 1e9);
            s[r] = b[0] / (b[1] / 1e9);
            es[r] = a[1] / 1e9;
            ss[r] = b[1] / 1e9;
        }
        double em = median(e);
        double sm = median(s);
        // where Spark's time goes beyond the engine's: the same job with the engine left out (read the
        // cached prompts, run the partition loop's Spark side, write to noop) is Spark's fixed cost per job
        run.out().println(String.format(Locale.ROOT, "{\"bench\":\"spark-generate\",\"model\":\"%s\",\"kv_cache\":\"%s\",\"threads\":%d,\"max_sequences\":%d,"
                + "\"prompts\":%d,\"max_tokens\":%d,\"partitions\":%d,\"master\":\"%s\",\"engine_tokens\":%d,\"spark_tokens\":%d,"
                + "\"engine_tok_s\":%.1f,\"spark_tok_s\":%.1f,\"spark_vs_engine\":%.3f,\"spark_overhead_pct\":%.1f,"
                + "\"engine_s\":%.2f,\"spark_s\":%.2f,\"spark_job_without_engine_s\":%.2f,"
                + "\"engine_tok_s_runs\":%s,\"spark_tok_s_runs\":%s}",
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(engineSpec.modelName())), engineSpec.kvCacheType(), resolvedThreads, maxSequences, prompts, maxTokens, parts,
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(spark.sparkContext().master())),
                engineTokens, sparkTokens, em, sm, sm / em, 100 * (1 - sm / em), median(es), median(ss), median(fixed), fmt(e), fmt(s)));
        df.unpersist();
        return 0;
    }

    /**
     * {generated tokens, nanoseconds}. It runs before the Spark job each time, with the same prompts: a prompt the engine
     * refuses (past the context or the KV budget) stops the bench here, a usage error worded as {@code advice} says.
     */
    private long[] engineAlone(Engine engine, List<String> texts, RefusalAdvice advice) {
        long t0 = System.nanoTime();
        List<CompletableFuture<Completion>> fs = new ArrayList<>();
        for (String p : texts) {
            fs.add(engine.submit(GenerationRequest.of(p).withMaxTokens(maxTokens).withLogprobs(0), null));
        }
        long tokens = 0;
        for (CompletableFuture<Completion> f : fs) {
            try {
                tokens += f.join().tokens().length;
            } catch (CompletionException e) {
                if (e.getCause() instanceof AdvisedRefusal refused) {
                    throw KindlingException.usage(advice.describe(refused), refused);
                }
                throw e;
            }
        }
        return new long[] {tokens, System.nanoTime() - t0};
    }

    /** The bench's Generate stage, whose rows' refusals advise what this command can do. */
    static Generate generate(EngineSpec spec, int maxTokens) {
        return new Generate().setEngine(spec).setMaxTokens(maxTokens).adviseOnLongPrompts(LONG_PROMPT_ADVICE)
                .adviseOnKvBudget(KV_BUDGET_ADVICE);
    }

    private static long[] sparkJob(Dataset<Row> df, Generate g) {
        long t0 = System.nanoTime();
        Dataset<Row> generated = g.transform(df);
        generated.write().format("noop").mode("overwrite").save();
        long ns = System.nanoTime() - t0;
        requireNoFailedRows(g, generated);
        return new long[] {g.metrics().generatedTokens(), ns};
    }

    /**
     * Stops the bench when a row of its Spark job failed, which its noop write let pass: spark_tok_s would count fewer
     * tokens over the whole job's time. The engine-alone pass ran the same prompts first, but executors elsewhere (a
     * cluster master) have their own heap and KV budget. The first failed row's error, already in the stage's words, is
     * found by running {@code generated} again, only when one failed; a refusal (it carries the stage's advice) is a
     * usage error, as the engine-alone pass's is, any other error a failure.
     */
    static void requireNoFailedRows(Generate g, Dataset<Row> generated) {
        long failed = g.metrics().failedRows();
        if (failed == 0) {
            return;
        }
        String what = "bench spark-generate: " + failed + " of " + g.metrics().rows() + " rows of its Spark job failed";
        Column error = generated.col(g.getErrorCol());
        List<Row> first = generated.where(error.isNotNull()).select(error).limit(1).collectAsList();
        if (first.isEmpty()) {
            throw new KindlingException(what + " (none failed when run again to find the first one's error)");
        }
        String why = first.get(0).getString(0);
        RefusalAdvice advice = g.refusalAdvice();
        boolean refused = why.contains(advice.longPrompts()) || why.contains(advice.kvBudget());
        throw new KindlingException(refused ? KindlingException.USAGE : KindlingException.FAILURE, what + ", the first with: " + why);
    }

    /** Nanoseconds of the Spark job around the engine: the same rows through a partition loop without engine work. */
    private static long emptyJob(Dataset<Row> df) {
        long t0 = System.nanoTime();
        df.mapPartitions((org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) rows -> rows,
                org.apache.spark.sql.Encoders.row(df.schema())).write().format("noop").mode("overwrite").save();
        return System.nanoTime() - t0;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1f", a[i]));
        }
        return sb.append(']').toString();
    }
}
