package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.B2;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.S;
import static dev.kindling.inference.cpu.Simd.S2;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_K: super-blocks of 256 (144 bytes: f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit
 * scales/mins, 128 bytes of nibbles: for each 64 values, the low nibbles of 32 bytes are the first
 * 32 values, the high nibbles the next 32). Value {@code = d*sc * q - dmin*m} per 32-value sub-block.
 *
 * <p>Computed as {@link Q8BlockTensor}'s block-offset case: the nibbles centred ({@code q - 8}) in
 * {@link Q4_0Tensor}'s panels, with {@code a = d*sc} and {@code b = -dmin*m} per block, against activations
 * quantized to Q8_K as llama.cpp quantizes them. Each block's integer sum is Q4_0's; the decode kernels below add
 * the float scale {@code a} and the offset chain of the contract. The scales stay as the file has them
 * ({@link #compactScales}): the int16 decode kernel computes {@code a} and {@code b} per block, the float one and
 * the tiles read them expanded per panel.
 */
public final class Q4KTensor extends Q4_0Tensor {
    Q4KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 256 * 144L, src);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public ActivationFormat activationFormat() {
        return ActivationFormat.Q8_K;
    }

    @Override
    boolean hasBlockOffsets() {
        return true;
    }

    @Override
    boolean compactScales() {
        return true;
    }

    /** The int16 kernel computes each block's {@code a} and {@code b} from the stored scales (fewer bytes to stream). */
    @Override
    boolean decodesCompactScales(boolean int16Decode) {
        return int16Decode;
    }

    @Override
    int offsetCentre() {
        return CENTRE;
    }

    /** Nibbles are stored as {@code q - 8}, Q4_0's integers: the int16 block sums stay within 8 * 127 * 32. */
    private static final int CENTRE = 8;

    @Override
    void unpackRow(ByteBuffer src, long pos, UnpackedRow row) {
        int[] values = row.values();
        int p = Math.toIntExact(pos);
        for (int sb = 0; sb < cols / 256; sb++, p += 144) {
            KQuants.scalesAndMins(src, p, row.d(), row.dmin(), sb, row.sc(), row.m(), sb * 8);
            int qs = p + 16;
            for (int pair = 0; pair < 4; pair++) {
                int y = sb * 256 + pair * 64;
                for (int l = 0; l < 32; l++) {
                    int v = src.get(qs + pair * 32 + l) & 0xFF;
                    values[y + l] = (v & 15) - CENTRE;
                    values[y + 32 + l] = (v >>> 4) - CENTRE;
                }
            }
        }
    }

    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        if (int16Decode) {
            decodePanelInt16(blocks, q, qOff, ob.compact(), sOff, xq16, xOff, dx, xs, ob.u(), dOff, out, outOff, spill);
        } else {
            decodePanelFloat(blocks, q, qOff, ob.a(), ob.b(), sOff, xq, xOff, dx, xs, ob.u(), dOff, out, outOff);
        }
    }

    /**
     * {@link Q4_0Tensor#decodePanelFloat}'s exact block sums P, then per block and group of rows
     * {@code acc = fma(P, a * dx, acc)} and {@code off = fma(fma(8, a, b), u, off)}; the result is
     * {@code acc + off} (the contract of {@link Q8BlockTensor}, same bits as its tile path and scalar twin).
     */
    static void decodePanelFloat(int blocks, byte[] q, int qOff, float[] fa, float[] fb, int sOff, float[] xq, int xOff,
            float[] dx, float[] xs, float[] xu, int dOff, float[] out, int outOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector o0 = a0, o1 = a0, o2 = a0, o3 = a0;
        FloatVector centre = FloatVector.broadcast(F, CENTRE);
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
            float d = dx[dOff + b];
            FloatVector u = FloatVector.broadcast(F, xu[dOff + b]);
            FloatVector a = FloatVector.fromArray(F, fa, so);
            a0 = p0.fma(a.mul(d), a0);
            o0 = a.fma(centre, FloatVector.fromArray(F, fb, so)).fma(u, o0);
            a = FloatVector.fromArray(F, fa, so + GROUP);
            a1 = p1.fma(a.mul(d), a1);
            o1 = a.fma(centre, FloatVector.fromArray(F, fb, so + GROUP)).fma(u, o1);
            a = FloatVector.fromArray(F, fa, so + 2 * GROUP);
            a2 = p2.fma(a.mul(d), a2);
            o2 = a.fma(centre, FloatVector.fromArray(F, fb, so + 2 * GROUP)).fma(u, o2);
            a = FloatVector.fromArray(F, fa, so + 3 * GROUP);
            a3 = p3.fma(a.mul(d), a3);
            o3 = a.fma(centre, FloatVector.fromArray(F, fb, so + 3 * GROUP)).fma(u, o3);
        }
        a0.add(o0).intoArray(out, outOff);
        a1.add(o1).intoArray(out, outOff + GROUP);
        a2.add(o2).intoArray(out, outOff + 2 * GROUP);
        a3.add(o3).intoArray(out, outOff + 3 * GROUP);
    }

    /** {@link Q4_0Tensor#decodePanelInt16}'s int16 block sums (the same decode form of the input, {@code xs} the same sums) with the scales and offsets of {@link #decodePanelFloat}. */
    static void decodePanelInt16(int blocks, byte[] q, int qOff, CompactScales cs, int sOff, short[] xq, int xOff,
            float[] dx, float[] xs, float[] xu, int dOff, float[] out, int outOff, short[] spill) {
        byte[] scs = cs.sc();
        byte[] mins = cs.m();
        float[] sd = cs.d();
        float[] sdmin = cs.dmin();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector o0 = a0, o1 = a0, o2 = a0, o3 = a0;
        FloatVector centre = FloatVector.broadcast(F, CENTRE);
        final int half = 2 * GROUP;
        int o = qOff;
        int so = sOff;
        for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
            ShortVector p0 = ShortVector.broadcast(S2, (short) (-CENTRE * (int) xs[dOff + b])), p1 = p0;
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
            float d = dx[dOff + b];
            FloatVector u = FloatVector.broadcast(F, xu[dOff + b]);
            int ds = cs.superOff() + (b >> 3) * PANEL_ROWS;
            FloatVector a = FloatVector.fromArray(F, sd, ds).mul((FloatVector) ByteVector.fromArray(B, scs, so).castShape(F, 0));
            FloatVector c = FloatVector.fromArray(F, sdmin, ds).mul((FloatVector) ByteVector.fromArray(B, mins, so).castShape(F, 0));
            a0 = ((FloatVector) ShortVector.fromArray(S, spill, 0).castShape(F, 0)).fma(a.mul(d), a0);
            o0 = a.fma(centre, c.neg()).fma(u, o0);
            a = FloatVector.fromArray(F, sd, ds + GROUP).mul((FloatVector) ByteVector.fromArray(B, scs, so + GROUP).castShape(F, 0));
            c = FloatVector.fromArray(F, sdmin, ds + GROUP).mul((FloatVector) ByteVector.fromArray(B, mins, so + GROUP).castShape(F, 0));
            a1 = ((FloatVector) ShortVector.fromArray(S, spill, GROUP).castShape(F, 0)).fma(a.mul(d), a1);
            o1 = a.fma(centre, c.neg()).fma(u, o1);
            a = FloatVector.fromArray(F, sd, ds + 2 * GROUP).mul((FloatVector) ByteVector.fromArray(B, scs, so + 2 * GROUP).castShape(F, 0));
            c = FloatVector.fromArray(F, sdmin, ds + 2 * GROUP).mul((FloatVector) ByteVector.fromArray(B, mins, so + 2 * GROUP).castShape(F, 0));
            a2 = ((FloatVector) ShortVector.fromArray(S, spill, 2 * GROUP).castShape(F, 0)).fma(a.mul(d), a2);
            o2 = a.fma(centre, c.neg()).fma(u, o2);
            a = FloatVector.fromArray(F, sd, ds + 3 * GROUP).mul((FloatVector) ByteVector.fromArray(B, scs, so + 3 * GROUP).castShape(F, 0));
            c = FloatVector.fromArray(F, sdmin, ds + 3 * GROUP).mul((FloatVector) ByteVector.fromArray(B, mins, so + 3 * GROUP).castShape(F, 0));
            a3 = ((FloatVector) ShortVector.fromArray(S, spill, 3 * GROUP).castShape(F, 0)).fma(a.mul(d), a3);
            o3 = a.fma(centre, c.neg()).fma(u, o3);
        }
        a0.add(o0).intoArray(out, outOff);
        a1.add(o1).intoArray(out, outOff + GROUP);
        a2.add(o2).intoArray(out, outOff + 2 * GROUP);
        a3.add(o3).intoArray(out, outOff + 3 * GROUP);
    }
}
