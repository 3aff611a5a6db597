package dev.kindling.inference.arch;

import java.util.function.IntUnaryOperator;

/**
 * Row orders of fused tensors in Hugging Face checkpoints, as maps from the canonical row (the GGUF
 * order: all Q heads, then all K heads, then all V heads) to the stored row.
 */
public final class Layouts {
    private Layouts() {}

    /**
     * Q, K and V interleaved per head, {@code [head][q|k|v][headDim]} (GPT-NeoX, BLOOM, Falcon with
     * neither multi-query nor the new decoder architecture): {@code view(heads, 3, headDim)}.
     */
    public static IntUnaryOperator qkvPerHead(int heads, int headDim) {
        int dim = heads * headDim;
        return r -> {
            int part = r / dim;
            int within = r % dim;
            return (within / headDim) * 3 * headDim + part * headDim + within % headDim;
        };
    }

    /**
     * Falcon's new decoder architecture (40B, 180B): per KV group, its query heads then its key and
     * value head, {@code [kvHead][qPerKv + 2][headDim]}.
     */
    public static IntUnaryOperator qkvGrouped(int heads, int kvHeads, int headDim) {
        int qPerKv = heads / kvHeads;
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        int group = (qPerKv + 2) * headDim;
        return r -> {
            if (r < qDim) {
                int h = r / headDim;
                return (h / qPerKv) * group + (h % qPerKv) * headDim + r % headDim;
            }
            int kv = r < qDim + kvDim ? 0 : 1;
            int w = r - qDim - kv * kvDim;
            return (w / headDim) * group + (qPerKv + kv) * headDim + w % headDim;
        };
    }

    /** Rows {@code [offset, offset + n)} of a stacked tensor (one expert's slice). */
    public static IntUnaryOperator offset(long offset) {
        return r -> Math.toIntExact(offset + r);
    }
}
