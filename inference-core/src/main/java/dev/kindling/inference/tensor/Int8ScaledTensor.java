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
            Simd.bytesToFloats(qa, qo + k).mul(sa[so + (k >> groupShift)]).intoArray(dst, off + k);
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
    public float dot(int row, float[] x, int xOff, float[] tmp) {
        byte[] qa = q[row / rowsPerChunk];
        float[] sa = scale[row / rowsPerChunk];
        int qo = (row % rowsPerChunk) * cols;
        int so = (row % rowsPerChunk) * groupsPerRow;
        FloatVector acc = FloatVector.zero(F);
        for (int k = 0; k < cols; k += L) {
            FloatVector w = Simd.bytesToFloats(qa, qo + k).mul(sa[so + (k >> groupShift)]);
            acc = w.fma(FloatVector.fromArray(F, x, xOff + k), acc);
        }
        return Simd.sumLanes(acc, tmp);
    }

    @Override
    public void dot4(int row, float[] x, int xOff, float[] out, int outOff, float[] tmp) {
        int c = row / rowsPerChunk;
        if (c != (row + 3) / rowsPerChunk) {
            for (int i = 0; i < 4; i++) {
                out[outOff + i] = dot(row + i, x, xOff, tmp);
            }
            return;
        }
        byte[] qa = q[c];
        float[] sa = scale[c];
        int q0 = (row % rowsPerChunk) * cols;
        int q1 = q0 + cols, q2 = q1 + cols, q3 = q2 + cols;
        int s0 = (row % rowsPerChunk) * groupsPerRow;
        int s1 = s0 + groupsPerRow, s2 = s1 + groupsPerRow, s3 = s2 + groupsPerRow;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < cols; k += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + k);
            int g = k >> groupShift;
            a0 = Simd.bytesToFloats(qa, q0 + k).mul(sa[s0 + g]).fma(xv, a0);
            a1 = Simd.bytesToFloats(qa, q1 + k).mul(sa[s1 + g]).fma(xv, a1);
            a2 = Simd.bytesToFloats(qa, q2 + k).mul(sa[s2 + g]).fma(xv, a2);
            a3 = Simd.bytesToFloats(qa, q3 + k).mul(sa[s3 + g]).fma(xv, a3);
        }
        out[outOff] = Simd.sumLanes(a0, tmp);
        out[outOff + 1] = Simd.sumLanes(a1, tmp);
        out[outOff + 2] = Simd.sumLanes(a2, tmp);
        out[outOff + 3] = Simd.sumLanes(a3, tmp);
    }
}
