package dev.kindling.spark.inference;

import static dev.kindling.spark.cli.BenchCommand.atLeast;

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
        description = {"Prefill and decode speed of the engine on a model (no Spark), measured as llama.cpp's bench measures it (the prompt's tokens, then the generated ones, each timed alone), reporting the median over --reps (llama-bench: the mean), each repetition with fresh prompts.",
                "Prints {\"model\",\"type\",\"threads\",\"batch\",\"prefill_tok_s\",\"decode_tok_s\",\"decode_GBps\",...}."})
public final class GenerateBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "The model: a .gguf file, a llama2.c checkpoint or a Hugging Face checkpoint directory (random prompt tokens: "
                    + "no tokenizer needed).")
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
        // each named with its value: one message for six options did not say which was wrong (--warmup -1 named none)
        atLeast("--prompt-tokens", promptTokens, 1);
        atLeast("--gen", gen, 1);
        atLeast("--batch", batch, 1);
        if (batch > EngineCliOptions.MAX_SEQUENCES || (versusBatch != null && versusBatch > EngineCliOptions.MAX_SEQUENCES)) {
            throw KindlingException.usage((batch > EngineCliOptions.MAX_SEQUENCES ? "--batch" : "--versus-batch") + " must be at most "
                    + EngineCliOptions.MAX_SEQUENCES + " (--max-sequences' limit), got " + Math.max(batch, versusBatch == null ? 0 : versusBatch));
        }
        atLeast("--reps", reps, 1);
        atLeast("--warmup", warmup, 0);
        if (versusBatch != null) {
            atLeast("--versus-batch", versusBatch, 1);
        }
        if (threads != null) {
            // 0 is every processor, as for the other commands (it was "threads must be in 1..1024, got 0", exit 1)
            atLeast("--threads", threads, 0);
            int processors = Runtime.getRuntime().availableProcessors();
            if (threads > processors) {
                // the engine's workers spin while they wait for each other: more than the processors measures the OS
                throw KindlingException.usage("--threads must be 0 (every processor) to " + processors
                        + " (this machine's processors), got " + threads);
            }
        }
        int t = threads != null && threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        KvCacheType kv;
        try {
            kv = KvCacheType.parse(kvCacheType);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage("--kv-cache-type must be f32 or f16, got " + kvCacheType);
        }
        java.nio.file.Path local = LocalFiles.localize("--model", model);
        try {
            // an empty or foreign file is a usage error naming --model, not the engine's failure after the JVM warmed up
            dev.kindling.inference.cli.LocalModel.checkLocalModel("--model",
                    model.contains("://") || model.startsWith("file:") ? local : java.nio.file.Path.of(model));
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(e.getMessage());
        }
        GenerateBench.Result r;
        try {
            r = GenerateBench.run(local, promptTokens, gen, t, batch, versusBatch != null ? versusBatch : 0, reps, warmup, kv);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("--")) {
                // options the model cannot take ("--prompt-tokens 5000 and --gen 64 need 5065 positions, but ... holds 512"):
                // known once it has loaded, and still a usage error (it was exit 1 and "run with --verbose")
                throw KindlingException.usage(e.getMessage());
            }
            throw e;
        }
        spec.commandLine().getOut().println(r.toJson());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
