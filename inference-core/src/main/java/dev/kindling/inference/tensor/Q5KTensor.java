package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.L;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * ggml Q5_K: super-blocks of 256 (176 bytes: f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit
 * scales/mins, {@code qh[32]} high bits, {@code qs[128]} low nibbles). Value = {@code d*sc * q5 -
 * dmin*m} per 32-value sub-block. Repacked to one byte per value (0..31) with a float scale and
 * offset per sub-block: {@code w = fma(q, scale, offset)}.
 */
public final class Q5KTensor extends Tensor {
    private final byte[][] q;
    private final float[][] scale;
    private final float[][] offset;
    private final int blocksPerRow;

    Q5KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols + 8L * (cols / 32));
        blocksPerRow = cols / 32;
        long fileBytesPerRow = cols / 256 * 176L;
        int chunks = chunkCount();
        q = new byte[chunks][];
        scale = new float[chunks][];
        offset = new float[chunks][];
        int[] sm = new int[2];
        for (int c = 0; c < chunks; c++) {
            int n = rowsInChunk(c);
            q[c] = new byte[n * cols];
            scale[c] = new float[n * blocksPerRow];
            offset[c] = new float[n * blocksPerRow];
            ByteBuffer b = src.rows((long) c * rowsPerChunk, n).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < n; r++) {
                int p = Math.toIntExact(r * fileBytesPerRow);
                for (int sb = 0; sb < cols / 256; sb++, p += 176) {
                    float d = ScalarKernels.halfToFloat(b.getShort(p));
                    float dmin = ScalarKernels.halfToFloat(b.getShort(p + 2));
                    int bo = r * blocksPerRow + sb * 8;
                    for (int j = 0; j < 8; j++) {
                        KQuants.scaleMin(b, p + 4, j, sm);
                        scale[c][bo + j] = d * sm[0];
                        offset[c][bo + j] = -(dmin * sm[1]);
                    }
                    int qh = p + 16, ql = p + 48;
                    int y = r * cols + sb * 256;
                    int u1 = 1, u2 = 2;
                    for (int j = 0; j < 256; j += 64) {
                        for (int l = 0; l < 32; l++) {
                            int lo = b.get(ql + l) & 0xFF;
                            int h = b.get(qh + l) & 0xFF;
                            q[c][y + l] = (byte) ((lo & 0xF) + ((h & u1) != 0 ? 16 : 0));
                            q[c][y + 32 + l] = (byte) ((lo >> 4) + ((h & u2) != 0 ? 16 : 0));
                        }
                        y += 64;
                        ql += 32;
                        u1 <<= 2;
                        u2 <<= 2;
                    }
                }
            }
        }
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.Q8_K;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public long storedBytes() {
        return cols / 256 * 176L * rows;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        if (L == 0) {
            dequantizeRowScalar(row, dst, off);
            return;
        }
        int c = row / rowsPerChunk;
        int qo = (row % rowsPerChunk) * cols;
        int bo = (row % rowsPerChunk) * blocksPerRow;
        for (int k = 0; k < cols; k += L) {
            Simd.bytesToFloats(q[c], qo + k)
                    .fma(FloatVector.broadcast(F, scale[c][bo + (k >> 5)]), FloatVector.broadcast(F, offset[c][bo + (k >> 5)]))
                    .intoArray(dst, off + k);
        }
    }

    @Override
    public boolean hasFusedDot() {
        return L > 0;
    }

    /**
     * Row {@code row} times {@code x[xOff ..]}: each value converted as in {@link #dequantizeRow} and multiplied
     * as it is read, the contract's accumulators one after the other (one stream over the row, one conversion
     * site; see {@link dev.kindling.inference.cpu.VectorKernels#dotStreamed}). Same bits as {@code dot} over the
     * dequantized row.
     */
    @Override
    public float dot(int row, float[] x, int xOff, float[] spill) {
        int c = row / rowsPerChunk;
        byte[] qa = q[c];
        float[] sa = scale[c];
        float[] oa = offset[c];
        int qo = (row % rowsPerChunk) * cols;
        int bo = (row % rowsPerChunk) * blocksPerRow;
        int seg = Simd.segmentLength(cols);
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, cols);
            FloatVector acc = FloatVector.zero(F);
            for (int k = from; k < to; k += L) {
                acc = Simd.bytesToFloats(qa, qo + k)
                        .fma(FloatVector.broadcast(F, sa[bo + (k >> 5)]), FloatVector.broadcast(F, oa[bo + (k >> 5)]))
                        .fma(FloatVector.fromArray(F, x, xOff + k), acc);
            }
            acc.intoArray(spill, part * L);
        }
        return Simd.finish(spill, 0);
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        int c = row / rowsPerChunk;
        int qo = (row % rowsPerChunk) * cols;
        int bo = (row % rowsPerChunk) * blocksPerRow;
        for (int k = 0; k < cols; k++) {
            dst[off + k] = Math.fma((float) q[c][qo + k], scale[c][bo + (k >> 5)], offset[c][bo + (k >> 5)]);
        }
    }
}
