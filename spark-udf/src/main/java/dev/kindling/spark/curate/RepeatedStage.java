package dev.kindling.spark.curate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A config's second (third ...) stage of one name, such as two {@code decontaminate} stages with other benchmarks: its
 * rows' reasons are {@code name#2:why}, so the accounting table and {@code --stats} give it a row of its own. The table
 * counts by the stage a reason names, and both wrote {@code decontaminate:...}: the second's rows were credited to the
 * first, the second had no row, and the stages between them were shown with the wrong inputs. Its metrics (minhash's
 * candidate pairs, decontaminate's matches, pii's redactions) still add up with the first's.
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
        // the per-row metric columns the earlier stages filled, set aside too: the repeat writes its own under the same
        // name (decontaminate's matches, pii's redactions per kind), which replaced the first's, so a curate run with two
        // decontaminate stages reported only the second's matches
        List<String> present = Arrays.asList(docs.columns());
        Map<String, String> heldMetrics = new LinkedHashMap<>();
        Dataset<Row> in = docs.withColumn(Columns.REASON, rename(col(Columns.REASON), prefix, held));
        for (String metric : context.metricColumns().keySet()) {
            if (present.contains(metric)) {
                String aside = metric + "_before_" + name.replace('#', '_');
                in = in.withColumnRenamed(metric, aside);
                heldMetrics.put(metric, aside);
            }
        }
        Dataset<Row> out = inner.apply(in, context);
        for (Map.Entry<String, String> m : heldMetrics.entrySet()) {
            out = Arrays.asList(out.columns()).contains(m.getKey()) ? out.withColumn(m.getKey(), added(out, m.getKey(), m.getValue()))
                    .drop(m.getValue()) : out.withColumnRenamed(m.getValue(), m.getKey());
        }
        Column renamed = rename(col(Columns.REASON), prefix, name + ":");
        return out.withColumn(Columns.REASON, rename(renamed, held, prefix));
    }

    /** A row's count from both stages (null where neither counted the row, as each stage leaves the rows it skips). */
    private static Column added(Dataset<Row> out, String metric, String earlier) {
        Column now = col(metric);
        Column before = col(earlier);
        return when(now.isNull().and(before.isNull()), lit(null))
                .otherwise(coalesce(now, lit(0)).plus(coalesce(before, lit(0))))
                .cast(out.schema().apply(metric).dataType());
    }

    private static Column rename(Column reason, String from, String to) {
        return when(reason.startsWith(from), concat(lit(to), reason.substr(from.length() + 1, Integer.MAX_VALUE))).otherwise(reason);
    }
}
