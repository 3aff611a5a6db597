package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.io.Columns;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The dedup stages keep every user column whatever its name: their working columns once were "v", "vertex" and
 * "root", so a user's "v" or "vertex" was dropped from the output and a "root" made a reference ambiguous.
 */
class DedupColumnNamesTest {
    static final String DOC = "The quick brown fox jumps over the lazy dog near the river bank today. "
            + "It was a sunny day and the birds were singing in the tall green trees. "
            + "Everyone in the small village came out to enjoy the warm afternoon light.";

    static Dataset<Row> docs(SparkSession spark, String extra) {
        return spark.sql("SELECT * FROM VALUES ('a', '" + DOC + "', 1), ('b', '" + DOC + " Yes.', 2), ('c', 'Something else entirely, "
                + "about gardens and spring and planting seeds in rows of rich dark soil.', 3) AS t(id, text, " + extra + ")")
                .withColumn(Columns.REASON, org.apache.spark.sql.functions.lit(null).cast("string"));
    }

    @Test
    void userColumnsNamedLikeTheStagesWorkingColumnsSurvive() {
        SparkSession spark = TestSpark.session();
        // both of MinHash's names at once ("vertex" was dropped, "root" made references ambiguous)
        Dataset<Row> in = docs(spark, "vertex").withColumn("root", org.apache.spark.sql.functions.col("vertex").plus(10));
        List<Row> minhash = new MinHashDedup().setThreshold(0.5).transform(in).select("id", "vertex", "root", Columns.REASON)
                .orderBy("id").collectAsList();
        assertEquals(List.of(1, 2, 3), minhash.stream().map(r -> r.getInt(1)).toList());
        assertEquals(List.of(11, 12, 13), minhash.stream().map(r -> r.getInt(2)).toList());
        assertEquals(1, minhash.stream().filter(r -> !r.isNullAt(3)).count(), "a and b are near duplicates: " + minhash);
        Dataset<Row> sentences = new SentenceDedupStage().transform(docs(spark, "v"));
        assertTrue(Arrays.asList(sentences.columns()).contains("v"), Arrays.toString(sentences.columns()));
        assertEquals(6, sentences.select("v").collectAsList().stream().mapToInt(r -> r.getInt(0)).sum());
    }

    /** Clusters from elsewhere (a cluster_id column without duplicate_of) failed with UNRESOLVED_COLUMN. */
    @Test
    void clusterColumnsWithoutDuplicateOf() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = docs(spark, "n").withColumn(Columns.CLUSTER_ID, org.apache.spark.sql.functions.col("id"));
        List<Row> out = new MinHashDedup().setThreshold(0.5).setClusterColumns(true).transform(in)
                .select("id", Columns.CLUSTER_ID, Columns.DUPLICATE_OF).orderBy("id").collectAsList();
        assertEquals(3, out.size());
        assertEquals(out.get(0).getString(1), out.get(1).getString(1), "a and b share a cluster: " + out);
    }

    /**
     * cluster_id and duplicate_of have the id column's type (the schema said string while int ids gave int columns), and a
     * user's column that Spark takes for one of them (another case, another type) is refused: Cluster_ID was replaced with
     * the stage's values while transformSchema listed both.
     */
    @Test
    void clusterColumnsTakeTheIdsTypeAndAreNeverAUsersColumn() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> ints = docs(spark, "n").withColumn("id", org.apache.spark.sql.functions.col("n"));
        for (CurationStage<?> stage : List.<CurationStage<?>>of(new ExactDedup().setClusterColumns(true),
                new MinHashDedup().setThreshold(0.5).setClusterColumns(true))) {
            StructType promised = stage.transformSchema(ints.schema());
            Dataset<Row> out = stage.transform(ints);
            assertEquals(promised, out.schema(), stage.getClass().getSimpleName());
            assertEquals(DataTypes.IntegerType, out.schema().apply(Columns.CLUSTER_ID).dataType());
            Dataset<Row> otherCase = docs(spark, "Cluster_ID");
            dev.kindling.spark.KindlingException c = assertThrows(dev.kindling.spark.KindlingException.class,
                    () -> stage.transform(otherCase));
            assertTrue(c.getMessage().contains("column 'Cluster_ID' is read as cluster_id"), c.getMessage());
            Dataset<Row> otherType = docs(spark, "n").withColumn(Columns.CLUSTER_ID, org.apache.spark.sql.functions.col("n"));
            dev.kindling.spark.KindlingException t = assertThrows(dev.kindling.spark.KindlingException.class,
                    () -> stage.transform(otherType));
            assertTrue(t.getMessage().contains("column 'cluster_id' is int, but clusterColumns writes ids there (string"), t.getMessage());
        }
    }
}
