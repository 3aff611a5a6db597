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
 * ggml Q4_0: blocks of 32 values (18 bytes: f16 {@code d}, 16 bytes of nibbles; value j is the low
 * nibble of byte j, value j+16 its high nibble); {@code w = (q - 8) * d}.
 *
 * <p>Stored in the interleaved groups of {@link Q8BlockTensor} as signed nibbles ({@code q - 8} in
 * two's complement, i.e. the file's byte xor 0x88): for block {@code b} and {@code j < 16}, the
 * {@code GROUP} bytes at {@code (b * 16 + j) * GROUP} hold values {@code j} (low nibbles) and
 * {@code j + 16} (high nibbles) of each row. A sign-extended byte then gives the high value with
 * one arithmetic shift and the low value with two.
 */
public final class Q4_0Tensor extends Q8BlockTensor {
    Q4_0Tensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, GROUP * cols / 2, cols / 32 * 18L, src);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, int[] values, short[] scales) {
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
    void storeRow(byte[] dst, int groupOff, int lane, int[] values) {
        for (int b = 0; b < blocks; b++) {
            for (int j = 0; j < 16; j++) {
                int lo = values[b * 32 + j] & 15;
                int hi = values[b * 32 + j + 16] & 15;
                dst[groupOff + (b * 16 + j) * GROUP + lane] = (byte) (lo | hi << 4);
            }
        }
    }

    @Override
    int value(byte[] src, int groupOff, int lane, int k) {
        int b = k / 32;
        int j = k % 32;
        int v = src[groupOff + (b * 16 + (j & 15)) * GROUP + lane]; // sign-extended byte
        return j < 16 ? (v << 28) >> 28 : v >> 4;
    }

    @Override
    void dequantizeTile(byte[] q, int qOff, int k0, int n, float[] tile) {
        for (int g = 0; g < PANEL_GROUPS; g++) {
            int src = qOff + g * groupBytes + k0 / 2 * GROUP;
            int dst = g * TILE_COLS * GROUP;
            for (int b = 0; b < n / 32; b++) {
                for (int j = 0; j < 16; j++) {
                    IntVector v = (IntVector) ByteVector.fromArray(B, q, src + (b * 16 + j) * GROUP).castShape(I, 0);
                    ((FloatVector) v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).castShape(F, 0))
                            .intoArray(tile, dst + (b * 32 + j) * GROUP);
                    ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).castShape(F, 0))
                            .intoArray(tile, dst + (b * 32 + j + 16) * GROUP);
                }
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
            int o = qOff + b * 16 * GROUP;
            int k = xOff + b * 32;
            for (int j = 0; j < 16; j++, o += GROUP) {
                FloatVector xl = FloatVector.broadcast(F, xq[k + j]);
                FloatVector xh = FloatVector.broadcast(F, xq[k + j + 16]);
                IntVector v = (IntVector) ByteVector.fromArray(B, q, o).castShape(I, 0);
                p0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).castShape(F, 0)).fma(xl, p0);
                p0 = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).castShape(F, 0)).fma(xh, p0);
                v = (IntVector) ByteVector.fromArray(B, q, o + gb).castShape(I, 0);
                p1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).castShape(F, 0)).fma(xl, p1);
                p1 = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).castShape(F, 0)).fma(xh, p1);
                v = (IntVector) ByteVector.fromArray(B, q, o + 2 * gb).castShape(I, 0);
                p2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).castShape(F, 0)).fma(xl, p2);
                p2 = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).castShape(F, 0)).fma(xh, p2);
                v = (IntVector) ByteVector.fromArray(B, q, o + 3 * gb).castShape(I, 0);
                p3 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 28).lanewise(VectorOperators.ASHR, 28).castShape(F, 0)).fma(xl, p3);
                p3 = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).castShape(F, 0)).fma(xh, p3);
            }
            float d = dx[dOff + b];
            int so = sOff + b * GROUP;
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
