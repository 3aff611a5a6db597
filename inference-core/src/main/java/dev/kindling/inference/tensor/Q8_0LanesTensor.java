package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.S;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q8_0 in a layout whose one-token product needs no byte-to-float conversion, for cores where that
 * conversion is the bound (AVX2; {@link dev.kindling.inference.cpu.Simd#Q8_0_LANES}). Same contract and the
 * same bits as {@link Q8_0Tensor}; only the order and encoding of a panel column's bytes differ.
 *
 * <h2>Layout</h2>
 * A panel column is still {@code PANEL_ROWS} consecutive bytes, read as one vector of {@code GROUP} int lanes:
 * byte {@code j} of lane {@code m} holds row {@code j * GROUP + m}, that is group {@code j}'s lane {@code m}. Each
 * byte holds {@code u = q + 128} (0..255) instead of {@code q}. Rows past the tensor's end are zero bytes (their
 * scales are zero, and their outputs are never written).
 *
 * <h2>Decode: integers as subnormal floats</h2>
 * The bits {@code u << 8j} (below 2^24) read as a float are {@code u * 2^(8j - 149)} exactly: small subnormal or
 * normal floats that follow the integer linearly. So a mask ({@code & 0xFF << 8j}; the top byte by a shift) turns
 * one group's bytes into float lanes without a widening or a conversion, where {@link Q8_0Tensor} spends a
 * sign-extending load and a {@code vcvtdq2ps} per group (which on Zen 1, whose 256-bit operations are two
 * micro-ops, bound its decode near 6 GB/s per thread). The input is taken times 2^40 (exact), so that every
 * product is a normal float (subnormal results run at about three quarters of the speed there), and every
 * partial sum is an integer of at most 20 bits times a power of two: exact. {@link #quantizeInput} gives that input,
 * and each block's sum of integers, once per token. Per block, the integer sum is then
 * {@code P = sum(u * xq) - 128 * sum(xq)}, one exact FMA, and the rest is {@link Q8_0Tensor}'s:
 * {@code acc = fma(P, dw * dx, acc)}.
 */
public final class Q8_0LanesTensor extends Q8_0Tensor {
    /**
     * The power of two {@link #quantizeInput} multiplies the integers by, and the factors that bring each group's
     * sums (bytes at bit 8j, times that input) back to integers.
     */
    static final float INPUT_SCALE = 0x1p40f;
    static final float UNSCALE_0 = 0x1p109f; // 2^(149 - 40): bytes 0 and 3 (the shifted one)
    static final float UNSCALE_1 = 0x1p101f;
    static final float UNSCALE_2 = 0x1p93f;

    Q8_0LanesTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, src);
    }

    /**
     * The input as {@link Q8_0Tensor} takes it, then in this tensor's form: the integers times 2^40 (so that the
     * decode kernel's products are normal floats), the block scales times 2^-40 (so that every other kernel, and
     * the scalar twin, computes the same: {@code fma(P * 2^40, dw * dx * 2^-40, acc)} is {@code fma(P, dw * dx, acc)},
     * all exact), and in {@code xs} each block's sum of its 32 integers (exact), which the decode kernel takes
     * away 128 times.
     */
    @Override
    public void quantizeInput(float[] x, int off, float[] xq, int qOff, float[] dx, float[] xs, float[] xu, int dOff) {
        super.quantizeInput(x, off, xq, qOff, dx, xs, xu, dOff);
        toLanesInput(xq, qOff, dx, dOff, blocks, 0, xs);
    }

    /**
     * Puts a quantized input in the lanes layouts' form, in place: each 32-integer block's integers times
     * {@link #INPUT_SCALE}, its scale times the inverse (both exact), and into {@code sums[dOff + b]} the sum of the
     * block's integers from index {@code sumFrom} on (exact). {@link Q6KLanesTensor} keeps the second half's there.
     */
    static void toLanesInput(float[] xq, int qOff, float[] dx, int dOff, int blocks, int sumFrom, float[] sums) {
        for (int b = 0; b < blocks; b++) {
            int start = qOff + 32 * b;
            float sum = 0f;
            for (int i = start; i < start + 32; i++) {
                if (i >= start + sumFrom) {
                    sum += xq[i];
                }
                xq[i] *= INPUT_SCALE;
            }
            sums[dOff + b] = sum;
            dx[dOff + b] *= 1f / INPUT_SCALE;
        }
    }

    @Override
    boolean lanes() {
        return true;
    }

    /** Where row {@code r} of a panel sits in each of its columns. */
    static int position(int r) {
        return 4 * (r % GROUP) + r / GROUP;
    }

    /**
     * Writes row {@code r}'s integers into a panel in the lanes encoding (at {@link #position}, as {@code q + 128}).
     * Static: {@link Q8_0Tensor#storeRow} calls it for every lanes tensor ({@link Q8_0Tensor#lanes}), inside the base
     * constructor.
     */
    static void storeLanes(byte[] dst, int panelOff, int r, int[] values, int cols) {
        int p = panelOff + position(r);
        for (int k = 0; k < cols; k++) {
            dst[p + k * PANEL_ROWS] = (byte) (values[k] + 128);
        }
    }

    /** The integer of row {@code r}, column {@code k} in a lanes-encoded panel: {@link #storeLanes}' inverse. */
    static int laneValue(byte[] src, int panelOff, int r, int k) {
        return (src[panelOff + k * PANEL_ROWS + position(r)] & 0xFF) - 128;
    }

    /**
     * The integers as floats for the many-token tiles. No conversion instruction either: a byte OR-ed into the
     * bits of 2^23 ({@code 0x4B000000}) reads as {@code 2^23 + u}, and taking {@code 2^23 + 128} away leaves {@code q}
     * exactly; the second byte is taken where it stands ({@code 2^23 + 256u}, scaled back by 2^-8 in the same FMA).
     */
    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        dequantizeLanesTile(q, qOff, k0, n, tile);
    }

    /** {@link #dequantizeTile} of any lanes-encoded panel ({@link Q5KLanesTensor}'s too). */
    static void dequantizeLanesTile(byte[] q, int qOff, int k0, int n, float[] tile) {
        FloatVector bias = FloatVector.broadcast(F, 0x1p23f + 128f);
        FloatVector bias1 = FloatVector.broadcast(F, -(0x1p15f + 128f));
        FloatVector eighth = FloatVector.broadcast(F, 0x1p-8f);
        int stride = TILE_COLS * GROUP;
        for (int k = 0; k < n; k++) {
            IntVector v = IntVector.fromByteArray(I, q, qOff + (k0 + k) * PANEL_ROWS, ByteOrder.LITTLE_ENDIAN);
            int t = k * GROUP;
            v.and(0xFF).or(0x4B000000).reinterpretAsFloats().sub(bias).intoArray(tile, t);
            v.and(0xFF00).or(0x4B000000).reinterpretAsFloats().fma(eighth, bias1).intoArray(tile, stride + t);
            v.lanewise(VectorOperators.LSHR, 16).and(0xFF).or(0x4B000000).reinterpretAsFloats().sub(bias)
                    .intoArray(tile, 2 * stride + t);
            v.lanewise(VectorOperators.LSHR, 24).or(0x4B000000).reinterpretAsFloats().sub(bias).intoArray(tile, 3 * stride + t);
        }
    }

    /**
     * As {@link Q8_0Tensor#decodePanel}, with the groups' float lanes made by masks (class comment) and the input in
     * this tensor's form ({@link #quantizeInput}).
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector un0 = FloatVector.broadcast(F, UNSCALE_0);
        FloatVector un1 = FloatVector.broadcast(F, UNSCALE_1);
        FloatVector un2 = FloatVector.broadcast(F, UNSCALE_2);
        int o = qOff;
        int so = sOff;
        int touched = 0;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            touched += touchNextBlock(q, o, 32 * PANEL_ROWS);
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
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
            float d = dx[dOff + b] * INPUT_SCALE * 0x1p112f; // dx again (exact), then as Q8_0Tensor
            IntVector h = (IntVector) ShortVector.fromArray(S, s, so).castShape(I, 0);
            a0 = p0.fma(un0, offset).fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a0);
            h = (IntVector) ShortVector.fromArray(S, s, so + GROUP).castShape(I, 0);
            a1 = p1.fma(un1, offset).fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a1);
            h = (IntVector) ShortVector.fromArray(S, s, so + 2 * GROUP).castShape(I, 0);
            a2 = p2.fma(un2, offset).fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a2);
            h = (IntVector) ShortVector.fromArray(S, s, so + 3 * GROUP).castShape(I, 0);
            a3 = p3.fma(un0, offset).fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
        spill[0] = (short) touched;
    }
}
