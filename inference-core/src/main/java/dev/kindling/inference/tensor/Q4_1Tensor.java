package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;

/**
 * ggml Q4_1: blocks of 32 (20 bytes: f16 {@code d}, f16 {@code m}, 16 bytes of nibbles); {@code w = q*d + m}.
 * Activations stay F32: llama.cpp's Q8_1 partner also rounds each block's {@code d * sum(q)} to f16,
 * which rounding the activations alone cannot reproduce, so exact activations are closer to it.
 */
public final class Q4_1Tensor extends NibbleTensor {
    Q4_1Tensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 32 * 20L, src);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, byte[] values, float[] scales, float[] offsets, int bOff) {
        int p = Math.toIntExact(pos);
        for (int b = 0; b < cols / 32; b++, p += 20) {
            scales[bOff + b] = ScalarKernels.halfToFloat(src.getShort(p));
            offsets[bOff + b] = ScalarKernels.halfToFloat(src.getShort(p + 2));
            for (int j = 0; j < 16; j++) {
                int v = src.get(p + 4 + j) & 0xFF;
                values[b * 32 + j] = (byte) (v & 15);
                values[b * 32 + j + 16] = (byte) (v >>> 4);
            }
        }
    }
}
