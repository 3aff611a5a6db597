package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.VectorKernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Float32 weights, stored as they are. */
public final class F32Tensor extends Tensor {
    private final float[][] data;

    public F32Tensor(String name, int rows, int cols, float[][] data) {
        super(name, rows, cols, 4L * cols);
        this.data = data;
        if (data.length != chunkCount()) {
            throw new IllegalArgumentException(name + ": " + data.length + " chunks, expected " + chunkCount());
        }
    }

    /** A tensor holding a copy of {@code values} ({@code rows x cols}, row-major). */
    public static F32Tensor of(String name, int rows, int cols, float[] values) {
        int rpc = chunkRows(rows, cols);
        int chunks = (rows + rpc - 1) / rpc;
        float[][] d = new float[chunks][];
        for (int c = 0; c < chunks; c++) {
            int n = Math.min(rpc, rows - c * rpc) * cols;
            d[c] = new float[n];
            System.arraycopy(values, c * rpc * cols, d[c], 0, n);
        }
        return new F32Tensor(name, rows, cols, d);
    }

    static int chunkRows(int rows, int cols) {
        return (int) Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / (4L * cols)));
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public long storedBytes() {
        return 4L * rows * cols;
    }

    /** The array holding {@code row} (read-only use). */
    public float[] array(int row) {
        return data[row / rowsPerChunk];
    }

    /** Offset of {@code row} in {@link #array}. */
    public int offset(int row) {
        return (row % rowsPerChunk) * cols;
    }

    /** True when rows {@code row..row+n-1} lie in one array (then they are {@code cols} apart). */
    public boolean contiguous(int row, int n) {
        return row / rowsPerChunk == (row + n - 1) / rowsPerChunk;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        System.arraycopy(array(row), offset(row), dst, off, cols);
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        float[] a = array(row);
        int o = offset(row);
        for (int i = 0; i < cols; i++) {
            dst[off + i] = a[o + i];
        }
    }

    @Override
    public boolean hasFusedDot() {
        return true;
    }

    @Override
    public float dot(int row, float[] x, int xOff, float[] tmp) {
        return VectorKernels.dot(array(row), offset(row), x, xOff, cols, tmp);
    }

    static F32Tensor read(String name, int rows, int cols, RowSource src) {
        int rpc = chunkRows(rows, cols);
        int chunks = (rows + rpc - 1) / rpc;
        float[][] d = new float[chunks][];
        for (int c = 0; c < chunks; c++) {
            int n = Math.min(rpc, rows - c * rpc);
            ByteBuffer b = src.rows(c * (long) rpc, n).order(ByteOrder.LITTLE_ENDIAN);
            d[c] = new float[n * cols];
            b.asFloatBuffer().get(d[c]);
        }
        return new F32Tensor(name, rows, cols, d);
    }
}
