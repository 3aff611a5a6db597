package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.ScalarKernels;

/**
 * A weight matrix of {@code rows} x {@code cols} (a row = one output, {@code cols} = the input
 * size), one subclass per element type: {@link F32Tensor}, {@link F16Tensor}, {@link BF16Tensor},
 * {@link Q8_0Tensor}, {@link Q4_0Tensor}, {@link Q4_1Tensor}, {@link Q4KTensor}, {@link Q5KTensor},
 * {@link Q6KTensor}. A 1-D tensor (a norm weight) is a single row.
 *
 * <p>Where the values live. F32, F16 and BF16 weights (GGUF, safetensors, llama2.c) stay in the
 * memory-mapped file: the tensor holds read-only views of the mapping ({@code StoredRows}), no heap
 * copy, so a model needs page cache, not Java heap. The Vector API cannot load from those views on
 * every JDK we run on ({@code fromByteBuffer} exists on 17 but is gone in 20+, and
 * {@code fromMemorySegment} does not exist on 17), so the kernels copy one row at a time into a
 * per-thread scratch array with a bulk {@code FloatBuffer/ShortBuffer.get} (a memory copy; the row
 * stays in L1) and load vectors from that array ({@code fromArray}); one token's F16/BF16 product on
 * JDK 17-18 is the exception: it loads the mapped row in place ({@code cpu.MappedRows}). The copy is
 * the price of keeping the weights off the heap: F16 decode runs at 0.87x of its speed over heap arrays
 * on JDK 17 (in place) and 0.78x on 25 (copied); F32 decode at 1.0x on JDK 17 and 0.6x on 25, prefill
 * at about 0.9x (measured in docs/cpu-inference-log.md). The quantized types are
 * different on purpose: they are repacked once at load into heap arrays laid out for their kernels
 * (scales as floats, quants unpacked), arrays of whole rows and at most {@link #MAX_CHUNK_BYTES}
 * each. Mapped views are split the same way, so tensors over 2 GiB work in both forms.
 *
 * <p>Every type defines its value exactly once, in {@link #dequantizeRow} (vector) and
 * {@link #dequantizeRowScalar} (its scalar twin, the test oracle; both produce bit-identical
 * floats). Dot products — fused here for the hot quantized types, or over a dequantized row — follow
 * the arithmetic contract of {@link dev.kindling.inference.cpu.Simd}, so a result does not depend on
 * how many tokens share the pass over the weights, nor on where the row was read from.
 */
public abstract class Tensor {
    /** Largest array a tensor allocates, or mapped view it keeps (whole rows per array or view). */
    public static final int MAX_CHUNK_BYTES = 1 << 30;

    protected final String name;
    protected final int rows;
    protected final int cols;
    /** Rows per backing array (all arrays but the last hold exactly this many). */
    protected final int rowsPerChunk;

    protected Tensor(String name, int rows, int cols, long storedBytesPerRow) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.rowsPerChunk = (int) Math.max(1, Math.min(rows, MAX_CHUNK_BYTES / Math.max(1, storedBytesPerRow)));
    }

    public final String name() {
        return name;
    }

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    /** The GGML element type this tensor was loaded from. */
    public abstract GgmlType type();

    /** Bytes of weights a full pass over this tensor reads (the benchmark's GB/s counts these). */
    public abstract long storedBytes();

    protected final int chunkCount() {
        return (rows + rowsPerChunk - 1) / rowsPerChunk;
    }

    protected final int rowsInChunk(int chunk) {
        return Math.min(rowsPerChunk, rows - chunk * rowsPerChunk);
    }

    /**
     * True when the values are read in place from a memory-mapped file (F32, F16, BF16 loaded from
     * a model file), false when they live in heap arrays (the repacked quantized types, and F32/F16/BF16
     * with {@code -Dkindling.weights=heap}).
     */
    public final boolean mapped() {
        StoredRows s = stored();
        if (s == null || copiedToHeap()) {
            return false;
        }
        for (java.nio.ByteBuffer b : s.buffers()) {
            if (!b.isDirect()) {
                return false;
            }
        }
        return true;
    }

    /** True for an F32/F16/BF16 tensor whose values were copied into heap arrays ({@link Tensors#weightsInHeap}). */
    boolean copiedToHeap() {
        return false;
    }

    /** The views of the file this tensor computes from, or null for a tensor held in heap arrays. */
    StoredRows stored() {
        return null;
    }

    /** How llama.cpp rounds this tensor's input activations (see {@link ActivationFormat}). */
    public ActivationFormat activationFormat() {
        return ActivationFormat.F32;
    }

    /** Writes row {@code row} as floats to {@code dst[off..off+cols)} (vector kernel). */
    public abstract void dequantizeRow(int row, float[] dst, int off);

    /**
     * {@link #dequantizeRow(int, float[], int)} with the caller's per-thread staging for 16-bit
     * values ({@code halves}: at least {@code cols} long), which F16 and BF16 copy a mapped row into
     * before widening it; the other types ignore it. The kernels use this one (no thread-local
     * lookup per row).
     */
    public void dequantizeRow(int row, float[] dst, int off, short[] halves) {
        dequantizeRow(row, dst, off);
    }

    /** Scalar twin of {@link #dequantizeRow}; must give bit-identical values. */
    public abstract void dequantizeRowScalar(int row, float[] dst, int off);

    /**
     * True when {@link #dot} reads the stored form directly (no dequantized copy):
     * the decode path for the types that matter for speed.
     */
    public boolean hasFusedDot() {
        return false;
    }

    /**
     * Row {@code row} times {@code x[xOff..xOff+cols)}, only when {@link #hasFusedDot()}; follows the
     * contract of {@link dev.kindling.inference.cpu.Simd} ({@code spill}: at least 4 x lanes floats).
     */
    public float dot(int row, float[] x, int xOff, float[] spill) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no fused dot: callers check hasFusedDot() first");
    }

    /** The scalar oracle for a dot product of one row: dequantize, then a sequential sum. */
    public float dotScalar(int row, float[] x, int xOff) {
        float[] w = new float[cols];
        dequantizeRowScalar(row, w, 0);
        return ScalarKernels.dot(w, 0, x, xOff, cols);
    }

    /** All values as floats (for small tensors: norms, biases, rope factors). */
    public float[] toFloatArray() {
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(name + " is too large for one float array");
        }
        float[] out = new float[(int) n];
        for (int r = 0; r < rows; r++) {
            dequantizeRow(r, out, r * cols);
        }
        return out;
    }

    @Override
    public String toString() {
        return name + " " + type() + " [" + rows + " x " + cols + "]";
    }
}
