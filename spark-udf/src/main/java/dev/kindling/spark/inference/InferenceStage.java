package dev.kindling.spark.inference;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * An inference {@link EngineStage} (generate, score, judge, embed) as a step of a Kindling pipeline
 * ({@code kindling demo}, the CLI's jobs): it runs on the rows no earlier stage rejected, reports
 * row failures in the {@code error} column (kept in the output), and adds its token columns to the
 * run's metrics.
 */
public final class InferenceStage implements PipelineStage {
    private final String name;
    private final EngineStage<?> stage;
    private static final String ROW_ERRORS = dev.kindling.spark.io.DatasetReader.METRIC_PREFIX + "row_errors";
    private final Map<String, String> sums = new LinkedHashMap<>();
    private final Map<String, Column> totals = new LinkedHashMap<>();
    private final Map<String, String> totalMetrics = new LinkedHashMap<>();
    /**
     * The counts {@link #reportModelCounts} reports, each as {@code WHO <count>}: what {@link InferenceProgress#summary(String,
     * Map)} reads back from the run's metrics.
     */
    static final String ROWS = "rows", FAILED_ROWS = "failed rows", PROMPT_TOKENS = "prompt tokens", GENERATED_TOKENS = "generated tokens";
    /** Whether {@link #reportModelCounts} was called: the run then writes each row's counts into {@link #countsCol}. */
    private boolean modelCounts;
    /** The internal column of each row's counts, a struct ({@link RowInference#COUNTS}) the metric columns sum up. */
    private final String countsCol;

    public InferenceStage(String name, EngineStage<?> stage) {
        this.name = name;
        this.stage = stage;
        this.countsCol = dev.kindling.spark.io.DatasetReader.METRIC_PREFIX + name + "_counts";
    }

    /** Reports the sum of numeric column {@code column} over the kept rows as {@code metric}. */
    public InferenceStage reportSum(String column, String metric) {
        sums.put(column, metric);
        return this;
    }

    /**
     * Reports the sum of numeric column {@code column} over every row this stage ran on as {@code metric}, also the
     * rows that this stage's own filter or a later stage rejects: the model's work (e.g. the tokens the perplexity filter
     * scored), where {@link #reportSum} counts only what the run kept.
     */
    public InferenceStage reportTotal(String column, String metric) {
        return reportTotal(column, functions.col(column).cast("long"), metric);
    }

    /**
     * As {@link #reportTotal(String, String)}, for a number computed from the output (e.g. the generated tokens: the size
     * of the output's token array); {@code name} names the internal column that holds it.
     */
    public InferenceStage reportTotal(String name, Column value, String metric) {
        totals.put(name, value);
        totalMetrics.put(name, metric);
        return this;
    }

    /**
     * Reports the model's counts, summed from each row it ran on ({@link RowInference#COUNTS}) where the rows are written:
     * {@code WHO rows}, {@code WHO failed rows}, {@code WHO prompt tokens} and {@code WHO generated tokens}, the numbers of
     * the stage's {@code metrics()} for one computation of the rows. A row computed again (a cached partition lost with
     * its executor, read again by a second output) counts once, where {@code metrics()} counts it again: what the model
     * read is in no output column to sum, so each row carries it to the write.
     */
    public InferenceStage reportModelCounts(String who) {
        modelCounts = true;
        // a row the stage skipped has no counts (null), and adds nothing
        Column c = functions.col(countsCol);
        reportModelCount(who, ROWS, functions.when(c.isNotNull(), 1L));
        reportModelCount(who, FAILED_ROWS, functions.when(c.getField("failed"), 1L));
        reportModelCount(who, PROMPT_TOKENS, c.getField("prompt_tokens"));
        reportModelCount(who, GENERATED_TOKENS, c.getField("generated_tokens"));
        return this;
    }

    /** {@code count} (e.g. {@link #FAILED_ROWS}) as the metric {@code WHO count}, summed over column {@code counts_failed_rows}. */
    private void reportModelCount(String who, String count, Column value) {
        reportTotal("counts_" + count.replace(' ', '_'), value, who + " " + count);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        if (stage.getErrorCol().equals(Columns.ERROR)) {
            context.keepInOutput(Columns.ERROR);
        }
        sums.forEach(context::reportSum);
        // on a copy: the caller's stage (a Score given to a PerplexityFilter, say) keeps the skipRejected it was given, and
        // reports the copy's counters (EngineStage.copy)
        EngineStage<?> run = stage.copy(ParamMap.empty()).setSkipRejected(true);
        if (modelCounts) {
            run.countRowsIn(countsCol);
        }
        Dataset<Row> out = run.transform(docs);
        for (Map.Entry<String, Column> t : totals.entrySet()) {
            // rows an earlier stage rejected were not run (their column is null) and add nothing
            String metricColumn = dev.kindling.spark.io.DatasetReader.METRIC_PREFIX + name + "_" + t.getKey();
            out = out.withColumn(metricColumn, functions.coalesce(t.getValue().cast("long"), functions.lit(0L)));
            context.reportMetricColumn(metricColumn, totalMetrics.get(t.getKey()));
        }
        if (modelCounts) {
            out = out.drop(countsCol); // summed by the metric columns above
        }
        if (stage.getErrorCol().equals(Columns.ERROR)) {
            // kept rows whose inference failed: counted, so that the summary and --stats say how many (one column for
            // every inference stage of a run: the error column is shared, and the last stage's value is the final one)
            out = out.withColumn(ROW_ERRORS, functions.when(functions.col(Columns.REASON).isNull()
                    .and(functions.col(Columns.ERROR).isNotNull()), 1L).otherwise(0L));
            context.reportMetricColumn(ROW_ERRORS, "rows with an error");
        }
        return out;
    }
}
