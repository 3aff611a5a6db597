package dev.kindling.inference.cuda;

import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.model.Model;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which backend an engine runs on ({@link EngineOptions#device()}):
 * <ul>
 *   <li>{@code cpu}: the CPU backend;</li>
 *   <li>{@code cuda}: the CUDA backend, or a {@link CudaUnavailableException} saying why not;</li>
 *   <li>{@code auto}: the CUDA backend when it can be used, else the CPU backend — no driver, no
 *       device, a GPU older than Ampere, an error while loading, or too little GPU memory for the
 *       model — with the reason logged once per JVM.</li>
 * </ul>
 */
public final class Devices {
    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    /** Fewest tokens per step on the GPU: prefill in large chunks streams the weights fewer times. */
    static final int MIN_GPU_BATCH_TOKENS = 4096;

    private Devices() {}

    /** The CUDA options an engine's options imply. */
    public static CudaOptions cudaOptions(EngineOptions o) {
        return CudaOptions.defaults()
                .withDevice(Math.max(0, o.gpuDevice()))
                .withMemoryFraction(o.gpuMemoryFraction())
                .withMaxBatchTokens(Math.max(o.maxBatchTokens(), MIN_GPU_BATCH_TOKENS))
                .withKvBlockSize(o.kvBlockSize())
                .withKvBudgetBytes(o.kvBudgetBytes());
    }

    /** Opens the backend the options ask for; {@code cpu} builds the CPU backend when that is the answer. */
    public static Backend open(Model model, EngineOptions o, Supplier<Backend> cpu) {
        return switch (o.device()) {
            case "cpu" -> cpu.get();
            case "cuda" -> CudaBackend.open(model, cudaOptions(o));
            default -> {
                CudaProbe.Result probe = CudaProbe.get();
                if (!probe.available()) {
                    logOnce("CUDA is not used: " + probe.reason() + "; running on the CPU");
                    yield cpu.get();
                }
                try {
                    yield CudaBackend.open(model, cudaOptions(o));
                } catch (RuntimeException | LinkageError e) {
                    // any failure to bring the model up on the GPU (an init error, out of memory, a
                    // shape the kernels do not take) leaves the CPU, which always works
                    logOnce("CUDA is not used for " + model.source().getFileName() + ": " + e + "; running on the CPU");
                    yield cpu.get();
                }
            }
        };
    }

    static void logOnce(String message) {
        if (LOGGED.add(message)) {
            LOG.warn(message);
        }
    }
}
