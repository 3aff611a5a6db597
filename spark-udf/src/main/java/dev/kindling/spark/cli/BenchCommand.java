package dev.kindling.spark.cli;

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
}
