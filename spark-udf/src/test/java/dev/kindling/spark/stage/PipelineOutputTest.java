package dev.kindling.spark.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.WriteOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller with a {@link StageContext} gets what its stages reported: the internal metric columns counted and left out
 * of every output, the metrics in the report. The notebooks' short call, with the context's sums alone, wrote the
 * {@code _kd_pii_*} columns into the kept and rejected documents and reported no PII metric.
 */
class PipelineOutputTest {
    @Test
    void theStagesMetricColumnsAreCountedAndLeftOutOfTheOutputs(@TempDir Path tmp) {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("reason", DataTypes.StringType);
        Dataset<Row> docs = spark.createDataFrame(List.of(RowFactory.create("a", "Mail jane.doe@example.com now.", null),
                RowFactory.create("b", "Write to joe@example.org.", null), RowFactory.create("c", "x", "len:too_short")), schema);
        StageContext context = new StageContext(spark, "id", "text");
        PiiRedaction pii = new PiiRedaction().setKinds(new String[] {"email", "phone"});
        Dataset<Row> annotated = pii.apply(docs, context);
        Path kept = tmp.resolve("kept");
        Path rejected = tmp.resolve("rejected");
        PipelineOutput.Targets targets = new PipelineOutput.Targets(new WriteOptions(kept.toString(), DataFormat.JSONL, false, null),
                false, rejected.toString(), null);

        RunReport report = PipelineOutput.write(annotated, context, targets, List.of("read", pii.name()), Set.of(), System.nanoTime());

        assertEquals(2, report.documentsKept());
        assertEquals(2L, report.metrics().get("pii_email"), report.metrics().toString());
        // the kinds asked for only: the others were reported as 0 found, as if they had been looked for
        assertEquals(0L, report.metrics().get("pii_phone"), report.metrics().toString());
        assertTrue(!report.metrics().containsKey("pii_ipv4") && !report.metrics().containsKey("pii_ipv6"), report.metrics().toString());
        for (Path out : List.of(kept, rejected)) {
            List<String> columns = Arrays.asList(spark.read().json(out.toString()).columns());
            assertTrue(columns.contains("text") && columns.stream().noneMatch(c -> c.startsWith("_kd_")), out + ": " + columns);
        }
    }

    /**
     * An unreadable row's id in --rejected is the one the input gave it (see CliTest), cast back to the id column's type:
     * without ANSI mode the rewrite made every rejected row's id a string, a Parquet input's long ids among them.
     */
    @Test
    void theRejectedRowsKeepTheIdColumnsType(@TempDir Path tmp) {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType)
                .add("reason", DataTypes.StringType).add("source_file", DataTypes.StringType).add("source_offset", DataTypes.LongType);
        Dataset<Row> docs = spark.createDataFrame(List.of(RowFactory.create(1L, "kept", null, "file:/in.parquet", 0L),
                RowFactory.create(2L, null, "read:invalid_utf8", "file:/in.parquet", 1L),
                RowFactory.create(3L, "x", "len:too_short", "file:/in.parquet", 2L)), schema);
        Path rejected = tmp.resolve("rejected");
        // without ANSI mode (a cluster may turn it off), a CASE of a string and a long is a string
        String ansi = spark.conf().get("spark.sql.ansi.enabled");
        spark.conf().set("spark.sql.ansi.enabled", "false");
        try {
            PipelineOutput.writeRejected(docs, new WriteOptions(rejected.toString(), DataFormat.PARQUET, false, null), List.of(), "id", "text");
        } finally {
            spark.conf().set("spark.sql.ansi.enabled", ansi);
        }
        Dataset<Row> back = spark.read().parquet(rejected.toString());
        assertEquals(DataTypes.LongType, back.schema().apply("id").dataType(), back.schema().treeString());
        assertEquals(List.of(2L, 3L), back.orderBy("id").select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    }

    /**
     * --keep-rejected gives an unreadable row the input's id as --rejected does (see CliTest), and the id column keeps
     * the input's type through that rewrite: without ANSI mode a CASE of a string and a long is a string.
     */
    @Test
    void theKeptRejectedRowsKeepTheIdColumnsType(@TempDir Path tmp) {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType)
                .add("reason", DataTypes.StringType).add("source_file", DataTypes.StringType).add("source_offset", DataTypes.LongType);
        Dataset<Row> docs = spark.createDataFrame(List.of(RowFactory.create(1L, "kept", null, "file:/in.parquet", 0L),
                RowFactory.create(2L, null, "read:invalid_utf8", "file:/in.parquet", 1L),
                RowFactory.create(3L, "x", "len:too_short", "file:/in.parquet", 2L)), schema);
        Path kept = tmp.resolve("kept");
        PipelineOutput.Targets targets = new PipelineOutput.Targets(new WriteOptions(kept.toString(), DataFormat.PARQUET, false, null),
                true, null, null);
        String ansi = spark.conf().get("spark.sql.ansi.enabled");
        spark.conf().set("spark.sql.ansi.enabled", "false");
        try {
            PipelineOutput.write(docs, new StageContext(spark, "id", "text"), targets, List.of("read"), Set.of(), System.nanoTime());
        } finally {
            spark.conf().set("spark.sql.ansi.enabled", ansi);
        }
        Dataset<Row> back = spark.read().parquet(kept.toString());
        assertEquals(DataTypes.LongType, back.schema().apply("id").dataType(), back.schema().treeString());
        assertEquals(List.of(1L, 2L, 3L), back.orderBy("id").select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList());
    }

    /**
     * The kept rows of a run that writes nothing else are computed in the write's own job: they were cached first, and
     * Spark's adaptive plan built that cache in a job of its own, which the write then read back (a job more, and a copy
     * of every row in memory). With {@code --rejected} the cache stays, so that the rows are computed once for both
     * outputs, and is released once they are written.
     */
    @Test
    void theKeptRowsAloneAreWrittenByTheWritesOwnJob(@TempDir Path tmp) throws java.io.IOException {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("reason", DataTypes.StringType);
        // read from a file and shuffled, as a dedup stage's rows are: Spark's adaptive plan makes a job of its own of a
        // cache with a shuffle in it (a file read and mapped alone was cached in the write's job)
        Path in = tmp.resolve("in.jsonl");
        java.nio.file.Files.write(in, List.of("{\"id\":\"a\",\"text\":\"Mail jane.doe@example.com now.\"}",
                "{\"id\":\"b\",\"text\":\"Write to joe@example.org.\"}", "{\"id\":\"c\",\"text\":\"x\",\"reason\":\"len:too_short\"}"));
        Dataset<Row> docs = spark.read().schema(schema).json(in.toString()).repartition(2);
        StageContext context = new StageContext(spark, "id", "text");
        Dataset<Row> annotated = new PiiRedaction().setKinds(new String[] {"email"}).apply(docs, context);
        Path kept = tmp.resolve("kept");
        RunReport[] report = new RunReport[1];
        List<String> jobs = TestSpark.jobsOf(() -> report[0] = PipelineOutput.write(annotated, context, new PipelineOutput.Targets(
                new WriteOptions(kept.toString(), DataFormat.JSONL, false, null), false, null, null), List.of("read", "pii"), Set.of(),
                System.nanoTime()));
        assertEquals(2, jobs.size(), "the shuffle's job and the write's: " + jobs);
        assertEquals(2, report[0].documentsKept());
        assertEquals(2L, report[0].metrics().get("pii_email"), report[0].metrics().toString());

        Path again = tmp.resolve("again");
        Path rejected = tmp.resolve("rejected");
        List<String> both = TestSpark.jobsOf(() -> PipelineOutput.write(annotated, context, new PipelineOutput.Targets(
                new WriteOptions(again.toString(), DataFormat.JSONL, false, null), false, rejected.toString(), null), List.of("read", "pii"),
                Set.of(), System.nanoTime()));
        assertTrue(both.size() <= 4, "the shuffle's, the cache's and one for each output: " + both);
        assertEquals(org.apache.spark.storage.StorageLevel.NONE(), annotated.storageLevel(), "the rows were left cached");
    }
}
