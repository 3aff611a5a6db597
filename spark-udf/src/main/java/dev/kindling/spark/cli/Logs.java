package dev.kindling.spark.cli;

/**
 * Console logging for the CLI. Without {@code --verbose}, Spark's and Hadoop's own logs are off (a
 * failed task would otherwise print pages of stack traces before Kindling's one-line error) and
 * Kindling's show warnings and errors only: what a run did is in its summary, and a model loaded or
 * the CPU chosen on a machine without a GPU is no news to act on. The log4j2 configuration
 * ({@code kindling-log4j2.properties}, the same levels) is chosen in {@link KindlingCli#main} before
 * anything logs, so that commands without {@code --verbose} are as quiet; here only levels change, for
 * the Spark commands ({@link SparkCommand}) and the engine's own ({@code logits}, {@code bench generate}).
 * Works without log4j-core (levels are then left alone).
 */
public final class Logs {
    private static final String[] QUIET = {
        "org.apache.spark", "org.apache.hadoop", "org.sparkproject", "org.apache.parquet", "io.netty",
        "org.apache.hadoop.util.NativeCodeLoader", "org.apache.hadoop.fs.s3a", "org.apache.hadoop.metrics2",
        // the AWS SDK and s3a's analytics input stream: a failed read of one object (403, a missing ETag) logged two
        // stack traces of 40 lines each at ERROR before Kindling's one-line error, which names the object too
        "software.amazon",
    };

    /**
     * Spark's handler of a task's fatal error ({@code OutOfMemoryError} above all): it logs the error, then exits the
     * JVM (52 for out of memory, 50 for others). With Spark's logs off the error was never seen, and the CLI's shutdown
     * hook said only "interrupted".
     */
    static final String FATAL_HANDLER = "org.apache.spark.util.SparkUncaughtExceptionHandler";
    private static volatile Throwable fatal;

    private Logs() {}

    /** The error a Spark task died of before Spark exited the JVM, or null (also without log4j-core). */
    public static Throwable fatalTaskError() {
        return fatal;
    }

    /** Forgets {@link #fatalTaskError} (tests: it is kept for the shutdown hook of the JVM). */
    static void clearFatalTaskError() {
        fatal = null;
    }

    /** Sets the levels for a command's {@code --verbose} (true) or its absence; call before the command logs. */
    public static void configure(boolean verbose) {
        try {
            Class.forName("org.apache.logging.log4j.core.config.Configurator");
        } catch (ClassNotFoundException | LinkageError e) {
            return;
        }
        org.apache.logging.log4j.Level level = verbose ? org.apache.logging.log4j.Level.INFO : org.apache.logging.log4j.Level.WARN;
        org.apache.logging.log4j.core.config.Configurator.setRootLevel(level);
        for (String l : QUIET) {
            org.apache.logging.log4j.core.config.Configurator.setLevel(l,
                    verbose ? org.apache.logging.log4j.Level.INFO : org.apache.logging.log4j.Level.OFF);
        }
        org.apache.logging.log4j.core.config.Configurator.setLevel("dev.kindling", verbose
                ? org.apache.logging.log4j.Level.DEBUG : org.apache.logging.log4j.Level.WARN);
        FatalErrors.capture(verbose);
    }

    /** Keeps the error {@link #FATAL_HANDLER} logs (printed as well with {@code --verbose}); log4j-core only. */
    private static final class FatalErrors {
        private static final String NAME = "kindling-fatal-task-error";

        static synchronized void capture(boolean verbose) {
            org.apache.logging.log4j.core.LoggerContext context =
                    (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
            org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
            org.apache.logging.log4j.core.Appender keep = config.getAppender(NAME);
            if (keep == null) {
                keep = new org.apache.logging.log4j.core.appender.AbstractAppender(NAME, null, null, true,
                        org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
                    @Override
                    public void append(org.apache.logging.log4j.core.LogEvent event) {
                        if (event.getThrown() != null && fatal == null) {
                            fatal = event.getThrown();
                        }
                    }
                };
                keep.start();
                config.addAppender(keep);
            }
            org.apache.logging.log4j.core.config.LoggerConfig handler = new org.apache.logging.log4j.core.config.LoggerConfig(
                    FATAL_HANDLER, org.apache.logging.log4j.Level.ERROR, verbose);
            handler.addAppender(keep, org.apache.logging.log4j.Level.ERROR, null);
            config.removeLogger(FATAL_HANDLER);
            config.addLogger(FATAL_HANDLER, handler);
            context.updateLoggers();
        }
    }
}
