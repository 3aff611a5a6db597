package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;

/**
 * ggml Q4_K: super-blocks of 256 (144 bytes: f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit
 * scales/mins, 128 bytes of nibbles: for each 64 values, the low nibbles of 32 bytes are the first
 * 32 values, the high nibbles the next 32). Value = {@code d*sc * q - dmin*m} per 32-value
 * sub-block, kept as scale {@code d*sc} and offset {@code -dmin*m}.
 */
public final class Q4KTensor extends NibbleTensor {
    Q4KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, cols / 256 * 144L, src);
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.Q8_K;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, byte[] values, float[] scales, float[] offsets, int bOff) {
        int p = Math.toIntExact(pos);
        int[] sm = new int[2];
        for (int sb = 0; sb < cols / 256; sb++, p += 144) {
            float d = ScalarKernels.halfToFloat(src.getShort(p));
            float dmin = ScalarKernels.halfToFloat(src.getShort(p + 2));
            int qs = p + 16;
            for (int j = 0; j < 8; j++) {
                KQuants.scaleMin(src, p + 4, j, sm);
                scales[bOff + sb * 8 + j] = d * sm[0];
                offsets[bOff + sb * 8 + j] = -(dmin * sm[1]);
            }
            for (int pair = 0; pair < 4; pair++) {
                int y = sb * 256 + pair * 64;
                for (int l = 0; l < 32; l++) {
                    int v = src.get(qs + pair * 32 + l) & 0xFF;
                    values[y + l] = (byte) (v & 15);
                    values[y + 32 + l] = (byte) (v >>> 4);
                }
            }
        }
    }
}
