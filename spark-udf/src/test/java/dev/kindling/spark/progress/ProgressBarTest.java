package dev.kindling.spark.progress;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void rendersStageTasksAndRowsOfARunningJob() throws Exception {
        SparkSession spark = TestSpark.session();
        try (ProgressBar bar = ProgressBar.start(spark.sparkContext(), "test")) {
            CompletableFuture<Long> job = CompletableFuture.supplyAsync(() -> spark.range(0, 8, 1, 8)
                    .map((org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> {
                        Thread.sleep(400);
                        return x;
                    }, org.apache.spark.sql.Encoders.LONG()).count());
            String line = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (line == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
                line = bar.render();
            }
            job.get(60, TimeUnit.SECONDS);
            assertTrue(line != null && line.startsWith("test [stage ") && line.contains("tasks") && line.contains("rows/s"),
                    "progress line: " + line);
        }
    }

    /** Java's console check looks at stdin and stdout: the launcher says whether stderr, where the bar draws, is a terminal. */
    @Test
    void theLauncherSaysWhetherStderrIsATerminal() {
        String before = System.getProperty("kindling.stderr.terminal");
        try {
            System.setProperty("kindling.stderr.terminal", "true");
            assertTrue(ProgressBar.stderrIsTerminal());
            System.setProperty("kindling.stderr.terminal", "false");
            org.junit.jupiter.api.Assertions.assertFalse(ProgressBar.stderrIsTerminal());
        } finally {
            if (before == null) {
                System.clearProperty("kindling.stderr.terminal");
            } else {
                System.setProperty("kindling.stderr.terminal", before);
            }
        }
    }
}
