package dev.kindling.inference.llama2c;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import dev.kindling.inference.model.Weights;
import dev.kindling.inference.tensor.F32Tensor;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import dev.kindling.formats.gguf.GgmlType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Karpathy's llama2.c checkpoints ({@code .bin}, float32):
 * <ul>
 *   <li>legacy: 7 int32 {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}
 *       (a negative vocab size means a separate classifier follows), then {@code token_embedding,
 *       rms_att[L], wq[L], wk[L], wv[L], wo[L], rms_ffn[L], w1[L], w2[L], w3[L], rms_final,
 *       freq_cis_real, freq_cis_imag[, wcls]} ({@code run.c}'s order);</li>
 *   <li>version 1 ({@code export.py --version 1}): magic {@code "ak42"}, int version = 1, the same
 *       7 ints, a byte {@code shared_classifier}, zero padding to 256 bytes, then all norms first
 *       ({@code rms_att[L], rms_ffn[L], rms_final}), {@code token_embedding, wq[L], wk[L], wv[L],
 *       wo[L], w1[L], w2[L], w3[L][, wcls]}.</li>
 * </ul>
 * Matrices are row-major {@code [out][in]}; RoPE pairs adjacent elements with base 10000.
 */
public final class Llama2cLoader {
    static final int MAGIC_V1 = 0x616b3432; // "ak42"

    private Llama2cLoader() {}

    /**
     * True when the file is meant as a llama2.c checkpoint: the version-1 magic, or a legacy header of 7 int32s at least
     * four of which are positive and below 2^24, as a model's sizes are. A checkpoint with a damaged field or two thus
     * reaches {@link #load}, which names the field ("n_heads is 0"; it was called "not a model" for its first bytes),
     * while text, HTML, zero-filled or random files, whose first int32s are 0 or in the hundreds of millions, are not.
     */
    public static boolean looksLikeLlama2c(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() < 28) {
                return false;
            }
            ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) { /* fill */ }
            if (b.getInt(0) == MAGIC_V1) {
                return true;
            }
            if (otherKind(ch) != null) {
                return false;
            }
            int sizes = 0;
            for (int i = 0; i < 7; i++) {
                int v = b.getInt(4 * i);
                if (v > 0 && v < 1 << 24) {
                    sizes++;
                }
            }
            return sizes >= 4;
        } catch (IOException e) {
            return false;
        }
    }

    /** GGUF's predecessors' magics (llama.cpp's ggml, ggmf, ggjt, ggla, ggsn), read as a little-endian int. */
    private static final int[] GGML_MAGICS = {0x67676d6c, 0x67676d66, 0x67676a74, 0x67676c61, 0x6767736e};

    /**
     * What a file that is no llama2.c checkpoint but resembles one is, as advice, or null: a legacy GGML file (6 of its 7
     * first int32s are sizes) or a llama2.c tokenizer.bin (4 of 7), given as the model.
     */
    public static String otherKind(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return otherKind(ch);
        } catch (IOException e) {
            return null;
        }
    }

    private static String otherKind(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) { /* fill */ }
        int have = b.position();
        if (have < 12) {
            return null;
        }
        int magic = b.getInt(0);
        for (int m : GGML_MAGICS) {
            if (magic == m) {
                return "a legacy GGML file (magic '" + new String(new byte[] {(byte) (m >> 24), (byte) (m >> 16), (byte) (m >> 8),
                        (byte) m}, java.nio.charset.StandardCharsets.US_ASCII) + "'), the format before GGUF: convert it with "
                        + "llama.cpp's convert scripts";
            }
        }
        // run.c's tokenizer.bin: int max_token_length, then per token {float score, int len, len bytes}; the first 4
        // records must parse, scores being 0 or normal floats (a checkpoint's sizes read as floats are subnormal)
        int maxLen = b.getInt(0);
        if (maxLen < 1 || maxLen > 1024) {
            return null;
        }
        int at = 4;
        for (int token = 0; token < 4; token++) {
            if (at + 8 > have) {
                return null;
            }
            float score = b.getFloat(at);
            int len = b.getInt(at + 4);
            boolean plausible = score == 0f || (Float.isFinite(score) && Math.abs(score) >= Float.MIN_NORMAL && Math.abs(score) < 1e9f);
            if (!plausible || len < 1 || len > maxLen) {
                return null;
            }
            at += 8 + len;
        }
        return "a llama2.c tokenizer (tokenizer.bin), not a model: give it as the tokenizer (--tokenizer) of a llama2.c checkpoint";
    }

    /**
     * What is wrong with a header's fields, named as llama2.c's {@code Config} names them, or null when they describe a
     * model this loader can run.
     */
    static String headerProblem(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen) {
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        int[] values = {dim, hidden, layers, heads, kvHeads, vocab, seqLen};
        for (int i = 0; i < names.length; i++) {
            if (values[i] == 0 || (values[i] < 0 && i != 5)) {
                return names[i] + " is " + values[i] + " (it must be positive" + (i == 5 ? "; negative means a separate classifier)" : ")");
            }
        }
        if (vocab == Integer.MIN_VALUE) {
            return "vocab_size is " + vocab;
        }
        int[] limits = {1 << 16, 1 << 18, 1024};
        for (int i = 0; i < limits.length; i++) {
            if (values[i] > limits[i]) {
                return names[i] + " " + values[i] + " is past what a llama2.c model has (at most " + limits[i] + ")";
            }
        }
        if (dim % heads != 0) {
            return "dim " + dim + " is not divisible by n_heads " + heads;
        }
        if (heads % kvHeads != 0) {
            return "n_heads " + heads + " is not divisible by n_kv_heads " + kvHeads;
        }
        return null;
    }

    /** The header's vocabulary size (a negative one, an unshared classifier's, as its size), without reading the weights. */
    public static int vocabSize(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) { /* fill */ }
            int p = h.getInt(0) == MAGIC_V1 ? 8 : 0;
            return Math.abs(h.getInt(p + 20));
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e, e);
        }
    }

    public static Model load(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(path, ch);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e, e);
        }
    }

    private static Model read(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 28) {
            throw new ModelFormatException(path, "not a llama2.c checkpoint: only " + size + " bytes");
        }
        ByteBuffer h = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining() && ch.read(h, h.position()) > 0) { /* fill */ }
        boolean v1 = h.getInt(0) == MAGIC_V1;
        int p = 0;
        if (v1) {
            int version = h.getInt(4);
            if (version != 1) {
                throw new ModelFormatException(path, "llama2.c checkpoint version " + version
                        + " is not supported (supported: legacy and version 1, float32)");
            }
            p = 8;
        }
        int dim = h.getInt(p), hidden = h.getInt(p + 4), layers = h.getInt(p + 8), heads = h.getInt(p + 12);
        int kvHeads = h.getInt(p + 16), vocabRaw = h.getInt(p + 20), seqLen = h.getInt(p + 24);
        boolean shared;
        long offset;
        if (v1) {
            if (size < 256) {
                throw new ModelFormatException(path, "truncated version-1 header (" + size + " bytes, 256 needed)");
            }
            ByteBuffer flag = ByteBuffer.allocate(1);
            ch.read(flag, 36);
            shared = flag.get(0) != 0;
            offset = 256;
        } else {
            shared = vocabRaw > 0;
            offset = 28;
        }
        String header = "dim=" + dim + " hidden_dim=" + hidden + " n_layers=" + layers + " n_heads=" + heads
                + " n_kv_heads=" + kvHeads + " vocab_size=" + vocabRaw + " seq_len=" + seqLen;
        String problem = headerProblem(dim, hidden, layers, heads, kvHeads, vocabRaw, seqLen);
        if (problem != null) {
            throw new ModelFormatException(path, "implausible llama2.c header: " + problem + " (" + header + ")");
        }
        int vocab = Math.abs(vocabRaw);
        int headDim = dim / heads;
        int kvDim = kvHeads * headDim;
        long floats = (long) vocab * dim + 2L * layers * dim + dim
                + (long) layers * ((long) dim * dim * 2 + (long) dim * kvDim * 2 + 3L * dim * hidden)
                + (v1 ? 0 : (long) seqLen * headDim) + (shared ? 0 : (long) vocab * dim);
        if (offset + floats * 4 < size) {
            // llama2.c's exports write exactly what the header describes; a header field changed to a smaller value
            // (hidden_dim, n_layers, vocab_size, seq_len) read the weights from shifted offsets and generated garbage
            throw new ModelFormatException(path, "the header (" + header + ") describes " + (offset + floats * 4)
                    + " bytes but the file has " + size + ": the header or the file is corrupt");
        }
        // a file shorter than the header says is refused by the reader at the tensor it ends inside (it said the sizes alone)
        Reader r = new Reader(path, ch, offset, size, "truncated: the header (" + header + ") needs " + (offset + floats * 4)
                + " bytes, the file has " + size);
        Tensor embd;
        float[][] attNorm = new float[layers][], ffnNorm = new float[layers][];
        float[] finalNorm;
        Tensor[] wq = new Tensor[layers], wk = new Tensor[layers], wv = new Tensor[layers], wo = new Tensor[layers];
        Tensor[] w1 = new Tensor[layers], w2 = new Tensor[layers], w3 = new Tensor[layers];
        if (v1) {
            for (int l = 0; l < layers; l++) {
                attNorm[l] = r.vector("rms_att_weight." + l, dim);
            }
            for (int l = 0; l < layers; l++) {
                ffnNorm[l] = r.vector("rms_ffn_weight." + l, dim);
            }
            finalNorm = r.vector("rms_final_weight", dim);
            embd = r.matrix("token_embedding", vocab, dim);
            matrices(r, layers, dim, kvDim, hidden, wq, wk, wv, wo, w1, w2, w3);
        } else {
            embd = r.matrix("token_embedding", vocab, dim);
            for (int l = 0; l < layers; l++) {
                attNorm[l] = r.vector("rms_att_weight." + l, dim);
            }
            for (int l = 0; l < layers; l++) {
                wq[l] = r.matrix("wq." + l, dim, dim);
            }
            for (int l = 0; l < layers; l++) {
                wk[l] = r.matrix("wk." + l, kvDim, dim);
            }
            for (int l = 0; l < layers; l++) {
                wv[l] = r.matrix("wv." + l, kvDim, dim);
            }
            for (int l = 0; l < layers; l++) {
                wo[l] = r.matrix("wo." + l, dim, dim);
            }
            for (int l = 0; l < layers; l++) {
                ffnNorm[l] = r.vector("rms_ffn_weight." + l, dim);
            }
            for (int l = 0; l < layers; l++) {
                w1[l] = r.matrix("w1." + l, hidden, dim);
            }
            for (int l = 0; l < layers; l++) {
                w2[l] = r.matrix("w2." + l, dim, hidden);
            }
            for (int l = 0; l < layers; l++) {
                w3[l] = r.matrix("w3." + l, hidden, dim);
            }
            finalNorm = r.vector("rms_final_weight", dim);
            r.skip("freq_cis_real and freq_cis_imag", 2L * seqLen * (headDim / 2) * 4); // recomputed
        }
        Tensor output = shared ? embd : r.matrix("wcls", vocab, dim);
        LayerWeights[] lw = new LayerWeights[layers];
        for (int l = 0; l < layers; l++) {
            lw[l] = LayerWeights.llama(attNorm[l], wq[l], wk[l], wv[l], wo[l], ffnNorm[l], w1[l], w3[l], w2[l]);
        }
        ModelConfig config = new ModelConfig(Architecture.LLAMA, dim, hidden, layers, heads, kvHeads, headDim, vocab,
                seqLen, 1e-5f, new Rope(RopeStyle.ADJACENT, headDim, 10000.0, 1.0, null), 0, shared);
        return new Model(path, "llama2c", "F32", config, new Weights(embd, lw, finalNorm, output));
    }

    private static void matrices(Reader r, int layers, int dim, int kvDim, int hidden, Tensor[] wq, Tensor[] wk,
            Tensor[] wv, Tensor[] wo, Tensor[] w1, Tensor[] w2, Tensor[] w3) {
        for (int l = 0; l < layers; l++) {
            wq[l] = r.matrix("wq." + l, dim, dim);
        }
        for (int l = 0; l < layers; l++) {
            wk[l] = r.matrix("wk." + l, kvDim, dim);
        }
        for (int l = 0; l < layers; l++) {
            wv[l] = r.matrix("wv." + l, kvDim, dim);
        }
        for (int l = 0; l < layers; l++) {
            wo[l] = r.matrix("wo." + l, dim, dim);
        }
        for (int l = 0; l < layers; l++) {
            w1[l] = r.matrix("w1." + l, hidden, dim);
        }
        for (int l = 0; l < layers; l++) {
            w2[l] = r.matrix("w2." + l, dim, hidden);
        }
        for (int l = 0; l < layers; l++) {
            w3[l] = r.matrix("w3." + l, hidden, dim);
        }
    }

    /** Sequential reader of float32 tensors, mapping row ranges of the file. */
    private static final class Reader {
        private final Path path;
        private final FileChannel ch;
        private long pos;
        private final long size;
        private final String truncated;

        /** {@code truncated}: the error of a tensor that ends past {@code size}, the file's, before the tensor is named. */
        Reader(Path path, FileChannel ch, long pos, long size, String truncated) {
            this.path = path;
            this.ch = ch;
            this.pos = pos;
            this.size = size;
            this.truncated = truncated;
        }

        /** Takes {@code bytes} for {@code name}: where they end past the file, the file ends inside it. */
        private long take(String name, long bytes) {
            long start = pos;
            if (start + bytes > size) {
                throw new ModelFormatException(path, truncated + ": it ends inside " + name + " (bytes " + start + " to "
                        + (start + bytes) + ")");
            }
            pos += bytes;
            return start;
        }

        void skip(String name, long bytes) {
            take(name, bytes);
        }

        Tensor matrix(String name, int rows, int cols) {
            long rowBytes = 4L * cols;
            long start = take(name, rowBytes * rows);
            return Tensors.read(name, GgmlType.F32, rows, cols, (first, count) -> {
                try {
                    return ch.map(FileChannel.MapMode.READ_ONLY, start + first * rowBytes, count * rowBytes)
                            .order(ByteOrder.LITTLE_ENDIAN);
                } catch (IOException e) {
                    throw new ModelFormatException(path, "cannot map " + name + ": " + e, e);
                }
            });
        }

        float[] vector(String name, int n) {
            return ((F32Tensor) matrix(name, 1, n)).toFloatArray();
        }
    }
}
