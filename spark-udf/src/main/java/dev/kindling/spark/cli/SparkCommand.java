package dev.kindling.spark.cli;

import dev.kindling.spark.progress.ProgressBar;
import dev.kindling.spark.session.SparkSessions;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the subcommands that run a Spark job: quiets the logs, validates options before Spark
 * starts, creates (or joins) the session, shows progress, and stops the session it created.
 */
public abstract class SparkCommand implements Callable<Integer> {
    @Mixin
    public SparkJobOptions job;

    @Spec
    protected CommandSpec spec;

    /** Checks the options; throw {@link dev.kindling.spark.KindlingException#usage} before Spark starts. */
    protected void validate() {}

    /**
     * Work that needs no Spark session (e.g. {@code generate --prompt}): return its exit code to
     * finish without starting Spark, or null to go on with {@link #run}.
     */
    protected Integer runWithoutSpark() throws Exception {
        return null;
    }

    /** The job itself. Returns the exit code. */
    protected abstract int run(JobRun run) throws Exception;

    @Override
    public final Integer call() throws Exception {
        Logs.configure(job.verbose);
        validate();
        Integer direct = runWithoutSpark();
        if (direct != null) {
            return direct;
        }
        boolean joined = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
        SparkSession spark = SparkSessions.getOrCreate(job.master, job.conf);
        dev.kindling.spark.sql.KindlingFunctions.register(spark);
        ProgressBar bar = job.noProgress ? null : ProgressBar.start(spark.sparkContext(), spec.name());
        PrintStream out = spec.commandLine().getOut() != null
                ? new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true) : System.out;
        java.util.List<org.apache.hadoop.fs.Path> created = absentTargets(spark);
        try {
            return run(new JobRun(spark, job, bar, System.nanoTime(), out));
        } catch (Exception | Error e) {
            removePartialOutputs(spark, created);
            throw e;
        } finally {
            if (bar != null) {
                bar.close();
            }
            out.flush();
            if (!joined) {
                spark.stop();
            }
        }
    }

    /** The output and quarantine paths that do not exist yet: what a failing run may leave behind. */
    private java.util.List<org.apache.hadoop.fs.Path> absentTargets(SparkSession spark) {
        java.util.List<org.apache.hadoop.fs.Path> absent = new java.util.ArrayList<>();
        java.util.List<String> targets = new java.util.ArrayList<>();
        if (job.output != null) {
            targets.add(job.output);
            try {
                String q = job.quarantinePath(job.output);
                if (q != null) {
                    targets.add(q);
                }
            } catch (RuntimeException e) {
                // a bad --on-error fails in the run itself, with its message
            }
        }
        for (String t : targets) {
            try {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(t);
                if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                    absent.add(p);
                }
            } catch (java.io.IOException | IllegalArgumentException e) {
                // unreachable target: the run reports it
            }
        }
        return absent;
    }

    /**
     * Deletes what a failed run created at its targets (an empty directory, or part files of a write that failed), so
     * that the corrected command can run again without --overwrite. Paths that existed before the run are left alone.
     */
    private static void removePartialOutputs(SparkSession spark, java.util.List<org.apache.hadoop.fs.Path> created) {
        for (org.apache.hadoop.fs.Path p : created) {
            try {
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
                if (fs.exists(p)) {
                    fs.delete(p, true);
                }
            } catch (java.io.IOException | RuntimeException e) {
                // the run's own error is the one to report
            }
        }
    }

    /** Adapts picocli's output writer (tests capture it) to a PrintStream. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final java.io.PrintWriter w;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        WriterOutputStream(java.io.PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            pending.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            w.print(pending.toString(java.nio.charset.StandardCharsets.UTF_8));
            pending.reset();
            w.flush();
        }
    }
}
