package dev.kindling.spark.inference;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.Lineage;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.stage.StageReader;
import dev.kindling.spark.stage.StageWriter;
import dev.kindling.spark.stage.Streaming;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Perplexity filtering as CCNet does it: every document is scored by a language model
 * ({@link Score}) and the ones the model finds least likely are rejected with reason
 * {@code perplexity:too_high} (kept in the data with their reason, counted, written aside with
 * {@code --rejected}). The threshold is a perplexity ({@link #setMaxPerplexity}), or relative
 * ({@link #setKeepFraction}: keep the given fraction with the lowest perplexity — CCNet's
 * "head" is its lowest third — from the exact quantile over the scored documents ({@link #threshold}): the scores are
 * materialised when the stage is applied ({@link Lineage#cut}), then read once more for the quantile). Documents that could not be scored (their
 * {@code error} says why, or no token to predict) are rejected as {@code perplexity:unscored}.
 *
 * <p>It is a Spark ML {@link Transformer} ({@link #transform}, typed params {@code maxPerplexity} and {@code keepFraction},
 * {@link #copy}, {@link #transformSchema}, a stage of a Spark {@code Pipeline}) and a {@link PipelineStage} of the CLI's
 * pipelines. It saves and loads as Spark's composite stages do ({@link #write}, {@link #load}, alone or in a saved
 * {@code Pipeline} or {@code PipelineModel}): its thresholds in {@code path/metadata} and its {@code Score}, with the
 * Score's own writer, in {@code path/score} ({@link StageWriter}).
 *
 * <pre>{@code
 * Dataset<Row> ccnet = new PerplexityFilter(new Score().setModel("/models/model.gguf")).setKeepFraction(0.66).transform(docs);
 * }</pre>
 */
public final class PerplexityFilter extends Transformer implements PipelineStage, MLWritable {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "perplexity";

    private final String uid;
    private final Score score;
    private final DoubleParam maxPerplexity;
    private final DoubleParam keepFraction;

    /** @param score how to score (model, columns); its input is the pipeline's text column unless set */
    public PerplexityFilter(Score score) {
        this(Identifiable.randomUID("kindling_perplexity_filter"), score);
    }

    public PerplexityFilter(String uid, Score score) {
        this.uid = uid;
        this.score = score;
        this.maxPerplexity = new DoubleParam(this, "maxPerplexity",
                "reject documents whose perplexity is above this (give it or keepFraction)",
                ParamChecks.number(this, "maxPerplexity", "> 0", (Double v) -> v > 0));
        this.keepFraction = new DoubleParam(this, "keepFraction",
                "keep this fraction of the scored documents, those with the lowest perplexity (give it or maxPerplexity)",
                ParamChecks.number(this, "keepFraction", "in (0, 1]", (Double v) -> v > 0 && v <= 1));
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * A copy of the Score it runs (the filter scores with a copy of it, its input column chosen per call). A copy of its
     * settings: its {@code metrics()} count its own runs only, never the filter's ({@link #scoreMetrics}).
     */
    public Score getScore() {
        return score.copy(ParamMap.empty());
    }

    /**
     * The counters of its Score's last run (null before one): what the filter's last {@code transform} or pipeline step
     * scored, a copy's too ({@link #copy}: Spark's {@code transform(dataset, paramMap)}, a fitted {@code PipelineModel}'s),
     * as {@code Sft.teacherMetrics} the teacher's. The Score given to the filter reports them too, but a loaded filter's
     * is reached only through {@link #getScore}, a copy whose {@code metrics()} are its own.
     */
    public InferenceMetrics scoreMetrics() {
        return score.metrics();
    }

    public DoubleParam maxPerplexity() {
        return maxPerplexity;
    }

    public DoubleParam keepFraction() {
        return keepFraction;
    }

    /** The maximum perplexity, NaN when none is set. */
    public double getMaxPerplexity() {
        return isDefined(maxPerplexity) ? (Double) getOrDefault(maxPerplexity) : Double.NaN;
    }

    /** The fraction to keep, NaN when none is set. */
    public double getKeepFraction() {
        return isDefined(keepFraction) ? (Double) getOrDefault(keepFraction) : Double.NaN;
    }

    /** Refused unless {@code > 0}, as in a ParamMap, naming the stage and the param. */
    public PerplexityFilter setMaxPerplexity(double v) {
        set(maxPerplexity, v);
        return this;
    }

    /** Refused unless in {@code (0, 1]}, as in a ParamMap, naming the stage and the param. */
    public PerplexityFilter setKeepFraction(double v) {
        set(keepFraction, v);
        return this;
    }

    /** Spark's, with an array param's value as JSON, as the other stages'. */
    @Override
    public String explainParam(org.apache.spark.ml.param.Param<?> param) {
        return ParamChecks.explain(this, param);
    }

    /**
     * This filter with its uid, its values and {@code extra}'s, over the same Score: the filter never changes it (each run
     * scores with a copy), and the caller's Score goes on reporting the counters of a copy's runs (a Pipeline runs copies).
     * Where {@code extra} has values of the Score's params, over a copy of the Score with them ({@link EngineStage#heldIn}),
     * whose runs the caller's Score reports all the same: Spark's {@code transform(dataset, paramMap)} runs such a copy,
     * the filter's and a fitted {@code PipelineModel}'s alike, and the caller's Score kept the counters of an earlier run.
     */
    @Override
    public PerplexityFilter copy(ParamMap extra) {
        return copyValues(new PerplexityFilter(uid, score.heldIn(extra)), extra);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        requireOneThreshold();
        double maxPerplexity = getMaxPerplexity();
        double keepFraction = getKeepFraction();
        if (!Double.isNaN(keepFraction)) {
            Streaming.requireBatch(docs, NAME + " with a fraction to keep", "its threshold is a quantile over every document");
        }
        // a copy, its input chosen per call: set on the caller's Score, the first call's text column stayed, and the
        // filter applied again to a pipeline whose text is another column scored the first one's, in silence
        Score score = this.score.copy(ParamMap.empty());
        if (!score.isSet(score.inputCol())) {
            // named as the pipeline's text column (the score stage checks an inputCol of its own)
            Columns.require(docs.schema(), context.textColumn(), NAME, "textColumn");
            score.setInputCol(context.textColumn());
        }
        Dataset<Row> scored = new InferenceStage(NAME, score).reportTotal(score.getCountCol(), "scored tokens").apply(docs, context);
        String ppl = score.getPerplexityCol();
        double threshold = maxPerplexity;
        if (!Double.isNaN(keepFraction)) {
            // scored once, for the quantile and for the output: materialised with its lineage cut rather than persisted,
            // as a persisted Dataset stays cached until someone unpersists it, which nobody could (the caller gets a
            // Dataset derived from it), while a local checkpoint is freed once the result is no longer referenced
            scored = Lineage.cut(scored);
            Dataset<Row> candidates = scored.filter(col(Columns.REASON).isNull().and(col(ppl).isNotNull()));
            threshold = threshold(candidates, ppl, keepFraction);
            if (Double.isFinite(threshold)) { // none when no document was scored
                // named after its column when that is not the default, so that two filters' thresholds stay apart
                context.reportMeasure(ppl.equals("perplexity") ? "perplexity threshold" : "perplexity threshold (" + ppl + ")", threshold);
            }
        }
        // under the name the input gives it: withColumn("reason") renamed a column Reason to reason, which transformSchema
        // declares as Reason
        String reasonName = Columns.require(scored.schema(), Columns.REASON, NAME).name();
        Column reason = Columns.named(reasonName);
        return scored.withColumn(reasonName, when(reason.isNotNull(), reason)
                .when(col(ppl).isNull(), lit(NAME + ":unscored"))
                .when(col(ppl).gt(threshold), lit(NAME + ":too_high")));
    }

    /**
     * The {@code fraction}'s perplexity among {@code candidates}' values of {@code column} (a NaN left out): the ⌈fraction ×
     * n⌉-th smallest (at least the first; the fraction as written, so 0.7 of 10 is the 7th), or +∞ when there is none.
     * Exact, so the same for any partitioning and row order, where Spark's approxQuantile at relative error 0.001 gave 5,000
     * scores' median as the 2,496th, 2,498th or 2,500th as their partitions went. Costs a count and a sort of the numbers,
     * little beside the scoring that made them.
     */
    static double threshold(Dataset<Row> candidates, String column, double fraction) {
        Dataset<Double> values = candidates.select(col(column)).where(functions.not(functions.isnan(col(column))))
                .as(Encoders.DOUBLE());
        long n = values.count();
        if (n == 0) {
            return Double.POSITIVE_INFINITY;
        }
        long rank = Math.max(1, new BigDecimal(Double.toString(fraction)).multiply(BigDecimal.valueOf(n))
                .setScale(0, RoundingMode.CEILING).longValueExact());
        // collect, not first: first scans the partitions a few at a time, a job each, and the rank is often in a late one
        return values.sort(col(column)).javaRDD().zipWithIndex().filter(t -> t._2() == rank - 1).map(t -> t._1()).collect().get(0);
    }

    private void requireOneThreshold() {
        if (isDefined(maxPerplexity) == isDefined(keepFraction)) {
            throw KindlingException.usage("perplexity: give a maximum perplexity or a fraction to keep (one of them)");
        }
    }

    /** The Score that {@code transform} runs: a copy, its input the text column unless set. */
    private Score scoreOfTransform() {
        Score s = score.copy(ParamMap.empty()).setSkipRejected(true); // as the filter runs it (InferenceStage)
        if (!s.isSet(s.inputCol())) {
            s.setInputCol("text");
        }
        return s;
    }

    /**
     * {@code reason} and the score's columns, in the order {@link #transform} gives them (a reason it adds comes before the
     * score's); refuses a filter without a threshold, and what its Score refuses.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        requireOneThreshold();
        Columns.refuseReserved(schema, NAME + ": the input"); // the score's metric columns (_kindling_...) are replaced and dropped
        StructType in = Columns.resolve(schema, Columns.REASON, NAME) == null ? schema.add(Columns.REASON, DataTypes.StringType, true) : schema;
        return scoreOfTransform().transformSchema(in); // it refuses a reason column that is no string
    }

    /**
     * The filter on a DataFrame outside a pipeline: {@code docs} with the score's columns and {@code reason}
     * ({@code perplexity:too_high}, {@code perplexity:unscored}; a {@code reason} column is added when there is none, and
     * a row that had one passes through). The text is the score's {@code inputCol} ({@code text} unless set). Through
     * {@link #apply} alone the rows also carried the pipeline's working columns, and an input without {@code reason}
     * failed with Spark's UNRESOLVED_COLUMN.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Dataset<Row> in = dataset.toDF();
        if (Columns.resolve(in.schema(), Columns.REASON, NAME) == null) {
            in = in.withColumn(Columns.REASON, lit(null).cast(DataTypes.StringType));
        }
        StageContext ctx = new StageContext(in.sparkSession(), "id", scoreOfTransform().getInputCol());
        Dataset<Row> out = apply(in, ctx);
        return out.drop(ctx.metricColumns().keySet().toArray(new String[0]));
    }

    /** Its thresholds in {@code path/metadata}, its Score in {@code path/score}. */
    @Override
    public MLWriter write() {
        return StageWriter.of(this).nested("score", score);
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static MLReader<PerplexityFilter> read() {
        return StageReader.of(PerplexityFilter.class, (uid, nested) -> new PerplexityFilter(uid, nested.load("score", Score.class)));
    }

    public static PerplexityFilter load(String path) {
        return read().load(path);
    }
}
