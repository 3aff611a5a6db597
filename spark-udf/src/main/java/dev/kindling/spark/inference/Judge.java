package dev.kindling.spark.inference;

import dev.kindling.inference.Engine;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * LLM-as-judge: a judge model rates each candidate response to an instruction against a rubric
 * ({@link Rubric}: the UltraFeedback-style {@code helpfulness}, {@code honesty},
 * {@code instruction_following}, {@code truthfulness}, or a template file). The response column is
 * a string (one rating per row) or an {@code array<string>} (a rating per candidate, in order).
 * Output struct {@code {rating, source, text, probabilities}} ({@link Judging}: {@code source} is
 * {@code parsed} when the rating was read from the judge's answer {@code text}, {@code logprobs}
 * when it came from the judge's probabilities over the rating tokens, which are then in
 * {@code probabilities}).
 *
 * <pre>{@code
 * Dataset<Row> rated = new Judge().setModel("/models/judge.gguf").setRubric("helpfulness")
 *         .setInstructionCol("prompt").setResponseCol("completion").transform(pairs);
 * rated.select("prompt", "judgment.rating").show();
 * }</pre>
 *
 * The judge decodes greedily, so the ratings are deterministic.
 */
public final class Judge extends EngineStage<Judge> {
    private static final long serialVersionUID = 1L;

    /** One judgment. */
    public static final StructType RESULT = new StructType()
            .add("rating", DataTypes.DoubleType, true)
            .add("source", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, true)
            .add("probabilities", DataTypes.createArrayType(DataTypes.DoubleType, false), true);

    /**
     * Why a judge never truncates: the engine keeps a long prompt's end, and the judge's prompt starts with the rubric and
     * the instruction.
     */
    public static final String TRUNCATION = "a judge prompt cut to fit the context loses its start (the rubric and the "
            + "instruction) and its rating would not be the rubric's; setTruncatePrompts(false): a prompt too long then "
            + "fails its row with an error";

    /**
     * What the error of a judge prompt longer than the context advises, here and in {@code kindling_judge}: not a truncation,
     * which the judge never does ({@link #TRUNCATION}), where it advised setTruncatePrompts(true), which this stage refuses.
     */
    public static final String LONG_PROMPT_ADVICE = "shorten the instruction or the response, or judge with a model of a longer "
            + "context: a judge never cuts its prompt, which would lose the rubric and the instruction";

    private final Param<String> instructionCol;
    private final Param<String> responseCol;
    private final Param<String> outputCol;
    private final Param<String> rubric;
    private final Param<String> method;
    private final IntParam maxTokens;
    private final IntParam minRating;
    private final IntParam maxRating;

    public Judge() {
        this(Identifiable.randomUID("kindlingJudge"));
    }

    public Judge(String uid) {
        super(uid);
        instructionCol = new Param<>(this, "instructionCol", "column of instructions (prompts)",
                ParamChecks.column(this, "instructionCol"));
        responseCol = new Param<>(this, "responseCol", "column of responses to rate: string, or array<string> of candidates",
                ParamChecks.column(this, "responseCol"));
        outputCol = new Param<>(this, "outputCol", "output: struct<rating, source, text, probabilities> (an array for array input)",
                ParamChecks.column(this, "outputCol"));
        rubric = new Param<>(this, "rubric", "helpfulness, honesty, instruction_following, truthfulness, or a template file",
                ParamChecks.value(this, "rubric", "a built-in rubric's name or a template file", (String v) -> !v.isBlank()));
        method = new Param<>(this, "method", "auto (write the answer, parse it, fall back to probabilities) or logprobs",
                ParamChecks.oneOf(this, "method", "auto", "logprobs"));
        maxTokens = new IntParam(this, "maxTokens", "most tokens of the judge's written answer", ParamChecks.atLeast(this, "maxTokens", 0));
        minRating = new IntParam(this, "minRating", "lowest rating of the scale", ParamChecks.number(this, "minRating", "a number", (Integer v) -> true));
        maxRating = new IntParam(this, "maxRating", "highest rating of the scale", ParamChecks.number(this, "maxRating", "a number", (Integer v) -> true));
        setDefault(instructionCol, "prompt");
        setDefault(responseCol, "completion");
        setDefault(outputCol, "judgment");
        setDefault(rubric, "helpfulness");
        setDefault(method, "auto");
        setDefault(maxTokens, 128);
        setDefault(minRating, 1);
        setDefault(maxRating, 5);
    }

    @Override
    protected String stageName() {
        return "judge";
    }

    @Override
    protected String defaultLongPromptAdvice() {
        return LONG_PROMPT_ADVICE;
    }

    public Param<String> instructionCol() { return instructionCol; }
    public Param<String> responseCol() { return responseCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> rubric() { return rubric; }
    public Param<String> method() { return method; }
    public IntParam maxTokens() { return maxTokens; }
    public IntParam minRating() { return minRating; }
    public IntParam maxRating() { return maxRating; }

    public Judge setInstructionCol(String v) { set(instructionCol, v); return this; }
    public Judge setResponseCol(String v) { set(responseCol, v); return this; }
    public Judge setOutputCol(String v) { set(outputCol, v); return this; }
    public Judge setRubric(String v) { set(rubric, v); return this; }
    public Judge setMethod(String v) { set(method, v); return this; }
    public Judge setMaxTokens(int v) { set(maxTokens, v); return this; }
    public Judge setMinRating(int v) { set(minRating, v); return this; }
    public Judge setMaxRating(int v) { set(maxRating, v); return this; }

    /** The rubric (read on the driver, a remote template with the session's Hadoop settings; its text travels with the tasks). */
    public Rubric loadRubric() {
        String r = getOrDefault(rubric);
        org.apache.hadoop.conf.Configuration conf = dev.kindling.spark.io.SideFile.remote(r)
                ? org.apache.spark.sql.SparkSession.active().sparkContext().hadoopConfiguration() : null;
        int min = getMinRating();
        int max = getMaxRating();
        requireScale(min, max);
        try {
            return Rubric.load(r, min, max, conf);
        } catch (KindlingException e) {
            // the rubric's own message (missing file, built-in on another scale) with the stage it came from
            throw new KindlingException(e.exitCode(), who() + ": " + e.getMessage(), e.getCause());
        }
    }

    /** Most ratings a scale may have: every rating is a continuation scored for each row, and 0..100 is the widest in use. */
    static final int MAX_SCALE = 101;

    /**
     * minRating and maxRating as one rule (a setter sees one value; either may be set first): a scale with at least two
     * ratings and at most {@link #MAX_SCALE}.
     */
    private void requireScale(int min, int max) {
        if (min >= max) {
            throw KindlingException.usage(who() + ": minRating (" + min + ") must be below maxRating (" + max + ")");
        }
        long ratings = (long) max - min + 1;
        if (ratings > MAX_SCALE) {
            throw KindlingException.usage(who() + ": the scale minRating..maxRating (" + min + ".." + max + ") has "
                    + ratings + " ratings; at most " + MAX_SCALE + " (the judge scores each rating as a continuation of every "
                    + "prompt)");
        }
    }

    public String getMethod() {
        String m = getOrDefault(method);
        if (!m.equals("auto") && !m.equals("logprobs")) {
            throw KindlingException.usage(who() + ": method must be auto or logprobs, not " + m);
        }
        return m;
    }

    // the getters Spark ML stages have for every param
    public String getInstructionCol() { return getOrDefault(instructionCol); }
    public String getResponseCol() { return getOrDefault(responseCol); }
    public String getOutputCol() { return getOrDefault(outputCol); }
    public String getRubric() { return getOrDefault(rubric); }
    public int getMaxTokens() { return (Integer) getOrDefault(maxTokens); }
    public int getMinRating() { return (Integer) getOrDefault(minRating); }
    public int getMaxRating() { return (Integer) getOrDefault(maxRating); }

    @Override
    public StructType transformSchema(StructType schema) {
        return job(schema, null, checked(schema)).outputSchema(schema, getErrorCol());
    }

    /** transformSchema's checks; returns the rubric, read once per call (a template may be a remote file). */
    private Rubric checked(StructType schema) {
        requireEngineTokenizer();
        requireColumn(schema, getOrDefault(instructionCol), "instructionCol", DataTypes.StringType);
        requireColumn(schema, getOrDefault(responseCol), "responseCol", DataTypes.StringType, DataTypes.createArrayType(DataTypes.StringType, true));
        requireAbsent(schema, getOrDefault(outputCol));
        if (getMaxTokens() < 0) {
            // checked here, as Generate does, rather than failing every row with the same error
            throw KindlingException.usage(who() + ": maxTokens must be >= 0");
        }
        getMethod();
        if (getTruncatePrompts()) {
            throw KindlingException.usage(who() + ": truncatePrompts is set, but " + TRUNCATION);
        }
        return loadRubric();
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        // transformSchema's checks with the rubric read once (it read it again for the job)
        Rubric rubric = checked(dataset.schema());
        job(dataset.schema(), null, rubric).outputSchema(dataset.schema(), getErrorCol());
        InferenceMetrics metrics = startTransform(dataset);
        return run(job(dataset.schema(), metrics, rubric), dataset);
    }

    private Job job(StructType schema, InferenceMetrics metrics, Rubric rubric) {
        int responseIndex = Columns.indexOf(schema, getOrDefault(responseCol), who());
        boolean many = !Columns.isString(schema.apply(responseIndex).dataType());
        DataType type = many ? DataTypes.createArrayType(RESULT, true) : RESULT;
        return new Job(engineSpec(), window(), metrics, Columns.indexOf(schema, getOrDefault(instructionCol), who()), responseIndex,
                many, new StructType().add(getOrDefault(outputCol), type, true), rubric, getMethod(), getMaxTokens());
    }

    /** A judgment as the output struct. */
    public static Row toRow(Judging.Judgment j) {
        return j == null ? null : RowFactory.create(j.rating(), j.source(), j.text(), j.probabilities());
    }

    private static final class Job extends RowInference<List<Judging.Judgment>> {
        private static final long serialVersionUID = 1L;
        private final int instructionIndex;
        private final int responseIndex;
        private final boolean many;
        private final StructType columns;
        private final Rubric rubric;
        private final String method;
        private final int maxTokens;

        Job(EngineSpec engine, int window, InferenceMetrics metrics, int instructionIndex, int responseIndex, boolean many,
                StructType columns, Rubric rubric, String method, int maxTokens) {
            super("judge", engine, window, metrics);
            this.instructionIndex = instructionIndex;
            this.responseIndex = responseIndex;
            this.many = many;
            this.columns = columns;
            this.rubric = rubric;
            this.method = method;
            this.maxTokens = maxTokens;
        }

        @Override
        protected CompletableFuture<List<Judging.Judgment>> start(Engine engine, Row row) {
            String instruction = row.isNullAt(instructionIndex) ? "" : row.getString(instructionIndex);
            if (!many) {
                // one response: the engine's error is the row's, there is no other candidate to tell it from
                return InOrderWindow.allOf(List.of(Judging.submit(engine, rubric, instruction, row.getString(responseIndex), method,
                        maxTokens)));
            }
            List<String> responses = row.getList(responseIndex);
            List<CompletableFuture<Judging.Judgment>> parts = new ArrayList<>(responses.size());
            for (String r : responses) {
                CompletableFuture<Judging.Judgment> part;
                try {
                    part = r == null ? CompletableFuture.completedFuture(null)
                            : Judging.submit(engine, rubric, instruction, r, method, maxTokens);
                } catch (KindlingException e) {
                    throw e; // not the candidate's: the window stops the task
                } catch (RuntimeException e) {
                    part = CompletableFuture.failedFuture(e); // this candidate's, named with the others that failed
                }
                parts.add(part);
            }
            return candidates(parts, advice());
        }

        @Override
        protected boolean hasInput(Row row) {
            return !row.isNullAt(responseIndex);
        }

        @Override
        protected Object[] values(List<Judging.Judgment> js) {
            if (!many) {
                return new Object[] {toRow(js.get(0))};
            }
            Row[] rows = new Row[js.size()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = toRow(js.get(i));
            }
            return new Object[] {rows};
        }

        @Override
        protected StructType outputColumns() {
            return columns;
        }

        @Override
        protected long[] tokenCounts(List<Judging.Judgment> js) {
            long[] t = new long[2];
            for (Judging.Judgment j : js) {
                if (j != null) { // a candidate not judged (null)
                    t[0] += j.promptTokens();
                    t[1] += j.generatedTokens();
                }
            }
            return t;
        }
    }

    /**
     * The judgments of a row's candidates, in order, once all are done. When some failed, the row's error names each of
     * them by its index in the array and says why ({@code candidate at index 1 (of 4): <why>; ...}): the engine's words
     * alone did not say which candidate it was. A failure that is no candidate's (the engine closed, its step failed) and
     * a cancellation pass through as they are, for the window to act on.
     */
    static CompletableFuture<List<Judging.Judgment>> candidates(List<CompletableFuture<Judging.Judgment>> parts,
            RefusalAdvice advice) {
        CompletableFuture<List<Judging.Judgment>> all = CompletableFuture.allOf(parts.toArray(new CompletableFuture[0]))
                .handle((v, t) -> {
                    List<Judging.Judgment> out = new ArrayList<>(parts.size());
                    // each failed candidate's words and the advice they end with (null where none): an advice is given
                    // once, after the last candidate it is for, where it was repeated for each
                    List<String[]> failed = new ArrayList<>();
                    for (int i = 0; i < parts.size(); i++) {
                        try {
                            out.add(parts.get(i).join());
                        } catch (java.util.concurrent.CompletionException e) {
                            Throwable c = e.getCause() != null ? e.getCause() : e;
                            if (c instanceof dev.kindling.inference.EngineClosedException
                                    || c instanceof dev.kindling.inference.EngineStepException) {
                                throw e;
                            }
                            String m = "candidate at index " + i + " (of " + parts.size() + "): " + advice.describe(c);
                            dev.kindling.inference.AdvisedRefusal r = dev.kindling.inference.AdvisedRefusal.in(c,
                                    dev.kindling.inference.AdvisedRefusal.class);
                            int end = r == null || m.lastIndexOf(r.facts()) < 0 ? -1 : m.lastIndexOf(r.facts()) + r.facts().length();
                            failed.add(end < 0 ? new String[] {m, null} : new String[] {m.substring(0, end), m.substring(end)});
                        }
                    }
                    if (!failed.isEmpty()) {
                        StringBuilder why = new StringBuilder();
                        for (int k = 0; k < failed.size(); k++) {
                            String said = failed.get(k)[1];
                            boolean saidLater = failed.subList(k + 1, failed.size()).stream().anyMatch(f -> java.util.Objects.equals(f[1], said));
                            why.append(k == 0 ? "" : "; ").append(failed.get(k)[0]).append(said == null || saidLater ? "" : said);
                        }
                        throw new CandidateFailed(why.toString());
                    }
                    return out;
                });
        all.whenComplete((v, t) -> {
            if (all.isCancelled()) {
                for (CompletableFuture<Judging.Judgment> p : parts) {
                    p.cancel(true);
                }
            }
        });
        return all;
    }

    /** One or more candidates of a row could not be judged: the message names each and says why. */
    static final class CandidateFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CandidateFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static org.apache.spark.ml.util.MLReader<Judge> read() {
        return StageReader.of(Judge.class);
    }

    public static Judge load(String path) {
        return read().load(path);
    }
}
