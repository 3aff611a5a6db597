package dev.kindling.spark.inference;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.Lineage;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.stage.Streaming;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Perplexity filtering as CCNet does it: every document is scored by a language model
 * ({@link Score}) and the ones the model finds least likely are rejected with reason
 * {@code perplexity:too_high} (kept in the data with their reason, counted, written aside with
 * {@code --rejected}). The threshold is a perplexity ({@link #setMaxPerplexity}), or relative
 * ({@link #setKeepFraction}: keep the given fraction with the lowest perplexity — CCNet's
 * "head" is its lowest third — from an approximate quantile over the scored documents: the scores are
 * materialised when the stage is applied ({@link Lineage#cut}), then read once more for the quantile). Documents that could not be scored (their
 * {@code error} says why, or no token to predict) are rejected as {@code perplexity:unscored}.
 *
 * <pre>{@code
 * PipelineStage ccnet = new PerplexityFilter(new Score().setModel("/models/model.gguf")).setKeepFraction(0.66);
 * }</pre>
 */
public final class PerplexityFilter implements PipelineStage {
    public static final String NAME = "perplexity";

    private final Score score;
    private double maxPerplexity = Double.NaN;
    private double keepFraction = Double.NaN;

    /** @param score how to score (model, columns); its input is the pipeline's text column unless set */
    public PerplexityFilter(Score score) {
        this.score = score;
    }

    public PerplexityFilter setMaxPerplexity(double v) {
        if (!(v > 0)) {
            throw KindlingException.usage("perplexity: the maximum must be > 0, got " + v);
        }
        maxPerplexity = v;
        return this;
    }

    public PerplexityFilter setKeepFraction(double v) {
        if (!(v > 0 && v <= 1)) {
            throw KindlingException.usage("perplexity: the fraction to keep must be in (0, 1], got " + v);
        }
        keepFraction = v;
        return this;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        if (Double.isNaN(maxPerplexity) == Double.isNaN(keepFraction)) {
            throw KindlingException.usage("perplexity: give a maximum perplexity or a fraction to keep (one of them)");
        }
        if (!Double.isNaN(keepFraction)) {
            Streaming.requireBatch(docs, NAME + " with a fraction to keep", "its threshold is a quantile over every document");
        }
        // a copy, its input chosen per call: set on the caller's Score, the first call's text column stayed, and the
        // filter applied again to a pipeline whose text is another column scored the first one's, in silence
        Score score = this.score.copy(org.apache.spark.ml.param.ParamMap.empty());
        if (!score.isSet(score.inputCol())) {
            // named as the pipeline's text column (the score stage checks an inputCol of its own)
            Columns.require(docs.schema(), context.textColumn(), NAME, "textColumn");
            score.setInputCol(context.textColumn());
        }
        Dataset<Row> scored = new InferenceStage(NAME, score).reportTotal(score.getCountCol(), "scored tokens").apply(docs, context);
        this.score.takeMetricsOf(score); // the caller's Score reports the counters, as it did when it ran itself
        String ppl = score.getPerplexityCol();
        double threshold = maxPerplexity;
        if (!Double.isNaN(keepFraction)) {
            // scored once, for the quantile and for the output: materialised with its lineage cut rather than persisted,
            // as a persisted Dataset stays cached until someone unpersists it, which nobody could (the caller gets a
            // Dataset derived from it), while a local checkpoint is freed once the result is no longer referenced
            scored = Lineage.cut(scored);
            Dataset<Row> candidates = scored.filter(col(Columns.REASON).isNull().and(col(ppl).isNotNull()));
            double[] q = candidates.stat().approxQuantile(ppl, new double[] {keepFraction}, 0.001);
            threshold = q.length == 0 ? Double.POSITIVE_INFINITY : q[0];
            if (Double.isFinite(threshold)) { // none when no document was scored
                // named after its column when that is not the default, so that two filters' thresholds stay apart
                context.reportMeasure(ppl.equals("perplexity") ? "perplexity threshold" : "perplexity threshold (" + ppl + ")", threshold);
            }
        }
        Column reason = col(Columns.REASON);
        return scored.withColumn(Columns.REASON, when(reason.isNotNull(), reason)
                .when(col(ppl).isNull(), lit(NAME + ":unscored"))
                .when(col(ppl).gt(threshold), lit(NAME + ":too_high")));
    }

    /**
     * The filter on a DataFrame outside a pipeline: {@code docs} with the score's columns and {@code reason}
     * ({@code perplexity:too_high}, {@code perplexity:unscored}; a {@code reason} column is added when there is none, and
     * a row that had one passes through). The text is the score's {@code inputCol} ({@code text} unless set). Through
     * {@link #apply} alone the rows also carried the pipeline's working columns, and an input without {@code reason}
     * failed with Spark's UNRESOLVED_COLUMN.
     */
    public Dataset<Row> transform(Dataset<Row> docs) {
        Dataset<Row> in = docs;
        if (Columns.resolve(in.schema(), Columns.REASON, NAME) == null) {
            in = in.withColumn(Columns.REASON, lit(null).cast(org.apache.spark.sql.types.DataTypes.StringType));
        }
        StageContext ctx = new StageContext(in.sparkSession(), "id", score.isSet(score.inputCol()) ? score.getInputCol() : "text");
        Dataset<Row> out = apply(in, ctx);
        return out.drop(ctx.metricColumns().keySet().toArray(new String[0]));
    }
}
