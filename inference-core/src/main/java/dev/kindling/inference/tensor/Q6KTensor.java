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
 * as the file's int8 (two per row and block), with each super-block's {@code d} as a float per row for the
 * decode kernel: that kernel takes each half block's sum and multiplies it by its group scale (exact), the tile
 * path dequantizes {@code (q6 - 32) * sc} to floats. Every widening cast ({@code castShape}) inlines about 1,600
 * bytecodes: with the scales as bytes, {@code d} as f16 and all four row groups in one kernel, it had 20 of them,
 * outgrew C2's inlining budget and ran at half speed in some JVMs. Two row groups per call
 * ({@link #decodeTwoGroups}) take 8, as Q8_0's kernel; with the scales as bytes instead of floats the decode
 * streams 1.08 bytes per weight instead of 1.27 (engine decode 23.2-26.1 against 17.6-21.3 tok/s in 6 alternated
 * pairs, docs/cpu-inference-log.md). Against llama.cpp, which
 * sums in integers per 16 values and scales in floats, only the order of float operations differs.
 */
public class Q6KTensor extends Q8_0Tensor {
    /** Group scales (the file's int8) per chunk of panels: for panel {@code p}, block {@code b}, half {@code h}, row {@code r} at {@link #groupOffset}. */
    final byte[][] groupScales;
    /** Super-block scales {@code d} as floats per chunk of panels: panel {@code p}, super-block {@code sb}, row {@code r} at {@link #superOffset}. */
    final float[][] superScales;

    Q6KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 256 * 210L, src);
        long fileRowBytes = cols / 256 * 210L;
        int ppc = panelsPerChunk();
        groupScales = new byte[(panels + ppc - 1) / ppc][];
        superScales = new float[groupScales.length][];
        for (int c = 0; c < groupScales.length; c++) {
            int n = Math.min(ppc, panels - c * ppc);
            groupScales[c] = new byte[n * blocks * 2 * PANEL_ROWS];
            superScales[c] = new float[n * (blocks / 8) * PANEL_ROWS];
        }
        for (int p = 0; p < panels; p++) {
            int first = p * PANEL_ROWS;
            int count = Math.min(PANEL_ROWS, rows - first);
            ByteBuffer b = src.rows(first, count).order(ByteOrder.LITTLE_ENDIAN);
            byte[] g = groupScales[p / ppc];
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
    int superOffset(int p, int sb) {
        return ((p % panelsPerChunk()) * (blocks / 8) + sb) * PANEL_ROWS;
    }

    /** Offset of panel {@code p}'s block {@code b} group scales (first half's {@code PANEL_ROWS}, then the second's). */
    int groupOffset(int p, int b) {
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

    /**
     * The integers {@code q6 - 32} and, per 32-value block, the super-block's {@code d}. The group scales are read in
     * a second pass by the constructor: this method runs inside the base class's constructor, before this class's
     * arrays exist (16 bytes per super-block, from pages the first pass has just read).
     */
    @Override
    void unpackRow(ByteBuffer src, long pos, UnpackedRow row) {
        int[] values = row.values();
        short[] scales = row.scales();
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
        byte[] gs = groupScales[panel / panelsPerChunk()];
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + k0 * PANEL_ROWS + g * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int k = 0; k < n; k += 16) {
                int kk = k0 + k;
                FloatVector sc = (FloatVector) ByteVector.fromArray(B, gs, groupOffset(panel, kk / 32) + (kk % 32 / 16) * PANEL_ROWS + g * GROUP).castShape(F, 0);
                for (int i = k; i < k + 16; i++) {
                    ((FloatVector) ByteVector.fromArray(B, q, src + i * PANEL_ROWS).castShape(F, 0)).mul(sc).intoArray(tile, dst + i * GROUP);
                }
            }
        }
    }

    /**
     * Per block and pair of row groups: the sums of the block's two halves (float FMAs of integers, exact), each
     * times its group scale and added (exact: below 2^24), then {@code acc = fma(P, d * dx, acc)} with {@code d}
     * the exact float of the f16, as the tile path's {@code tileScales} converts it. Two groups per call, not
     * the panel's four: with four, the method passed C2's node budget for inlining in some JVMs
     * ({@code -XX:CompileCommand=option,...Q6KTensor::decodePanel,PrintInlining}: {@code NodeCountInliningCutoff},
     * then the final stores' {@code VectorSupport::store} "failed to inline (intrinsic)"), its vectors were
     * boxed and engine decode ran at 11.6-13.1 against 16.5-17.7 tok/s.
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        byte[] gs = groupScales[panel / panelsPerChunk()];
        float[] ds = superScales[panel / panelsPerChunk()];
        int go = groupOffset(panel, 0);
        int dso = superOffset(panel, 0);
        spill[0] = (short) decodeTwoGroups(q, qOff, gs, go, ds, dso, xq, xOff, dx, dOff, out, outOff);
        decodeTwoGroups(q, qOff + 2 * GROUP, gs, go + 2 * GROUP, ds, dso + 2 * GROUP, xq, xOff, dx, dOff, out, outOff + 2 * GROUP);
    }

    /**
     * {@link #decodePanel} for the two row groups whose values start at {@code q[qOff]} (stride {@code PANEL_ROWS} per
     * column); returns the sum of its {@link #touchNextBlock} loads, which the caller stores.
     */
    private int decodeTwoGroups(byte[] q, int qOff, byte[] gs, int go, float[] ds, int dso, float[] xq, int xOff, float[] dx,
            int dOff, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int o = qOff;
        int touched = 0;
        for (int b = 0; b < blocks; b++, go += 2 * PANEL_ROWS) {
            // the first call's touches bring the lines; only its sum is stored, so C2 may drop the second call's
            // (they would hit L2 anyway: the second pass reads lines the first brought in)
            touched += touchNextBlock(q, o, 32 * PANEL_ROWS);
            int k = xOff + b * 32;
            // both halves in one loop (columns i and i + 16), as Q4_0's kernel takes its two nibbles
            FloatVector p0 = FloatVector.zero(F), p1 = p0;
            FloatVector h0 = p0, h1 = p0;
            int oh = o + 16 * PANEL_ROWS;
            for (int i = 0; i < 16; i++, o += PANEL_ROWS, oh += PANEL_ROWS) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                FloatVector y = FloatVector.broadcast(F, xq[k + i + 16]);
                p0 = ((FloatVector) ByteVector.fromArray(B, q, o).castShape(F, 0)).fma(x, p0);
                h0 = ((FloatVector) ByteVector.fromArray(B, q, oh).castShape(F, 0)).fma(y, h0);
                p1 = ((FloatVector) ByteVector.fromArray(B, q, o + GROUP).castShape(F, 0)).fma(x, p1);
                h1 = ((FloatVector) ByteVector.fromArray(B, q, oh + GROUP).castShape(F, 0)).fma(y, h1);
            }
            o = oh; // past the block's 32 columns
            FloatVector s0 = h0.fma(((FloatVector) ByteVector.fromArray(B, gs, go + PANEL_ROWS).castShape(F, 0)), p0.mul(((FloatVector) ByteVector.fromArray(B, gs, go).castShape(F, 0))));
            FloatVector s1 = h1.fma(((FloatVector) ByteVector.fromArray(B, gs, go + PANEL_ROWS + GROUP).castShape(F, 0)), p1.mul(((FloatVector) ByteVector.fromArray(B, gs, go + GROUP).castShape(F, 0))));
            float d = dx[dOff + b];
            int dsb = dso + b / 8 * PANEL_ROWS;
            a0 = s0.fma(FloatVector.fromArray(F, ds, dsb).mul(d), a0);
            a1 = s1.fma(FloatVector.fromArray(F, ds, dsb + GROUP).mul(d), a1);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        return touched;
    }
}
