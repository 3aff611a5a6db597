package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.L;

import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/**
 * Weights stored as int8 values with one float scale per group of {@code 1 << groupShift} values:
 * {@code w = (float) q * scale}. Q8_0 (groups of 32) and Q6_K (16) are repacked into this form at
 * load; the product of an int8 and an f16-derived scale is exact, so the value equals ggml's.
 */
abstract class Int8ScaledTensor extends Tensor {
    private final int groupShift;
    private final int groupsPerRow;
    private final byte[][] q;
    private final float[][] scale;
    private final long fileBytes;

    Int8ScaledTensor(String name, int rows, int cols, int groupShift, long fileBytesPerRow, RowSource src) {
        super(name, rows, cols, cols + 4L * (cols >> groupShift));
        this.groupShift = groupShift;
        this.groupsPerRow = cols >> groupShift;
        this.fileBytes = fileBytesPerRow * rows;
        int chunks = chunkCount();
        q = new byte[chunks][];
        scale = new float[chunks][];
        for (int c = 0; c < chunks; c++) {
            int n = rowsInChunk(c);
            q[c] = new byte[n * cols];
            scale[c] = new float[n * groupsPerRow];
            ByteBuffer b = src.rows((long) c * rowsPerChunk, n).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < n; r++) {
                unpackRow(b, r * fileBytesPerRow, q[c], r * cols, scale[c], r * groupsPerRow);
            }
        }
    }

    /** Decodes one row of the file format starting at {@code src[pos]} into int8 values and group scales. */
    abstract void unpackRow(ByteBuffer src, long pos, byte[] q, int qOff, float[] scales, int sOff);

    @Override
    public long storedBytes() {
        return fileBytes;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        if (L == 0) {
            dequantizeRowScalar(row, dst, off);
            return;
        }
        byte[] qa = q[row / rowsPerChunk];
        float[] sa = scale[row / rowsPerChunk];
        int qo = (row % rowsPerChunk) * cols;
        int so = (row % rowsPerChunk) * groupsPerRow;
        for (int k = 0; k < cols; k += L) {
            weights(qa, qo + k, sa[so + (k >> groupShift)]).intoArray(dst, off + k);
        }
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        byte[] qa = q[row / rowsPerChunk];
        float[] sa = scale[row / rowsPerChunk];
        int qo = (row % rowsPerChunk) * cols;
        int so = (row % rowsPerChunk) * groupsPerRow;
        for (int k = 0; k < cols; k++) {
            dst[off + k] = (float) qa[qo + k] * sa[so + (k >> groupShift)];
        }
    }

    @Override
    public boolean hasFusedDot() {
        return L > 0;
    }

    @Override
    public float dot(int row, float[] x, int xOff, float[] spill) {
        byte[] qa = q[row / rowsPerChunk];
        float[] sa = scale[row / rowsPerChunk];
        int qo = (row % rowsPerChunk) * cols;
        int so = (row % rowsPerChunk) * groupsPerRow;
        int seg = Simd.segmentLength(cols);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < seg; k += L) {
            int k1 = k + seg, k2 = k + 2 * seg, k3 = k + 3 * seg;
            a0 = weights(qa, qo + k, sa[so + (k >> groupShift)]).fma(FloatVector.fromArray(F, x, xOff + k), a0);
            a1 = weights(qa, qo + k1, sa[so + (k1 >> groupShift)]).fma(FloatVector.fromArray(F, x, xOff + k1), a1);
            a2 = weights(qa, qo + k2, sa[so + (k2 >> groupShift)]).fma(FloatVector.fromArray(F, x, xOff + k2), a2);
            a3 = weights(qa, qo + k3, sa[so + (k3 >> groupShift)]).fma(FloatVector.fromArray(F, x, xOff + k3), a3);
        }
        for (int k = 4 * seg; k < cols; k += L) {
            a0 = weights(qa, qo + k, sa[so + (k >> groupShift)]).fma(FloatVector.fromArray(F, x, xOff + k), a0);
        }
        return Simd.finish(a0, a1, a2, a3, spill);
    }

    /** The dequantization formula: {@code L} int8 values times their group's scale. */
    private static FloatVector weights(byte[] q, int off, float scale) {
        return Simd.bytesToFloats(q, off).mul(scale);
    }
}
