package dev.kindling.inference.cpu;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;

/**
 * Float32 kernels on heap arrays (Vector API), each with a scalar twin in {@link ScalarKernels}.
 * All dot products follow the arithmetic contract of {@link Simd}: one accumulator vector per
 * output, chunks in order, lanes summed left to right, then the tail — so {@link #dot},
 * {@link #dot4x4} and {@link #dot4x1} give bit-identical results for the same row and token.
 */
public final class VectorKernels {
    private VectorKernels() {}

    /** {@code sum_k w[wOff+k] * x[xOff+k]} for {@code k < n}. */
    public static float dot(float[] w, int wOff, float[] x, int xOff, int n, float[] tmp) {
        if (L == 0) {
            return ScalarKernels.dot(w, wOff, x, xOff, n);
        }
        int upper = n - n % L;
        FloatVector acc = FloatVector.zero(F);
        int k = 0;
        for (; k < upper; k += L) {
            acc = FloatVector.fromArray(F, w, wOff + k).fma(FloatVector.fromArray(F, x, xOff + k), acc);
        }
        float s = Simd.sumLanes(acc, tmp);
        for (; k < n; k++) {
            s = Math.fma(w[wOff + k], x[xOff + k], s);
        }
        return s;
    }

    /**
     * Four rows of {@code w} (row i at {@code wOff + i*ldw}) times one vector {@code x}:
     * {@code out[outOff + i] = dot(row i, x)} for i in 0..3, sharing the loads of {@code x}.
     */
    public static void dot4x1(float[] w, int wOff, int ldw, float[] x, int xOff, int n,
            float[] out, int outOff, float[] tmp) {
        if (L == 0) {
            for (int i = 0; i < 4; i++) {
                out[outOff + i] = ScalarKernels.dot(w, wOff + i * ldw, x, xOff, n);
            }
            return;
        }
        int upper = n - n % L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int w0 = wOff, w1 = wOff + ldw, w2 = wOff + 2 * ldw, w3 = wOff + 3 * ldw;
        int k = 0;
        for (; k < upper; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + k);
            a0 = FloatVector.fromArray(F, w, w0 + k).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + k).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + k).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + k).fma(xv, a3);
        }
        out[outOff] = tail(w, w0, x, xOff, k, n, Simd.sumLanes(a0, tmp));
        out[outOff + 1] = tail(w, w1, x, xOff, k, n, Simd.sumLanes(a1, tmp));
        out[outOff + 2] = tail(w, w2, x, xOff, k, n, Simd.sumLanes(a2, tmp));
        out[outOff + 3] = tail(w, w3, x, xOff, k, n, Simd.sumLanes(a3, tmp));
    }

    /**
     * A 4x4 tile of a matrix product: rows {@code i < 4} of {@code w} (at {@code wOff + i*ldw})
     * against tokens {@code t < 4} of {@code x} (at {@code xOff + t*ldx}); the result for row i and
     * token t goes to {@code out[outOff + t*ldo + i]}. Sixteen accumulators, each loaded vector used
     * four times: the compute-bound inner loop of prefill and batched decode.
     */
    public static void dot4x4(float[] w, int wOff, int ldw, float[] x, int xOff, int ldx, int n,
            float[] out, int outOff, int ldo, float[] tmp) {
        if (L == 0) {
            for (int t = 0; t < 4; t++) {
                for (int i = 0; i < 4; i++) {
                    out[outOff + t * ldo + i] = ScalarKernels.dot(w, wOff + i * ldw, x, xOff + t * ldx, n);
                }
            }
            return;
        }
        int upper = n - n % L;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int w0 = wOff, w1 = wOff + ldw, w2 = wOff + 2 * ldw, w3 = wOff + 3 * ldw;
        int x0 = xOff, x1 = xOff + ldx, x2 = xOff + 2 * ldx, x3 = xOff + 3 * ldx;
        int k = 0;
        for (; k < upper; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + k);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector v2 = FloatVector.fromArray(F, w, w2 + k);
            FloatVector v3 = FloatVector.fromArray(F, w, w3 + k);
            FloatVector t = FloatVector.fromArray(F, x, x0 + k);
            a00 = v0.fma(t, a00);
            a10 = v1.fma(t, a10);
            a20 = v2.fma(t, a20);
            a30 = v3.fma(t, a30);
            t = FloatVector.fromArray(F, x, x1 + k);
            a01 = v0.fma(t, a01);
            a11 = v1.fma(t, a11);
            a21 = v2.fma(t, a21);
            a31 = v3.fma(t, a31);
            t = FloatVector.fromArray(F, x, x2 + k);
            a02 = v0.fma(t, a02);
            a12 = v1.fma(t, a12);
            a22 = v2.fma(t, a22);
            a32 = v3.fma(t, a32);
            t = FloatVector.fromArray(F, x, x3 + k);
            a03 = v0.fma(t, a03);
            a13 = v1.fma(t, a13);
            a23 = v2.fma(t, a23);
            a33 = v3.fma(t, a33);
        }
        out[outOff] = tail(w, w0, x, x0, k, n, Simd.sumLanes(a00, tmp));
        out[outOff + 1] = tail(w, w1, x, x0, k, n, Simd.sumLanes(a10, tmp));
        out[outOff + 2] = tail(w, w2, x, x0, k, n, Simd.sumLanes(a20, tmp));
        out[outOff + 3] = tail(w, w3, x, x0, k, n, Simd.sumLanes(a30, tmp));
        int o = outOff + ldo;
        out[o] = tail(w, w0, x, x1, k, n, Simd.sumLanes(a01, tmp));
        out[o + 1] = tail(w, w1, x, x1, k, n, Simd.sumLanes(a11, tmp));
        out[o + 2] = tail(w, w2, x, x1, k, n, Simd.sumLanes(a21, tmp));
        out[o + 3] = tail(w, w3, x, x1, k, n, Simd.sumLanes(a31, tmp));
        o += ldo;
        out[o] = tail(w, w0, x, x2, k, n, Simd.sumLanes(a02, tmp));
        out[o + 1] = tail(w, w1, x, x2, k, n, Simd.sumLanes(a12, tmp));
        out[o + 2] = tail(w, w2, x, x2, k, n, Simd.sumLanes(a22, tmp));
        out[o + 3] = tail(w, w3, x, x2, k, n, Simd.sumLanes(a32, tmp));
        o += ldo;
        out[o] = tail(w, w0, x, x3, k, n, Simd.sumLanes(a03, tmp));
        out[o + 1] = tail(w, w1, x, x3, k, n, Simd.sumLanes(a13, tmp));
        out[o + 2] = tail(w, w2, x, x3, k, n, Simd.sumLanes(a23, tmp));
        out[o + 3] = tail(w, w3, x, x3, k, n, Simd.sumLanes(a33, tmp));
    }

    private static float tail(float[] w, int wOff, float[] x, int xOff, int k, int n, float s) {
        for (; k < n; k++) {
            s = Math.fma(w[wOff + k], x[xOff + k], s);
        }
        return s;
    }

    /** {@code y[yOff+i] += a * x[xOff+i]} (attention's weighted sum of values). */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        if (L > 0) {
            int upper = n - n % L;
            FloatVector av = FloatVector.broadcast(F, a);
            for (; i < upper; i += L) {
                FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], a, y[yOff + i]);
        }
    }
}
