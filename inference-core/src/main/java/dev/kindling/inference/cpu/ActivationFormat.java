package dev.kindling.inference.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * How llama.cpp rounds the input of a matrix product for a given weight type (ggml's
 * {@code vec_dot_type}): F32 stays, F16/BF16 weights see activations rounded to F16/BF16, Q8_0
 * and Q4_0 weights see 32-value blocks of int8 with an f16 scale (Q8_0), K-quants see
 * 256-value blocks of int8 with a float scale (Q8_K).
 *
 * <p>The engine reproduces that rounding ({@link #roundTrip}) and then multiplies exact floats: for
 * quantized pairs the result equals llama.cpp's integer block sums times the two scales up to float
 * rounding, so greedy text follows llama.cpp's instead of drifting at near-ties. (Q4_1 keeps F32
 * activations: see {@link dev.kindling.inference.tensor.Q4_1Tensor}.)
 */
public enum ActivationFormat {
    F32, F16, BF16, Q8_0, Q8_K;

    /** Rounds {@code n} values {@code x[off..]} into {@code out[off..]} as this format would. */
    public void roundTrip(float[] x, int off, int n, float[] out) {
        switch (this) {
            case F32 -> System.arraycopy(x, off, out, off, n);
            case F16 -> {
                // the rounding the F16 KV cache applies to its queries and weights, in vector lanes (same bits as
                // ScalarKernels.roundToHalf, the scalar definition)
                System.arraycopy(x, off, out, off, n);
                VectorKernels.roundToHalves(out, off, n);
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    int u = Float.floatToRawIntBits(x[off + i]);
                    int bits = (u & 0x7FFFFFFF) > 0x7F800000 ? (u >>> 16) | 64 : (u + (0x7FFF + ((u >>> 16) & 1))) >>> 16;
                    out[off + i] = Float.intBitsToFloat(bits << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b + 32 <= n; b += 32) {
                    q8_0Block(x, off + b, out);
                }
                if (n % 32 != 0) {
                    System.arraycopy(x, off + n - n % 32, out, off + n - n % 32, n % 32);
                }
            }
            case Q8_K -> {
                for (int b = 0; b + 256 <= n; b += 256) {
                    q8_kBlock(x, off + b, out);
                }
                if (n % 256 != 0) {
                    System.arraycopy(x, off + n - n % 256, out, off + n - n % 256, n % 256);
                }
            }
        }
    }

    /** One Q8_0 block rounded in place into {@code out} (the product of {@link #quantizeQ8_0}'s two parts). */
    private static void q8_0Block(float[] x, int off, float[] out) {
        float dh = quantizeQ8_0Block(x, off, out, off);
        for (int i = 0; i < 32; i++) {
            out[off + i] *= dh;
        }
    }

    /**
     * {@code n} values {@code x[off..]} (a multiple of 32) as Q8_0 blocks, the way the integer products
     * of {@link dev.kindling.inference.tensor.Q8_0Tensor} and {@link dev.kindling.inference.tensor.Q4_0Tensor}
     * take them: the integers {@code q} (as floats, in -127..127) to {@code q[qOff..]}, the f16-valued
     * block scales to {@code d[dOff..]} and the sums of each block's first 16 integers to
     * {@code sums[dOff..]} (Q4_0's kernel takes the offset -8 of its low nibbles out of them); {@code q * d} is
     * {@link #roundTrip}'s value.
     */
    public static void quantizeQ8_0(float[] x, int off, int n, float[] q, int qOff, float[] d, float[] sums, int dOff) {
        for (int b = 0; b < n / 32; b++) {
            int qo = qOff + 32 * b;
            d[dOff + b] = quantizeQ8_0Block(x, off + 32 * b, q, qo);
            float s = 0f; // integers, |s| <= 16 * 127: exact
            for (int i = 0; i < 16; i++) {
                s += q[qo + i];
            }
            sums[dOff + b] = s;
        }
    }

    /**
     * ggml's x86 {@code quantize_row_q8_0} for one block: d = amax/127 stored as f16, q =
     * round-half-even(x * 127/amax). Writes the integers {@code q} to {@code q[qOff..]}, returns d.
     */
    private static float quantizeQ8_0Block(float[] x, int off, float[] q, int qOff) {
        float amax = 0f;
        if (Simd.L > 0) {
            FloatVector m = FloatVector.zero(Simd.F);
            for (int i = 0; i < 32; i += Simd.L) {
                m = m.max(FloatVector.fromArray(Simd.F, x, off + i).abs());
            }
            amax = m.reduceLanes(VectorOperators.MAX); // exact in any order (NaN wins, as in Math.max)
        } else {
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[off + i]));
            }
        }
        float d = amax / 127f;
        float dh = ScalarKernels.halfToFloat(ScalarKernels.floatToHalf(d));
        float id = amax != 0f ? 127f / amax : 0f;
        if (Simd.L > 0) {
            // Math.rint as llama.cpp's x86 path rounds: adding and taking away 1.5 * 2^23 rounds half to
            // even for |v| < 2^22 (here |v| <= 127); the input's sign bit restores rint's -0.0
            for (int i = 0; i < 32; i += Simd.L) {
                FloatVector v = FloatVector.fromArray(Simd.F, x, off + i).mul(id);
                v.add(ROUND).sub(ROUND).reinterpretAsInts().or(v.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats()
                        .intoArray(q, qOff + i);
            }
        } else {
            for (int i = 0; i < 32; i++) {
                q[qOff + i] = (float) Math.rint(x[off + i] * id);
            }
        }
        return dh;
    }

    /** 1.5 * 2^23: float addition rounds the fraction away below it. */
    private static final float ROUND = 12582912f;

    /** ggml's {@code quantize_row_q8_K_ref}: iscale = -127/max (max = value of largest magnitude), d = 1/iscale. */
    /**
     * {@code n} values {@code x[off..]} (a multiple of 256) as Q8_K blocks, the way the integer products of
     * the K-quants ({@link dev.kindling.inference.tensor.Q8BlockTensor#quantizeInput}) take them: the integers {@code q} (as floats, in
     * -127..127) to {@code q[qOff..]}; per 32-value block {@code b}, the scale of its 256-value block to
     * {@code d[dOff + b]}, the sum of its first 16 integers to {@code sums[dOff + b]} (as in
     * {@link #quantizeQ8_0}) and {@code d * S}, {@code S} the sum of all 32, to {@code u[dOff + b]}. {@code q * d}
     * is {@link #roundTrip}'s value.
     */
    public static void quantizeQ8_K(float[] x, int off, int n, float[] q, int qOff, float[] d, float[] sums, float[] u, int dOff) {
        for (int k = 0; k < n / 256; k++) {
            float dk = quantizeQ8_KBlock(x, off + 256 * k, q, qOff + 256 * k);
            for (int j = 0; j < 8; j++) {
                int qo = qOff + 256 * k + 32 * j;
                float s16 = 0f; // integers, |s| <= 32 * 127: exact
                for (int i = 0; i < 16; i++) {
                    s16 += q[qo + i];
                }
                float s = s16;
                for (int i = 16; i < 32; i++) {
                    s += q[qo + i];
                }
                int b = dOff + 8 * k + j;
                d[b] = dk;
                sums[b] = s16;
                u[b] = dk * s;
            }
        }
    }

    private static void q8_kBlock(float[] x, int off, float[] out) {
        float d = quantizeQ8_KBlock(x, off, out, off);
        for (int i = 0; i < 256; i++) {
            out[off + i] *= d;
        }
    }

    /**
     * ggml's {@code quantize_row_q8_K} for one 256-value block: the value of largest magnitude becomes -127
     * (scale {@code d = 1 / (-127 / max)}), the integers (-127..127) go to {@code q[qOff..]}; returns {@code d}
     * (0 for an all-zero block).
     */
    private static float quantizeQ8_KBlock(float[] x, int off, float[] q, int qOff) {
        float amax = 0f;
        float max = 0f;
        for (int i = 0; i < 256; i++) {
            float ax = Math.abs(x[off + i]);
            if (ax > amax) {
                amax = ax;
                max = x[off + i];
            }
        }
        if (amax == 0f) {
            java.util.Arrays.fill(q, qOff, qOff + 256, 0f);
            return 0f;
        }
        float iscale = -127f / max;
        for (int i = 0; i < 256; i++) {
            int v = (int) Math.rint(iscale * x[off + i]);
            q[qOff + i] = Math.min(127, v);
        }
        return 1f / iscale;
    }
}
