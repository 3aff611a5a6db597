package dev.kindling.spark.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * On a terminal the line is there from the start: while Spark starts and while no stage runs it says so, with the time
     * so far (a small job showed nothing for its first 15 to 25 s, and a line frozen while the driver planned the next
     * stage). Not a terminal (a log): still only a line every 30 s while a stage runs.
     */
    @Test
    void aTerminalSeesTheLineBeforeAnyStageALogDoesNot() throws Exception {
        SparkSession spark = TestSpark.session();
        String terminal = stderrOf(true, soFar -> {
            try (ProgressBar bar = ProgressBar.start(spark.sparkContext(), "test")) {
                waitFor(soFar, "\rtest [preparing] | 0:0");   // no job: before, nothing was drawn
            }
        });
        assertTrue(terminal.contains("\rtest [preparing] | 0:0"), terminal);
        assertTrue(terminal.endsWith("\r"), "closed, the line is cleared: " + terminal);
        String started = stderrOf(true, soFar -> {
            try (ProgressBar bar = ProgressBar.start("test")) {
                waitFor(soFar, "\rtest [starting Spark] | 0:0");
                bar.attach(spark.sparkContext());
                waitFor(soFar, "\rtest [preparing] | 0:0");
            }
        });
        assertTrue(started.contains("\rtest [starting Spark] | 0:0") && started.contains("\rtest [preparing] | 0:0"), started);
        String log = stderrOf(false, soFar -> {
            try (ProgressBar bar = ProgressBar.start("test")) {
                Thread.sleep(800);
                bar.attach(spark.sparkContext());
                Thread.sleep(1200);
            }
        });
        assertEquals("", log, "a log gets no line before a stage runs");
    }

    /**
     * Waits until what was written so far holds {@code expected} (the terminal's bar draws every 250 ms), at most 30 s: a
     * fixed sleep waited its whole length where the line is there after a tick, and could be too short on a loaded host.
     */
    private static void waitFor(java.util.function.Supplier<String> soFar, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!soFar.get().contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /**
     * A session started from code (a notebook's, SparkSessions.getOrCreate) prints a long job's progress as whole lines on
     * stderr, each flushed as it is written (the tour's Jupyter kernel sends a cell's stderr only on flush, and Spark's
     * console bar never flushes: a long cell showed nothing), and one when the job ends; spark.kindling.progress=false
     * turns them off, and a command's session (getOrCreate(..., false)) has none, as it draws its own line. Stderr here
     * is buffered and never flushed by the test, so what it holds during the job was flushed by the lines.
     */
    @Test
    void aSessionStartedFromCodePrintsFlushedLinesWhileALongJobRuns() throws Exception {
        SparkSession spark = TestSpark.session();
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream flushed = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(new java.io.BufferedOutputStream(flushed, 1 << 16), false,
                    java.nio.charset.StandardCharsets.UTF_8));
            // a command's session: no lines
            dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]", java.util.Map.of(ProgressLines.INTERVAL, "200ms"), false);
            org.junit.jupiter.api.Assertions.assertFalse(ProgressLines.following(spark.sparkContext()));
            assertEquals(spark, dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]",
                    java.util.Map.of(ProgressLines.INTERVAL, "200ms")));
            assertTrue(ProgressLines.following(spark.sparkContext()));
            CompletableFuture<Long> job = CompletableFuture.supplyAsync(() -> sleepy(spark).count());
            String during = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!job.isDone() && !during.contains("\n") && System.nanoTime() < deadline) {
                Thread.sleep(20);
                during = flushed.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            assertEquals(8L, job.get(60, TimeUnit.SECONDS));
            assertTrue(during.matches("(?s)kindling: job \\d+ \\[stage \\d+] \\d/8 tasks \\| \\d+ rows scanned \\| .*\n.*"),
                    "a flushed line while the job ran: '" + during + "'");
            String all = "";
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!all.contains(" done in 0:0") && System.nanoTime() < deadline) {
                Thread.sleep(20);
                all = flushed.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            assertTrue(all.matches("(?s).*\nkindling: job \\d+ done in 0:0\\d \\| 8 tasks \\| 8 rows scanned\n.*"), all);
            assertTrue(all.endsWith("\n") && all.indexOf('\r') < 0, "whole lines, no redraws: " + all);
            // a command's bar on the same context (a command run in-process in a notebook's session): its jobs get no lines
            int beforeBar = flushed.size();
            try (ProgressBar bar = ProgressBar.start(spark.sparkContext(), "tokenize")) {
                assertEquals(8L, sleepy(spark).count());
            }
            System.err.flush();
            String underBar = flushed.toString(java.nio.charset.StandardCharsets.UTF_8).substring(beforeBar);
            org.junit.jupiter.api.Assertions.assertFalse(underBar.contains("kindling: job "),
                    "no lines while a command's bar draws the jobs: " + underBar);
            // a job that has had lines when a command's bar attaches: the bar draws it from then on, its end too, also where
            // Spark's listener bus hands the lines the job's end only after the bar closed (here held at the stage's end
            // until then): the lines asked whether a bar was there as the end came, and printed its done line
            int beforeJob = flushed.size();
            CompletableFuture<Long> drawnLater = CompletableFuture.supplyAsync(() -> sleepy(spark).count());
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!flushed.toString(java.nio.charset.StandardCharsets.UTF_8).substring(beforeJob).contains("kindling: job ")
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            int atBar;
            java.util.concurrent.CountDownLatch barClosed = new java.util.concurrent.CountDownLatch(1);
            org.apache.spark.scheduler.SparkListener holdTheBus = new org.apache.spark.scheduler.SparkListener() {
                @Override
                public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted completed) {
                    try {
                        barClosed.await(30, TimeUnit.SECONDS); // the job's end, after this on the same queue, waits too
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            spark.sparkContext().addSparkListener(holdTheBus);
            try {
                try (ProgressBar bar = ProgressBar.start(spark.sparkContext(), "tokenize")) {
                    Thread.sleep(200); // a line the lines' thread was writing as the bar attached
                    atBar = flushed.size();
                    assertEquals(8L, drawnLater.get(60, TimeUnit.SECONDS));
                }
            } finally {
                barClosed.countDown();
                spark.sparkContext().removeSparkListener(holdTheBus);
            }
            spark.sparkContext().listenerBus().waitUntilEmpty();
            System.err.flush();
            String endUnderBar = flushed.toString(java.nio.charset.StandardCharsets.UTF_8).substring(atBar);
            org.junit.jupiter.api.Assertions.assertFalse(endUnderBar.contains("kindling: job "),
                    "no done line for a job the bar draws: " + endUnderBar);
            // off: a job as long prints nothing
            dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]", java.util.Map.of(ProgressLines.ENABLED, "false"));
            org.junit.jupiter.api.Assertions.assertFalse(ProgressLines.following(spark.sparkContext()));
            int before = flushed.size();
            assertEquals(8L, sleepy(spark).count());
            System.err.flush();
            assertEquals(before, flushed.size(), flushed.toString(java.nio.charset.StandardCharsets.UTF_8));
            dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]", java.util.Map.of());
            org.junit.jupiter.api.Assertions.assertFalse(ProgressLines.following(spark.sparkContext()),
                    "a value given before stays in the session's conf");
            // the session's own conf (a notebook's .config(...), spark.conf().set) counts: after the given map, before the
            // system properties
            dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]", java.util.Map.of(ProgressLines.ENABLED, "true"));
            assertTrue(ProgressLines.following(spark.sparkContext()));
            spark.conf().set(ProgressLines.ENABLED, "false");
            System.setProperty(ProgressLines.ENABLED, "true");
            dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]", java.util.Map.of());
            org.junit.jupiter.api.Assertions.assertFalse(ProgressLines.following(spark.sparkContext()), "the session's conf said false");
            spark.conf().set(ProgressLines.ENABLED, "false");
            dev.kindling.spark.session.SparkSessions.getOrCreate("local[2]", java.util.Map.of(ProgressLines.ENABLED, "true"));
            assertTrue(ProgressLines.following(spark.sparkContext()), "the given map wins");
        } finally {
            System.setErr(err);
            System.clearProperty(ProgressLines.ENABLED);
            spark.conf().unset(ProgressLines.ENABLED);
            spark.conf().unset(ProgressLines.INTERVAL);
            ProgressLines.follow(spark.sparkContext(), new org.apache.spark.SparkConf(false).set(ProgressLines.ENABLED, "false"));
        }
    }

    /**
     * A line that fails (here stderr's println throws once, as a closed kernel stream may) is logged once, as a warning,
     * and the lines go on: the exception ended the lines' thread, and no job printed a line after it.
     */
    @Test
    void aFailingLineIsLoggedOnceAndTheLinesGoOn() throws Exception {
        SparkSession spark = TestSpark.session();
        java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        var logger = (org.apache.logging.log4j.core.Logger) org.apache.logging.log4j.LogManager.getLogger(ProgressLines.class);
        var appender = new org.apache.logging.log4j.core.appender.AbstractAppender("progress-warnings", null, null, true,
                org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
            @Override
            public void append(org.apache.logging.log4j.core.LogEvent e) {
                warnings.add(e.getLevel() + " " + e.getMessage().getFormattedMessage()
                        + (e.getThrown() == null ? "" : " | " + e.getThrown().getMessage()));
            }
        };
        appender.start();
        logger.addAppender(appender);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        try {
            System.setErr(new java.io.PrintStream(written, true, java.nio.charset.StandardCharsets.UTF_8) {
                @Override
                public void println(String line) {
                    if (failures.getAndDecrement() > 0) {
                        throw new IllegalStateException("stream closed");
                    }
                    super.println(line);
                }
            });
            ProgressLines.follow(spark.sparkContext(), new org.apache.spark.SparkConf(false).set(ProgressLines.INTERVAL, "100ms"));
            assertEquals(8L, sleepy(spark).count());
        } finally {
            System.setErr(err);
            logger.removeAppender(appender);
            ProgressLines.follow(spark.sparkContext(), new org.apache.spark.SparkConf(false).set(ProgressLines.ENABLED, "false"));
        }
        String lines = written.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(lines.matches("(?s)(.*\n)?kindling: job \\d+ \\[stage \\d+] .*"), "lines after the failure: '" + lines + "'");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("WARN ") && warnings.get(0).endsWith(" | stream closed"), warnings.get(0));
    }

    /**
     * A job over a cached DataFrame (the tour's score job over its 12 cached documents) counts the rows it scanned, in the
     * lines and in a command's bar: Spark's input records of a cache read are its batches, up to 10,000 rows each, and
     * the done line said {@code 1 tasks | 1 rows scanned}.
     */
    @Test
    void aJobOverACachedDataFrameCountsItsRowsNotItsBatches() throws Exception {
        SparkSession spark = TestSpark.session();
        org.apache.spark.sql.Dataset<Long> cached = spark.range(0, 12, 1, 1).cache();
        try {
            assertEquals(12L, cached.count());
            org.apache.spark.api.java.function.MapFunction<Long, Long> slow = x -> {
                Thread.sleep(50);
                return x;
            };
            java.io.PrintStream err = System.err;
            java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
            try {
                System.setErr(new java.io.PrintStream(written, true, java.nio.charset.StandardCharsets.UTF_8));
                ProgressLines.follow(spark.sparkContext(), new org.apache.spark.SparkConf(false).set(ProgressLines.INTERVAL, "100ms"));
                assertEquals(12, cached.map(slow, org.apache.spark.sql.Encoders.LONG()).collectAsList().size());
                spark.sparkContext().listenerBus().waitUntilEmpty();
            } finally {
                System.setErr(err);
                ProgressLines.follow(spark.sparkContext(), new org.apache.spark.SparkConf(false).set(ProgressLines.ENABLED, "false"));
            }
            String lines = written.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(lines.matches("(?s).*\nkindling: job \\d+ done in 0:0\\d \\| 1 task \\| 12 rows scanned\n.*"), lines);
            // its one task in the singular while it runs too (it said 0/1 tasks), as in a command's bar
            assertTrue(lines.matches("(?s)(.*\n)?kindling: job \\d+ \\[stage \\d+] 0/1 task \\| \\d+ rows scanned \\| .*")
                    && !lines.contains(" tasks"), lines);
            assertEquals("0/1 task", new ProgressBar.Stages(4, 1, 1, 0, 1).counts());
            assertEquals("12/40 tasks", new ProgressBar.Stages(4, 2, 40, 12, 2).counts());
            try (ProgressBar bar = ProgressBar.start(spark.sparkContext(), "score")) {
                assertEquals(12, cached.map(slow, org.apache.spark.sql.Encoders.LONG()).collectAsList().size());
                spark.sparkContext().listenerBus().waitUntilEmpty();
                assertEquals(12L, bar.rowsRead());
            }
            // an RDD made of it (df.javaRDD(), df.rdd()): its job runs the DataFrame's plan with no SQL execution (Spark posts
            // one as the RDD is made, which has ended when the job starts), and counted the cache's one batch
            java.util.List<long[]> rdd = perJob(spark, () -> assertEquals(12L, cached.javaRDD().map(x -> x + 1).count()));
            assertEquals(java.util.List.of("[12, 1]"), show(rdd));
            java.util.List<long[]> rows = perJob(spark, () -> assertEquals(12L, cached.toDF().rdd().count()));
            assertEquals(java.util.List.of("[12, 1]"), show(rows));
        } finally {
            cached.unpersist();
        }
    }

    /**
     * A shuffle over a cached DataFrame not yet filled: AQE fills the cache in a job of its own, which reads the input
     * through the cache's plan (no scan of the query's plan), and said 0 rows scanned for the 30 rows it read. The job
     * that then reads the cache counts its 30 rows too: two passes over the rows, each counted, as the line counts every
     * pass (the same query over the filled cache counts 30, its one pass).
     */
    @Test
    void theJobThatFillsACacheCountsTheRowsItRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        SparkSession spark = TestSpark.session();
        java.nio.file.Files.writeString(dir.resolve("a.json"), "{\"x\":0}\n{\"x\":1}\n{\"x\":2}\n".repeat(10));
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> cached = spark.read().json(dir.toString()).cache();
        java.util.List<long[]> jobs;
        try {
            jobs = perJob(spark, () -> assertEquals(3, cached.groupBy("x").count().collectAsList().size()));
        } finally {
            cached.unpersist();
        }
        long[] reading = jobs.stream().filter(j -> j[1] == 30).findFirst().orElseThrow();
        assertEquals(30, reading[0], () -> "scanned, input records per job: " + show(jobs));
        assertEquals(60, jobs.stream().mapToLong(j -> j[0]).sum(), () -> "scanned, input records per job: " + show(jobs));
    }

    /**
     * What {@link ScannedRows} counts for each job {@code work} runs (in the order they started), beside the tasks' input
     * records: {@code [scanned, input records]}.
     */
    private static java.util.List<long[]> perJob(SparkSession spark, Runnable work) throws Exception {
        ScannedRows scanned = new ScannedRows();
        java.util.Map<Integer, Integer> jobOfStage = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.Map<Integer, long[]> jobs = new java.util.concurrent.ConcurrentSkipListMap<>(); // scanned, input records
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                scanned.onJobStart(start);
                start.stageIds().foreach(stage -> jobOfStage.put((Integer) stage, start.jobId()));
                jobs.put(start.jobId(), new long[2]);
            }

            @Override
            public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent event) {
                scanned.onOtherEvent(event);
            }

            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                long[] job = jobs.get(jobOfStage.get(end.stageId()));
                job[0] += scanned.of(end);
                job[1] += end.taskMetrics().inputMetrics().recordsRead();
            }
        };
        dev.kindling.spark.TestSpark.listening(listener, work);
        return new java.util.ArrayList<>(jobs.values());
    }

    private static java.util.List<String> show(java.util.List<long[]> jobs) {
        return jobs.stream().map(java.util.Arrays::toString).toList();
    }

    /** A job of 8 tasks of 300 ms each, with 8 rows read (on local[2,2], over a second). */
    private static org.apache.spark.sql.Dataset<Long> sleepy(SparkSession spark) {
        return spark.range(0, 8, 1, 8).map((org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> {
            Thread.sleep(300);
            return x;
        }, org.apache.spark.sql.Encoders.LONG());
    }

    interface Work {
        /** {@code soFar} gives what has been written to stderr so far. */
        void run(java.util.function.Supplier<String> soFar) throws Exception;
    }

    /** What {@code work} writes to stderr with the launcher saying stderr is a terminal ({@code terminal}) or not. */
    private static String stderrOf(boolean terminal, Work work) throws Exception {
        String before = System.getProperty("kindling.stderr.terminal");
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setProperty("kindling.stderr.terminal", String.valueOf(terminal));
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            work.run(() -> captured.toString(java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
            if (before == null) {
                System.clearProperty("kindling.stderr.terminal");
            } else {
                System.setProperty("kindling.stderr.terminal", before);
            }
        }
        return captured.toString(java.nio.charset.StandardCharsets.UTF_8);
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
