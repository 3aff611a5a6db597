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
    public float dot(int row, float[] x, int xOff, float[] spill) {
        byte[] qa = q[row / rowsPerChunk];
        float[] sa = scale[row / rowsPerChunk];
        int qo = (row % rowsPerChunk) * cols;
        int so = (row % rowsPerChunk) * groupsPerRow;
        int seg = Simd.segmentLength(cols);
        int gs = groupShift;
        // the contract's accumulators one after the other: the row is read front to back once, one conversion
        // in the loop (VectorKernels.dotStreamed)
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, cols);
            FloatVector acc = FloatVector.zero(F);
            for (int k = from; k < to; k += L) {
                acc = Simd.bytesToFloats(qa, qo + k).mul(sa[so + (k >> gs)]).fma(FloatVector.fromArray(F, x, xOff + k), acc);
            }
            acc.intoArray(spill, part * L);
        }
        return Simd.finish(spill, 0);
    }
}
