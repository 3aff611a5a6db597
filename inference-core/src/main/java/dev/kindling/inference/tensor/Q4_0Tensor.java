package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.B2;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.S;
import static dev.kindling.inference.cpu.Simd.S2;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.JitAdvice;
import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0: blocks of 32 values (18 bytes: f16 {@code d}, 16 bytes of nibbles; value j is the low
 * nibble of byte j, value j+16 its high nibble); {@code w = (q - 8) * d}.
 *
 * <p>Stored in the interleaved panels of {@link Q8BlockTensor}: for block {@code b} and
 * {@code j < 16}, the {@code PANEL_ROWS} bytes at {@code (b * 16 + j) * PANEL_ROWS} hold values
 * {@code j} (low nibble, as in the file: {@code q}) and {@code j + 16} (high nibble, signed:
 * {@code q - 8} in two's complement) of each row of the panel, i.e. the file's byte xor 0x80.
 * {@link Q4KTensor} keeps its centred nibbles in the same layout and shares the tile code.
 */
public class Q4_0Tensor extends Q8BlockTensor {
    Q4_0Tensor(String name, int rows, int cols, RowSource src) {
        this(name, rows, cols, cols / 32 * 18L, src);
    }

    /** For {@link Q4KTensor}, whose integers are stored in this layout: {@code fileRowBytes} as in {@link Q8BlockTensor}. */
    Q4_0Tensor(String name, int rows, int cols, long fileRowBytes, RowSource src) {
        super(name, rows, cols, cols / 2, fileRowBytes, src);
        JitAdvice.checkForQuantKernels();
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, UnpackedRow row) {
        int[] values = row.values();
        short[] scales = row.scales();
        int p = Math.toIntExact(pos);
        for (int b = 0; b < blocks; b++, p += 18) {
            scales[b] = src.getShort(p);
            for (int j = 0; j < 16; j++) {
                int v = src.get(p + 2 + j) & 0xFF;
                values[b * 32 + j] = (v & 15) - 8;
                values[b * 32 + j + 16] = (v >>> 4) - 8;
            }
        }
    }

    @Override
    void storeRow(byte[] dst, int panelOff, int r, int[] values) {
        for (int b = 0; b < blocks; b++) {
            for (int j = 0; j < 16; j++) {
                int lo = values[b * 32 + j] + 8;
                int hi = values[b * 32 + j + 16];
                dst[panelOff + (b * 16 + j) * PANEL_ROWS + r] = (byte) (lo | hi << 4);
            }
        }
    }

    @Override
    int value(byte[] src, int panelOff, int r, int k) {
        int v = src[panelOff + (k / 32 * 16 + k % 16) * PANEL_ROWS + r]; // sign-extended
        return k % 32 < 16 ? (v & 15) - 8 : v >> 4;
    }

    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + k0 / 2 * PANEL_ROWS + g * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int b = 0; b < n / 32; b++) {
                for (int j = 0; j < 16; j++) {
                    ByteVector v = ByteVector.fromArray(B, q, src + (b * 16 + j) * PANEL_ROWS);
                    ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).sub(8f).intoArray(tile, dst + (b * 32 + j) * GROUP);
                    ((FloatVector) v.and((byte) 0xF0).castShape(F, 0)).mul(0.0625f).intoArray(tile, dst + (b * 32 + j + 16) * GROUP);
                }
            }
        }
    }

    @Override
    boolean hasInt16Tiles() {
        return true;
    }

    /**
     * Both halves of a column pair per iteration: the tile's row of {@code PANEL_ROWS} int16 values is
     * written whole, in order, and each stored byte is read once. Measured against a loop over one
     * half at a time (two passes over the same bytes): 130 against 185 ns per 128-column tile in
     * isolation, and +2.6-6.3% batch-16 decode on the 1B Q4_0 model (in-process A/B, 8 pairs each);
     * the same reordering of the Q8_0 float tile gained nothing and was not kept.
     */
    @Override
    void dequantizeTile16(byte[] q, int qOff, int k0, int n, short[] tile) {
        final int half = 2 * GROUP;
        int src = qOff + k0 / 2 * PANEL_ROWS;
        for (int b = 0; b < n / 32; b++) {
            for (int j = 0; j < 16; j++) {
                int o = src + (b * 16 + j) * PANEL_ROWS;
                int lo = (b * 32 + j) * PANEL_ROWS;
                int hi = lo + 16 * PANEL_ROWS;
                ShortVector v = (ShortVector) ByteVector.fromArray(B2, q, o).castShape(S2, 0);
                ShortVector u = (ShortVector) ByteVector.fromArray(B2, q, o + half).castShape(S2, 0);
                v.and((short) 15).sub((short) 8).intoArray(tile, lo);
                u.and((short) 15).sub((short) 8).intoArray(tile, lo + half);
                v.lanewise(VectorOperators.ASHR, 4).intoArray(tile, hi);
                u.lanewise(VectorOperators.ASHR, 4).intoArray(tile, hi + half);
            }
        }
    }

    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        if (int16Decode) {
            decodePanelInt16(blocks, q, qOff, s, sOff, xq16, xOff, dx, xs, dOff, out, outOff, spill);
        } else {
            decodePanelFloat(blocks, q, qOff, s, sOff, xq, xOff, dx, xs, dOff, out, outOff);
        }
    }

    /**
     * Per block, with {@code lo = v & 0x0F} (the unsigned low nibble) and {@code hi16 = v & 0xF0}
     * (as a signed byte: 16 * the signed high value), byte masks only (lane shifts compile badly on
     * JDK 17): {@code P = sum lo * x_j - 8 * sum_{j<16} x_j + sum hi16 * (x_{j+16} / 16)}. Every term and
     * partial sum is an integer below 2^24, so P is exact and equals the scalar twin's
     * {@code sum (q - 8) * x}. Scales as in {@link Q8_0Tensor#decodePanel}. The kernel unless
     * {@link Simd#INT16_DECODE}.
     */
    static void decodePanelFloat(int blocks, byte[] q, int qOff, short[] s, int sOff, float[] xq, int xOff, float[] dx,
            float[] xs, int dOff, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int o = qOff;
        int so = sOff;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            FloatVector p0 = FloatVector.broadcast(F, -8f * xs[dOff + b]), p1 = p0, p2 = p0, p3 = p0;
            int k = xOff + b * 32;
            for (int j = 0; j < 16; j++, o += PANEL_ROWS) {
                FloatVector xl = FloatVector.broadcast(F, xq[k + j]);
                FloatVector xh = FloatVector.broadcast(F, xq[k + j + 16] * 0.0625f);
                ByteVector v = ByteVector.fromArray(B, q, o);
                p0 = ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).fma(xl, p0);
                p0 = ((FloatVector) v.and((byte) 0xF0).castShape(F, 0)).fma(xh, p0);
                v = ByteVector.fromArray(B, q, o + GROUP);
                p1 = ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).fma(xl, p1);
                p1 = ((FloatVector) v.and((byte) 0xF0).castShape(F, 0)).fma(xh, p1);
                v = ByteVector.fromArray(B, q, o + 2 * GROUP);
                p2 = ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).fma(xl, p2);
                p2 = ((FloatVector) v.and((byte) 0xF0).castShape(F, 0)).fma(xh, p2);
                v = ByteVector.fromArray(B, q, o + 3 * GROUP);
                p3 = ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).fma(xl, p3);
                p3 = ((FloatVector) v.and((byte) 0xF0).castShape(F, 0)).fma(xh, p3);
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
    }

    /**
     * In 16-bit integers, half a panel ({@code 2 * GROUP} rows) per vector: a byte of the panel widened to a
     * short {@code v} is {@code 16 * hi + lo}, with {@code lo = q_j} (0..15, the value {@code lo - 8}) and
     * {@code hi = q_{j+16} - 8} (the byte is signed). The inputs come in the decode form of
     * {@link #toInt16Decode} ({@code c_j = x_{j+16} - 16 * x_j} beside {@code x_j}), so per column pair
     * {@code P += v * x_j + (v >> 4) * c_j}, which is {@code lo * x_j + hi * x_{j+16}}, and the block starts from
     * {@code -8 * sum_{j<16} x_j} ({@code xs}). Products and sums wrap at 16 bits, but the block's result, the
     * scalar twin's {@code sum (q - 8) * x}, is at most 8 * 127 * 32 = 32512 in magnitude, so the wrapped sum
     * is exact. One vector instruction covers twice the rows of a float FMA, which is what makes this kernel
     * keep up with memory; the decode form saves the mask, the offset and one broadcast per column pair
     * (+30% on Zen 1, see docs/cpu-inference-log.md). The block's sums go through {@code spill} to floats (a
     * widening cast of half a vector is the one that compiles on JDK 17), then as in
     * {@link Q8_0Tensor#decodePanel}. The kernel when {@link Simd#INT16_DECODE}.
     */
    static void decodePanelInt16(int blocks, byte[] q, int qOff, short[] s, int sOff, short[] xq, int xOff, float[] dx,
            float[] xs, int dOff, float[] out, int outOff, short[] spill) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        final int half = 2 * GROUP;
        int o = qOff;
        int so = sOff;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            ShortVector p0 = ShortVector.broadcast(S2, (short) (-8 * (int) xs[dOff + b])), p1 = p0;
            int k = xOff + b * 32;
            for (int j = 0; j < 16; j++, o += PANEL_ROWS) {
                ShortVector xl = ShortVector.broadcast(S2, xq[k + j]);
                ShortVector c = ShortVector.broadcast(S2, xq[k + j + 16]);
                ShortVector v = (ShortVector) ByteVector.fromArray(B2, q, o).castShape(S2, 0);
                p0 = v.mul(xl).add(p0);
                p0 = v.lanewise(VectorOperators.ASHR, 4).mul(c).add(p0);
                v = (ShortVector) ByteVector.fromArray(B2, q, o + half).castShape(S2, 0);
                p1 = v.mul(xl).add(p1);
                p1 = v.lanewise(VectorOperators.ASHR, 4).mul(c).add(p1);
            }
            p0.intoArray(spill, 0);
            p1.intoArray(spill, half);
            float d = dx[dOff + b] * 0x1p112f;
            IntVector h = (IntVector) ShortVector.fromArray(S, s, so).castShape(I, 0);
            a0 = ((FloatVector) ShortVector.fromArray(S, spill, 0).castShape(F, 0))
                    .fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a0);
            h = (IntVector) ShortVector.fromArray(S, s, so + GROUP).castShape(I, 0);
            a1 = ((FloatVector) ShortVector.fromArray(S, spill, GROUP).castShape(F, 0))
                    .fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a1);
            h = (IntVector) ShortVector.fromArray(S, s, so + 2 * GROUP).castShape(I, 0);
            a2 = ((FloatVector) ShortVector.fromArray(S, spill, 2 * GROUP).castShape(F, 0))
                    .fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a2);
            h = (IntVector) ShortVector.fromArray(S, s, so + 3 * GROUP).castShape(I, 0);
            a3 = ((FloatVector) ShortVector.fromArray(S, spill, 3 * GROUP).castShape(F, 0))
                    .fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
    }
}
