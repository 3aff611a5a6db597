package dev.kindling.inference.tensor;

import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;

/**
 * What the 16-bit float types (F16, BF16) share: their values read in place from the mapped file
 * ({@link StoredRows}). A row is converted by copying its 16-bit values into a per-thread
 * {@code short[]} with one bulk {@link ShortBuffer#get(int, short[], int, int)} (a memory copy; the
 * row stays in L1) and widening that copy with the vector code ({@code fromArray}) — the Vector API
 * cannot load from a buffer on both JDK 17 and 21+. One token's product takes a row in one pass
 * instead, converted as its dot reads it ({@link #onePassRow}, {@link #widenShift}), on JDK 17-18 straight
 * from the mapped buffer ({@link #mappedRow}).
 */
public abstract class HalfTensor extends Tensor {
    /** Staging for callers that bring none (embedding rows, small tensors, tests); the kernels bring their own. */
    private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[0]);

    private final StoredRows stored;
    private final ShortBuffer[] data;
    /** The same buffers as bytes (little-endian). */
    private final ByteBuffer[] bytes;

    /** The buffers' values copied into arrays ({@link Tensors#weightsInHeap}), or null when read in place. */
    private final short[][] heap;

    HalfTensor(String name, int cols, StoredRows stored) {
        super(name, stored.rows(), cols, 2L * cols);
        this.stored = stored;
        this.data = stored.shorts();
        this.bytes = stored.buffers();
        this.heap = Tensors.weightsInHeap() ? StoredRows.copy(data) : null;
    }

    @Override
    boolean copiedToHeap() {
        return heap != null;
    }

    @Override
    StoredRows stored() {
        return stored;
    }

    @Override
    public long storedBytes() {
        return 2L * rows * cols;
    }

    /**
     * True when row {@code row} can be taken by the one-pass kernels ({@link dev.kindling.inference.cpu.VectorKernels#dotHalves}),
     * whose conversion is {@link #widenShift} and {@link #widenMask}; {@code halves} is scratch for a check.
     */
    public abstract boolean onePassRow(int row, short[] halves);

    /**
     * The one-pass conversion of a value {@code h} (sign-extended to 32 bits) is the float with bits
     * {@code (h << widenShift()) & widenMask()}: exact for BF16; for F16 the value times 2^-112, which the
     * input makes up ({@link F16Tensor#INPUT_SCALE}).
     */
    public abstract int widenShift();

    /** See {@link #widenShift}. */
    public abstract int widenMask();

    /** The vector conversion of {@code a[off, off + n)} to {@code dst[dOff ..]}, {@code n} a multiple of {@code L}. */
    abstract void toFloats(short[] a, int off, float[] dst, int dOff, int n);

    /** The scalar conversion of one value. */
    abstract float convert(short h);

    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        short[] halves = HALVES.get();
        if (halves.length < cols) {
            halves = new short[cols];
            HALVES.set(halves);
        }
        dequantizeRow(row, dst, off, halves);
    }

    /**
     * The array that holds row {@code row}'s 16-bit values from {@link #halvesOffset}: the heap copy, or
     * {@code halves} with the row copied into it from the mapped file.
     */
    public final short[] halvesOf(int row, short[] halves) {
        if (heap != null) {
            return heap[stored.buffer(row)];
        }
        data[stored.buffer(row)].get(stored.rowInBuffer(row) * cols, halves, 0, cols);
        return halves;
    }

    /** The mapped buffer holding row {@code row} (from {@link #mappedRowOffset}), or null when the values are in the heap. */
    public final ByteBuffer mappedRow(int row) {
        return heap != null ? null : bytes[stored.buffer(row)];
    }

    /** Where row {@code row} starts in {@link #mappedRow}, in bytes. */
    public final int mappedRowOffset(int row) {
        return stored.rowInBuffer(row) * cols * 2;
    }

    /** Where {@link #halvesOf} puts the row in the array it returns. */
    public final int halvesOffset(int row) {
        return heap != null ? stored.rowInBuffer(row) * cols : 0;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int off, short[] halves) {
        short[] a = halvesOf(row, halves);
        int o = halvesOffset(row);
        int i = 0;
        int lanes = Simd.L;
        if (lanes > 0) {
            i = cols - cols % lanes;
            toFloats(a, o, dst, off, i);
        }
        for (; i < cols; i++) {
            dst[off + i] = convert(a[o + i]);
        }
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        ShortBuffer b = data[stored.buffer(row)];
        int o = stored.rowInBuffer(row) * cols;
        for (int i = 0; i < cols; i++) {
            dst[off + i] = convert(b.get(o + i));
        }
    }
}
