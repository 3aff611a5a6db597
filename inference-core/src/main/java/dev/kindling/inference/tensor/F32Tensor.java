package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import java.nio.FloatBuffer;

/**
 * Float32 weights, read in place from the mapped file ({@code StoredRows}): a row is copied into the
 * caller's scratch with one bulk {@link FloatBuffer#get(int, float[], int, int)} (a memory copy that
 * leaves the row in L1), and the products run on that copy. With {@code -Dkindling.weights=heap}
 * ({@link Tensors#weightsInHeap}) the values are copied into arrays at load and rows come from there.
 */
public final class F32Tensor extends Tensor {
    private final StoredRows stored;
    private final FloatBuffer[] data;

    /** The buffers' values copied into arrays ({@link Tensors#weightsInHeap}), or null when read in place. */
    private final float[][] heap;

    F32Tensor(String name, int cols, StoredRows stored) {
        super(name, stored.rows(), cols, 4L * cols);
        this.stored = stored;
        this.data = stored.floats();
        this.heap = Tensors.weightsInHeap() ? StoredRows.copy(data) : null;
    }

    @Override
    boolean copiedToHeap() {
        return heap != null;
    }

    static F32Tensor read(String name, int rows, int cols, RowSource src) {
        return new F32Tensor(name, cols, StoredRows.contiguous(rows, 4L * cols, src));
    }

    @Override
    StoredRows stored() {
        return stored;
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public long storedBytes() {
        return 4L * rows * cols;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        if (heap != null) {
            System.arraycopy(heap[stored.buffer(row)], stored.rowInBuffer(row) * cols, dst, off, cols);
        } else {
            data[stored.buffer(row)].get(stored.rowInBuffer(row) * cols, dst, off, cols);
        }
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        FloatBuffer b = data[stored.buffer(row)];
        int o = stored.rowInBuffer(row) * cols;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = b.get(o + i);
        }
    }
}
