package dev.kindling.inference.tensor;

import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Shared storage of the 16-bit float types (F16, BF16): one {@code short} per value. */
abstract class HalfTensor extends Tensor {
    protected final short[][] data;

    HalfTensor(String name, int rows, int cols, short[][] data) {
        super(name, rows, cols, 2L * cols);
        this.data = data;
    }

    static short[][] read(int rows, int cols, RowSource src) {
        int rpc = (int) Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / (2L * cols)));
        int chunks = (rows + rpc - 1) / rpc;
        short[][] d = new short[chunks][];
        for (int c = 0; c < chunks; c++) {
            int n = Math.min(rpc, rows - c * rpc);
            ByteBuffer b = src.rows(c * (long) rpc, n).order(ByteOrder.LITTLE_ENDIAN);
            d[c] = new short[n * cols];
            b.asShortBuffer().get(d[c]);
        }
        return d;
    }

    @Override
    public long storedBytes() {
        return 2L * rows * cols;
    }

    /** The vector conversion of {@code L} values at {@code a[off]}. */
    abstract jdk.incubator.vector.FloatVector load(short[] a, int off);

    /** The scalar conversion of one value. */
    abstract float convert(short h);

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        short[] a = data[row / rowsPerChunk];
        int o = (row % rowsPerChunk) * cols;
        int i = 0;
        int lanes = Simd.L;
        if (lanes > 0) {
            int upper = cols - cols % lanes;
            for (; i < upper; i += lanes) {
                load(a, o + i).intoArray(dst, off + i);
            }
        }
        for (; i < cols; i++) {
            dst[off + i] = convert(a[o + i]);
        }
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        short[] a = data[row / rowsPerChunk];
        int o = (row % rowsPerChunk) * cols;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = convert(a[o + i]);
        }
    }
}
