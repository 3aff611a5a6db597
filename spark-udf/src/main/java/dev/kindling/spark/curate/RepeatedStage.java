package dev.kindling.spark.curate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A config's second (third ...) stage of one name, such as two {@code decontaminate} stages with other benchmarks: its
 * rows' reasons are {@code name#2:why}, so the accounting table and {@code --stats} give it a row of its own. The table
 * counts by the stage a reason names, and both wrote {@code decontaminate:...}: the second's rows were credited to the
 * first, the second had no row, and the stages between them were shown with the wrong inputs. Its metrics (minhash's
 * candidate pairs) still add up with the first's.
 */
final class RepeatedStage implements PipelineStage {
    private final PipelineStage inner;
    private final String name;

    RepeatedStage(PipelineStage inner, int occurrence) {
        this.inner = inner;
        this.name = inner.name() + "#" + occurrence;
    }

    /** The stage repeated. */
    PipelineStage inner() {
        return inner;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean accounted() {
        return inner.accounted();
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        String prefix = inner.name() + ":";
        // the earlier stage's reasons (same prefix) set aside under a marker while this one runs (a stage looks only at
        // rows without a reason, so the marker changes nothing it does), then this one's renamed and the earlier restored
        String held = inner.name() + "\u0000:";
        Dataset<Row> out = inner.apply(docs.withColumn(Columns.REASON, rename(col(Columns.REASON), prefix, held)), context);
        Column renamed = rename(col(Columns.REASON), prefix, name + ":");
        return out.withColumn(Columns.REASON, rename(renamed, held, prefix));
    }

    private static Column rename(Column reason, String from, String to) {
        return when(reason.startsWith(from), concat(lit(to), reason.substr(from.length() + 1, Integer.MAX_VALUE))).otherwise(reason);
    }
}
