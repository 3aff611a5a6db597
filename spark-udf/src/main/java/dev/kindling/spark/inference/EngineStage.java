package dev.kindling.spark.inference;

import dev.kindling.inference.KvCacheType;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.CopiedFrom;
import java.util.Arrays;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import dev.kindling.spark.stage.ParamChecks;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The parameters every inference stage shares (which model, how the executor's engine runs, how
 * many rows a task keeps in flight, where row errors go) and their checks. Subclasses are the
 * stages: {@link Generate}, {@link Score}, {@link Judge}, {@link Embed}.
 */
public abstract class EngineStage<S extends EngineStage<S>> extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final Param<String> tokenizer;
    private final Param<String> device;
    private final IntParam threads;
    private final IntParam maxSequences;
    private final IntParam maxInFlight;
    private final BooleanParam truncatePrompts;
    private final Param<String> kvCacheType;
    private final IntParam kvBudgetMb;
    private final Param<String> errorCol;
    private final BooleanParam skipRejected;
    /** Not params: they word a row's error and change no result (see {@link #adviseOnLongPrompts}); null: the stage's own. */
    private String longPromptAdvice;
    private String kvBudgetAdvice;
    /**
     * Not a param either: the internal column of each row's counts ({@link RowInference#COUNTS}) that a pipeline's
     * {@link InferenceStage} sums where the rows are written; null: none (the stage's output is its schema's).
     * {@code transformSchema} leaves it out, so where it is set transform's schema has this column more: only
     * InferenceStage sets it, on the private copy it runs, whose schema nothing else asks for and from whose output it
     * drops the column, so no stage a user holds (nor a copy of one) ever has it set.
     */
    private String countsCol;

    /** What a stage's row error advises for a prompt longer than the context, unless told otherwise. */
    static final String TRUNCATE_ADVICE = "shorten it; to keep a prompt's end instead: setTruncatePrompts(true) on the stage";
    /** What a row's error advises for a sequence past the KV budget: the stage's settings. */
    static final String KV_BUDGET_ADVICE = "halve what a position takes with setKvCacheType(\"f16\") on the stage, or raise the "
            + "budget: setKvBudgetMb, by default a quarter of the heap free after loading, at most 4 GiB: give the executors "
            + "more heap, spark.executor.memory";

    protected EngineStage(String uid) {
        this.uid = uid;
        model = new Param<>(this, "model", "the model: a .gguf path, a SparkFiles name or an s3a:// URI",
                ParamChecks.value(this, "model", "a path", (String v) -> !v.isBlank()));
        tokenizer = new Param<>(this, "tokenizer", "a tokenizer file instead of the model's vocabulary; empty for the model's",
                ParamChecks.optional(this, "tokenizer", "a tokenizer file"));
        device = new Param<>(this, "device", "auto, cpu or cuda", ParamChecks.value(this, "device", "auto, cpu or cuda",
                (String v) -> dev.kindling.inference.EngineOptions.deviceName(v) != null));
        int maxThreads = dev.kindling.inference.EngineOptions.MAX_THREADS;
        threads = new IntParam(this, "threads", "engine threads per executor; 0 = the executor's cores",
                ParamChecks.number(this, "threads", "0 (the executor's cores) to " + maxThreads,
                        (Integer v) -> v >= 0 && v <= maxThreads));
        maxSequences = new IntParam(this, "maxSequences", "sequences the engine decodes together",
                ParamChecks.atLeast(this, "maxSequences", 1));
        maxInFlight = new IntParam(this, "maxInFlight", "rows a task keeps in the engine at once; 0 = 2 x maxSequences",
                ParamChecks.atLeast(this, "maxInFlight", 0));
        truncatePrompts = ParamChecks.bool(this, "truncatePrompts",
                "Generate's prompts longer than the context keep their end instead of failing the row (Score, Embed and Judge refuse "
                        + "it: Score's longTexts and Embed's truncate say how their texts are cut)");
        kvCacheType = new Param<>(this, "kvCacheType", "f32 or f16: how the CPU engine stores the KV cache (f16: llama.cpp's "
                + "default, half the memory)", ParamChecks.value(this, "kvCacheType", "f32 or f16",
                        (String v) -> KvCacheType.parse(v) != null));
        kvBudgetMb = new IntParam(this, "kvBudgetMb", "KV cache memory of the engine in MiB (each engine an executor opens "
                + "holds its own); 0 = the engine's default, a quarter of the heap free after loading, at most 4 GiB",
                ParamChecks.atLeast(this, "kvBudgetMb", 0));
        errorCol = new Param<>(this, "errorCol", "column for a row's error (null when it went well)",
                ParamChecks.column(this, "errorCol"));
        skipRejected = ParamChecks.bool(this, "skipRejected",
                "rows with a non-null 'reason' (rejected by an earlier stage) pass through untouched");
        setDefault(tokenizer, "");
        setDefault(device, "auto");
        setDefault(kvCacheType, "f32");
        setDefault(kvBudgetMb, 0);
        setDefault(threads, 0);
        setDefault(maxSequences, 64);
        setDefault(maxInFlight, 0);
        setDefault(truncatePrompts, false);
        setDefault(errorCol, "error");
        setDefault(skipRejected, true);
    }

    @SuppressWarnings("unchecked")
    protected final S self() {
        return (S) this;
    }

    /** Spark's, with an array param's value as JSON (Spark prints its identity, {@code [Ljava.lang.String;@5f2c}). */
    @Override
    public String explainParam(org.apache.spark.ml.param.Param<?> param) {
        return dev.kindling.spark.stage.ParamChecks.explain(this, param);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> tokenizer() {
        return tokenizer;
    }

    public Param<String> device() {
        return device;
    }

    public IntParam threads() {
        return threads;
    }

    public IntParam maxSequences() {
        return maxSequences;
    }

    public IntParam maxInFlight() {
        return maxInFlight;
    }

    public BooleanParam truncatePrompts() {
        return truncatePrompts;
    }

    public Param<String> kvCacheType() {
        return kvCacheType;
    }

    public S setKvCacheType(String v) {
        try {
            set(kvCacheType, KvCacheType.parse(v).label());
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(who() + ": " + e.getMessage());
        }
        return self();
    }

    public IntParam kvBudgetMb() {
        return kvBudgetMb;
    }

    public S setKvBudgetMb(int v) {
        set(kvBudgetMb, v);
        return self();
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public BooleanParam skipRejected() {
        return skipRejected;
    }

    public S setModel(String v) {
        if (v == null || v.isBlank()) {
            // it surfaced as a NullPointerException in getModel, far from the call
            throw KindlingException.usage(who() + ": the model path is " + (v == null ? "null" : "empty"));
        }
        set(model, v);
        return self();
    }

    public S setTokenizer(String v) {
        set(tokenizer, v == null ? "" : v);
        return self();
    }

    public S setDevice(String v) {
        set(device, v);
        return self();
    }

    public S setThreads(int v) {
        set(threads, v);
        return self();
    }

    public S setMaxSequences(int v) {
        set(maxSequences, v);
        return self();
    }

    public S setMaxInFlight(int v) {
        set(maxInFlight, v);
        return self();
    }

    public S setTruncatePrompts(boolean v) {
        set(truncatePrompts, v);
        return self();
    }

    public S setErrorCol(String v) {
        set(errorCol, v);
        return self();
    }

    public S setSkipRejected(boolean v) {
        set(skipRejected, v);
        return self();
    }

    /** Applies every engine setting of {@code spec} (model, tokenizer, device, threads, batch, KV cache type). */
    public S setEngine(EngineSpec spec) {
        setModel(spec.model());
        setTokenizer(spec.tokenizer());
        setDevice(spec.device());
        setThreads(spec.threads());
        setMaxSequences(spec.maxSequences());
        setTruncatePrompts(spec.truncatePrompts());
        setKvCacheType(spec.kvCacheType());
        setKvBudgetMb((int) Math.min(Integer.MAX_VALUE, (spec.kvBudgetBytes() + (1 << 20) - 1) >> 20));
        return self();
    }

    public String getModel() {
        if (!isDefined(model) || getOrDefault(model).isBlank()) {
            throw KindlingException.usage(who() + ": set the model with setModel(path)");
        }
        return getOrDefault(model);
    }

    // the getters Spark ML stages have for every param
    public String getTokenizer() { return getOrDefault(tokenizer); }
    public String getDevice() { return getOrDefault(device); }
    public int getThreads() { return (Integer) getOrDefault(threads); }
    public int getMaxSequences() { return (Integer) getOrDefault(maxSequences); }
    public int getMaxInFlight() { return (Integer) getOrDefault(maxInFlight); }
    public String getKvCacheType() { return getOrDefault(kvCacheType); }
    public int getKvBudgetMb() { return (Integer) getOrDefault(kvBudgetMb); }

    /** Whether a prompt longer than the context keeps its end instead of failing its row. */
    public boolean getTruncatePrompts() {
        return (Boolean) getOrDefault(truncatePrompts);
    }

    public String getErrorCol() {
        return getOrDefault(errorCol);
    }

    public boolean getSkipRejected() {
        return (Boolean) getOrDefault(skipRejected);
    }

    /** The engine the executors open for this stage. */
    public EngineSpec engineSpec() {
        int seqs = getMaxSequences();
        try {
            return new EngineSpec(getModel(), getOrDefault(tokenizer), getOrDefault(device), getThreads(),
                    seqs, 0, (long) getKvBudgetMb() << 20, (Boolean) getOrDefault(truncatePrompts),
                    getOrDefault(kvCacheType));
        } catch (IllegalArgumentException e) {
            // a setting out of range (threads -1, device gpu) is the caller's, as the stage's other checks say
            throw KindlingException.usage(who() + ": " + e.getMessage());
        }
    }

    /** Rows a task keeps in flight. */
    protected int window() {
        int w = getMaxInFlight();
        int seqs = getMaxSequences();
        if (w < 0 || seqs < 1) {
            throw KindlingException.usage(who() + ": maxInFlight must be >= 0 and maxSequences >= 1");
        }
        return w > 0 ? w : 2 * seqs;
    }

    /**
     * Refuses {@code tokenizer} {@code byte-level}, the token counts' built-in tokenizer, where no file of that name can be
     * found (the stage's session's files among the places looked in), as the commands' {@code --tokenizer} is refused
     * ({@link EngineCliOptions#checkBareNames}): the engine opens its tokenizer as a file, and it failed as "byte-level does
     * not exist" once Spark ran the job. Each stage's {@code transformSchema} calls it first.
     */
    protected final void requireEngineTokenizer() {
        String t = getOrDefault(tokenizer);
        if (dev.kindling.spark.tokenize.ExecutorTokenizers.BYTE_LEVEL.equals(t)
                && dev.kindling.spark.executor.LocalFiles.bareNameFoundNowhere(t, java.util.Map.of())) {
            throw KindlingException.usage(who() + ".tokenizer '" + t + "': no such file (looked in " + java.nio.file.Path.of("").toAbsolutePath()
                    + " and among the files given to Spark); " + EngineCliOptions.BYTE_LEVEL_REASON + ", or none (empty: the model's own)");
        }
    }

    private transient InferenceMetrics lastMetrics;
    /**
     * The stages this one is a copy of ({@link #copy}: its original, that one's, and so on), else null: they report this
     * one's runs too ({@link #metrics}). Spark runs copies, for {@code transform(dataset, paramMap)}, the stage's and a
     * fitted {@code PipelineModel}'s alike, and so do the stages that hold one (a PerplexityFilter its Score, Sft and Dpo
     * their teacher and judge, a curation pipeline's step): the stage the caller holds kept the counters of its own last
     * run. Held weakly ({@link CopiedFrom}), so a copy keeps none of them alive; transient, like the counters: a copy
     * reaches the stages it came from, never the other way round.
     */
    private transient CopiedFrom<EngineStage<?>> copiedFrom;

    /**
     * What each {@code transform} does first, on the driver: with a local master (the executors read the driver's disk),
     * a model or tokenizer given as a local path that is not there, or is no model, is refused naming the stage and param
     * (it failed in the first task, naming neither); with any master, so is a remote one ({@code s3a://}) that is not
     * there, is empty or is a folder that holds none, looked up with the session's Hadoop settings as the commands' are
     * ({@link ExecutorEngines#checkRemoteModel}): it failed in the first task once an action had started the job, and
     * on a cluster after Spark's retries. Then this stage's counters are registered.
     */
    protected final InferenceMetrics startTransform(org.apache.spark.sql.Dataset<?> dataset) {
        org.apache.spark.SparkContext sc = dataset.sparkSession().sparkContext();
        ExecutorEngines.checkOnDriver(who() + ".model", getModel(), sc);
        dev.kindling.spark.tokenize.ExecutorTokenizers.checkOnDriver(who() + ".tokenizer", getOrDefault(tokenizer), sc);
        return newMetrics(dataset);
    }

    /**
     * {@code job} over {@code dataset}, its errors naming this stage (a model or tokenizer a task cannot open) and advising
     * as {@link #refusalAdvice} says.
     */
    protected final org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> run(RowInference<?> job, org.apache.spark.sql.Dataset<?> dataset) {
        return job.namedAs(who()).advisedWith(refusalAdvice()).countedIn(countsCol).apply(dataset.toDF(), getErrorCol(),
                getSkipRejected());
    }

    /** Registers the counters of a new {@link #transform}, this stage's and those of the stages it is a copy of. */
    private InferenceMetrics newMetrics(org.apache.spark.sql.Dataset<?> dataset) {
        InferenceMetrics metrics = InferenceMetrics.register(dataset.sparkSession().sparkContext(), stageName());
        lastMetrics = metrics;
        if (copiedFrom != null) {
            copiedFrom.forEach(s -> s.lastMetrics = metrics);
        }
        return metrics;
    }

    /**
     * The counters of the last {@link #transform} (filled as its result is computed), this stage's or a copy's
     * ({@link #copy}: Spark's {@code transform(dataset, paramMap)}, a fitted {@code PipelineModel}'s, a holder's), or null
     * before one.
     */
    public InferenceMetrics metrics() {
        return lastMetrics;
    }

    /** The short name of the stage's metrics and of its rows' errors and reasons, e.g. {@code generate}. */
    protected abstract String stageName();

    /**
     * How errors about the stage's settings and input schema name it: its class and uid, e.g.
     * {@code Generate(kindlingGenerate_3f2a)}, as the param checks do (a pipeline may hold two stages of one class).
     */
    protected final String who() {
        return dev.kindling.spark.stage.ParamChecks.who(this);
    }

    /**
     * Checks that {@code schema} has a column Spark reads for {@code column} (see {@link Columns#resolve}) of type {@code type};
     * {@code param}, where the name came from, is named when there is none. A string of any collation is a string.
     */
    protected final void requireColumn(StructType schema, String column, String param, DataType... types) {
        DataType t = Columns.require(schema, column, who(), param).dataType();
        for (DataType ok : types) {
            if (ok.simpleString().equals(Columns.withoutCollation(t).simpleString())) {
                return;
            }
        }
        StringBuilder want = new StringBuilder();
        for (DataType ok : types) {
            want.append(want.length() == 0 ? "" : " or ").append(ok.simpleString());
        }
        throw KindlingException.usage(who() + ": column '" + column + "' is " + t.simpleString() + ", expected " + want);
    }

    /**
     * Checks that the stage's output columns are not in {@code schema} already, differ from each other and from the
     * error column, and that an existing error column (shared by the inference stages of a pipeline) is a string:
     * otherwise one output silently replaced another or the error landed nowhere. With skipRejected, a {@code reason}
     * column must be a string too, as the curation stages require.
     */
    protected final void requireAbsent(StructType schema, String... columns) {
        java.util.List<String> seen = new java.util.ArrayList<>();
        String error = getErrorCol();
        for (String c : columns) {
            if (c == null || c.isEmpty()) {
                // every output of these stages is written; a null name became a StructField named null that failed later
                throw KindlingException.usage(who() + ": an output column name is " + (c == null ? "null" : "empty")
                        + "; every output needs one");
            }
            // as Spark resolves names, by default regardless of case: "PROMPT" beside "prompt" made every later
            // reference to either ambiguous
            if (Columns.contains(schema.fieldNames(), c)) {
                throw KindlingException.usage(who() + ": output column '" + c + "' already exists");
            }
            if (Columns.contains(seen.toArray(new String[0]), c) || Columns.sameName(c, error)) {
                throw KindlingException.usage(who() + ": column '" + c + "' is given for two outputs (the output and error "
                        + "columns must differ)");
            }
            seen.add(c);
        }
        if (error == null || error.isEmpty()) {
            throw KindlingException.usage(who() + ": errorCol must be a column name");
        }
        for (String f : schema.fieldNames()) {
            if (Columns.sameName(f, error) && !f.equals(error)) {
                throw KindlingException.usage(who() + ": error column '" + error + "' differs only in case from the column '"
                        + f + "'; name that one or another");
            }
        }
        if (Arrays.asList(schema.fieldNames()).contains(error) && !Columns.isString(schema.apply(error).dataType())) {
            throw KindlingException.usage(who() + ": error column '" + error + "' exists and is "
                    + schema.apply(error).dataType().simpleString() + ", not a string; choose another with setErrorCol");
        }
        String reason = getSkipRejected() ? Columns.resolve(schema, Columns.REASON, who()) : null;
        if (reason != null && !Columns.isString(schema.apply(reason).dataType())) {
            // any non-null value skips its row: a user's column that happens to be called reason (a number, a flag) left
            // every row but the nulls unprocessed, with no error and outputs of null
            throw KindlingException.usage(who() + ": column '" + reason + "' is " + schema.apply(reason).dataType().simpleString()
                    + ", but with skipRejected a reason is Kindling's string \"<stage>:<why>\" (a row with one is skipped); rename "
                    + "the column or setSkipRejected(false)");
        }
    }

    /**
     * What a row's error advises for a prompt longer than the context (the engine refuses it unless truncatePrompts): a
     * caller that never cuts prompts says why here, as distillation does, instead of pointing to a setting it refuses; a
     * command line names its flag. Null: the stage's own advice. Kept by {@link #copy}; not saved with the stage (it
     * changes no result).
     */
    public S adviseOnLongPrompts(String words) {
        longPromptAdvice = words;
        return self();
    }

    /**
     * What a row's error advises, after what to ask for less of, for a sequence the KV budget can never hold: how the
     * caller halves what a position takes or raises the budget (a command line's flags, where the stage's own advice names
     * its setters). Null: the stage's own advice. Kept by {@link #copy}, not saved, as {@link #adviseOnLongPrompts}.
     */
    public S adviseOnKvBudget(String settings) {
        kvBudgetAdvice = settings;
        return self();
    }

    /**
     * Adds {@code column}, each row's counts ({@link RowInference#COUNTS}), after the stage's own columns: for
     * {@link InferenceStage#reportModelCounts}, which sums and drops it. Kept by {@link #copy}, not saved.
     */
    S countRowsIn(String column) {
        countsCol = column;
        return self();
    }

    /** The advice a row's error gives for a refusal: the caller's, else the stage's own. */
    RefusalAdvice refusalAdvice() {
        return new RefusalAdvice(longPromptAdvice != null ? longPromptAdvice : defaultLongPromptAdvice(),
                kvBudgetAdvice != null ? kvBudgetAdvice : KV_BUDGET_ADVICE);
    }

    /** The stage's own advice for a prompt longer than the context. */
    protected String defaultLongPromptAdvice() {
        return TRUNCATE_ADVICE;
    }

    /**
     * What a stage that holds this one (a PerplexityFilter its Score, Sft and Dpo their teacher and judge) holds in its own
     * {@code copy(extra)}: a copy with {@code extra}'s values where {@code extra} has any param of this stage, as Spark's
     * Pipeline and OneVsRest pass {@code extra} on to the stages they hold (a ParamGridBuilder over a held Score's params,
     * for CrossValidator), else this stage itself; either way this stage's counters ({@link #metrics}) report the holder's
     * copies' runs.
     */
    @SuppressWarnings("unchecked")
    public final S heldIn(ParamMap extra) {
        return Arrays.stream(params()).anyMatch(extra::contains) ? copy(extra) : (S) this;
    }

    /**
     * This stage with its uid, its values and {@code extra}'s (Spark's CrossValidator copies a stage per ParamMap), whose
     * runs this stage's {@link #metrics} report too.
     */
    @Override
    @SuppressWarnings("unchecked")
    public S copy(ParamMap extra) {
        S copy = (S) defaultCopy(extra);
        ((EngineStage<?>) copy).longPromptAdvice = longPromptAdvice;
        ((EngineStage<?>) copy).kvBudgetAdvice = kvBudgetAdvice;
        ((EngineStage<?>) copy).countsCol = countsCol;
        ((EngineStage<?>) copy).copiedFrom = CopiedFrom.copyOf(this, copiedFrom);
        return copy;
    }
}
