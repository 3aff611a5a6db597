package dev.kindling.spark.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.inference.PerplexityFilter;
import dev.kindling.spark.inference.Score;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stages on a streaming DataFrame: those that work row by row give each row what a batch run gives it; those that
 * compare rows (the dedup stages, perplexity filtering by a fraction to keep) refuse it, naming the stage. They failed in
 * Spark's planner naming an inner column ({@code _kd_exact_n}) or with "Queries with streaming sources must be executed
 * with writeStream.start()", and inside foreachBatch looked at one micro-batch at a time without saying so.
 */
class StreamingTest {
    @TempDir Path tmp;

    private static final StructType DOCS = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);

    @Test
    void rowByRowStagesGiveEachRowWhatABatchRunGivesIt() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = Files.createDirectories(tmp.resolve("in"));
        String words = "The quick brown fox jumps over the lazy dog near the river bank today.";
        Files.writeString(in.resolve("a.jsonl"), "{\"id\":\"1\",\"text\":\"" + words + " Mail me at ann@example.com please.\"}\n"
                + "{\"id\":\"2\",\"text\":\"too short\"}\n");
        Files.writeString(in.resolve("b.jsonl"), "{\"id\":\"3\",\"text\":\"" + words + " Call 555-867-5309 now.\"}\n"
                + "{\"id\":\"4\",\"text\":\"lorem ipsum javascript\"}\n");
        List<Transformer> stages = List.of(new QualityFilter().setFilter("c4"), new PiiRedaction());
        Dataset<Row> batch = spark.read().schema(DOCS).json(in.toString());
        Dataset<Row> stream = spark.readStream().schema(DOCS).option("maxFilesPerTrigger", 1).json(in.toString());
        for (Transformer t : stages) {
            batch = t.transform(batch);
            stream = t.transform(stream);
        }
        Path out = tmp.resolve("out");
        StreamingQuery q = stream.writeStream().format("parquet").option("checkpointLocation", tmp.resolve("cp").toString())
                .trigger(Trigger.AvailableNow()).start(out.toString());
        q.awaitTermination();
        List<String> streamed = spark.read().parquet(out.toString()).select(batch.columns()[0], batch.columns()).toJSON()
                .collectAsList().stream().sorted().toList();
        List<String> expected = batch.select(batch.columns()[0], batch.columns()).toJSON().collectAsList().stream().sorted().toList();
        assertEquals(4, expected.size());
        assertEquals(expected, streamed);
        assertTrue(expected.stream().anyMatch(r -> r.contains("c4:") && r.contains("\"id\":\"2\"")), expected.toString());
    }

    @Test
    void stagesThatCompareRowsRefuseAStream() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.writeString(in.resolve("a.jsonl"), "{\"id\":\"1\",\"text\":\"a text\"}\n");
        Dataset<Row> stream = spark.readStream().schema(DOCS).json(in.toString());
        for (Transformer t : List.of(new ExactDedup(), new MinHashDedup(), new SentenceDedupStage())) {
            KindlingException e = assertThrows(KindlingException.class, () -> t.transform(stream), t.getClass().getSimpleName());
            assertEquals(t.getClass().getSimpleName() + "(" + t.uid() + ") needs the whole dataset (a row is a duplicate of rows "
                    + "anywhere in it) and cannot run on a streaming DataFrame: run it as a batch job over the stream's output; "
                    + "inside foreachBatch it would look at each micro-batch alone", e.getMessage());
        }
        PerplexityFilter keep = new PerplexityFilter(new Score().setModel("m.gguf")).setKeepFraction(0.5);
        KindlingException e = assertThrows(KindlingException.class, () -> keep.transform(stream));
        assertTrue(e.getMessage().startsWith("perplexity with a fraction to keep needs the whole dataset (its threshold is a "
                + "quantile over every document) and cannot run on a streaming DataFrame"), e.getMessage());
    }
}
