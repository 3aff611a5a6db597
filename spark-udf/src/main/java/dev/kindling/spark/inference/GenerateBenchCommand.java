package dev.kindling.spark.inference;

import dev.kindling.inference.KvCacheType;
import dev.kindling.inference.bench.GenerateBench;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.Logs;
import dev.kindling.spark.executor.LocalFiles;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kindling bench generate}: the engine's prefill/decode benchmark ({@link GenerateBench}), one JSON line. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prefill and decode speed of the engine on a model (no Spark), measured as llama.cpp's bench measures it.",
                "Prints {\"model\",\"type\",\"threads\",\"batch\",\"prefill_tok_s\",\"decode_tok_s\",\"decode_GBps\",...}."})
public final class GenerateBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "GGUF", description = "The model.")
    String model;

    @Option(names = "--prompt-tokens", defaultValue = "128", paramLabel = "N", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--gen", defaultValue = "64", paramLabel = "N", description = "Tokens generated (default: ${DEFAULT-VALUE}).")
    int gen;

    @Option(names = "--threads", paramLabel = "N", description = "Engine threads (default: all processors).")
    Integer threads;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", description = "Sequences together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--versus-batch", paramLabel = "V", description = "Also run V sequences in every repetition, alternating "
            + "with --batch in the same engine, and print versus_decode_tok_s and decode_ratio (median of the paired "
            + "per-repetition ratios), e.g. --batch 16 --versus-batch 1.")
    Integer versusBatch;

    @Option(names = "--kv-cache-type", defaultValue = "f32", paramLabel = "TYPE",
            description = "f32 (default) or f16 (llama.cpp's default KV cache; compare with it at long prompts).")
    String kvCacheType;

    @Option(names = "--reps", defaultValue = "3", paramLabel = "N", description = "Timed repetitions, median reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N", description = "Untimed repetitions first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = {"-v", "--verbose"}, description = "Kindling's INFO logs (the model loaded, the device chosen) and full stack traces.")
    boolean verbose;

    @Override
    public Integer call() {
        Logs.configure(verbose);
        if (promptTokens < 1 || gen < 1 || batch < 1 || reps < 1 || warmup < 0 || (versusBatch != null && versusBatch < 1)) {
            throw KindlingException.usage("--prompt-tokens, --gen, --batch, --versus-batch and --reps must be >= 1");
        }
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        KvCacheType kv;
        try {
            kv = KvCacheType.parse(kvCacheType);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(e.getMessage());
        }
        GenerateBench.Result r = GenerateBench.run(LocalFiles.localize(model), promptTokens, gen, t, batch,
                versusBatch != null ? versusBatch : 0, reps, warmup, kv);
        spec.commandLine().getOut().println(r.toJson());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
