package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;

/**
 * ggml Q4_0: blocks of 32 values (18 bytes: f16 {@code d}, 16 bytes of nibbles; value j is the low
 * nibble of byte j, value j+16 its high nibble); {@code w = (q - 8) * d}, stored as
 * {@code fma(q, d, -8d)} (exact, so equal to ggml's value).
 */
public final class Q4_0Tensor extends NibbleTensor {
    Q4_0Tensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 32 * 18L, src);
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.Q8_0;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, byte[] values, float[] scales, float[] offsets, int bOff) {
        int p = Math.toIntExact(pos);
        for (int b = 0; b < cols / 32; b++, p += 18) {
            float d = ScalarKernels.halfToFloat(src.getShort(p));
            scales[bOff + b] = d;
            offsets[bOff + b] = -8f * d;
            for (int j = 0; j < 16; j++) {
                int v = src.get(p + 2 + j) & 0xFF;
                values[b * 32 + j] = (byte) (v & 15);
                values[b * 32 + j + 16] = (byte) (v >>> 4);
            }
        }
    }
}
