package dev.kindling.inference.gguf;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import dev.kindling.inference.model.Weights;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link Model} from a GGUF file: configuration from the {@code <arch>.*} metadata, every
 * tensor checked against the shape the configuration implies, then copied to heap arrays.
 *
 * <p>Errors are {@link ModelFormatException}s naming the file and the key or tensor. Before any
 * weight is copied, the heap needed is compared with what the JVM has, so a model too large for
 * {@code -Xmx} fails with a message instead of an {@code OutOfMemoryError}.
 */
public final class GgufModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(GgufModelLoader.class);

    private GgufModelLoader() {}

    /** Reads the configuration only (no weights). */
    public static ModelConfig config(GgufFile gguf) {
        String arch = gguf.architecture();
        Architecture architecture = switch (arch) {
            case "llama" -> Architecture.LLAMA;
            default -> throw new ModelFormatException(gguf.path(), "architecture " + arch
                    + " is not supported (supported: llama, which includes Llama 1/2/3, Mistral, Yi and TinyLlama GGUFs)");
        };
        String p = arch + ".";
        try {
            int dim = gguf.getInt(p + "embedding_length");
            int heads = gguf.getInt(p + "attention.head_count");
            int kvHeads = gguf.getInt(p + "attention.head_count_kv", heads);
            int headDim = gguf.getInt(p + "attention.key_length", heads > 0 ? dim / heads : 0);
            int layers = gguf.getInt(p + "block_count");
            int hidden = gguf.getInt(p + "feed_forward_length");
            int ctx = gguf.getInt(p + "context_length", 2048);
            float eps = gguf.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
            GgufTensorInfo embd = gguf.tensor("token_embd.weight");
            boolean tied = gguf.findTensor("output.weight").isEmpty();
            GgufTensorInfo out = tied ? embd : gguf.tensor("output.weight");
            int vocab = toInt(gguf, out, out.rows());
            int ropeDims = gguf.getInt(p + "rope.dimension_count", headDim);
            double base = gguf.getDouble(p + "rope.freq_base", 10000.0);
            double positionScale = 1.0;
            String scaling = gguf.getString(p + "rope.scaling.type", "none");
            double factor = gguf.getDouble(p + "rope.scaling.factor", gguf.getDouble(p + "rope.scale_linear", 1.0));
            switch (scaling) {
                case "none" -> {
                    if (gguf.has(p + "rope.scale_linear") && factor > 0) {
                        positionScale = 1.0 / factor;
                    }
                }
                case "linear" -> positionScale = factor > 0 ? 1.0 / factor : 1.0;
                default -> throw new ModelFormatException(gguf.path(), p + "rope.scaling.type = " + scaling
                        + " is not supported (supported: none, linear, and Llama 3.1 rope_freqs)");
            }
            float[] freqFactors = null;
            if (gguf.findTensor("rope_freqs.weight").isPresent()) {
                GgufTensorInfo rf = gguf.tensor("rope_freqs.weight");
                expectShape(gguf, rf, ropeDims / 2, 1);
                freqFactors = readTensor(gguf, rf).toFloatArray();
            }
            int window = gguf.getInt(p + "attention.sliding_window", 0);
            return new ModelConfig(architecture, dim, hidden, layers, heads, kvHeads, headDim, vocab, ctx, eps,
                    new Rope(RopeStyle.ADJACENT, ropeDims, base, positionScale, freqFactors), window, tied);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(gguf.path(), "inconsistent hyper-parameters: " + e.getMessage(), e);
        }
    }

    /** Loads configuration and all weights. */
    public static Model load(GgufFile gguf) {
        ModelConfig c = config(gguf);
        checkHeap(gguf);
        long t0 = System.nanoTime();
        Tensor embd = readMatrix(gguf, "token_embd.weight", c.vocabSize(), c.dim());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            layers[i] = LayerWeights.llama(
                    readVector(gguf, b + "attn_norm.weight", c.dim()),
                    readMatrix(gguf, b + "attn_q.weight", c.qDim(), c.dim()),
                    readMatrix(gguf, b + "attn_k.weight", c.kvDim(), c.dim()),
                    readMatrix(gguf, b + "attn_v.weight", c.kvDim(), c.dim()),
                    readMatrix(gguf, b + "attn_output.weight", c.dim(), c.qDim()),
                    readVector(gguf, b + "ffn_norm.weight", c.dim()),
                    readMatrix(gguf, b + "ffn_gate.weight", c.hiddenDim(), c.dim()),
                    readMatrix(gguf, b + "ffn_up.weight", c.hiddenDim(), c.dim()),
                    readMatrix(gguf, b + "ffn_down.weight", c.dim(), c.hiddenDim()));
        }
        float[] outNorm = readVector(gguf, "output_norm.weight", c.dim());
        Tensor output = c.tiedEmbeddings() ? embd : readMatrix(gguf, "output.weight", c.vocabSize(), c.dim());
        String fileType = layers[0].wq().type().name();
        LOG.info("loaded {} ({} {}, {} layers, dim {}, {} heads / {} kv, vocab {}) in {} ms", gguf.path(),
                gguf.architecture(), fileType, c.layers(), c.dim(), c.heads(), c.kvHeads(), c.vocabSize(),
                (System.nanoTime() - t0) / 1_000_000);
        return new Model(gguf.path(), "gguf", fileType, c, new Weights(embd, layers, outNorm, output));
    }

    private static void checkHeap(GgufFile gguf) {
        long need = 0;
        for (GgufTensorInfo t : gguf.tensorList()) {
            // repacked quantized rows carry float scales: at most ~15% over the file size
            need += t.byteSize() + t.byteSize() / 7;
        }
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > available) {
            throw new ModelFormatException(gguf.path(), String.format(
                    "the weights need about %.2f GiB of Java heap but only %.2f GiB is available (raise -Xmx)",
                    need / 1073741824.0, available / 1073741824.0));
        }
    }

    private static int toInt(GgufFile gguf, GgufTensorInfo t, long v) {
        if (v > Integer.MAX_VALUE) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + ": dimension " + v + " is too large");
        }
        return (int) v;
    }

    private static void expectShape(GgufFile gguf, GgufTensorInfo t, long cols, long rows) {
        if (t.dim(0) != cols || t.rows() != rows || t.dims().length > 2) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + " has shape " + Arrays.toString(t.dims())
                    + ", expected [" + cols + (rows == 1 ? "" : ", " + rows) + "] from the model's hyper-parameters");
        }
    }

    static Tensor readMatrix(GgufFile gguf, String name, int rows, int cols) {
        GgufTensorInfo t = gguf.tensor(name);
        checkType(gguf, t);
        expectShape(gguf, t, cols, rows);
        return readTensor(gguf, t);
    }

    static float[] readVector(GgufFile gguf, String name, int n) {
        GgufTensorInfo t = gguf.tensor(name);
        expectShape(gguf, t, n, 1);
        return readTensor(gguf, t).toFloatArray();
    }

    private static void checkType(GgufFile gguf, GgufTensorInfo t) {
        if (!Tensors.supported(t.type())) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + " has type " + t.type()
                    + ", which this engine does not compute with (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        }
    }

    static Tensor readTensor(GgufFile gguf, GgufTensorInfo t) {
        checkType(gguf, t);
        int rows = toInt(gguf, t, t.rows());
        int cols = toInt(gguf, t, t.dim(0));
        try {
            return Tensors.read(t.name(), t.type(), rows, cols, (first, count) -> gguf.mapRows(t, first, count));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }
}
