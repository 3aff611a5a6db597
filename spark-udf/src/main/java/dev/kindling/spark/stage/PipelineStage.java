package dev.kindling.spark.stage;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One step of a curation pipeline ({@code kindling demo}, {@code kindling curate}).
 *
 * <p>The contract that makes every drop accountable: documents flow with a
 * {@link dev.kindling.spark.io.Columns#REASON} column. A stage looks only at rows whose reason is
 * null; to reject a row it sets the reason to {@code "<name()>:<why>"} and leaves the row in place.
 * Rows are removed only when the pipeline writes its output, after they were counted (and, with
 * {@code --rejected}, written aside). A stage may add columns (e.g. {@code n_tokens}).
 */
public interface PipelineStage {
    /** Short name, the prefix of this stage's reasons, e.g. {@code exact_dedup}. */
    String name();

    /** Returns the documents with this stage's verdicts and columns applied. */
    Dataset<Row> apply(Dataset<Row> docs, StageContext context);

    /**
     * Whether the accounting table and {@code --stats} list this stage: false for a step that only shapes the output (picks
     * its columns) and rejects nothing, which would show as a row no user asked for ("select ... dropped 0").
     */
    default boolean accounted() {
        return true;
    }
}
