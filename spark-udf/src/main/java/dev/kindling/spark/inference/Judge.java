package dev.kindling.spark.inference;

import dev.kindling.inference.Engine;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.ParamChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
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
        instructionCol = new Param<>(this, "instructionCol", "column of instructions (prompts)");
        responseCol = new Param<>(this, "responseCol", "column of responses to rate: string, or array<string> of candidates");
        outputCol = new Param<>(this, "outputCol", "output: struct<rating, source, text, probabilities> (an array for array input)");
        rubric = new Param<>(this, "rubric", "helpfulness, honesty, instruction_following, truthfulness, or a template file");
        method = new Param<>(this, "method", "auto (write the answer, parse it, fall back to probabilities) or logprobs",
                ParamChecks.oneOf("judge", "method", "auto", "logprobs"));
        maxTokens = new IntParam(this, "maxTokens", "most tokens of the judge's written answer", ParamChecks.atLeast("judge", "maxTokens", 0));
        minRating = new IntParam(this, "minRating", "lowest rating of the scale");
        maxRating = new IntParam(this, "maxRating", "highest rating of the scale");
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
        return Rubric.load(r, (Integer) getOrDefault(minRating), (Integer) getOrDefault(maxRating), conf);
    }

    public String getMethod() {
        String m = getOrDefault(method);
        if (!m.equals("auto") && !m.equals("logprobs")) {
            throw KindlingException.usage("judge: method must be auto or logprobs, not " + m);
        }
        return m;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        requireColumn(schema, getOrDefault(instructionCol), DataTypes.StringType);
        requireColumn(schema, getOrDefault(responseCol), DataTypes.StringType, DataTypes.createArrayType(DataTypes.StringType, true));
        requireAbsent(schema, getOrDefault(outputCol));
        if ((Integer) getOrDefault(maxTokens) < 0) {
            // checked here, as Generate does, rather than failing every row with the same error
            throw KindlingException.usage("judge: maxTokens must be >= 0");
        }
        getMethod();
        return job(schema, null).outputSchema(schema, getErrorCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        InferenceMetrics metrics = newMetrics(dataset);
        return job(dataset.schema(), metrics).apply(dataset.toDF(), getErrorCol(), getSkipRejected());
    }

    private Job job(StructType schema, InferenceMetrics metrics) {
        int responseIndex = Columns.indexOf(schema, getOrDefault(responseCol), stageName());
        boolean many = !schema.apply(responseIndex).dataType().equals(DataTypes.StringType);
        DataType type = many ? DataTypes.createArrayType(RESULT, true) : RESULT;
        return new Job(engineSpec(), window(), metrics, Columns.indexOf(schema, getOrDefault(instructionCol), stageName()), responseIndex, many,
                new StructType().add(getOrDefault(outputCol), type, true), loadRubric(), getMethod(), (Integer) getOrDefault(maxTokens));
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
            List<String> responses = many ? row.getList(responseIndex) : List.of(row.getString(responseIndex));
            List<CompletableFuture<Judging.Judgment>> parts = new ArrayList<>(responses.size());
            for (String r : responses) {
                parts.add(r == null ? CompletableFuture.completedFuture(null)
                        : Judging.submit(engine, rubric, instruction, r, method, maxTokens));
            }
            return InOrderWindow.allOf(parts);
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
            return new long[2];
        }
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static org.apache.spark.ml.util.MLReader<Judge> read() {
        return new org.apache.spark.ml.util.DefaultParamsReader<Judge>();
    }

    public static Judge load(String path) {
        return (Judge) new DefaultParamsReader<Judge>().load(path);
    }
}
