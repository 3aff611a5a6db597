package dev.kindling.inference.tensor;

import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;

/** Helpers shared by the K-quant formats (super-blocks of 256 values). */
final class KQuants {
    private KQuants() {}

    /**
     * The f16 {@code d} and {@code dmin} of the Q4_K/Q5_K super-block at {@code src[p]} (to {@code d[sb]} and
     * {@code dmin[sb]}) and its eight 32-value blocks' 6-bit scales and mins (12 packed bytes, to {@code sc[at ..]}
     * and {@code m[at ..]}): a block's values are {@code fma(q, a, b)} with {@code a = d * sc} (exact: 11 x 6 bits)
     * and {@code b = -(dmin * m)}.
     */
    static void scalesAndMins(ByteBuffer src, int p, float[] d, float[] dmin, int sb, byte[] sc, byte[] m, int at) {
        d[sb] = ScalarKernels.halfToFloat(src.getShort(p));
        dmin[sb] = ScalarKernels.halfToFloat(src.getShort(p + 2));
        int[] sm = new int[2];
        for (int j = 0; j < 8; j++) {
            scaleMin(src, p + 4, j, sm);
            sc[at + j] = (byte) sm[0];
            m[at + j] = (byte) sm[1];
        }
    }

    /** A Q4_K/Q5_K block's scale {@code a = d * sc}: exact (an f16 times a 6-bit integer). The kernels compute the same product. */
    static float blockScale(float d, int sc) {
        return d * sc;
    }

    /** A Q4_K/Q5_K block's offset {@code b = -(dmin * m)}: exact, as {@link #blockScale}. */
    static float blockOffset(float dmin, int m) {
        return -(dmin * m);
    }

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
