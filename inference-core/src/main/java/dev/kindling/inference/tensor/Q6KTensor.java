package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;

/**
 * ggml Q6_K: super-blocks of 256 values (210 bytes: {@code ql[128], qh[64], int8 scales[16], f16
 * d}); value = {@code d * scales[j] * (q6 - 32)} per 16-value group. Repacked to int8 {@code q6-32}
 * with the float scale {@code d * scales[j]} per group (as ggml's {@code dequantize_row_q6_K}).
 */
public final class Q6KTensor extends Int8ScaledTensor {
    Q6KTensor(String name, int rows, int cols, RowSource src) {
        super(name, rows, cols, 4, cols / 256 * 210L, src);
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.Q8_K;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    void unpackRow(ByteBuffer src, long pos, byte[] q, int qOff, float[] scales, int sOff) {
        int p = Math.toIntExact(pos);
        for (int sb = 0; sb < cols / 256; sb++, p += 210) {
            int ql = p, qh = p + 128, sc = p + 192;
            float d = ScalarKernels.halfToFloat(src.getShort(p + 208));
            for (int g = 0; g < 16; g++) {
                scales[sOff + sb * 16 + g] = d * src.get(sc + g);
            }
            int y = qOff + sb * 256;
            for (int n = 0; n < 256; n += 128) {
                for (int l = 0; l < 32; l++) {
                    int lo0 = src.get(ql + l) & 0xFF;
                    int lo1 = src.get(ql + l + 32) & 0xFF;
                    int h = src.get(qh + l) & 0xFF;
                    q[y + l] = (byte) (((lo0 & 0xF) | ((h & 3) << 4)) - 32);
                    q[y + l + 32] = (byte) (((lo1 & 0xF) | (((h >> 2) & 3) << 4)) - 32);
                    q[y + l + 64] = (byte) (((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32);
                    q[y + l + 96] = (byte) (((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32);
                }
                y += 128;
                ql += 64;
                qh += 32;
            }
        }
    }
}
