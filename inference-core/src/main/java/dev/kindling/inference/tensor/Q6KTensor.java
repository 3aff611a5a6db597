package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q6_K: super-blocks of 256 values (210 bytes: {@code ql[128], qh[64], int8 scales[16], f16 d});
 * value {@code = d * sc[j] * (q6 - 32)} per 16-value group {@code j}.
 *
 * <p>Computed on {@link Q8BlockTensor}'s f16-scale contract, with the integer weight of a column being
 * {@code (q6 - 32) * sc[j]} (at most 32 * 128 in magnitude, so a block's sum with Q8_K inputs stays below
 * 32 * 4096 * 127 &lt; 2^24 and is exact in float) and the block scale the super-block's {@code d}. The
 * integers {@code q6 - 32} are stored as {@link Q8_0Tensor}'s byte panels and the group scales beside them
 * as floats (two per row and block), with each super-block's {@code d} as a float per row for the decode
 * kernel: that kernel takes each half block's sum and multiplies it by its group scale (exact), the tile
 * path dequantizes {@code (q6 - 32) * sc} to floats. Floats, not bytes, because every widening cast
 * ({@code castShape}) inlines about 1,600 bytecodes: with the scales as bytes and {@code d} as f16 the decode
 * kernel had 20 of them, outgrew C2's inlining budget and ran at half speed in some JVMs (engine decode
 * 11-17 tok/s against 21 before); Q8_0's kernel has 8. Against llama.cpp, which
 * sums in integers per 16 values and scales in floats, only the order of float operations differs.
 */
public final class Q6KTensor extends Q8_0Tensor {
    /** Group scales per chunk of panels: for panel {@code p}, block {@code b}, half {@code h}, row {@code r} at {@link #groupOffset}. */
    private final float[][] groupScales;
    /** Super-block scales {@code d} as floats per chunk of panels: panel {@code p}, super-block {@code sb}, row {@code r} at {@link #superOffset}. */
    private final float[][] superScales;

    Q6KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 256 * 210L, src);
        long fileRowBytes = cols / 256 * 210L;
        int ppc = panelsPerChunk();
        groupScales = new float[(panels + ppc - 1) / ppc][];
        superScales = new float[groupScales.length][];
        for (int c = 0; c < groupScales.length; c++) {
            int n = Math.min(ppc, panels - c * ppc);
            groupScales[c] = new float[n * blocks * 2 * PANEL_ROWS];
            superScales[c] = new float[n * (blocks / 8) * PANEL_ROWS];
        }
        for (int p = 0; p < panels; p++) {
            int first = p * PANEL_ROWS;
            int count = Math.min(PANEL_ROWS, rows - first);
            ByteBuffer b = src.rows(first, count).order(ByteOrder.LITTLE_ENDIAN);
            float[] g = groupScales[p / ppc];
            for (int i = 0; i < count; i++) {
                int pos = Math.toIntExact(i * fileRowBytes);
                for (int sb = 0; sb < cols / 256; sb++) {
                    superScales[p / ppc][superOffset(p, sb) + i] = ScalarKernels.halfToFloat(b.getShort(pos + sb * 210 + 208));
                    for (int j = 0; j < 16; j++) {
                        g[groupOffset(p, sb * 8 + j / 2) + (j % 2) * PANEL_ROWS + i] = b.get(pos + sb * 210 + 192 + j);
                    }
                }
            }
        }
    }

    /** Offset of panel {@code p}'s super-block {@code sb} scales ({@code PANEL_ROWS} of them). */
    private int superOffset(int p, int sb) {
        return ((p % panelsPerChunk()) * (blocks / 8) + sb) * PANEL_ROWS;
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
        return super.value(row, k) * (int) groupScales[p / panelsPerChunk()][groupOffset(p, b) + (k % 32 / 16) * PANEL_ROWS + row % PANEL_ROWS];
    }

    @Override
    void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile) {
        float[] gs = groupScales[panel / panelsPerChunk()];
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + k0 * PANEL_ROWS + g * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int k = 0; k < n; k += 16) {
                int kk = k0 + k;
                FloatVector sc = FloatVector.fromArray(F, gs, groupOffset(panel, kk / 32) + (kk % 32 / 16) * PANEL_ROWS + g * GROUP);
                for (int i = k; i < k + 16; i++) {
                    ((FloatVector) ByteVector.fromArray(B, q, src + i * PANEL_ROWS).castShape(F, 0)).mul(sc).intoArray(tile, dst + i * GROUP);
                }
            }
        }
    }

    /**
     * Per block and group of rows: the sums of the block's two halves (float FMAs of integers, exact), each
     * times its group scale and added (exact: below 2^24), then {@code acc = fma(P, d * dx, acc)} with {@code d}
     * the exact float of the f16, as the tile path's {@code tileScales} converts it.
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        float[] gs = groupScales[panel / panelsPerChunk()];
        float[] ds = superScales[panel / panelsPerChunk()];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int o = qOff;
        int so = sOff;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            int go = groupOffset(panel, b);
            int k = xOff + b * 32;
            // both halves in one loop (columns i and i + 16), as Q4_0's kernel takes its two nibbles; a loop per half
            // measured about the same (engine decode 14-18 against 17-19 tok/s, KernelBench 18-19 against 16 GB/s)
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            FloatVector h0 = p0, h1 = p0, h2 = p0, h3 = p0;
            int oh = o + 16 * PANEL_ROWS;
            for (int i = 0; i < 16; i++, o += PANEL_ROWS, oh += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                FloatVector y = FloatVector.broadcast(F, xq[k + i + 16]);
                p0 = ((FloatVector) ByteVector.fromArray(B, q, o).castShape(F, 0)).fma(x, p0);
                h0 = ((FloatVector) ByteVector.fromArray(B, q, oh).castShape(F, 0)).fma(y, h0);
                p1 = ((FloatVector) ByteVector.fromArray(B, q, o + GROUP).castShape(F, 0)).fma(x, p1);
                h1 = ((FloatVector) ByteVector.fromArray(B, q, oh + GROUP).castShape(F, 0)).fma(y, h1);
                p2 = ((FloatVector) ByteVector.fromArray(B, q, o + 2 * GROUP).castShape(F, 0)).fma(x, p2);
                h2 = ((FloatVector) ByteVector.fromArray(B, q, oh + 2 * GROUP).castShape(F, 0)).fma(y, h2);
                p3 = ((FloatVector) ByteVector.fromArray(B, q, o + 3 * GROUP).castShape(F, 0)).fma(x, p3);
                h3 = ((FloatVector) ByteVector.fromArray(B, q, oh + 3 * GROUP).castShape(F, 0)).fma(y, h3);
            }
            o = oh; // past the block's 32 columns
            FloatVector s0 = h0.fma(FloatVector.fromArray(F, gs, go + PANEL_ROWS), p0.mul(FloatVector.fromArray(F, gs, go)));
            FloatVector s1 = h1.fma(FloatVector.fromArray(F, gs, go + PANEL_ROWS + GROUP), p1.mul(FloatVector.fromArray(F, gs, go + GROUP)));
            FloatVector s2 = h2.fma(FloatVector.fromArray(F, gs, go + PANEL_ROWS + 2 * GROUP),
                    p2.mul(FloatVector.fromArray(F, gs, go + 2 * GROUP)));
            FloatVector s3 = h3.fma(FloatVector.fromArray(F, gs, go + PANEL_ROWS + 3 * GROUP),
                    p3.mul(FloatVector.fromArray(F, gs, go + 3 * GROUP)));
            float d = dx[dOff + b];
            int dso = superOffset(panel, b / 8);
            a0 = s0.fma(FloatVector.fromArray(F, ds, dso).mul(d), a0);
            a1 = s1.fma(FloatVector.fromArray(F, ds, dso + GROUP).mul(d), a1);
            a2 = s2.fma(FloatVector.fromArray(F, ds, dso + 2 * GROUP).mul(d), a2);
            a3 = s3.fma(FloatVector.fromArray(F, ds, dso + 3 * GROUP).mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
    }
}
