package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.S;

import dev.kindling.formats.gguf.GgmlType;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * ggml Q8_0: blocks of 32 int8 values with an f16 scale {@code d} (34 bytes); {@code w = q * d}.
 * Stored as one byte per value in the interleaved panels of {@link Q8BlockTensor} (a panel's column
 * {@code k} is {@code PANEL_ROWS} consecutive bytes at {@code k * PANEL_ROWS}).
 */
public class Q8_0Tensor extends Q8BlockTensor {
    Q8_0Tensor(String name, int rows, int cols, RowSource src) {
        this(name, rows, cols, cols / 32 * 34L, src);
    }

    /** For {@link Q5KTensor}, whose integers are stored in this layout: {@code fileRowBytes} as in {@link Q8BlockTensor}. */
    Q8_0Tensor(String name, int rows, int cols, long fileRowBytes, RowSource src) {
        super(name, rows, cols, cols, fileRowBytes, src);
        if (lanes() && PANEL_GROUPS != 4) {
            throw new IllegalStateException(getClass().getSimpleName() + " packs four groups into an int lane, not " + PANEL_GROUPS);
        }
    }

    /**
     * Whether this tensor keeps its integers in {@link Q8_0LanesTensor}'s layout (four rows to an int lane, as
     * {@code q + 128}) and takes its input in a form of its own: the lanes tensors ({@link Q8_0LanesTensor},
     * {@link Q6KLanesTensor}, {@link Q5KLanesTensor}) say so, and storing, reading and {@link #ownsInputForm} follow.
     * The base constructor stores the rows, so this must not read fields.
     */
    boolean lanes() {
        return false;
    }

    @Override
    public boolean ownsInputForm() {
        return lanes();
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, UnpackedRow row) {
        int[] values = row.values();
        short[] scales = row.scales();
        int p = Math.toIntExact(pos);
        for (int b = 0; b < blocks; b++, p += 34) {
            scales[b] = src.getShort(p);
            for (int i = 0; i < 32; i++) {
                values[b * 32 + i] = src.get(p + 2 + i);
            }
        }
    }

    @Override
    void storeRow(byte[] dst, int panelOff, int r, int[] values) {
        if (lanes()) {
            Q8_0LanesTensor.storeLanes(dst, panelOff, r, values, cols);
            return;
        }
        for (int k = 0; k < cols; k++) {
            dst[panelOff + k * PANEL_ROWS + r] = (byte) values[k];
        }
    }

    @Override
    int value(byte[] src, int panelOff, int r, int k) {
        return lanes() ? Q8_0LanesTensor.laneValue(src, panelOff, r, k) : src[panelOff + k * PANEL_ROWS + r];
    }

    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + k0 * PANEL_ROWS + g * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int k = 0; k < n; k++) {
                ((FloatVector) ByteVector.fromArray(B, q, src + k * PANEL_ROWS).castShape(F, 0)).intoArray(tile, dst + k * GROUP);
            }
        }
    }

    /**
     * Per block: the integer sums P of the four groups (float FMAs of integers: exact), then
     * {@code acc = fma(P, dw * dx, acc)}. The f16 scales {@code dw} become floats by bit moves: the
     * sign-extended half {@code h} gives {@code ((h & 0x7FFF) << 13 | sign)}, which is the float
     * {@code dw * 2^-112} exactly (normal and subnormal halves; non-finite ones never get here), and
     * {@code 2^112} is folded into {@code dx} (exact: dx is f16-valued). The shift is a multiplication
     * by 8192 and the sign comes from the sign extension: C2 on JDK 17 compiles these well, lane
     * shifts and blends badly.
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int o = qOff;
        int so = sOff;
        int touched = 0;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            touched += touchNextBlock(q, o, 32 * PANEL_ROWS);
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            int k = xOff + b * 32;
            for (int i = 0; i < 32; i++, o += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                p0 = ((FloatVector) ByteVector.fromArray(B, q, o).castShape(F, 0)).fma(x, p0);
                p1 = ((FloatVector) ByteVector.fromArray(B, q, o + GROUP).castShape(F, 0)).fma(x, p1);
                p2 = ((FloatVector) ByteVector.fromArray(B, q, o + 2 * GROUP).castShape(F, 0)).fma(x, p2);
                p3 = ((FloatVector) ByteVector.fromArray(B, q, o + 3 * GROUP).castShape(F, 0)).fma(x, p3);
            }
            float d = dx[dOff + b] * 0x1p112f;
            IntVector h = (IntVector) ShortVector.fromArray(S, s, so).castShape(I, 0);
            a0 = p0.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a0);
            h = (IntVector) ShortVector.fromArray(S, s, so + GROUP).castShape(I, 0);
            a1 = p1.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a1);
            h = (IntVector) ShortVector.fromArray(S, s, so + 2 * GROUP).castShape(I, 0);
            a2 = p2.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a2);
            h = (IntVector) ShortVector.fromArray(S, s, so + 3 * GROUP).castShape(I, 0);
            a3 = p3.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
        spill[0] = (short) touched;
    }
}
