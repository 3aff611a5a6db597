package dev.kindling.spark.inference;

import dev.kindling.spark.cli.JobRun;
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

    private InferenceProgress(Supplier<InferenceMetrics> metrics) {
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

    /** One line: rows, failed rows, prompt and generated tokens, and generated tokens per second. */
    public String summary(String what) {
        return summary(what, metrics.get());
    }

    /**
     * {@link #summary(String)}'s line for another model of the same job ({@code distill dpo}'s judge): {@code m}'s counters,
     * its rate over the job's time.
     */
    public String summary(String what, InferenceMetrics m) {
        double s = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        if (m == null) {
            return String.format(Locale.ROOT, "%s: %,d rows in %.1f s", what, InferenceMetrics.LIVE_ROWS.get() - rowsBase, s);
        }
        // the rate is the job's, over its wall time: said so, as a small run's 0.3 tok/s (mostly loading the model and
        // starting tasks) read as the engine's speed, which kindling bench generate measures
        return String.format(Locale.ROOT, "%s: %,d rows (%,d failed), %,d prompt tokens, %,d generated tokens, %.1f generated tok/s "
                + "over the job's %.1f s, model loading, reading and writing included (tokens counted as tasks ran; a recomputed "
                + "partition counts again)", what, m.rows(), m.failedRows(), m.promptTokens(), m.generatedTokens(), m.generatedTokens() / s, s);
    }
}
