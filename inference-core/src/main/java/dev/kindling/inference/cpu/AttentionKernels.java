package dev.kindling.inference.cpu;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;

/**
 * The two products of attention over one KV block, with the positions of the block in vector lanes
 * (no horizontal sums), and their scalar twins: the same operations in the same order, so that every
 * vector width and the scalar path give the same bits.
 *
 * <p>Keys are stored transposed in a block ({@code kt[kOff + d * stride + j]} is dimension {@code d}
 * of the block's position {@code j}): a query's scores for {@link Simd#L} positions are then one
 * vector of FMAs per dimension. Values keep one row per position.
 */
public final class AttentionKernels {
    private AttentionKernels() {}

    /**
     * {@code out[outOff + j] = q . k_j} for the {@code n} positions {@code j} of a block. The sum runs
     * in four chains over the quarters of the head dimension ({@code d} from {@code hd*c/4} up, each by
     * {@code fma}), combined as {@code (c0 + c1) + (c2 + c3)}: four chains keep the FMA units busy.
     */
    public static void scores(float[] q, int qOff, float[] kt, int kOff, int stride, int hd, int n, float[] out, int outOff) {
        int d1 = hd / 4, d2 = hd / 2, d3 = 3 * hd / 4;
        int j = 0;
        if (L > 0) {
            for (; j + L <= n; j += L) {
                FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
                int k = kOff + j;
                for (int d = 0; d < d1; d++) {
                    c0 = FloatVector.fromArray(F, kt, k + d * stride).fma(FloatVector.broadcast(F, q[qOff + d]), c0);
                    c1 = FloatVector.fromArray(F, kt, k + (d1 + d) * stride).fma(FloatVector.broadcast(F, q[qOff + d1 + d]), c1);
                    c2 = FloatVector.fromArray(F, kt, k + (d2 + d) * stride).fma(FloatVector.broadcast(F, q[qOff + d2 + d]), c2);
                    c3 = FloatVector.fromArray(F, kt, k + (d3 + d) * stride).fma(FloatVector.broadcast(F, q[qOff + d3 + d]), c3);
                }
                // the quarters differ in length by at most one: the longer ones finish here
                for (int d = d1; d < d2 - d1; d++) {
                    c1 = FloatVector.fromArray(F, kt, k + (d1 + d) * stride).fma(FloatVector.broadcast(F, q[qOff + d1 + d]), c1);
                }
                for (int d = d1; d < d3 - d2; d++) {
                    c2 = FloatVector.fromArray(F, kt, k + (d2 + d) * stride).fma(FloatVector.broadcast(F, q[qOff + d2 + d]), c2);
                }
                for (int d = d1; d < hd - d3; d++) {
                    c3 = FloatVector.fromArray(F, kt, k + (d3 + d) * stride).fma(FloatVector.broadcast(F, q[qOff + d3 + d]), c3);
                }
                c0.add(c1).add(c2.add(c3)).intoArray(out, outOff + j);
            }
        }
        for (; j < n; j++) {
            out[outOff + j] = scoreScalar(q, qOff, kt, kOff + j, stride, hd);
        }
    }

    /** One position of {@link #scores}, plainly (the scalar twin). */
    static float scoreScalar(float[] q, int qOff, float[] kt, int k, int stride, int hd) {
        int d1 = hd / 4, d2 = hd / 2, d3 = 3 * hd / 4;
        float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
        for (int d = 0; d < d1; d++) {
            c0 = Math.fma(kt[k + d * stride], q[qOff + d], c0);
        }
        for (int d = d1; d < d2; d++) {
            c1 = Math.fma(kt[k + d * stride], q[qOff + d], c1);
        }
        for (int d = d2; d < d3; d++) {
            c2 = Math.fma(kt[k + d * stride], q[qOff + d], c2);
        }
        for (int d = d3; d < hd; d++) {
            c3 = Math.fma(kt[k + d * stride], q[qOff + d], c3);
        }
        return (c0 + c1) + (c2 + c3);
    }

    /**
     * In-place softmax of {@code a[off..off+n)}: the maximum, {@code e^(a - max)} by
     * {@link ScalarKernels#exp}'s polynomial (in vector lanes, the same bits; ggml's softmax uses the
     * same exponential), their sum in order, then each times {@code 1 / sum}.
     */
    public static void softmax(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        int i = 0;
        if (L > 0) {
            for (; i + L <= n; i += L) {
                VectorKernels.expLanes(a, off + i, false, max, a, off + i);
            }
        }
        for (; i < n; i++) {
            a[off + i] = ScalarKernels.exp(a[off + i] - max);
        }
        float sum = 0f;
        for (i = 0; i < n; i++) {
            sum += a[off + i];
        }
        float inv = 1f / sum;
        for (i = 0; i < n; i++) {
            a[off + i] *= inv;
        }
    }

    /**
     * {@code out[outOff + d] = fma(v_j[d], p_j, out[outOff + d])} for the block's {@code n} positions in
     * order ({@code p_j = p[pOff + j]}, value row {@code j} at {@code v[vOff + j * stride]}): each output
     * element is one chain over the positions, as a scalar loop would run it.
     */
    public static void weightedSum(float[] p, int pOff, float[] v, int vOff, int stride, int hd, int n, float[] out, int outOff) {
        int d = 0;
        if (L > 0) {
            for (; d + 4 * L <= hd; d += 4 * L) {
                int o = outOff + d;
                FloatVector a0 = FloatVector.fromArray(F, out, o), a1 = FloatVector.fromArray(F, out, o + L);
                FloatVector a2 = FloatVector.fromArray(F, out, o + 2 * L), a3 = FloatVector.fromArray(F, out, o + 3 * L);
                for (int j = 0, r = vOff + d; j < n; j++, r += stride) {
                    FloatVector w = FloatVector.broadcast(F, p[pOff + j]);
                    a0 = FloatVector.fromArray(F, v, r).fma(w, a0);
                    a1 = FloatVector.fromArray(F, v, r + L).fma(w, a1);
                    a2 = FloatVector.fromArray(F, v, r + 2 * L).fma(w, a2);
                    a3 = FloatVector.fromArray(F, v, r + 3 * L).fma(w, a3);
                }
                a0.intoArray(out, o);
                a1.intoArray(out, o + L);
                a2.intoArray(out, o + 2 * L);
                a3.intoArray(out, o + 3 * L);
            }
            for (; d + L <= hd; d += L) {
                FloatVector a = FloatVector.fromArray(F, out, outOff + d);
                for (int j = 0, r = vOff + d; j < n; j++, r += stride) {
                    a = FloatVector.fromArray(F, v, r).fma(FloatVector.broadcast(F, p[pOff + j]), a);
                }
                a.intoArray(out, outOff + d);
            }
        }
        weightedSumScalar(p, pOff, v, vOff, stride, d, hd, n, out, outOff);
    }

    /** Elements {@code [d0, hd)} of {@link #weightedSum}, plainly (the scalar twin). */
    static void weightedSumScalar(float[] p, int pOff, float[] v, int vOff, int stride, int d0, int hd, int n, float[] out,
            int outOff) {
        for (int d = d0; d < hd; d++) {
            float a = out[outOff + d];
            for (int j = 0; j < n; j++) {
                a = Math.fma(v[vOff + j * stride + d], p[pOff + j], a);
            }
            out[outOff + d] = a;
        }
    }
}
