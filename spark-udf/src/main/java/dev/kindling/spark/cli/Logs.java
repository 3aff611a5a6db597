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

    private Logs() {}

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
    }
}
