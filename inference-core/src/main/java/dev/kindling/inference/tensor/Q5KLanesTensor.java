package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.INPUT_SCALE;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.UNSCALE_0;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.UNSCALE_1;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.UNSCALE_2;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Q5KTensor} with its integers (0..31) in {@link Q8_0LanesTensor}'s layout (four rows to an int lane, stored
 * as {@code u = q + 128}), for the same reason: on cores where a sign-extending load and a conversion per group bound
 * the one-token product (AVX2; {@link dev.kindling.inference.cpu.Simd#Q8_0_LANES}), masks turn a column's bytes into
 * float lanes directly. Same contract and the same bits as {@link Q5KTensor}; the block scales and offsets are its own.
 *
 * <p>The input comes in this tensor's form ({@link #quantizeInput}): Q8_K's integers times 2^40, its scales times
 * 2^-40, and in {@code xs} each block's sum of its 32 integers (Q8_K's {@code u = dx * S} stays in {@code xu}). Per
 * block, {@code P = sum(u * xq) - 128 * sum(xq)} is exact, and the rest is {@link Q5KTensor#decodePanel}'s.
 */
public final class Q5KLanesTensor extends Q5KTensor {
    Q5KLanesTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, src);
    }

    /**
     * Q8_K's input ({@link Q5KTensor}'s), then in this tensor's form: the integers times 2^40 and the scales times 2^-40
     * (as {@link Q8_0LanesTensor#quantizeInput}: every other kernel and the scalar twin compute the same bits), and in
     * {@code xs} each block's sum of its 32 integers (exact), which the decode kernel takes away 128 times.
     */
    @Override
    public void quantizeInput(float[] x, int off, float[] xq, int qOff, float[] dx, float[] xs, float[] xu, int dOff) {
        super.quantizeInput(x, off, xq, qOff, dx, xs, xu, dOff);
        Q8_0LanesTensor.toLanesInput(xq, qOff, dx, dOff, blocks, 0, xs);
    }

    @Override
    boolean lanes() {
        return true;
    }

    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        Q8_0LanesTensor.dequantizeLanesTile(q, qOff, k0, n, tile);
    }

    /**
     * {@link Q8_0LanesTensor}'s block sums (masks, one FMA per group and column; exact), then
     * {@link Q5KTensor#decodePanel}'s scales and offsets in its order: {@code acc = fma(P, a * dx, acc)} and
     * {@code off = fma(fma(0, a, b), u, off)}.
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        float[] fa = ob.a(), fb = ob.b(), xu = ob.u();
        FloatVector zero = FloatVector.zero(F);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        FloatVector o0 = zero, o1 = zero, o2 = zero, o3 = zero;
        FloatVector un0 = FloatVector.broadcast(F, UNSCALE_0);
        FloatVector un1 = FloatVector.broadcast(F, UNSCALE_1);
        FloatVector un2 = FloatVector.broadcast(F, UNSCALE_2);
        int o = qOff;
        int so = sOff;
        int touched = 0;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            touched += touchNextBlock(q, o, 32 * PANEL_ROWS);
            FloatVector p0 = zero, p1 = zero, p2 = zero, p3 = zero;
            int k = xOff + b * 32;
            for (int i = 0; i < 32; i++, o += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                IntVector v = IntVector.fromByteArray(I, q, o, ByteOrder.LITTLE_ENDIAN);
                p0 = v.and(0xFF).reinterpretAsFloats().fma(x, p0);
                p1 = v.and(0xFF00).reinterpretAsFloats().fma(x, p1);
                p2 = v.and(0xFF0000).reinterpretAsFloats().fma(x, p2);
                p3 = v.lanewise(VectorOperators.LSHR, 24).reinterpretAsFloats().fma(x, p3);
            }
            FloatVector offset = FloatVector.broadcast(F, -128f * xs[dOff + b]);
            float d = dx[dOff + b] * INPUT_SCALE; // the sums below are unscaled integers: dx again (exact)
            FloatVector u = FloatVector.broadcast(F, xu[dOff + b]);
            // fma(0, a, b) rather than b: Q5KTensor's formula (the contract's one for every centre)
            FloatVector a = FloatVector.fromArray(F, fa, so);
            a0 = p0.fma(un0, offset).fma(a.mul(d), a0);
            o0 = a.fma(zero, FloatVector.fromArray(F, fb, so)).fma(u, o0);
            a = FloatVector.fromArray(F, fa, so + GROUP);
            a1 = p1.fma(un1, offset).fma(a.mul(d), a1);
            o1 = a.fma(zero, FloatVector.fromArray(F, fb, so + GROUP)).fma(u, o1);
            a = FloatVector.fromArray(F, fa, so + 2 * GROUP);
            a2 = p2.fma(un2, offset).fma(a.mul(d), a2);
            o2 = a.fma(zero, FloatVector.fromArray(F, fb, so + 2 * GROUP)).fma(u, o2);
            a = FloatVector.fromArray(F, fa, so + 3 * GROUP);
            a3 = p3.fma(un0, offset).fma(a.mul(d), a3);
            o3 = a.fma(zero, FloatVector.fromArray(F, fb, so + 3 * GROUP)).fma(u, o3);
        }
        a0.add(o0).intoArray(out, outOff);
        a1.add(o1).intoArray(out, outOff + GROUP);
        a2.add(o2).intoArray(out, outOff + 2 * GROUP);
        a3.add(o3).intoArray(out, outOff + 3 * GROUP);
        spill[0] = (short) touched;
    }
}
