package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.S;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * ggml Q6_K: super-blocks of 256 values (210 bytes: {@code ql[128], qh[64], int8 scales[16], f16 d});
 * value {@code = d * sc[j] * (q6 - 32)} per 16-value group {@code j}.
 *
 * <p>Computed on {@link Q8BlockTensor}'s f16-scale contract, with the integer weight of a column being
 * {@code (q6 - 32) * sc[j]} (at most 32 * 128 in magnitude, so a block's sum with Q8_K inputs stays below
 * 32 * 4096 * 127 &lt; 2^24 and is exact in float) and the block scale the super-block's {@code d}. The
 * integers {@code q6 - 32} are stored as {@link Q8_0Tensor}'s byte panels and the group scales beside them
 * (two bytes per row and block): the decode kernel takes each half block's sum and multiplies it by its
 * group scale (exact), the tile path dequantizes {@code (q6 - 32) * sc} to floats. Against llama.cpp, which
 * sums in integers per 16 values and scales in floats, only the order of float operations differs.
 */
public final class Q6KTensor extends Q8_0Tensor {
    /** Group scales per chunk of panels: for panel {@code p}, block {@code b}, half {@code h}, row {@code r} at {@link #groupOffset}. */
    private final byte[][] groupScales;

    Q6KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 256 * 210L, src);
        long fileRowBytes = cols / 256 * 210L;
        int ppc = panelsPerChunk();
        groupScales = new byte[(panels + ppc - 1) / ppc][];
        for (int c = 0; c < groupScales.length; c++) {
            groupScales[c] = new byte[Math.min(ppc, panels - c * ppc) * blocks * 2 * PANEL_ROWS];
        }
        for (int p = 0; p < panels; p++) {
            int first = p * PANEL_ROWS;
            int count = Math.min(PANEL_ROWS, rows - first);
            ByteBuffer b = src.rows(first, count).order(ByteOrder.LITTLE_ENDIAN);
            byte[] g = groupScales[p / ppc];
            for (int i = 0; i < count; i++) {
                int pos = Math.toIntExact(i * fileRowBytes);
                for (int sb = 0; sb < cols / 256; sb++) {
                    for (int j = 0; j < 16; j++) {
                        g[groupOffset(p, sb * 8 + j / 2) + (j % 2) * PANEL_ROWS + i] = b.get(pos + sb * 210 + 192 + j);
                    }
                }
            }
        }
    }

    /** Offset of panel {@code p}'s block {@code b} group scales (first half's {@code PANEL_ROWS}, then the second's). */
    private int groupOffset(int p, int b) {
        return ((p % panelsPerChunk()) * blocks + b) * 2 * PANEL_ROWS;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public ActivationFormat activationFormat() {
        return ActivationFormat.Q8_K;
    }

    /** The integers {@code q6 - 32} and, per 32-value block, the super-block's {@code d}; the group scales are read after. */
    @Override
    void unpackRow(ByteBuffer src, long pos, int[] values, short[] scales) {
        int p = Math.toIntExact(pos);
        for (int sb = 0; sb < cols / 256; sb++, p += 210) {
            int ql = p, qh = p + 128;
            short d = src.getShort(p + 208);
            for (int j = 0; j < 8; j++) {
                scales[sb * 8 + j] = d;
            }
            int y = sb * 256;
            for (int n = 0; n < 256; n += 128) {
                for (int l = 0; l < 32; l++) {
                    int lo0 = src.get(ql + l) & 0xFF;
                    int lo1 = src.get(ql + l + 32) & 0xFF;
                    int h = src.get(qh + l) & 0xFF;
                    values[y + l] = ((lo0 & 0xF) | ((h & 3) << 4)) - 32;
                    values[y + l + 32] = ((lo1 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    values[y + l + 64] = ((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    values[y + l + 96] = ((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                }
                y += 128;
                ql += 64;
                qh += 32;
            }
        }
    }

    @Override
    int value(int row, int k) {
        int p = row / PANEL_ROWS;
        int b = k / 32;
        return super.value(row, k) * groupScales[p / panelsPerChunk()][groupOffset(p, b) + (k % 32 / 16) * PANEL_ROWS + row % PANEL_ROWS];
    }

    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        byte[] gs = groupScales[panel / panelsPerChunk()];
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + k0 * PANEL_ROWS + g * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int k = 0; k < n; k += 16) {
                int kk = k0 + k;
                FloatVector sc = (FloatVector) ByteVector.fromArray(B, gs, groupOffset(panel, kk / 32) + (kk % 32 / 16) * PANEL_ROWS + g * GROUP)
                        .castShape(F, 0);
                for (int i = k; i < k + 16; i++) {
                    ((FloatVector) ByteVector.fromArray(B, q, src + i * PANEL_ROWS).castShape(F, 0)).mul(sc).intoArray(tile, dst + i * GROUP);
                }
            }
        }
    }

    /**
     * Per block and group of rows: the sums of the block's two halves (float FMAs of integers, exact), each
     * times its group scale and added (exact: below 2^24), then {@code acc = fma(P, d * dx, acc)} with the f16
     * {@code d} converted exactly as the tile path converts it ({@code tileScales}).
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        byte[] gs = groupScales[panel / panelsPerChunk()];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int o = qOff;
        int so = sOff;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            int go = groupOffset(panel, b);
            int k = xOff + b * 32;
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int i = 0; i < 16; i++, o += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                p0 = ((FloatVector) ByteVector.fromArray(B, q, o).castShape(F, 0)).fma(x, p0);
                p1 = ((FloatVector) ByteVector.fromArray(B, q, o + GROUP).castShape(F, 0)).fma(x, p1);
                p2 = ((FloatVector) ByteVector.fromArray(B, q, o + 2 * GROUP).castShape(F, 0)).fma(x, p2);
                p3 = ((FloatVector) ByteVector.fromArray(B, q, o + 3 * GROUP).castShape(F, 0)).fma(x, p3);
            }
            FloatVector s0 = p0.mul((FloatVector) ByteVector.fromArray(B, gs, go).castShape(F, 0));
            FloatVector s1 = p1.mul((FloatVector) ByteVector.fromArray(B, gs, go + GROUP).castShape(F, 0));
            FloatVector s2 = p2.mul((FloatVector) ByteVector.fromArray(B, gs, go + 2 * GROUP).castShape(F, 0));
            FloatVector s3 = p3.mul((FloatVector) ByteVector.fromArray(B, gs, go + 3 * GROUP).castShape(F, 0));
            p0 = FloatVector.zero(F);
            p1 = p0;
            p2 = p0;
            p3 = p0;
            for (int i = 16; i < 32; i++, o += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                p0 = ((FloatVector) ByteVector.fromArray(B, q, o).castShape(F, 0)).fma(x, p0);
                p1 = ((FloatVector) ByteVector.fromArray(B, q, o + GROUP).castShape(F, 0)).fma(x, p1);
                p2 = ((FloatVector) ByteVector.fromArray(B, q, o + 2 * GROUP).castShape(F, 0)).fma(x, p2);
                p3 = ((FloatVector) ByteVector.fromArray(B, q, o + 3 * GROUP).castShape(F, 0)).fma(x, p3);
            }
            go += PANEL_ROWS;
            s0 = p0.fma((FloatVector) ByteVector.fromArray(B, gs, go).castShape(F, 0), s0);
            s1 = p1.fma((FloatVector) ByteVector.fromArray(B, gs, go + GROUP).castShape(F, 0), s1);
            s2 = p2.fma((FloatVector) ByteVector.fromArray(B, gs, go + 2 * GROUP).castShape(F, 0), s2);
            s3 = p3.fma((FloatVector) ByteVector.fromArray(B, gs, go + 3 * GROUP).castShape(F, 0), s3);
            float d = dx[dOff + b];
            IntVector h = (IntVector) ShortVector.fromArray(S, s, so).castShape(I, 0);
            a0 = s0.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f).mul(d), a0);
            h = (IntVector) ShortVector.fromArray(S, s, so + GROUP).castShape(I, 0);
            a1 = s1.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f).mul(d), a1);
            h = (IntVector) ShortVector.fromArray(S, s, so + 2 * GROUP).castShape(I, 0);
            a2 = s2.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f).mul(d), a2);
            h = (IntVector) ShortVector.fromArray(S, s, so + 3 * GROUP).castShape(I, 0);
            a3 = s3.fma(h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f).mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
    }
}
