package dev.kindling.spark.inference;

import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.stage.RunReport;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Shows an inference job's tokens on the CLI's progress line and prints its throughput at the end.
 * While tasks run, the count comes from this JVM's live counters (local mode: the tasks run here);
 * on a cluster, from the stage's accumulators as tasks finish.
 */
public final class InferenceProgress {
    private final long liveBase = InferenceMetrics.LIVE_TOKENS.get();
    private final long rowsBase = InferenceMetrics.LIVE_ROWS.get();
    private final long start = System.nanoTime();
    private final Supplier<InferenceMetrics> metrics;

    InferenceProgress(Supplier<InferenceMetrics> metrics) {
        this.metrics = metrics;
    }

    /** Starts showing tokens on {@code run}'s progress line; {@code metrics} may return null until the stage is built. */
    public static InferenceProgress attach(JobRun run, Supplier<InferenceMetrics> metrics) {
        InferenceProgress p = new InferenceProgress(metrics);
        if (run.progress() != null) {
            run.progress().counter("tokens", p::tokens);
        }
        return p;
    }

    /** Prompt and generated tokens so far. */
    public long tokens() {
        long live = InferenceMetrics.LIVE_TOKENS.get() - liveBase;
        InferenceMetrics m = metrics.get();
        long acc = m == null ? 0 : m.promptTokens() + m.generatedTokens();
        return Math.max(live, acc);
    }

    /**
     * One line: rows, failed rows, prompt and generated tokens, and generated tokens per second, from the counters (as the
     * tasks ran); {@code counted} says how often those counted a row, as the caller's jobs ran the model.
     */
    public String summary(String what, String counted) {
        InferenceMetrics m = metrics.get();
        if (m == null) {
            return String.format(Locale.ROOT, "%s: %,d rows in %.1f s", what, InferenceMetrics.LIVE_ROWS.get() - rowsBase, seconds());
        }
        return line(what, m.rows(), m.failedRows(), m.promptTokens(), m.generatedTokens(), counted);
    }

    /**
     * {@link #summary(String, String)}'s line from the metrics a pipeline {@code reported} ({@link RunReport#metrics}), the counts that
     * {@link InferenceStage#reportModelCounts} named {@code who} summed from the rows as they were written: each row once,
     * whatever Spark computed again.
     *
     * @throws IllegalStateException where {@code reported} lacks one: the write found no column of it (a step after the
     *     stage dropped or renamed them), and the line would have said 0 rows
     */
    public String summary(String who, java.util.Map<String, Long> reported) {
        java.util.function.ToLongFunction<String> count = name -> {
            Long n = reported.get(who + " " + name);
            if (n == null) {
                throw new IllegalStateException(String.format("%s: the run's metrics hold no '%s %s': the rows written had no "
                        + "column of it (InferenceStage.reportModelCounts(\"%s\") adds them; did a step after the stage drop them?); "
                        + "metrics: %s", who, who, name, who, reported.keySet()));
            }
            return n;
        };
        return line(who, count.applyAsLong(InferenceStage.ROWS), count.applyAsLong(InferenceStage.FAILED_ROWS),
                count.applyAsLong(InferenceStage.PROMPT_TOKENS), count.applyAsLong(InferenceStage.GENERATED_TOKENS),
                "counted from the rows written, each once");
    }

    private double seconds() {
        return Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    }

    private String line(String what, long rows, long failed, long promptTokens, long generatedTokens, String counted) {
        double s = seconds();
        // the rate is the job's, over its wall time: said so, as a small run's 0.3 tok/s (mostly loading the model and
        // starting tasks) read as the engine's speed, which kindling bench generate measures
        return String.format(Locale.ROOT, "%s: %,d rows (%,d failed), %,d prompt tokens, %,d generated tokens, %.1f generated tok/s "
                + "over the job's %.1f s, model loading, reading and writing included (%s)", what, rows, failed, promptTokens,
                generatedTokens, generatedTokens / s, s, counted);
    }
}
