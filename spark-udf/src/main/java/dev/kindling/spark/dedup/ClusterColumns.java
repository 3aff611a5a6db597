package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code cluster_id} and {@code duplicate_of} after a dedup stage ({@code --keep-duplicates}, or for the
 * rejected rows alone with {@code --rejected}), the same for every stage: the rows the stage looked at
 * get the cluster it found (the representative's id, their own when alone) and, when dropped, the representative in {@code duplicate_of}. Rows an earlier dedup
 * stage grouped under a representative follow it: when that representative is now itself a duplicate,
 * they move to its new cluster, so {@code cluster_id} always names the kept row of the cluster.
 */
public final class ClusterColumns {
    private ClusterColumns() {}

    /**
     * For {@code --rejected} without {@code --keep-duplicates}: turns on {@code cluster_id} and
     * {@code duplicate_of} in the dedup stages among {@code stages}, so each rejected duplicate names the
     * row it duplicates, and returns the two names, for the kept output to go without them (it stays as
     * without {@code --rejected}). Nothing when there is no such stage, or when the input has a column of
     * either name: the stages would rewrite it in the kept rows too.
     */
    public static Set<String> forRejectedOnly(List<PipelineStage> stages, StructType input) {
        if (Arrays.stream(input.fieldNames()).anyMatch(f ->
                Columns.sameName(f, Columns.CLUSTER_ID) || Columns.sameName(f, Columns.DUPLICATE_OF))) {
            return Set.of();
        }
        boolean any = false;
        for (PipelineStage s : stages) {
            if (s instanceof ExactDedup e) {
                e.setClusterColumns(true);
                any = true;
            } else if (s instanceof MinHashDedup m) {
                m.setClusterColumns(true);
                any = true;
            }
        }
        return any ? Set.of(Columns.CLUSTER_ID, Columns.DUPLICATE_OF) : Set.of();
    }

    /**
     * The schema with {@code cluster_id} and {@code duplicate_of}, each of the id column's type (they hold ids: the schema
     * said string while an int id gave int columns). Columns of those names from an earlier dedup stage are followed, so
     * they must be its: one named in another case (Spark took {@code Cluster_ID} for {@code cluster_id} and replaced the
     * user's values, while the schema listed both) or of another type is refused.
     */
    static StructType addTo(StructType in, String idColumn, String stage) {
        org.apache.spark.sql.types.DataType idType = Columns.require(in, idColumn, stage).dataType();
        StructType out = in;
        for (String c : new String[] {Columns.CLUSTER_ID, Columns.DUPLICATE_OF}) {
            String found = Columns.resolve(in, c, stage);
            if (found == null) {
                out = out.add(c, idType, true);
            } else if (!found.equals(c)) {
                throw dev.kindling.spark.KindlingException.usage(stage + ": column '" + found + "' is read as " + c + " (Spark's "
                        + "names ignore case), which clusterColumns writes: rename it, or leave clusterColumns off");
            } else if (!in.apply(found).dataType().equals(idType)) {
                throw dev.kindling.spark.KindlingException.usage(stage + ": column '" + c + "' is " + in.apply(found).dataType()
                        .simpleString() + ", but clusterColumns writes ids there (" + idType.simpleString() + ", the id column's "
                        + "type), following an earlier dedup stage's: rename it, or leave clusterColumns off");
            }
        }
        return out;
    }

    /**
     * @param out         the stage's output, before its working columns are dropped
     * @param idColumn    the document id column
     * @param looked      true for the rows the stage looked at (read before it rewrote the reasons)
     * @param cluster     for those rows, the id of their cluster's representative
     * @param duplicateOf for those rows, the representative's id when the row is a duplicate, else null
     */
    static Dataset<Row> set(Dataset<Row> out, String idColumn, Column looked, Column cluster, Column duplicateOf) {
        boolean hadClusters = Arrays.asList(out.columns()).contains(Columns.CLUSTER_ID);
        if (!hadClusters) {
            return out.withColumn(Columns.CLUSTER_ID, when(looked, cluster))
                    .withColumn(Columns.DUPLICATE_OF, when(looked, duplicateOf));
        }
        if (!Arrays.asList(out.columns()).contains(Columns.DUPLICATE_OF)) {
            // clusters from elsewhere without duplicate_of (the dedup stages write both): none of those rows is marked yet
            out = out.withColumn(Columns.DUPLICATE_OF, lit(null).cast(DataTypes.StringType));
        }
        // a representative of an earlier stage was kept then, so this stage looked at it: its new cluster is known
        Dataset<Row> withNew = out.withColumn("_kd_new_cluster", when(looked, cluster)).withColumn("_kd_new_dup", when(looked, duplicateOf));
        Dataset<Row> map = withNew.where(col("_kd_new_cluster").isNotNull())
                .groupBy(Columns.named(idColumn).as("_kd_map_id")).agg(min("_kd_new_cluster").as("_kd_map_cluster"));
        Dataset<Row> j = withNew.join(map, withNew.col(Columns.CLUSTER_ID).equalTo(map.col("_kd_map_id")), "left");
        Column followed = coalesce(col("_kd_map_cluster"), col(Columns.CLUSTER_ID));
        return j.withColumn(Columns.DUPLICATE_OF, when(looked, col("_kd_new_dup"))
                        .when(col(Columns.DUPLICATE_OF).isNotNull(), followed).otherwise(col(Columns.DUPLICATE_OF)))
                .withColumn(Columns.CLUSTER_ID, when(looked, col("_kd_new_cluster")).otherwise(followed))
                .drop("_kd_new_cluster", "_kd_new_dup", "_kd_map_id", "_kd_map_cluster");
    }
}
