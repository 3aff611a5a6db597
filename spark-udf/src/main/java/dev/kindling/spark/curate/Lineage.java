package dev.kindling.spark.curate;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Materialises an intermediate result and cuts its lineage, so iterative and multi-pass stages
 * neither recompute their inputs nor build plans that grow with every iteration.
 *
 * <p>With a checkpoint directory ({@code --conf spark.checkpoint.dir=...} or
 * {@code sparkContext.setCheckpointDir}) the data is written there (reliable: survives a lost
 * executor); otherwise it is kept in the executors' block managers, memory and disk
 * ({@code localCheckpoint}). Either way nothing is collected to the driver, and Spark's context
 * cleaner frees local checkpoints once the datasets are no longer referenced.
 */
public final class Lineage {
    private Lineage() {}

    public static Dataset<Row> cut(Dataset<Row> ds) {
        if (ds.sparkSession().sparkContext().getCheckpointDir().isDefined()) {
            return ds.checkpoint(true);
        }
        return ds.localCheckpoint(true);
    }
}
