package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Random but valid stored bytes of any GGML type (scales are finite, modest f16 values). */
public final class RandomBlocks {
    private RandomBlocks() {}

    public static byte[] bytes(GgmlType type, int rows, int cols, long seed) {
        Random r = new Random(seed);
        long n = (long) rows * cols;
        ByteBuffer b = ByteBuffer.allocate((int) type.byteSize(n)).order(ByteOrder.LITTLE_ENDIAN);
        r.nextBytes(b.array());
        int blocks = (int) (n / type.blockSize);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    b.putFloat(i * 4, (float) r.nextGaussian());
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    b.putShort(i * 2, ScalarKernels.floatToHalf((float) r.nextGaussian()));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    b.putShort(i * 2, (short) (Float.floatToIntBits((float) r.nextGaussian()) >>> 16));
                }
            }
            case Q8_0, Q4_0 -> {
                for (int i = 0; i < blocks; i++) {
                    b.putShort(i * type.typeSize, half(r));
                }
            }
            case Q4_1 -> {
                for (int i = 0; i < blocks; i++) {
                    b.putShort(i * type.typeSize, half(r));
                    b.putShort(i * type.typeSize + 2, half(r));
                }
            }
            case Q4_K, Q5_K -> {
                for (int i = 0; i < blocks; i++) {
                    b.putShort(i * type.typeSize, half(r));
                    b.putShort(i * type.typeSize + 2, half(r));
                }
            }
            case Q6_K -> {
                for (int i = 0; i < blocks; i++) {
                    b.putShort(i * type.typeSize + 208, half(r));
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return b.array();
    }

    private static short half(Random r) {
        return ScalarKernels.floatToHalf((float) (0.01 + 0.02 * r.nextDouble()));
    }

    /** A tensor of {@code type} read from {@code data}. */
    public static Tensor tensor(GgmlType type, int rows, int cols, byte[] data) {
        long rowBytes = type.byteSize(cols);
        return Tensors.read("t", type, rows, cols, (first, count) ->
                ByteBuffer.wrap(data, (int) (first * rowBytes), (int) (count * rowBytes)).slice().order(ByteOrder.LITTLE_ENDIAN));
    }
}
