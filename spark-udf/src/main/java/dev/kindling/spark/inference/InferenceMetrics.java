package dev.kindling.spark.inference;

import java.io.Serializable;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an inference stage counts: rows, failed rows, prompt tokens and generated tokens, as named
 * Spark accumulators (they appear per task in the Spark UI's task table, and their totals on the
 * driver after an action) and as live per-JVM counters that the CLI's progress line reads while
 * tasks run (local mode: the tasks run in the driver's JVM). Each task also logs its rate every
 * 30 s (rows/s, tokens/s).
 *
 * <p>Accumulators updated inside transformations count again when Spark computes a partition again
 * (a cached partition lost with its executor, a shuffle-map stage run again, each action over an
 * uncached result; a failed attempt adds nothing). A CLI run's {@code tokens}, {@code generated
 * tokens} and {@code scored tokens} are sums over the written rows, counted once, and so are the
 * teacher's and judge's counts of {@code distill sft} and {@code dpo}: each row carries what these
 * counters add for it to the write ({@link InferenceStage#reportModelCounts}; README "Counted once,
 * whatever Spark runs again").
 */
public final class InferenceMetrics implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(InferenceMetrics.class);
    private static final long LOG_EVERY_NANOS = 30_000_000_000L;

    /** Live totals of this JVM, for progress displays. */
    public static final AtomicLong LIVE_ROWS = new AtomicLong();
    public static final AtomicLong LIVE_TOKENS = new AtomicLong();

    private final String stage;
    private final LongAccumulator rows;
    private final LongAccumulator failed;
    private final LongAccumulator promptTokens;
    private final LongAccumulator generatedTokens;

    private InferenceMetrics(String stage, LongAccumulator rows, LongAccumulator failed, LongAccumulator promptTokens,
            LongAccumulator generatedTokens) {
        this.stage = stage;
        this.rows = rows;
        this.failed = failed;
        this.promptTokens = promptTokens;
        this.generatedTokens = generatedTokens;
    }

    /** Registers the accumulators (on the driver) for one stage, e.g. {@code generate}. */
    public static InferenceMetrics register(SparkContext sc, String stage) {
        return new InferenceMetrics(stage, sc.longAccumulator("kindling " + stage + " rows"),
                sc.longAccumulator("kindling " + stage + " failed rows"),
                sc.longAccumulator("kindling " + stage + " prompt tokens"),
                sc.longAccumulator("kindling " + stage + " generated tokens"));
    }

    /**
     * The counters of several runs added up, as they stand now (a snapshot, not a live counter): {@code distill
     * self-instruct}'s teacher runs once per round.
     */
    public static InferenceMetrics sum(String stage, java.util.List<InferenceMetrics> runs) {
        InferenceMetrics total = new InferenceMetrics(stage, new LongAccumulator(), new LongAccumulator(), new LongAccumulator(),
                new LongAccumulator());
        for (InferenceMetrics m : runs) {
            total.rows.add(m.rows());
            total.failed.add(m.failedRows());
            total.promptTokens.add(m.promptTokens());
            total.generatedTokens.add(m.generatedTokens());
        }
        return total;
    }

    public long rows() {
        return rows.value();
    }

    public long failedRows() {
        return failed.value();
    }

    public long promptTokens() {
        return promptTokens.value();
    }

    public long generatedTokens() {
        return generatedTokens.value();
    }

    /** A per-task counter that logs its progress now and then. */
    Task task() {
        return new Task();
    }

    /** Counts one task's work (not thread-safe: one per task). */
    final class Task {
        private final long start = System.nanoTime();
        private long lastLog = start;
        private long nRows;
        private long nTokens;

        void row(boolean ok, long prompt, long generated) {
            nRows++;
            nTokens += prompt + generated;
            rows.add(1);
            if (!ok) {
                failed.add(1);
            }
            promptTokens.add(prompt);
            generatedTokens.add(generated);
            LIVE_ROWS.incrementAndGet();
            LIVE_TOKENS.addAndGet(prompt + generated);
            long now = System.nanoTime();
            if (now - lastLog > LOG_EVERY_NANOS) {
                lastLog = now;
                log(now, "running");
            }
        }

        void done() {
            if (nRows > 0) {
                log(System.nanoTime(), "done");
            }
        }

        private void log(long now, String state) {
            double s = Math.max(1e-3, (now - start) / 1e9);
            TaskContext tc = TaskContext.get();
            String where = tc == null ? "" : " partition " + tc.partitionId() + " (attempt " + tc.attemptNumber() + ")";
            LOG.info(String.format(Locale.ROOT, "kindling %s%s %s: %,d rows (%.1f rows/s), %,d tokens (%.0f tok/s) in %.0f s",
                    stage, where, state, nRows, nRows / s, nTokens, nTokens / s, s));
        }
    }
}
