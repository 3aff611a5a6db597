package dev.kindling.inference.arch;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.formats.gguf.GgufValue;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;

/** The {@code <arch>.*} hyper-parameters of a GGUF file, as llama.cpp reads them. */
public final class GgufHparams {
    private final GgufFile gguf;
    private final String p;

    public GgufHparams(GgufFile gguf) {
        this.gguf = gguf;
        this.p = gguf.architecture() + ".";
    }

    public GgufFile gguf() {
        return gguf;
    }

    public ModelFormatException fail(String message) {
        return new ModelFormatException(gguf.path(), message);
    }

    /**
     * The sizes a corrupt file could set to 0, a negative number or something absurd, and the most each may be: far
     * past any real model (the largest have ~130 layers, dimension 16-25K, 128 heads, 10M positions), and small enough
     * that the arrays and products sized by them cannot overflow an int or exhaust the heap before the weights' own
     * checks run. A value outside {@code 1..max} fails naming the key.
     */
    private static final java.util.Map<String, Integer> SIZE_LIMITS = java.util.Map.of(
            "block_count", 1 << 16,
            "embedding_length", 1 << 20,
            "feed_forward_length", 1 << 24,
            "attention.head_count", 1 << 16,
            "attention.head_count_kv", 1 << 16,
            "attention.key_length", 1 << 16,
            "attention.value_length", 1 << 16,
            "context_length", 1 << 30);

    public int integer(String key) {
        return checked(key, gguf.getInt(p + key));
    }

    public int integer(String key, int defaultValue) {
        return gguf.has(p + key) ? integer(key) : defaultValue;
    }

    /** The context length, or 2048 with a warning where the file has none (llama.cpp refuses such a file; converters write it). */
    public int contextLength() {
        if (!gguf.has(p + "context_length")) {
            org.slf4j.LoggerFactory.getLogger(GgufHparams.class).warn("{} has no {}context_length; taking 2048 positions (prompts and"
                    + " generations past them fail)", gguf.path(), p);
            return 2048;
        }
        return integer("context_length");
    }

    private int checked(String key, int v) {
        Integer max = SIZE_LIMITS.get(key);
        if (max != null && (v < 1 || v > max)) {
            throw fail(p + key + " = " + v + " is out of range (1.." + max + ")");
        }
        return v;
    }

    /**
     * The size of an attention head: {@code attention.key_length}, or the embedding split over the heads when the file
     * does not give it. An embedding the heads do not divide fails saying so (it was blamed on {@code attn_q}'s shape,
     * which was only the consequence).
     */
    public int headSize(int dim, int heads) {
        if (has("attention.key_length")) {
            return integer("attention.key_length");
        }
        if (dim % heads != 0) {
            throw fail(p + "embedding_length " + dim + " is not divisible by " + p + "attention.head_count " + heads
                    + ", and no " + p + "attention.key_length gives the head size");
        }
        return dim / heads;
    }

    /** A number the file must hold (llama.cpp refuses a file without it rather than guess). */
    public float real(String key) {
        if (!gguf.has(p + key)) {
            throw fail("no " + p + key + " in the metadata (llama.cpp refuses such a file too: a default would be a guess)");
        }
        return (float) gguf.getDouble(p + key);
    }

    public float real(String key, float defaultValue) {
        return gguf.getFloat(p + key, defaultValue);
    }

    public boolean bool(String key, boolean defaultValue) {
        return gguf.getBool(p + key, defaultValue);
    }

    public boolean has(String key) {
        return gguf.has(p + key);
    }

    /**
     * A per-layer value that may be stored as one number or as an array of {@code layers} numbers
     * (llama.cpp's {@code get_key_or_arr}); null when the key is absent.
     */
    public int[] perLayer(String key, int layers) {
        if (!gguf.has(p + key)) {
            return null;
        }
        checked("block_count", layers);
        GgufValue v = gguf.get(p + key).orElseThrow();
        if (v.isArray()) {
            int[] a = gguf.getIntArray(p + key);
            if (a.length != layers) {
                throw fail(p + key + " has " + a.length + " values for " + layers + " layers");
            }
            for (int x : a) {
                // 0 passes here: a layer without attention or feed-forward, which ModelConfig explains if unsupported
                if (x != 0) {
                    checked(key, x);
                }
            }
            return a;
        }
        int[] a = new int[layers];
        java.util.Arrays.fill(a, integer(key));
        return a;
    }

    /** The vocabulary size: rows of {@code output.weight}, or of {@code token_embd.weight} when tied. */
    public int vocabSize() {
        GgufTensorInfo t = gguf.findTensor("output.weight").orElseGet(() -> gguf.tensor("token_embd.weight"));
        if (t.rows() > Integer.MAX_VALUE) {
            throw fail("tensor " + t.name() + ": " + t.rows() + " rows is too large");
        }
        return (int) t.rows();
    }

    /** RoPE from {@code rope.*} (and a {@code rope_freqs.weight} tensor for Llama 3.1 scaling). */
    public Rope rope(RopeStyle style, int headDim, float[] freqFactors) {
        int dims = integer("rope.dimension_count", headDim);
        double base = gguf.getDouble(p + "rope.freq_base", 10000.0);
        double positionScale = 1.0;
        // as llama.cpp reads them: the type is "linear" when the file names none, and the factor (or the older
        // rope.scale_linear; 0 = none) divides the positions, so a factor without a type scales; type "none" never
        // scales, whatever factor the file holds (llama_context sets rope_freq_scale to 1 for it)
        String scaling = gguf.getString(p + "rope.scaling.type", "linear");
        String factorKey = p + (has("rope.scaling.factor") ? "rope.scaling.factor" : "rope.scale_linear");
        double factor = gguf.getDouble(factorKey, 0.0);
        if (!(factor >= 0 && factor < Double.POSITIVE_INFINITY)) {
            throw fail(factorKey + " = " + factor + " must be a finite number >= 0");
        }
        switch (scaling) {
            case "none" -> { }
            case "linear" -> positionScale = factor == 0 ? 1.0 : 1.0 / factor;
            default -> throw fail(p + "rope.scaling.type = " + scaling
                    + " is not supported (supported: none, linear, and Llama 3.1 rope_freqs)");
        }
        return new Rope(style, dims, base, positionScale, freqFactors);
    }
}
