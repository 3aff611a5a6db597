package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.MappedRows;
import dev.kindling.inference.cpu.Simd;
import dev.kindling.inference.cpu.VectorKernels;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Float32 weights, read in place from the mapped file ({@code StoredRows}): a row is copied into the
 * caller's scratch with one bulk {@link FloatBuffer#get(int, float[], int, int)} (a memory copy that
 * leaves the row in L1), and the products run on that copy; one token's product ({@link #dot}) reads the
 * row in place where the JDK allows. With {@code -Dkindling.weights=heap}
 * ({@link Tensors#weightsInHeap}) the values are copied into arrays at load and rows come from there.
 */
public final class F32Tensor extends Tensor {
    private final StoredRows stored;
    private final FloatBuffer[] data;
    /** The same buffers as bytes (little-endian), for {@link MappedRows}. */
    private final ByteBuffer[] bytes;
    /** Per-thread staging of a mapped row where it cannot be read in place. */
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    /** The buffers' values copied into arrays ({@link Tensors#weightsInHeap}), or null when read in place. */
    private final float[][] heap;

    F32Tensor(String name, int cols, StoredRows stored) {
        super(name, stored.rows(), cols, 4L * cols);
        this.stored = stored;
        this.data = stored.floats();
        this.bytes = stored.buffers();
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

    /** Decode reads rows in place where it can ({@link #dot}); the scalar fallback has no vector kernels. */
    @Override
    public boolean hasFusedDot() {
        return Simd.enabled();
    }

    /**
     * Row {@code row} times {@code x[xOff ..]} with no staging copy where possible: from the heap array
     * ({@code -Dkindling.weights=heap}), or on JDK 17-18 from the mapped buffer ({@link MappedRows}); on later
     * JDKs the mapped row is copied into a per-thread array first. Same bits as {@link VectorKernels#dot} of
     * the row, which the many-token tiles also give.
     */
    @Override
    public float dot(int row, float[] x, int xOff, float[] spill) {
        int o = stored.rowInBuffer(row) * cols;
        if (heap != null) {
            return VectorKernels.dotStreamed(heap[stored.buffer(row)], o, x, xOff, cols, spill);
        }
        if (MappedRows.AVAILABLE) {
            return MappedRows.dotFloats(bytes[stored.buffer(row)], 4 * o, x, xOff, cols, spill);
        }
        float[] w = ROW.get();
        if (w.length < cols) {
            w = new float[cols];
            ROW.set(w);
        }
        data[stored.buffer(row)].get(o, w, 0, cols);
        return VectorKernels.dot(w, 0, x, xOff, cols, spill);
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
