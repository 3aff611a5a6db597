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

    /**
     * A tensor of {@code type} read from {@code data}, which is first copied off the heap (a direct
     * buffer, as a mapped file is: F32, F16 and BF16 compute from it in place).
     */
    public static Tensor tensor(GgmlType type, int rows, int cols, byte[] data) {
        return Tensors.read("t", type, rows, cols, source(type, cols, data));
    }

    /** As {@link #tensor}, its views of the data cut into buffers of at most {@code maxBufferBytes} (F32, F16, BF16). */
    public static Tensor chunked(GgmlType type, int rows, int cols, byte[] data, long maxBufferBytes) {
        StoredRows s = StoredRows.contiguous(rows, type.byteSize(cols), source(type, cols, data), maxBufferBytes);
        return switch (type) {
            case F32 -> new F32Tensor("chunked", cols, s);
            case F16 -> new F16Tensor("chunked", cols, s);
            case BF16 -> new BF16Tensor("chunked", cols, s);
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** Row {@code i} = row {@code rowMap[i]} of {@code data}, views of at most {@code maxBufferBytes} (F32, F16, BF16). */
    public static Tensor gathered(GgmlType type, int cols, byte[] data, int[] rowMap, long maxBufferBytes) {
        return Tensors.gather("gathered", type, cols, rowMap, source(type, cols, data), maxBufferBytes);
    }

    /** A row shuffle that is not a run of consecutive rows (so the tensor keeps a row map). */
    public static int[] shuffledRows(int rows, long seed) {
        int[] map = new int[rows];
        for (int i = 0; i < rows; i++) {
            map[i] = i;
        }
        Random r = new Random(seed);
        for (int i = rows - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = map[i];
            map[i] = map[j];
            map[j] = t;
        }
        if (rows > 1 && map[1] == map[0] + 1) {
            int t = map[0];
            map[0] = map[1];
            map[1] = t;
        }
        return map;
    }

    static RowSource source(GgmlType type, int cols, byte[] data) {
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        long rowBytes = type.byteSize(cols);
        return (first, count) -> direct.slice((int) (first * rowBytes), (int) (count * rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
