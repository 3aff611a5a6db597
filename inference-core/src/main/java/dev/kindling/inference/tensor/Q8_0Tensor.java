package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;

/** ggml Q8_0: blocks of 32 int8 values with an f16 scale {@code d} (34 bytes); {@code w = q * d}. */
public final class Q8_0Tensor extends Int8ScaledTensor {
    Q8_0Tensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, 5, cols / 32 * 34L, src);
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.Q8_0;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, byte[] q, int qOff, float[] scales, int sOff) {
        int p = Math.toIntExact(pos);
        for (int b = 0; b < cols / 32; b++, p += 34) {
            scales[sOff + b] = ScalarKernels.halfToFloat(src.getShort(p));
            for (int i = 0; i < 32; i++) {
                q[qOff + b * 32 + i] = src.get(p + 2 + i);
            }
        }
    }
}
