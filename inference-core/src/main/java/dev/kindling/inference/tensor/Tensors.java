package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;

/** Creates the tensor class for a GGML type. */
public final class Tensors {
    private Tensors() {}

    /** The types this engine computes with. */
    public static boolean supported(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Copies a {@code rows x cols} tensor of {@code type} out of {@code src} into heap arrays.
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
            case Q8_0 -> new Q8_0Tensor(name, rows, cols, src);
            case Q4_0 -> new Q4_0Tensor(name, rows, cols, src);
            case Q4_1 -> new Q4_1Tensor(name, rows, cols, src);
            case Q4_K -> new Q4KTensor(name, rows, cols, src);
            case Q5_K -> new Q5KTensor(name, rows, cols, src);
            case Q6_K -> new Q6KTensor(name, rows, cols, src);
            default -> throw new IllegalArgumentException(name + ": tensor type " + type
                    + " is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        };
    }
}
