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
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q8_0: blocks of 32 int8 values with an f16 scale {@code d} (34 bytes); {@code w = q * d}.
 * Stored as one byte per value in the interleaved groups of {@link Q8BlockTensor} (a group's column
 * {@code k} is {@code GROUP} consecutive bytes at {@code k * GROUP}).
 */
public final class Q8_0Tensor extends Q8BlockTensor {
    Q8_0Tensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, GROUP * cols, cols / 32 * 34L, src);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, int[] values, short[] scales) {
        int p = Math.toIntExact(pos);
        for (int b = 0; b < blocks; b++, p += 34) {
            scales[b] = src.getShort(p);
            for (int i = 0; i < 32; i++) {
                values[b * 32 + i] = src.get(p + 2 + i);
            }
        }
    }

    @Override
    void storeRow(byte[] dst, int groupOff, int lane, int[] values) {
        for (int k = 0; k < cols; k++) {
            dst[groupOff + k * GROUP + lane] = (byte) values[k];
        }
    }

    @Override
    int value(byte[] src, int groupOff, int lane, int k) {
        return src[groupOff + k * GROUP + lane];
    }

    @Override
    void dequantizeTile(byte[] q, int qOff, int k0, int n, float[] tile) {
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + g * groupBytes + k0 * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int k = 0; k < n * GROUP; k += GROUP) {
                ((FloatVector) ByteVector.fromArray(B, q, src + k).castShape(F, 0)).intoArray(tile, dst + k);
            }
        }
    }

    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, int xOff, float[] dx, int dOff,
            float[] out, int outOff) {
        final int gb = groupBytes;
        final int gs = blocks * GROUP;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < blocks; b++) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            int o = qOff + b * 32 * GROUP;
            int k = xOff + b * 32;
            for (int i = 0; i < 32; i++, o += GROUP) {
                FloatVector x = FloatVector.broadcast(F, xq[k + i]);
                p0 = ((FloatVector) ByteVector.fromArray(B, q, o).castShape(F, 0)).fma(x, p0);
                p1 = ((FloatVector) ByteVector.fromArray(B, q, o + gb).castShape(F, 0)).fma(x, p1);
                p2 = ((FloatVector) ByteVector.fromArray(B, q, o + 2 * gb).castShape(F, 0)).fma(x, p2);
                p3 = ((FloatVector) ByteVector.fromArray(B, q, o + 3 * gb).castShape(F, 0)).fma(x, p3);
            }
            float d = dx[dOff + b];
            int so = sOff + b * GROUP;
            // f16 scale bits to float, as Simd.halvesToFloats (written out: a vector returned from a
            // call that C2 does not inline would be boxed on JDK 17)
            IntVector h = (IntVector) ShortVector.fromArray(S, s, so).castShape(I, 0);
            a0 = p0.fma(halfBits(h).mul(d), a0);
            h = (IntVector) ShortVector.fromArray(S, s, so + gs).castShape(I, 0);
            a1 = p1.fma(halfBits(h).mul(d), a1);
            h = (IntVector) ShortVector.fromArray(S, s, so + 2 * gs).castShape(I, 0);
            a2 = p2.fma(halfBits(h).mul(d), a2);
            h = (IntVector) ShortVector.fromArray(S, s, so + 3 * gs).castShape(I, 0);
            a3 = p3.fma(halfBits(h).mul(d), a3);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + GROUP);
        a2.intoArray(out, outOff + 2 * GROUP);
        a3.intoArray(out, outOff + 3 * GROUP);
    }

    private static FloatVector halfBits(IntVector h) {
        IntVector em = h.and(0x7FFF);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        bits = bits.blend(shifted.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
