package dev.kindling.inference.cpu;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Float32 kernels on heap arrays (Vector API), each with a scalar twin in {@link ScalarKernels}.
 * Dot products follow the arithmetic contract of {@link Simd} (four segment accumulators, fixed
 * combination), so {@link #dot} and the tiled product {@link #tile4x4} give bit-identical results
 * for the same row and token.
 */
public final class VectorKernels {
    private VectorKernels() {}

    /** {@code sum_k w[wOff+k] * x[xOff+k]} for {@code k < n}; {@code spill} holds at least {@code 4L} floats. */
    public static float dot(float[] w, int wOff, float[] x, int xOff, int n, float[] spill) {
        if (L == 0) {
            return ScalarKernels.dot(w, wOff, x, xOff, n);
        }
        int seg = Simd.segmentLength(n);
        int vecEnd = n - n % L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        for (int k = 0; k < seg; k += L) {
            a0 = FloatVector.fromArray(F, w, wOff + k).fma(FloatVector.fromArray(F, x, xOff + k), a0);
            a1 = FloatVector.fromArray(F, w, wOff + seg + k).fma(FloatVector.fromArray(F, x, xOff + seg + k), a1);
            a2 = FloatVector.fromArray(F, w, wOff + 2 * seg + k).fma(FloatVector.fromArray(F, x, xOff + 2 * seg + k), a2);
            a3 = FloatVector.fromArray(F, w, wOff + 3 * seg + k).fma(FloatVector.fromArray(F, x, xOff + 3 * seg + k), a3);
        }
        for (int k = 4 * seg; k < vecEnd; k += L) {
            a4 = FloatVector.fromArray(F, w, wOff + k).fma(FloatVector.fromArray(F, x, xOff + k), a4);
        }
        a0.intoArray(spill, 0);
        a1.intoArray(spill, L);
        a2.intoArray(spill, 2 * L);
        a3.intoArray(spill, 3 * L);
        a4.intoArray(spill, 4 * L);
        return tail(w, wOff, x, xOff, vecEnd, n, Simd.finish(spill, 0));
    }

    /**
     * {@link #dot} of a 16-bit float row converted as it is read: value {@code h} of {@code h[hOff ..]}
     * (sign-extended) is the float with bits {@code (h << shift) & mask} — BF16: shift 16, mask -1, exact;
     * F16: shift 13, mask {@code 0x8FFFE000}, the value times 2^-112 ({@link Simd#halvesToScaledFloats}: finite
     * rows only, the input {@code x} scaled by {@link dev.kindling.inference.tensor.F16Tensor#INPUT_SCALE}).
     * The same bits as {@link #dot} of the exactly converted row and the unscaled input. One pass, so the
     * weights stream from memory while the products run, where converting first and then taking the dot
     * left memory idle during the dot. The contract's five accumulators are taken one after the other, each
     * over its own columns, not side by side: the same sums in the same order, with one conversion in the
     * loop instead of four (with four, the kernel would outgrow C2's inlining budget for Vector API code); a
     * single chain of FMAs still converts faster than memory delivers.
     *
     * <p>The shift is a literal in each loop ({@code shift} selects the loop: 16 or 13), never a variable count:
     * with the count a variable, C2 on JDK 17 sometimes compiled the shift so that only lane 0 was shifted
     * (the other lanes kept the sign-extended half, a NaN for negative BF16 values). The engine then gave NaN
     * logits for F16 and BF16 models in about one full test run in three, for the rest of that JVM's life;
     * the recomputation of the same row, outside that compiled code, was right (docs/cpu-inference-log.md).
     */
    public static float dotHalves(short[] h, int hOff, float[] x, int xOff, int n, float[] spill, int shift, int mask) {
        int seg = Simd.segmentLength(n);
        int vecEnd = n - n % L;
        boolean bf16 = checkShift(shift);
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, vecEnd);
            FloatVector acc = FloatVector.zero(F);
            if (bf16) {
                for (int k = from; k < to; k += L) {
                    FloatVector w = Simd.shortsToInts(h, hOff + k).lanewise(VectorOperators.LSHL, 16).and(mask).reinterpretAsFloats();
                    acc = w.fma(FloatVector.fromArray(F, x, xOff + k), acc);
                }
            } else {
                for (int k = from; k < to; k += L) {
                    FloatVector w = Simd.shortsToInts(h, hOff + k).lanewise(VectorOperators.LSHL, 13).and(mask).reinterpretAsFloats();
                    acc = w.fma(FloatVector.fromArray(F, x, xOff + k), acc);
                }
            }
            acc.intoArray(spill, part * L);
        }
        float s = Simd.finish(spill, 0);
        for (int k = vecEnd; k < n; k++) {
            s = Math.fma(Float.intBitsToFloat((h[hOff + k] << shift) & mask), x[xOff + k], s);
        }
        return s;
    }

    /**
     * {@link #dot} with the contract's five accumulators taken one after the other, so that {@code w} is
     * read front to back once: for a row that comes from memory and is used once (a decode product over
     * heap weights). Same sums in the same order, so the same bits. Decoding an F32 model from heap
     * weights, {@link #dot}'s four segments read side by side (four streams a quarter row apart) ran at
     * 0.8x of a copy of the row followed by {@link #dot}; this ran at 1.7x (docs/cpu-inference-log.md).
     */
    public static float dotStreamed(float[] w, int wOff, float[] x, int xOff, int n, float[] spill) {
        int seg = Simd.segmentLength(n);
        int vecEnd = n - n % L;
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, vecEnd);
            FloatVector acc = FloatVector.zero(F);
            for (int k = from; k < to; k += L) {
                acc = FloatVector.fromArray(F, w, wOff + k).fma(FloatVector.fromArray(F, x, xOff + k), acc);
            }
            acc.intoArray(spill, part * L);
        }
        return tail(w, wOff, x, xOff, vecEnd, n, Simd.finish(spill, 0));
    }

    /** True for BF16's shift (16), false for F16's (13); any other count is a caller's error. */
    static boolean checkShift(int shift) {
        if (shift != 16 && shift != 13) {
            throw new IllegalArgumentException("16-bit float rows widen with a shift of 16 (BF16) or 13 (F16), not " + shift);
        }
        return shift == 16;
    }

    static float tail(float[] w, int wOff, float[] x, int xOff, int k, int n, float s) {
        for (; k < n; k++) {
            s = Math.fma(w[wOff + k], x[xOff + k], s);
        }
        return s;
    }

    /**
     * A 4x4 tile of a matrix product — rows {@code i < 4} of {@code w} (at {@code wOff + i*ldw})
     * against tokens {@code t < 4} of {@code x} (at {@code xOff + t*ldx}) — over the columns
     * {@code [from, to)} of one part of the contract (a segment, or the rest). The 16 accumulators are
     * spilled to {@code parts[(t*4 + i)*5L + seg*L ..]}; {@link #finishTile}
     * completes them. Each loaded vector is used four times: the compute-bound inner loop of prefill.
     */
    public static void tile4x4(float[] w, int wOff, int ldw, float[] x, int xOff, int ldx,
            int from, int to, float[] parts, int seg) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
        FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
        int w0 = wOff, w1 = wOff + ldw, w2 = wOff + 2 * ldw, w3 = wOff + 3 * ldw;
        int x0 = xOff, x1 = xOff + ldx, x2 = xOff + 2 * ldx, x3 = xOff + 3 * ldx;
        {
            for (int k = from; k < to; k += L) {
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
        }
        // spilled, and finished in another method: keeps this one within C2's node budget on JDK 17
        // (otherwise the vector intrinsics fall back to boxed objects)
        int b = seg * L;
        int o = 5 * L;
        a00.intoArray(parts, b);
        a10.intoArray(parts, b + o);
        a20.intoArray(parts, b + 2 * o);
        a30.intoArray(parts, b + 3 * o);
        a01.intoArray(parts, b + 4 * o);
        a11.intoArray(parts, b + 5 * o);
        a21.intoArray(parts, b + 6 * o);
        a31.intoArray(parts, b + 7 * o);
        a02.intoArray(parts, b + 8 * o);
        a12.intoArray(parts, b + 9 * o);
        a22.intoArray(parts, b + 10 * o);
        a32.intoArray(parts, b + 11 * o);
        a03.intoArray(parts, b + 12 * o);
        a13.intoArray(parts, b + 13 * o);
        a23.intoArray(parts, b + 14 * o);
        a33.intoArray(parts, b + 15 * o);
    }

    /**
     * The full 4x4 tile over {@code n} columns: four segment passes of {@link #tile4x4}, then the
     * contract's combination and tails; result for row i and token t to {@code out[outOff + t*ldo + i]}.
     * {@code parts} holds at least {@code 80L} floats.
     */
    public static void dot4x4(float[] w, int wOff, int ldw, float[] x, int xOff, int ldx, int n,
            float[] out, int outOff, int ldo, float[] parts) {
        dot4x4(w, wOff, ldw, x, xOff, ldx, n, out, outOff, ldo, parts, Simd.HALF_TILES);
    }

    /** {@link #dot4x4} with the tile's shape chosen: {@link #tile4x4}, or with {@code halves} two {@link #tile2x4} passes (tests run both). */
    static void dot4x4(float[] w, int wOff, int ldw, float[] x, int xOff, int ldx, int n,
            float[] out, int outOff, int ldo, float[] parts, boolean halves) {
        int seg = Simd.segmentLength(n);
        int vecEnd = n - n % L;
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, vecEnd);
            if (halves) {
                tile2x4(w, wOff, ldw, x, xOff, ldx, from, to, parts, part, 0);
                tile2x4(w, wOff + 2 * ldw, ldw, x, xOff, ldx, from, to, parts, part, 2);
            } else {
                tile4x4(w, wOff, ldw, x, xOff, ldx, from, to, parts, part);
            }
        }
        finishTile(parts, w, wOff, ldw, x, xOff, ldx, vecEnd, n, out, outOff, ldo);
    }

    /**
     * {@link #tile4x4} for the two rows {@code row0} and {@code row0 + 1} of the tile ({@code w[wOff ..]} is row
     * {@code row0}): the same sums in the same order into the same {@code parts}. Eight accumulators, two weight
     * vectors and an input take 11 vector registers, where tile4x4's 21 exceed AVX2's 16 (C2 then keeps
     * accumulators on the stack); {@link Simd#HALF_TILES}.
     */
    public static void tile2x4(float[] w, int wOff, int ldw, float[] x, int xOff, int ldx,
            int from, int to, float[] parts, int seg, int row0) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
        FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
        int w0 = wOff, w1 = wOff + ldw;
        int x0 = xOff, x1 = xOff + ldx, x2 = xOff + 2 * ldx, x3 = xOff + 3 * ldx;
        for (int k = from; k < to; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, w, w0 + k);
            FloatVector v1 = FloatVector.fromArray(F, w, w1 + k);
            FloatVector t = FloatVector.fromArray(F, x, x0 + k);
            a00 = v0.fma(t, a00);
            a10 = v1.fma(t, a10);
            t = FloatVector.fromArray(F, x, x1 + k);
            a01 = v0.fma(t, a01);
            a11 = v1.fma(t, a11);
            t = FloatVector.fromArray(F, x, x2 + k);
            a02 = v0.fma(t, a02);
            a12 = v1.fma(t, a12);
            t = FloatVector.fromArray(F, x, x3 + k);
            a03 = v0.fma(t, a03);
            a13 = v1.fma(t, a13);
        }
        int b = seg * L;
        int o = 5 * L;
        a00.intoArray(parts, b + row0 * o);
        a10.intoArray(parts, b + (row0 + 1) * o);
        a01.intoArray(parts, b + (4 + row0) * o);
        a11.intoArray(parts, b + (5 + row0) * o);
        a02.intoArray(parts, b + (8 + row0) * o);
        a12.intoArray(parts, b + (9 + row0) * o);
        a03.intoArray(parts, b + (12 + row0) * o);
        a13.intoArray(parts, b + (13 + row0) * o);
    }

    private static void finishTile(float[] parts, float[] w, int wOff, int ldw, float[] x, int xOff, int ldx,
            int vecEnd, int n, float[] out, int outOff, int ldo) {
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < 4; i++) {
                float s = Simd.finish(parts, (t * 4 + i) * 5 * L);
                out[outOff + t * ldo + i] = tail(w, wOff + i * ldw, x, xOff + t * ldx, vecEnd, n, s);
            }
        }
    }

    /**
     * SwiGLU in place, {@code gate[i] = gate[i] / (1 + e^-gate[i]) * up[i]}, with {@link ScalarKernels#exp}'s
     * polynomial in vector lanes: the same bits as {@link ScalarKernels#swiglu} (its scalar twin, which
     * also does the tail).
     */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        if (L > 0) {
            float[] e = new float[L];
            for (; i + L <= n; i += L) {
                expLanes(gate, gOff + i, true, 0f, e, 0);
                FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
                g.div(FloatVector.fromArray(F, e, 0).add(1f)).mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
            }
        }
        ScalarKernels.swiglu(gate, gOff + i, up, uOff + i, n - i);
    }

    /**
     * Rounds {@code a[off, off + n)} in place to the nearest IEEE half, kept as floats: {@link ScalarKernels#roundToHalf}
     * (the same bits), the values an F16 operand has (llama.cpp rounds the queries and the attention weights so when it
     * multiplies them with an F16 KV cache). Per lane, without a conversion: with {@code s} the power of two 2^13 above
     * {@code |x|}'s own (at least 2^-1), {@code (|x| + s) - s} rounds {@code |x|} to nearest even at the half's spacing
     * (2^-10 of its power of two, and 2^-24 for the halves' subnormals) and is exact otherwise; the sign is put back. A
     * vector holding 65520 or more (a half's inf), inf or NaN goes through the scalar definition.
     */
    public static void roundToHalves(float[] a, int off, int n) {
        int i = 0;
        if (L > 0) {
            for (; i + L <= n; i += L) {
                IntVector bits = FloatVector.fromArray(F, a, off + i).reinterpretAsInts();
                IntVector mag = bits.and(0x7FFFFFFF);
                if (mag.compare(VectorOperators.GE, 0x477FF000).anyTrue()) {
                    for (int j = off + i; j < off + i + L; j++) {
                        a[j] = ScalarKernels.roundToHalf(a[j]);
                    }
                    continue;
                }
                FloatVector s = mag.and(0x7F800000).add(13 << 23).lanewise(VectorOperators.MAX, 0x3F000000).reinterpretAsFloats();
                mag.reinterpretAsFloats().add(s).sub(s).reinterpretAsInts().or(bits.and(0x80000000)).reinterpretAsFloats()
                        .intoArray(a, off + i);
            }
        }
        for (; i < n; i++) {
            a[off + i] = ScalarKernels.roundToHalf(a[off + i]);
        }
    }

    /**
     * {@link ScalarKernels#exp} of {@link Simd#L} values: {@code dst[dOff + i] = exp(-src[sOff + i])} when
     * {@code negate}, else {@code exp(src[sOff + i] - shift)} (the same bits as the scalar twin). Arrays in
     * and out, not a vector: whether C2 inlines a method of this size (over 250 bytecodes) depends on how hot
     * its call site looked when the caller was compiled (softmax over a short context calls it once or twice
     * per call), and a {@code FloatVector} passed to a method compiled on its own has no exact species, so
     * its operations ran in the Vector API's boxed fallback (one JVM in six: 10% of a batch-16 run's samples
     * in attention's softmax). Compiled on its own, this method builds its vectors with a constant species.
     */
    static void expLanes(float[] src, int sOff, boolean negate, float shift, float[] dst, int dOff) {
        FloatVector v = FloatVector.fromArray(F, src, sOff);
        FloatVector x = negate ? v.neg() : v.sub(shift);
        FloatVector z = x.fma(ScalarKernels.LOG2E, ScalarKernels.EXP_SHIFT);
        FloatVector n = z.sub(ScalarKernels.EXP_SHIFT);
        FloatVector nn = n.neg();
        FloatVector b = nn.fma(FloatVector.broadcast(F, ScalarKernels.LN2_LO), nn.fma(FloatVector.broadcast(F, ScalarKernels.LN2_HI), x));
        IntVector e = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(ScalarKernels.EXP_C4, ScalarKernels.EXP_C3).fma(u, b.fma(ScalarKernels.EXP_C2, ScalarKernels.EXP_C1))
                .fma(u, b.mul(ScalarKernels.EXP_C0));
        FloatVector k = e.add(Float.floatToRawIntBits(1f)).reinterpretAsFloats();
        FloatVector r = j.fma(k, k);
        VectorMask<Float> big = n.abs().compare(VectorOperators.GT, 126f);
        if (big.anyTrue()) {
            // 2^n overflows or underflows a float: scale in two steps, as the scalar twin does
            IntVector g = IntVector.zero(I).blend(0x82000000, n.compare(VectorOperators.LE, 0f).cast(I));
            FloatVector s1 = g.add(0x7f000000).reinterpretAsFloats();
            FloatVector s2 = e.sub(g).reinterpretAsFloats();
            FloatVector wide = s2.fma(j, s2).mul(s1).blend(s1.mul(s1), n.abs().compare(VectorOperators.GT, 192f));
            r = r.blend(wide, big);
        }
        r.intoArray(dst, dOff);
    }
}
