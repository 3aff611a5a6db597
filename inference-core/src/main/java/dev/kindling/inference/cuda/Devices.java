package dev.kindling.inference.cuda;

import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Weights;
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
 *       model — with the reason logged once per JVM: at INFO where there is no GPU to use (no driver, no
 *       device, a model the kernels do not run), which is a CPU machine's normal state, and as a warning where a
 *       GPU is there but its driver fails ({@link CudaProbe.Unavailable#DRIVER_ERROR}) or bringing the model up
 *       on it failed (a GPU older than Ampere included).</li>
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

    /**
     * Why the CUDA backend cannot run this model, or null when it can: its kernels compute the Llama
     * block (RMSNorm, RoPE, SwiGLU, sequential residual, uniform dense layers, optional Q/K/V biases);
     * every other family runs on the CPU.
     */
    public static String unsupportedReason(Model model) {
        ModelConfig c = model.config();
        Weights w = model.weights();
        String what = "the CUDA backend runs Llama-block models only; " + model.source().getFileName() + " is "
                + c.architecture().name();
        if (!c.architecture().isLlamaBlock()) {
            return what + " (" + c.architecture().norm() + " norm, " + c.architecture().positions() + " positions, "
                    + c.architecture().ffn() + " " + c.architecture().activation() + " FFN, " + c.architecture().residual()
                    + " residual)";
        }
        if (c.experts() > 0) {
            return what + " with a mixture of experts";
        }
        if (!c.uniformDenseLayers()) {
            return what + " with per-layer KV head counts or FFN sizes";
        }
        if (w.positionEmbedding() != null || w.embeddingNorm() != null || w.projectIn() != null || w.projectOut() != null
                || w.finalNorm() == null || w.finalNorm().bias() != null || w.classifier().bias() != null) {
            return what + " with embedding or output parts a Llama model does not have";
        }
        for (LayerWeights l : w.layers()) {
            if (!l.isLlamaBlock()) {
                return what + " with biases or norms beyond a Llama block's";
            }
        }
        return null;
    }

    /** Opens the backend the options ask for; {@code cpu} builds the CPU backend when that is the answer. */
    public static Backend open(Model model, EngineOptions o, Supplier<Backend> cpu) {
        String unsupported = "cpu".equals(o.device()) ? null : unsupportedReason(model);
        if (unsupported != null) {
            if ("cuda".equals(o.device())) {
                throw new CudaUnavailableException(unsupported + " (use --device cpu or auto)");
            }
            logOnce(false, "CUDA is not used: " + unsupported + "; running on the CPU");
            return cpu.get();
        }
        return switch (o.device()) {
            case "cpu" -> cpu.get();
            case "cuda" -> cuda(model, o);
            default -> {
                CudaProbe.Result probe = CudaProbe.get();
                if (!probe.available()) {
                    Notice n = cpuFallback(probe);
                    logOnce(n.warning(), n.message());
                    yield cpu.get();
                }
                try {
                    yield cuda(model, o);
                } catch (RuntimeException | LinkageError e) {
                    // any failure to bring the model up on the GPU (an init error, out of memory, a
                    // shape the kernels do not take) leaves the CPU, which always works
                    logOnce(true, "CUDA is not used for " + model.source().getFileName() + ": " + e + "; running on the CPU");
                    yield cpu.get();
                }
            }
        };
    }

    /** A line to log once; {@code warning} for what the user should act on. */
    record Notice(boolean warning, String message) {}

    /**
     * What {@code auto} logs when the probe says no: no driver or no device is a CPU machine's normal state (INFO);
     * a driver that is installed and fails leaves a GPU unused that the user likely expects to run on, so it is a
     * warning naming the error and what to look at.
     */
    static Notice cpuFallback(CudaProbe.Result probe) {
        String message = "CUDA is not used: " + probe.reason() + "; running on the CPU";
        if (probe.unavailable() != CudaProbe.Unavailable.DRIVER_ERROR) {
            return new Notice(false, message);
        }
        return new Notice(true, message + ". An NVIDIA driver is installed but failed (" + probe.error() + "): check that "
                + "nvidia-smi works, that the driver is CUDA 12.0 or newer (R525+) and that its libcuda.so.1 matches the loaded "
                + "kernel module (a driver update needs a reboot or a module reload); --device cpu runs on the CPU without this warning");
    }

    private static Backend cuda(Model model, EngineOptions o) {
        Backend b = CudaBackend.open(model, cudaOptions(o));
        if (o.kvCacheType() != dev.kindling.inference.KvCacheType.F32) {
            logOnce(true, "KV cache type " + o.kvCacheType().label() + " applies to the CPU backend; the CUDA backend keeps its own "
                    + "(F16 for F16, BF16 and quantized models, F32 for F32 models)");
        }
        return b;
    }

    /** @param warning true for what the user should act on (an option ignored, a GPU failing), false for a normal state */
    static void logOnce(boolean warning, String message) {
        if (LOGGED.add(message)) {
            if (warning) {
                LOG.warn(message);
            } else {
                LOG.info(message);
            }
        }
    }
}
