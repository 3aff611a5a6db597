package dev.kindling.inference.cuda;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cuda.pack.HalfFloats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes small Llama-architecture GGUF files with random weights in any of the types the GPU reads
 * directly (F32, F16, BF16, Q8_0, Q4_0, Q4_K) or converts (e.g. Q6_K is not written here: the
 * packer's conversions are checked through the CPU engine's own decoders). Used by the tests and
 * by {@link GpuCheck} on the GPU machine (no Python there needed). Matrices have std ~ 1/sqrt(fan
 * in); the classifier has std ~ 3/sqrt(dim), so logits are peaked and greedy choices do not hinge
 * on rounding.
 *
 * @param layers        blocks
 * @param dim           embedding size
 * @param heads         query heads
 * @param kvHeads       key/value heads
 * @param hidden        feed-forward size
 * @param vocab         vocabulary size
 * @param context       context length
 * @param slidingWindow 0 = none
 */
public record RandomModels(int layers, int dim, int heads, int kvHeads, int hidden, int vocab, int context,
        int slidingWindow) {

    /** Head size 32, GQA 4:1, every size a multiple of 256 (Q4_K). */
    public static RandomModels small() {
        return new RandomModels(2, 256, 8, 2, 512, 384, 2048, 0);
    }

    /**
     * A copy of {@code gguf} whose vocabulary ({@code tokenizer.ggml.*} arrays) keeps its first {@code tokens} entries
     * while the output layer keeps every row: a model whose embedding is padded past its tokenizer (Qwen's 151,936 rows
     * over 151,665 tokens), made from a small real one.
     */
    public static Path withVocabularyCut(Path gguf, int tokens, Path out) throws IOException {
        try (dev.kindling.formats.gguf.GgufFile in = dev.kindling.formats.gguf.GgufFile.open(gguf)) {
            int rows = (int) in.findTensor("output.weight").orElseGet(() -> in.tensor("token_embd.weight")).rows();
            GgufWriter w = new GgufWriter();
            for (java.util.Map.Entry<String, dev.kindling.formats.gguf.GgufValue> e : in.metadata().entrySet()) {
                dev.kindling.formats.gguf.GgufValue v = e.getValue();
                if (e.getKey().startsWith("tokenizer.ggml.") && v.isArray() && v.length() == rows) {
                    Object cut = java.lang.reflect.Array.newInstance(v.value().getClass().getComponentType(), tokens);
                    System.arraycopy(v.value(), 0, cut, 0, tokens);
                    v = new dev.kindling.formats.gguf.GgufValue(v.type(), v.elementType(), cut);
                }
                w.put(e.getKey(), v);
            }
            for (dev.kindling.formats.gguf.GgufTensorInfo t : in.tensorList()) {
                byte[] b = new byte[(int) t.byteSize()];
                in.map(t).get(b);
                w.tensor(t.name(), t.type(), t.dims(), b);
            }
            w.write(out);
            return out;
        }
    }

    public RandomModels withSlidingWindow(int w) {
        return new RandomModels(layers, dim, heads, kvHeads, hidden, vocab, context, w);
    }

    /** Writes the model with matrices of {@code type}; {@code tied}: no output.weight. */
    public void write(Path out, GgmlType type, long seed, boolean tied) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        int hd = dim / heads;
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "random-" + type.name().toLowerCase())
                .putU32("llama.context_length", context)
                .putU32("llama.embedding_length", dim)
                .putU32("llama.block_count", layers)
                .putU32("llama.feed_forward_length", hidden)
                .putU32("llama.attention.head_count", heads)
                .putU32("llama.attention.head_count_kv", kvHeads)
                .putU32("llama.rope.dimension_count", hd)
                .putF32("llama.rope.freq_base", 10000f)
                .putF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        if (slidingWindow > 0) {
            w.putU32("llama.attention.sliding_window", slidingWindow);
        }
        w.tensor("token_embd.weight", type, new long[] {dim, vocab}, matrix(type, vocab, dim, 1.0, rnd));
        for (int i = 0; i < layers; i++) {
            String b = "blk." + i + ".";
            double s = 1 / Math.sqrt(dim);
            w.tensorF32(b + "attn_norm.weight", new long[] {dim}, norm(dim, rnd));
            w.tensor(b + "attn_q.weight", type, new long[] {dim, heads * hd}, matrix(type, heads * hd, dim, s, rnd));
            w.tensor(b + "attn_k.weight", type, new long[] {dim, kvHeads * hd}, matrix(type, kvHeads * hd, dim, s, rnd));
            w.tensor(b + "attn_v.weight", type, new long[] {dim, kvHeads * hd}, matrix(type, kvHeads * hd, dim, s, rnd));
            w.tensor(b + "attn_output.weight", type, new long[] {heads * hd, dim}, matrix(type, dim, heads * hd, s, rnd));
            w.tensorF32(b + "ffn_norm.weight", new long[] {dim}, norm(dim, rnd));
            w.tensor(b + "ffn_gate.weight", type, new long[] {dim, hidden}, matrix(type, hidden, dim, s, rnd));
            w.tensor(b + "ffn_up.weight", type, new long[] {dim, hidden}, matrix(type, hidden, dim, s, rnd));
            w.tensor(b + "ffn_down.weight", type, new long[] {hidden, dim}, matrix(type, dim, hidden, 1 / Math.sqrt(hidden), rnd));
        }
        w.tensorF32("output_norm.weight", new long[] {dim}, norm(dim, rnd));
        if (!tied) {
            w.tensor("output.weight", type, new long[] {dim, vocab}, matrix(type, vocab, dim, 3 / Math.sqrt(dim), rnd));
        }
        w.write(out);
    }

    private static float[] norm(int n, SplittableRandom rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.1 * (2 * rnd.nextDouble() - 1));
        }
        return v;
    }

    /** {@code rows x cols} random values of std about {@code std} in the GGML layout of {@code type}. */
    public static byte[] matrix(GgmlType type, int rows, int cols, double std, SplittableRandom rnd) {
        long n = (long) rows * cols;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(type.byteSize(n))).order(ByteOrder.LITTLE_ENDIAN);
        double a = std * Math.sqrt(3);
        switch (type) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    b.putFloat((float) (a * (2 * rnd.nextDouble() - 1)));
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    b.putShort(ScalarKernels.floatToHalf((float) (a * (2 * rnd.nextDouble() - 1))));
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    b.putShort(HalfFloats.floatToBf16((float) (a * (2 * rnd.nextDouble() - 1))));
                }
            }
            case Q8_0 -> {
                for (long blk = 0; blk < n / 32; blk++) {
                    b.putShort(ScalarKernels.floatToHalf((float) (std / 73.3 * (0.75 + 0.5 * rnd.nextDouble()))));
                    for (int j = 0; j < 32; j++) {
                        b.put((byte) (rnd.nextInt(255) - 127));
                    }
                }
            }
            case Q4_0 -> {
                for (long blk = 0; blk < n / 32; blk++) {
                    b.putShort(ScalarKernels.floatToHalf((float) (std / 4.61 * (0.75 + 0.5 * rnd.nextDouble()))));
                    for (int j = 0; j < 16; j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                }
            }
            case Q4_K -> {
                // value = d*sc*q - dmin*m, sc and m 6-bit, q a nibble: d ~ std / (31.5 * 4.6), dmin ~ 7.5 d / 1
                for (long sb = 0; sb < n / 256; sb++) {
                    double d = std / (31.5 * 4.6) * (0.75 + 0.5 * rnd.nextDouble());
                    b.putShort(ScalarKernels.floatToHalf((float) d));
                    b.putShort(ScalarKernels.floatToHalf((float) (d * 7.5)));
                    for (int j = 0; j < 12; j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                    for (int j = 0; j < 128; j++) {
                        b.put((byte) rnd.nextInt(256));
                    }
                }
            }
            default -> throw new IllegalArgumentException("random " + type + " blocks are not written here");
        }
        return b.array();
    }
}
