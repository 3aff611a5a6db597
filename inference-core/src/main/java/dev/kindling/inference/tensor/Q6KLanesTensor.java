package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.INPUT_SCALE;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.UNSCALE_0;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.UNSCALE_1;
import static dev.kindling.inference.tensor.Q8_0LanesTensor.UNSCALE_2;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link Q6KTensor} with its integers {@code q6 - 32} in {@link Q8_0LanesTensor}'s layout (four rows to an int lane,
 * stored as {@code u = q + 128}), for the same reason: on cores where a sign-extending load and a conversion per
 * group bound the one-token product (AVX2; {@link dev.kindling.inference.cpu.Simd#Q8_0_LANES}), masks turn a
 * column's bytes into float lanes directly. Same contract and the same bits as {@link Q6KTensor}; the group and
 * super-block scales are its own.
 *
 * <p>The input comes in this tensor's form ({@link #quantizeInput}): Q8_K's integers times 2^40, its scales times
 * 2^-40, and the sums of each block's two halves (the first 16 integers in {@code xs}, as Q8_K has them, the last 16
 * in {@code xu}, which Q6_K does not otherwise use). Per block and half, {@code P = sum(u * xq) - 128 * sum(xq)} is
 * exact, and the rest is {@link Q6KTensor#decodePanel}'s: {@code fma(P_2, sc_2, P_1 * sc_1)}, then
 * {@code fma(that, d * dx, acc)}.
 */
public final class Q6KLanesTensor extends Q6KTensor {
    Q6KLanesTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, src);
    }

    /**
     * Q8_K's input ({@link Q6KTensor}'s), then in this tensor's form: the integers times 2^40 and the scales times 2^-40
     * (as {@link Q8_0LanesTensor#quantizeInput}: every other kernel and the scalar twin compute the same bits), and in
     * {@code xu} each block's sum of its last 16 integers (exact; {@code xs} keeps the first 16's).
     */
    @Override
    public void quantizeInput(float[] x, int off, float[] xq, int qOff, float[] dx, float[] xs, float[] xu, int dOff) {
        super.quantizeInput(x, off, xq, qOff, dx, xs, xu, dOff);
        Q8_0LanesTensor.toLanesInput(xq, qOff, dx, dOff, blocks, 16, xu);
    }

    @Override
    boolean lanes() {
        return true;
    }

    /**
     * The integers times their group scales, as {@link Q6KTensor}'s tile has them, made as
     * {@link Q8_0LanesTensor#dequantizeTile} makes the integers (a byte OR-ed into the bits of 2^23, minus
     * {@code 2^23 + 128}: exact) and multiplied by the scale in the same pass (exact: at most 32 * 128).
     */
    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        byte[] gs = groupScales[panel / panelsPerChunk()];
        FloatVector bias = FloatVector.broadcast(F, 0x1p23f + 128f);
        int stride = TILE_COLS * GROUP;
        for (int k = 0; k < n; k += 16) {
            int kk = k0 + k;
            int so = groupOffset(panel, kk / 32) + (kk % 32 / 16) * PANEL_ROWS;
            FloatVector sc0 = (FloatVector) ByteVector.fromArray(B, gs, so).castShape(F, 0);
            FloatVector sc1 = (FloatVector) ByteVector.fromArray(B, gs, so + GROUP).castShape(F, 0);
            FloatVector sc2 = (FloatVector) ByteVector.fromArray(B, gs, so + 2 * GROUP).castShape(F, 0);
            FloatVector sc3 = (FloatVector) ByteVector.fromArray(B, gs, so + 3 * GROUP).castShape(F, 0);
            for (int i = k; i < k + 16; i++) {
                IntVector v = IntVector.fromByteArray(I, q, qOff + (k0 + i) * PANEL_ROWS, ByteOrder.LITTLE_ENDIAN);
                int t = i * GROUP;
                v.and(0xFF).or(0x4B000000).reinterpretAsFloats().sub(bias).mul(sc0).intoArray(tile, t);
                v.lanewise(VectorOperators.LSHR, 8).and(0xFF).or(0x4B000000).reinterpretAsFloats().sub(bias).mul(sc1)
                        .intoArray(tile, stride + t);
                v.lanewise(VectorOperators.LSHR, 16).and(0xFF).or(0x4B000000).reinterpretAsFloats().sub(bias).mul(sc2)
                        .intoArray(tile, 2 * stride + t);
                v.lanewise(VectorOperators.LSHR, 24).or(0x4B000000).reinterpretAsFloats().sub(bias).mul(sc3)
                        .intoArray(tile, 3 * stride + t);
            }
        }
    }

    /**
     * Per block: each half's 16 columns as {@link Q8_0LanesTensor}'s kernel takes a block (masks, one FMA per group and
     * column), the half's integer sums made exact with its input sum ({@code xs}, {@code xu}: {@link #quantizeInput}),
     * then the group scales and the super-block's {@code d} as {@link Q6KTensor#decodePanel} applies them. All four
     * row groups in one pass over the columns (two passes of two groups each read every column twice: 4.2-4.4 GB/s
     * against 5.0-5.2 per thread on Zen 1, {@code KernelBench --type Q6_K --threads 1}). The group scales go through
     * {@code ob.scratch()} ({@code 2 * PANEL_ROWS} floats, {@link Q8BlockTensor.Scratch#blockScratch}), converted in a loop:
     * written out eight times, their conversions took this method past C2's node budget for inlining (the per-block
     * part was left a call with boxed vectors, no faster than the byte kernel).
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        byte[] gs = groupScales[panel / panelsPerChunk()];
        float[] ds = superScales[panel / panelsPerChunk()];
        int go = groupOffset(panel, 0);
        int dso = superOffset(panel, 0);
        if (ob == null) {
            throw new IllegalArgumentException(name() + ": Q6KLanesTensor's product needs the xu its quantizeInput writes and a"
                    + " scratch (null given)");
        }
        float[] xu = ob.u(); // this tensor's second-half sums (Q8BlockTensor.multiplyPanel passes them)
        float[] scr = ob.scratch();
        FloatVector zero = FloatVector.zero(F);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        FloatVector un0 = FloatVector.broadcast(F, UNSCALE_0);
        FloatVector un1 = FloatVector.broadcast(F, UNSCALE_1);
        FloatVector un2 = FloatVector.broadcast(F, UNSCALE_2);
        int o = qOff;
        int touched = 0;
        for (int b = 0; b < blocks; b++, go += 2 * PANEL_ROWS) {
            touched += touchNextBlock(q, o, 32 * PANEL_ROWS);
            // the block's eight group scales (two halves of four row groups) as floats, in a loop: C2 parses its
            // conversion once, which keeps this method within its inlining budget
            for (int g = 0; g < 2 * PANEL_GROUPS; g++) {
                ((FloatVector) ByteVector.fromArray(B, gs, go + g * GROUP).castShape(F, 0)).intoArray(scr, g * GROUP);
            }
            int k = xOff + b * 32;
            FloatVector p0 = zero, p1 = zero, p2 = zero, p3 = zero;
            for (int i = 0; i < 16; i++, o += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                IntVector v = IntVector.fromByteArray(I, q, o, ByteOrder.LITTLE_ENDIAN);
                p0 = v.and(0xFF).reinterpretAsFloats().fma(x, p0);
                p1 = v.and(0xFF00).reinterpretAsFloats().fma(x, p1);
                p2 = v.and(0xFF0000).reinterpretAsFloats().fma(x, p2);
                p3 = v.lanewise(VectorOperators.LSHR, 24).reinterpretAsFloats().fma(x, p3);
            }
            // the first half's P times its group scale, kept where that scale was
            FloatVector offset = FloatVector.broadcast(F, -128f * xs[dOff + b]);
            p0.fma(un0, offset).mul(FloatVector.fromArray(F, scr, 0)).intoArray(scr, 0);
            p1.fma(un1, offset).mul(FloatVector.fromArray(F, scr, GROUP)).intoArray(scr, GROUP);
            p2.fma(un2, offset).mul(FloatVector.fromArray(F, scr, 2 * GROUP)).intoArray(scr, 2 * GROUP);
            p3.fma(un0, offset).mul(FloatVector.fromArray(F, scr, 3 * GROUP)).intoArray(scr, 3 * GROUP);
            p0 = zero;
            p1 = zero;
            p2 = zero;
            p3 = zero;
            for (int i = 16; i < 32; i++, o += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                IntVector v = IntVector.fromByteArray(I, q, o, ByteOrder.LITTLE_ENDIAN);
                p0 = v.and(0xFF).reinterpretAsFloats().fma(x, p0);
                p1 = v.and(0xFF00).reinterpretAsFloats().fma(x, p1);
                p2 = v.and(0xFF0000).reinterpretAsFloats().fma(x, p2);
                p3 = v.lanewise(VectorOperators.LSHR, 24).reinterpretAsFloats().fma(x, p3);
            }
            offset = FloatVector.broadcast(F, -128f * xu[dOff + b]);
            float d = dx[dOff + b] * INPUT_SCALE; // the integers' sums above are unscaled: dx again (exact)
            int dsb = dso + b / 8 * PANEL_ROWS;
            // fma(second, sc_2, first * sc_1), then times d_super * dx: Q6KTensor's order
            a0 = p0.fma(un0, offset).fma(FloatVector.fromArray(F, scr, PANEL_ROWS), FloatVector.fromArray(F, scr, 0))
                    .fma(FloatVector.fromArray(F, ds, dsb).mul(d), a0);
            a1 = p1.fma(un1, offset).fma(FloatVector.fromArray(F, scr, PANEL_ROWS + GROUP), FloatVector.fromArray(F, scr, GROUP))
                    .fma(FloatVector.fromArray(F, ds, dsb + GROUP).mul(d), a1);
            a2 = p2.fma(un2, offset).fma(FloatVector.fromArray(F, scr, PANEL_ROWS + 2 * GROUP), FloatVector.fromArray(F, scr, 2 * GROUP))
                    .fma(FloatVector.fromArray(F, ds, dsb + 2 * GROUP).mul(d), a2);
            a3 = p3.fma(un0, offset).fma(FloatVector.fromArray(F, scr, PANEL_ROWS + 3 * GROUP), FloatVector.fromArray(F, scr, 3 * GROUP))
                    .fma(FloatVector.fromArray(F, ds, dsb + 3 * GROUP).mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
        spill[0] = (short) touched;
    }
}
