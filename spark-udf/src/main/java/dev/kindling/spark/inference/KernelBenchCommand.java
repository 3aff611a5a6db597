package dev.kindling.spark.inference;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.bench.KernelBench;
import dev.kindling.spark.KindlingException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kindling bench kernels}: the CPU matrix-product kernels alone on random weights ({@link KernelBench}). */
@Command(name = "kernels", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Speed of the CPU matrix-product kernels alone, on random weights of a Llama-3.2-1B shape (no model file).",
                "Prints one JSON line each: read (a plain vector read on as many threads: the memory bandwidth), decode (one token, GB/s of "
                        + "weights), tiled16 and tiled128 (16 and 128 tokens, GFLOP/s).",
                "Each run compiles the kernels afresh: a run far below the others on the same machine is a kernel that "
                        + "this JVM compiled into the Vector API's slow fallback."})
public final class KernelBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--type", defaultValue = "Q8_0", paramLabel = "TYPE",
            description = "Weight type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K or Q6_K (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "Threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--mb", defaultValue = "256", paramLabel = "MB",
            description = "Size of the decode matrix in MB of stored weights (default: ${DEFAULT-VALUE}; above the caches).")
    int mb;

    @Option(names = "--reps", defaultValue = "5", paramLabel = "N", description = "Timed repetitions, best reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = {"-v", "--verbose"}, description = "Kindling's INFO logs and full stack traces.")
    boolean verbose;

    @Override
    public Integer call() {
        dev.kindling.spark.cli.Logs.configure(verbose);
        GgmlType t;
        try {
            t = GgmlType.valueOf(type.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            t = null;
        }
        if (t == null || !KernelBench.TYPES.contains(t)) {
            throw KindlingException.usage("--type " + type + ": not one of " + KernelBench.TYPES);
        }
        dev.kindling.spark.cli.BenchCommand.threadsWithinProcessors(threads);
        if (mb < 1 || mb > 1024) {
            // the matrix is one Java array (past 2 GB: "integer overflow")
            throw KindlingException.usage("--mb must be in 1..1024, got " + mb);
        }
        dev.kindling.spark.cli.BenchCommand.atLeast("--reps", reps, 1);
        KernelBench.run(t, threads, mb, reps, spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
