package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.JitAdvice;
import java.nio.ByteBuffer;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q5_K: super-blocks of 256 (176 bytes: f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit
 * scales/mins, {@code qh[32]} high bits, {@code qs[128]} low nibbles). Value {@code = d*sc * q5 - dmin*m}
 * per 32-value sub-block.
 *
 * <p>Computed as {@link Q8BlockTensor}'s block-offset case: the 5-bit integers (0..31, not centred) in
 * {@link Q8_0Tensor}'s panels, one byte each, with {@code a = d*sc} and {@code b = -dmin*m} as floats per
 * block, against activations quantized to Q8_K as llama.cpp quantizes them. A block's products reach
 * 31 * 127 * 32, beyond int16, so its sums are taken in floats (exact integers) by Q8_0's kernels.
 */
public class Q5KTensor extends Q8_0Tensor {
    Q5KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 256 * 176L, src);
        JitAdvice.checkForQuantKernels();
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
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
    void unpackRow(ByteBuffer src, long pos, UnpackedRow row) {
        int[] values = row.values();
        int p = Math.toIntExact(pos);
        for (int sb = 0; sb < cols / 256; sb++, p += 176) {
            KQuants.scalesAndMins(src, p, row.d(), row.dmin(), sb, row.sc(), row.m(), sb * 8);
            int qh = p + 16, ql = p + 48;
            int y = sb * 256;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < 256; j += 64) {
                for (int l = 0; l < 32; l++) {
                    int lo = src.get(ql + l) & 0xFF;
                    int h = src.get(qh + l) & 0xFF;
                    values[y + l] = (lo & 0xF) + ((h & u1) != 0 ? 16 : 0);
                    values[y + 32 + l] = (lo >> 4) + ((h & u2) != 0 ? 16 : 0);
                }
                y += 64;
                ql += 32;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    /**
     * {@link Q8_0Tensor#decodePanel}'s exact block sums P, then per block and group of rows
     * {@code acc = fma(P, a * dx, acc)} and {@code off = fma(fma(0, a, b), u, off)} (in effect {@code fma(b, u, off)});
     * the result is {@code acc + off} (the contract of {@link Q8BlockTensor}: the same bits as its tile path and
     * scalar twin).
     */
    @Override
    void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx, float[] xs,
            int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel) {
        float[] fa = ob.a(), fb = ob.b(), xu = ob.u();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector o0 = a0, o1 = a0, o2 = a0, o3 = a0;
        FloatVector zero = a0;
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
            float d = dx[dOff + b];
            FloatVector u = FloatVector.broadcast(F, xu[dOff + b]);
            // fma(0, a, b) rather than b: the contract's one formula for every centre (they differ at most in a zero's sign)
            FloatVector a = FloatVector.fromArray(F, fa, so);
            a0 = p0.fma(a.mul(d), a0);
            o0 = a.fma(zero, FloatVector.fromArray(F, fb, so)).fma(u, o0);
            a = FloatVector.fromArray(F, fa, so + GROUP);
            a1 = p1.fma(a.mul(d), a1);
            o1 = a.fma(zero, FloatVector.fromArray(F, fb, so + GROUP)).fma(u, o1);
            a = FloatVector.fromArray(F, fa, so + 2 * GROUP);
            a2 = p2.fma(a.mul(d), a2);
            o2 = a.fma(zero, FloatVector.fromArray(F, fb, so + 2 * GROUP)).fma(u, o2);
            a = FloatVector.fromArray(F, fa, so + 3 * GROUP);
            a3 = p3.fma(a.mul(d), a3);
            o3 = a.fma(zero, FloatVector.fromArray(F, fb, so + 3 * GROUP)).fma(u, o3);
        }
        a0.add(o0).intoArray(out, outOff);
        a1.add(o1).intoArray(out, outOff + GROUP);
        a2.add(o2).intoArray(out, outOff + 2 * GROUP);
        a3.add(o3).intoArray(out, outOff + 3 * GROUP);
        spill[0] = (short) touched;
    }
}
