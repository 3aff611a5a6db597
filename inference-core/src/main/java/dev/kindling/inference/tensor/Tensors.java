package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.Simd;

/** Creates the tensor class for a GGML type. */
public final class Tensors {
    private Tensors() {}

    /** The system property that chooses where F32/F16/BF16 weights live: {@code mapped} (default) or {@code heap}. */
    public static final String WEIGHTS_PROPERTY = "kindling.weights";

    /**
     * True when F32, F16 and BF16 weights are copied into heap arrays at load ({@code -Dkindling.weights=heap})
     * instead of being read in place from the mapped file (the default). The copy costs heap and
     * load time (the loaders' heap check counts it) and buys speed: measured on this project's machine,
     * F16 decode and prefill run about 2x faster from heap arrays than from the mapping (see the README).
     *
     * @throws IllegalArgumentException for any other value than {@code mapped} or {@code heap}
     */
    public static boolean weightsInHeap() {
        String v = System.getProperty(WEIGHTS_PROPERTY, "mapped");
        return switch (v) {
            case "mapped" -> false;
            case "heap" -> true;
            default -> throw new IllegalArgumentException("-D" + WEIGHTS_PROPERTY + "=" + v + ": expected mapped or heap");
        };
    }

    /** The types this engine computes with. */
    public static boolean supported(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * A {@code rows x cols} tensor of {@code type} over {@code src}: F32, F16 and BF16 keep views of
     * {@code src}'s buffers (no copy; see {@link RowSource}), the quantized types are repacked into
     * heap arrays.
     *
     * @throws IllegalArgumentException for a type this engine does not compute with, or a row length
     *                                  that is not a whole number of the type's blocks
     */
    public static Tensor read(String name, GgmlType type, int rows, int cols, RowSource src) {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": row length " + cols + " is not a multiple of the "
                    + type + " block size " + type.blockSize);
        }
        return switch (type) {
            case F32 -> F32Tensor.read(name, rows, cols, src);
            case F16 -> F16Tensor.read(name, rows, cols, src);
            case BF16 -> BF16Tensor.read(name, rows, cols, src);
            case Q8_0 -> Simd.Q8_0_LANES ? new Q8_0LanesTensor(name, rows, cols, src) : new Q8_0Tensor(name, rows, cols, src);
            case Q4_0 -> new Q4_0Tensor(name, rows, cols, src);
            case Q4_1 -> new Q4_1Tensor(name, rows, cols, src);
            case Q4_K -> new Q4KTensor(name, rows, cols, src);
            case Q5_K -> Simd.Q8_0_LANES ? new Q5KLanesTensor(name, rows, cols, src) : new Q5KTensor(name, rows, cols, src);
            case Q6_K -> Simd.Q8_0_LANES ? new Q6KLanesTensor(name, rows, cols, src) : new Q6KTensor(name, rows, cols, src);
            default -> throw new IllegalArgumentException(name + ": tensor type " + type
                    + " is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        };
    }

    /**
     * A tensor whose row {@code i} is stored row {@code rowMap[i]} of {@code stored} (a tensor of
     * {@code storedRows} rows of {@code cols}): Q, K or V out of a QKV product fused per head, one
     * expert of a stacked tensor. Rows that follow each other in the file are read as a plain
     * {@link #read} of that range; otherwise the tensor keeps views of the stored rows it needs
     * (only the range between the smallest and largest) and the row map — still no copy.
     *
     * @throws IllegalArgumentException for a row outside the stored tensor, or a quantized type (only
     *                                  F32, F16 and BF16 are stored this way: what safetensors holds)
     */
    public static Tensor gather(String name, GgmlType type, int cols, long storedRows, int[] rowMap, RowSource stored) {
        for (int i = 0; i < rowMap.length; i++) {
            if (rowMap[i] < 0 || rowMap[i] >= storedRows) {
                throw new IllegalArgumentException(name + ": row " + i + " is stored row " + rowMap[i]
                        + ", outside the " + storedRows + " rows stored");
            }
        }
        boolean inOrder = true;
        for (int i = 1; i < rowMap.length && inOrder; i++) {
            inOrder = rowMap[i] == rowMap[0] + i;
        }
        if (inOrder) {
            long first = rowMap.length == 0 ? 0 : rowMap[0];
            return read(name, type, rowMap.length, cols, (f, c) -> stored.rows(first + f, c));
        }
        return gather(name, type, cols, rowMap, stored, Tensor.MAX_CHUNK_BYTES);
    }

    /** {@link #gather} with at most {@code maxBufferBytes} per mapped view (tests: many views). */
    static Tensor gather(String name, GgmlType type, int cols, int[] rowMap, RowSource stored, long maxBufferBytes) {
        return switch (type) {
            case F32 -> new F32Tensor(name, cols, StoredRows.gathered(rowMap, 4L * cols, stored, maxBufferBytes));
            case F16 -> new F16Tensor(name, cols, StoredRows.gathered(rowMap, 2L * cols, stored, maxBufferBytes));
            case BF16 -> new BF16Tensor(name, cols, StoredRows.gathered(rowMap, 2L * cols, stored, maxBufferBytes));
            default -> throw new IllegalArgumentException(name + ": rows gathered out of order are read for F32, F16 and BF16"
                    + " (what safetensors stores), not " + type);
        };
    }
}
