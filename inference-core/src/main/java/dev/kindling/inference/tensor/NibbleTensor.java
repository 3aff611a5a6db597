package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.L;

import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * 4-bit weights in blocks of 32 with a float scale {@code a} and offset {@code b} per block:
 * {@code w = fma(q, a, b)} for a nibble {@code q} in 0..15. Q4_1 ({@code a = d, b = m}) is repacked
 * into this form at load, and multiplied in floats: llama.cpp rounds no input for it (see
 * {@link Q4_1Tensor}). Q4_0 and Q4_K, whose inputs are quantized, run on the integer block sums of
 * {@link Q8BlockTensor} instead.
 *
 * <p>Nibble order is chosen for the vector width {@code P} (= lanes per float vector): each run of
 * {@code P} bytes holds values {@code j} (low nibbles) and {@code j + P} (high nibbles) of a run of
 * {@code 2P} values, so one byte load yields two float vectors in order. With 512-bit vectors
 * ({@code P = 16}) this is exactly ggml's Q4_0 layout.
 */
abstract class NibbleTensor extends Tensor {
    /** Packing width: the float lane count, or 16 when the kernels run scalar. */
    static final int P = L > 0 ? L : 16;

    private final byte[][] q;
    private final float[][] scale;
    private final float[][] offset;
    private final int blocksPerRow;
    private final long fileBytes;

    NibbleTensor(String name, int rows, int cols, long fileBytesPerRow, RowSource src) {
        super(name, rows, cols, cols / 2 + 8L * (cols / 32));
        this.blocksPerRow = cols / 32;
        this.fileBytes = fileBytesPerRow * rows;
        int chunks = chunkCount();
        q = new byte[chunks][];
        scale = new float[chunks][];
        offset = new float[chunks][];
        byte[] values = new byte[cols];
        for (int c = 0; c < chunks; c++) {
            int n = rowsInChunk(c);
            q[c] = new byte[n * cols / 2];
            scale[c] = new float[n * blocksPerRow];
            offset[c] = new float[n * blocksPerRow];
            ByteBuffer b = src.rows((long) c * rowsPerChunk, n).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < n; r++) {
                unpackRow(b, r * fileBytesPerRow, values, scale[c], offset[c], r * blocksPerRow);
                pack(values, q[c], r * cols / 2);
            }
        }
    }

    /**
     * Decodes one row of the file format at {@code src[pos]}: the nibble of every value (0..15, in
     * value order) into {@code values}, and each 32-value block's scale and offset.
     */
    abstract void unpackRow(ByteBuffer src, long pos, byte[] values, float[] scales, float[] offsets, int bOff);

    private void pack(byte[] values, byte[] dst, int dOff) {
        for (int run = 0; run < cols; run += 2 * P) {
            for (int j = 0; j < P; j++) {
                dst[dOff + run / 2 + j] = (byte) (values[run + j] | (values[run + P + j] << 4));
            }
        }
    }

    private int nibble(byte[] qa, int qo, int k) {
        int run = k / (2 * P) * (2 * P);
        int j = k - run;
        int b = qa[qo + run / 2 + (j % P)] & 0xFF;
        return j < P ? b & 15 : b >>> 4;
    }

    @Override
    public long storedBytes() {
        return fileBytes;
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        int c = row / rowsPerChunk;
        int qo = (row % rowsPerChunk) * cols / 2;
        int bo = (row % rowsPerChunk) * blocksPerRow;
        for (int k = 0; k < cols; k++) {
            dst[off + k] = Math.fma((float) nibble(q[c], qo, k), scale[c][bo + (k >> 5)], offset[c][bo + (k >> 5)]);
        }
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        if (L == 0) {
            dequantizeRowScalar(row, dst, off);
            return;
        }
        int c = row / rowsPerChunk;
        byte[] qa = q[c];
        float[] sa = scale[c];
        float[] oa = offset[c];
        int qo = (row % rowsPerChunk) * cols / 2;
        int bo = (row % rowsPerChunk) * blocksPerRow;
        for (int k = 0; k < cols; k += 2 * L) {
            ByteVector v = ByteVector.fromArray(B, qa, qo + k / 2);
            FloatVector a = FloatVector.broadcast(F, sa[bo + (k >> 5)]);
            FloatVector b = FloatVector.broadcast(F, oa[bo + (k >> 5)]);
            ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).fma(a, b).intoArray(dst, off + k);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).castShape(F, 0)).fma(a, b).intoArray(dst, off + k + L);
        }
    }

    @Override
    public boolean hasFusedDot() {
        return L > 0;
    }

    @Override
    public float dot(int row, float[] x, int xOff, float[] spill) {
        int c = row / rowsPerChunk;
        byte[] qa = q[c];
        float[] sa = scale[c];
        float[] oa = offset[c];
        int qo = (row % rowsPerChunk) * cols / 2;
        int bo = (row % rowsPerChunk) * blocksPerRow;
        int seg = Simd.segmentLength(cols);
        // the contract's accumulators one after the other: the row is read front to back once, one conversion
        // of each nibble half in the loop (VectorKernels.dotStreamed)
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, cols);
            FloatVector acc = FloatVector.zero(F);
            for (int k = from; k < to; k += 2 * L) {
                ByteVector v = ByteVector.fromArray(B, qa, qo + k / 2);
                FloatVector sc = FloatVector.broadcast(F, sa[bo + (k >> 5)]);
                FloatVector of = FloatVector.broadcast(F, oa[bo + (k >> 5)]);
                acc = ((FloatVector) v.and((byte) 0x0F).castShape(F, 0)).fma(sc, of).fma(FloatVector.fromArray(F, x, xOff + k), acc);
                acc = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).castShape(F, 0)).fma(sc, of).fma(FloatVector.fromArray(F, x, xOff + k + L), acc);
            }
            acc.intoArray(spill, part * L);
        }
        return Simd.finish(spill, 0);
    }
}
