package dev.kindling.inference.tensor;

import java.nio.ByteBuffer;

/** Helpers shared by the K-quant formats (super-blocks of 256 values). */
final class KQuants {
    private KQuants() {}

    /**
     * ggml's {@code get_scale_min_k4}: the 6-bit scale ({@code [0]}) and min ({@code [1]}) of
     * sub-block {@code j} (0..7) from the 12 packed bytes at {@code src[p]}.
     */
    static void scaleMin(ByteBuffer src, int p, int j, int[] out) {
        if (j < 4) {
            out[0] = src.get(p + j) & 63;
            out[1] = src.get(p + j + 4) & 63;
        } else {
            int a = src.get(p + j + 4) & 0xFF;
            out[0] = (a & 0xF) | (((src.get(p + j - 4) & 0xFF) >> 6) << 4);
            out[1] = (a >> 4) | (((src.get(p + j) & 0xFF) >> 6) << 4);
        }
    }
}
