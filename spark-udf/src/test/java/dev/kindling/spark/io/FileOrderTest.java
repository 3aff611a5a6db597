package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parquet and text-file inputs are read file by file in name order, a partition per split, as JSON Lines are: Spark's
 * own scan read the largest split first and packed splits into partitions sized by the session's parallelism.
 */
class FileOrderTest {
    @TempDir
    Path tmp;

    /** Writes {@code rows} rows (ids NAME-0, NAME-1, ...) as one Parquet file {@code dir/NAME.parquet}. */
    private static void parquet(SparkSession spark, Path dir, String name, int rows, Path scratch, String... options)
            throws Exception {
        Path out = scratch.resolve("w-" + name);
        org.apache.spark.sql.DataFrameWriter<Row> w = spark.range(rows).selectExpr("concat('" + name + "-', id) AS id",
                        "repeat(concat('text of ', id, ' '), 20) AS text").coalesce(1).write();
        for (int i = 0; i < options.length; i += 2) {
            w = w.option(options[i], options[i + 1]);
        }
        w.parquet(out.toString());
        try (var files = Files.list(out)) {
            Path part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.createDirectories(dir);
            Files.move(part, dir.resolve(name + ".parquet"));
        }
    }

    private static List<String> ids(Dataset<Row> docs) {
        List<String> ids = new ArrayList<>();
        for (Row r : docs.select("id").collectAsList()) {
            ids.add(r.getString(0));
        }
        return ids;
    }

    @Test
    void parquetFilesComeInNameOrderWhateverTheirSizes() throws Exception {
        SparkSession spark = TestSpark.session();
        Path dir = tmp.resolve("in");
        List<String> expected = new ArrayList<>();
        // the later the name, the larger the file: Spark's scan read them last to first
        for (int k = 0; k < 5; k++) {
            int rows = 50 * (k + 1) * (k + 1);
            parquet(spark, dir, "p" + k, rows, tmp);
            for (int j = 0; j < rows; j++) {
                expected.add("p" + k + "-" + j);
            }
        }
        Dataset<Row> docs = DatasetReader.read(spark, ReadOptions.of(dir.toString()));
        assertEquals(expected, ids(docs));
        // small files share partitions as Spark packs them (its open cost of 4 MB per file, the bytes per core), not a
        // task each
        int partitions = docs.javaRDD().getNumPartitions();
        assertTrue(partitions >= 1 && partitions < 5, partitions + " partitions");
        // the source columns still say where each row came from
        Row first = docs.select(Columns.SOURCE_FILE, Columns.SOURCE_OFFSET).first();
        assertTrue(first.getString(0).endsWith("/p0.parquet"), first.toString());
        assertEquals(0L, first.getLong(1));
    }

    /** A file larger than spark.sql.files.maxPartitionBytes is read in splits, in order of their offsets. */
    @Test
    void splitsOfALargeFileComeInOffsetOrder() throws Exception {
        SparkSession spark = TestSpark.session();
        Path dir = tmp.resolve("big");
        parquet(spark, dir, "a", 40, tmp);
        parquet(spark, dir, "b", 3000, tmp, "parquet.block.size", "8192"); // row groups of some 8 KB
        List<String> expected = new ArrayList<>();
        for (int j = 0; j < 40; j++) {
            expected.add("a-" + j);
        }
        for (int j = 0; j < 3000; j++) {
            expected.add("b-" + j);
        }
        String key = "spark.sql.files.maxPartitionBytes";
        String openCost = spark.conf().get("spark.sql.files.openCostInBytes");
        spark.conf().set(key, "16384");
        try {
            Dataset<Row> docs = DatasetReader.read(spark, ReadOptions.of(dir.toString()));
            assertTrue(docs.javaRDD().getNumPartitions() > 3, "b.parquet is read in splits");
            assertEquals(expected, ids(docs));
        } finally {
            spark.conf().unset(key);
        }
        assertEquals(openCost, spark.conf().get("spark.sql.files.openCostInBytes"), "the session's setting is left as it was");
    }

    /**
     * One file below maxPartitionBytes is read in as many splits as Spark's own scan makes (the bytes per core): planned
     * with a split size of maxPartitionBytes, a 23 MB file was read by one task instead of one per core.
     */
    @Test
    void aFileIsSplitAsSparkSplitsIt() throws Exception {
        SparkSession spark = TestSpark.session();
        Path dir = tmp.resolve("one");
        parquet(spark, dir, "only", 3000, tmp, "parquet.block.size", "8192");
        String key = "spark.sql.files.openCostInBytes";
        spark.conf().set(key, "1024"); // else the 4 MB open cost keeps any small file whole
        try {
            Dataset<Row> docs = DatasetReader.read(spark, ReadOptions.of(dir.toString()));
            int spark_ = spark.read().parquet(dir.toString()).javaRDD().getNumPartitions();
            assertTrue(spark_ > 1, spark_ + " partitions in Spark's scan");
            assertEquals(spark_, docs.javaRDD().getNumPartitions());
            List<String> expected = new ArrayList<>();
            for (int j = 0; j < 3000; j++) {
                expected.add("only-" + j);
            }
            assertEquals(expected, ids(docs));
        } finally {
            spark.conf().unset(key);
        }
    }

    @Test
    void textFilesComeInNameOrder() throws Exception {
        SparkSession spark = TestSpark.session();
        Path dir = Files.createDirectories(tmp.resolve("texts"));
        List<String> expected = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            String text = ("document " + k + " ").repeat(100 * (k + 1));
            Files.writeString(dir.resolve("t" + k + ".txt"), text);
            expected.add(text);
        }
        Dataset<Row> docs = DatasetReader.read(spark, ReadOptions.of(dir.toString()).withFormat(DataFormat.TEXT_FILES));
        List<String> texts = new ArrayList<>();
        for (Row r : docs.select("text").collectAsList()) {
            texts.add(r.getString(0));
        }
        assertEquals(expected, texts);
    }
}
