package dev.kindling.spark.inference;

import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.inference.Engine;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageReader;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Text embeddings: the mean over the text's tokens (BOS included, as the vocabulary encodes it) of
 * the model's final hidden state after the last norm, as {@code array<float>}; L2-normalised with
 * {@code normalize}. Texts longer than the context fail the row unless {@code truncate} (then the
 * first context-length tokens are used).
 *
 * <pre>{@code
 * Dataset<Row> withVectors = new Embed().setModel("/models/model.gguf").setInputCol("text")
 *         .setOutputCol("embedding").setNormalize(true).transform(docs);
 * }</pre>
 */
public final class Embed extends EngineStage<Embed> {
    private static final long serialVersionUID = 1L;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final BooleanParam normalize;
    private final BooleanParam truncate;

    public Embed() {
        this(Identifiable.randomUID("kindlingEmbed"));
    }

    public Embed(String uid) {
        super(uid);
        inputCol = new Param<>(this, "inputCol", "column of texts",
                ParamChecks.column(this, "inputCol"));
        outputCol = new Param<>(this, "outputCol", "output column (array<float>)",
                ParamChecks.column(this, "outputCol"));
        normalize = ParamChecks.bool(this, "normalize", "scale each vector to unit L2 norm");
        truncate = ParamChecks.bool(this, "truncate", "use the first context-length tokens of longer texts instead of failing the row");
        setDefault(inputCol, "text");
        setDefault(outputCol, "embedding");
        setDefault(normalize, false);
        setDefault(truncate, false);
    }

    @Override
    protected String stageName() {
        return "embed";
    }

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public BooleanParam normalize() { return normalize; }
    public BooleanParam truncate() { return truncate; }

    public Embed setInputCol(String v) { set(inputCol, v); return this; }
    public Embed setOutputCol(String v) { set(outputCol, v); return this; }
    public Embed setNormalize(boolean v) { set(normalize, v); return this; }
    public Embed setTruncate(boolean v) { set(truncate, v); return this; }

    // the getters Spark ML stages have for every param
    public String getInputCol() { return getOrDefault(inputCol); }
    public String getOutputCol() { return getOrDefault(outputCol); }
    public boolean getNormalize() { return (Boolean) getOrDefault(normalize); }
    public boolean getTruncate() { return (Boolean) getOrDefault(truncate); }

    @Override
    public StructType transformSchema(StructType schema) {
        requireEngineTokenizer();
        requireColumn(schema, getOrDefault(inputCol), "inputCol", DataTypes.StringType);
        requireAbsent(schema, getOrDefault(outputCol));
        if (getTruncatePrompts()) {
            // the engine's option cuts generation prompts; an embedding never reads it, so it was accepted and did nothing (a
            // text longer than the context still failed its row), where kindling embed refuses --truncate-prompts
            throw KindlingException.usage(who() + ": truncatePrompts is set, but it cuts Generate's prompts and Embed reads "
                    + "texts: to embed the first context-length tokens of those longer than the context, setTruncate(true)");
        }
        return job(schema, null).outputSchema(schema, getErrorCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        InferenceMetrics metrics = startTransform(dataset);
        return run(job(dataset.schema(), metrics), dataset);
    }

    private Job job(StructType schema, InferenceMetrics metrics) {
        return new Job(engineSpec(), window(), metrics, Columns.indexOf(schema, getOrDefault(inputCol), who()),
                new StructType().add(getOrDefault(outputCol), DataTypes.createArrayType(DataTypes.FloatType, false), true),
                getNormalize(), getTruncate());
    }

    /** Starts embedding {@code text}. */
    public static CompletableFuture<float[]> submit(Engine engine, String text, boolean normalize, boolean truncate) {
        int[] ids = engine.encode(text);
        int ctx = engine.config().contextLength();
        if (ids.length > ctx) {
            if (!truncate) {
                throw new IllegalArgumentException(engine.source() + ": the text has " + ids.length + " tokens but the context holds "
                        + ctx + " (truncate embeds its first " + ctx + ": kindling embed --truncate, Embed.setTruncate(true),"
                        + " kindling_embed_ex(text, model, map('truncate', 'true')))");
            }
            ids = Arrays.copyOf(ids, ctx);
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException(engine.source() + ": the text has no tokens");
        }
        return InOrderWindow.map(engine.submitEmbed(ids), v -> normalize ? unit(v) : v);
    }

    static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        if (s == 0) {
            return v;
        }
        float inv = (float) (1 / Math.sqrt(s));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    private static final class Job extends RowInference<float[]> {
        private static final long serialVersionUID = 1L;
        private final int textIndex;
        private final StructType columns;
        private final boolean normalize;
        private final boolean truncate;

        Job(EngineSpec engine, int window, InferenceMetrics metrics, int textIndex, StructType columns, boolean normalize,
                boolean truncate) {
            super("embed", engine, window, metrics);
            this.textIndex = textIndex;
            this.columns = columns;
            this.normalize = normalize;
            this.truncate = truncate;
        }

        @Override
        protected CompletableFuture<float[]> start(Engine engine, Row row) {
            return submit(engine, row.getString(textIndex), normalize, truncate);
        }

        @Override
        protected boolean hasInput(Row row) {
            return !row.isNullAt(textIndex);
        }

        @Override
        protected Object[] values(float[] v) {
            return new Object[] {v};
        }

        @Override
        protected StructType outputColumns() {
            return columns;
        }

        @Override
        protected long[] tokenCounts(float[] v) {
            return new long[2];
        }
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static org.apache.spark.ml.util.MLReader<Embed> read() {
        return StageReader.of(Embed.class);
    }

    public static Embed load(String path) {
        return read().load(path);
    }
}
