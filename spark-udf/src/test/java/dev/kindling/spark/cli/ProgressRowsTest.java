package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.progress.ProgressBar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress line's rows are the input's rows: reading the input also ran JSON schema inference (a pass over every
 * row) and the empty-input check (one row), whose records the line added, so that distill sft on 7 prompts showed
 * "8 rows" while the teacher ran (7 inferred + 1 checked), and would have ended on 15.
 */
class ProgressRowsTest {
    @TempDir Path tmp;

    @Test
    void readingTheInputCountsItsRowsOnce() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("prompts.jsonl");
        Files.write(in, List.of("{\"id\":\"a\",\"prompt\":\"Once upon a time\"}", "{\"id\":\"b\",\"prompt\":null}",
                "{\"id\":\"c\",\"prompt\":\"\"}", "{\"id\":\"d\",\"prompt\":\"Tom had a ball.\"}", "{\"id\":\"e\",\"prompt\":\"Lily saw\"}",
                "{\"id\":\"f\",\"prompt\":\"Sue and the bird went to\"}", "{\"id\":\"g\",\"prompt\":\"The tree was\"}"),
                StandardCharsets.UTF_8);
        SparkJobOptions options = new SparkJobOptions();
        options.input.add(in.toString());
        options.idColumn = "id";
        options.textColumn = "prompt";
        options.onError = "fail";
        ProgressBar bar = ProgressBar.start(spark.sparkContext(), "test");
        try {
            Dataset<Row> docs = new JobRun(spark, options, bar, System.nanoTime(), System.out).readInput();
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertEquals(0, bar.rowsRead(), "before the job reads the rows");
            assertEquals(7, docs.collectAsList().size());
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertEquals(7, bar.rowsRead());
        } finally {
            bar.close();
        }
    }
}
