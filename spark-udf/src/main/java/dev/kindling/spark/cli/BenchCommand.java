package dev.kindling.spark.cli;

import dev.kindling.spark.KindlingException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code kindling bench ...}: benchmarks that print one JSON line with their measurements and, where
 * a reference exists, the ratio against it measured in the same run. Speed is measured here, not
 * asserted in tests.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (one JSON line of results each).",
        subcommands = {dev.kindling.spark.tokenize.TokenizerBenchCommand.class, dev.kindling.spark.inference.GenerateBenchCommand.class,
                dev.kindling.spark.inference.KernelBenchCommand.class,
                dev.kindling.spark.inference.SparkGenerateBenchCommand.class, dev.kindling.spark.dedup.bench.DedupBenchCommand.class})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new KindlingCli.MissingCommand(spec);
    }

    /** A usage error naming {@code option} and its value when it is below {@code least}. */
    public static void atLeast(String option, int value, int least) {
        if (value < least) {
            throw KindlingException.usage(option + " must be >= " + least + ", got " + value);
        }
    }

    /**
     * A usage error unless {@code threads} is 1 to this machine's processors: the benchmarks' workers spin while they
     * wait for each other, so more of them than processors measures the OS (5000 ran for minutes).
     */
    public static void threadsWithinProcessors(int threads) {
        int processors = Runtime.getRuntime().availableProcessors();
        if (threads < 1 || threads > processors) {
            throw KindlingException.usage("--threads must be in 1.." + processors + " (this machine's processors), got " + threads);
        }
    }
}
