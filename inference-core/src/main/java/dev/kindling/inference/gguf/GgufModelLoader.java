package dev.kindling.inference.gguf;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.inference.arch.Families;
import dev.kindling.inference.arch.Family;
import dev.kindling.inference.arch.GgufCheckpoint;
import dev.kindling.inference.arch.WeightsLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Weights;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link Model} from a GGUF file: the family from {@code general.architecture}
 * ({@link Families}), its configuration from the {@code <arch>.*} metadata, then every tensor
 * checked against the shape the configuration implies ({@link WeightsLoader}). F32, F16 and BF16
 * tensors are read in place from the memory-mapped file; quantized ones are repacked into heap
 * arrays for their kernels.
 *
 * <p>Errors are {@link ModelFormatException}s naming the file and the key or tensor. Before any
 * weight is repacked, the heap needed is compared with what the JVM has, so a model too large for
 * {@code -Xmx} fails with a message instead of an {@code OutOfMemoryError}.
 */
public final class GgufModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(GgufModelLoader.class);

    private GgufModelLoader() {}

    /** Reads the configuration only (no weights). */
    public static ModelConfig config(GgufFile gguf) {
        Family f = Families.byGguf(gguf.path(), gguf.architecture());
        try {
            return f.fromGguf(gguf);
        } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new ModelFormatException(gguf.path(), "inconsistent hyper-parameters: "
                    + (e instanceof IllegalArgumentException ? e.getMessage() : e.toString()), e);
        }
    }

    /** Loads configuration and all weights. */
    public static Model load(GgufFile gguf) {
        if (gguf.tensors().isEmpty()) {
            // llama.cpp's vocab-*.gguf: "tensor token_embd.weight is missing", or for some "architecture gpt2 is not supported"
            throw new ModelFormatException(gguf.path(), "holds no tensors: a vocabulary-only GGUF (as llama.cpp's ggml-vocab-*"
                    + " files) is a tokenizer (--tokenizer, EngineOptions.withTokenizer), not a model");
        }
        Family f = Families.byGguf(gguf.path(), gguf.architecture());
        ModelConfig c = config(gguf);
        checkLayerTensors(gguf, c.layers());
        checkHeap(gguf);
        long t0 = System.nanoTime();
        GgufCheckpoint ck = new GgufCheckpoint(gguf, f.ggufNames(gguf, c));
        Weights w = WeightsLoader.load(ck, c);
        java.util.List<String> unread = new java.util.ArrayList<>(ck.unreadTensors());
        if (c.rope() != null && c.rope().freqFactors() != null) {
            unread.remove("rope_freqs.weight"); // read with the configuration (Llama 3.1 RoPE scaling)
        }
        if (!unread.isEmpty()) {
            // a tensor this family does not read changes the model (a norm, a bias, another layer): running without it
            // gives plausible but wrong outputs; llama.cpp refuses such files too ("wrong number of tensors")
            throw new ModelFormatException(gguf.path(), unread.size() + " tensor(s) that a " + gguf.architecture()
                    + " model of this configuration does not use, e.g. " + unread.subList(0, Math.min(3, unread.size()))
                    + ": the file holds weights this engine would ignore");
        }
        String fileType = w.layers()[0].wq().type().name();
        LOG.info("loaded {} ({} {}, {}) in {} ms", gguf.path(), gguf.architecture(), fileType, c,
                (System.nanoTime() - t0) / 1_000_000);
        return new Model(gguf.path(), "gguf", fileType, c, w);
    }

    /**
     * Fails on a tensor {@code blk.N.*} with {@code N} past the block count: the count is wrong, and the model would
     * run without those layers (llama.cpp refuses such a file: "wrong number of tensors").
     */
    private static void checkLayerTensors(GgufFile gguf, int layers) {
        for (GgufTensorInfo t : gguf.tensorList()) {
            String n = t.name();
            int dot = n.indexOf('.', 4);
            if (n.startsWith("blk.") && dot > 4) {
                int layer;
                try {
                    layer = Integer.parseInt(n.substring(4, dot));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (layer >= layers) {
                    throw new ModelFormatException(gguf.path(), "tensor " + n + " belongs to layer " + layer + " but "
                            + gguf.architecture() + ".block_count is " + layers);
                }
            }
        }
    }

    private static void checkHeap(GgufFile gguf) {
        long need = 0;
        boolean inHeap = Tensors.weightsInHeap();
        for (GgufTensorInfo t : gguf.tensorList()) {
            if (t.type() == GgmlType.F32 || t.type() == GgmlType.F16 || t.type() == GgmlType.BF16) {
                // mapped in place (only 1-D vectors, norms and biases, are read into float arrays) unless
                // -Dkindling.weights=heap copies them
                need += t.dims().length == 1 ? 4 * t.dim(0) : inHeap ? t.byteSize() : 0;
            } else {
                // repacked quantized rows carry float scales: at most ~15% over the file size
                need += t.byteSize() + t.byteSize() / 7;
            }
        }
        checkHeap(gguf.path(), need);
    }

    /** Fails (naming the file) when {@code need} bytes of weights will not fit in the free heap. */
    public static void checkHeap(java.nio.file.Path path, long need) {
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > available) {
            throw new ModelFormatException(path, String.format(
                    "the weights need about %.2f GiB of Java heap but only %.2f GiB is available (raise -Xmx)",
                    need / 1073741824.0, available / 1073741824.0));
        }
    }

    /** A whole tensor (the test helpers rewrite tensors with it). */
    static Tensor readTensor(GgufFile gguf, GgufTensorInfo t) {
        if (!Tensors.supported(t.type())) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + " has type " + t.type()
                    + ", which this engine does not compute with (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        }
        if (t.rows() > Integer.MAX_VALUE || t.dim(0) > Integer.MAX_VALUE) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + " is too large");
        }
        try {
            return Tensors.read(t.name(), t.type(), (int) t.rows(), (int) t.dim(0), (first, count) -> gguf.mapRows(t, first, count));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }
}
