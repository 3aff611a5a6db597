package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.tensor.Q8BlockTensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Q8_0 quantization of activations (vector or scalar, whichever this JVM runs) gives the bits
 * of ggml's {@code quantize_row_q8_0} written plainly here with {@code Math.rint}: ties, values that
 * round to -0.0, zero, NaN and infinite blocks included; and the int16 copy is the same integers.
 */
class QuantizeQ8_0Test {
    @Test
    void equalsThePlainDefinitionBitForBit() {
        int blocks = 64;
        float[] x = new float[blocks * 32];
        Random r = new Random(7);
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < 32; i++) {
                float v = switch (b % 8) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> (i - 16) * 0.5f;                   // amax 8: x * 127/8 hits halves
                    case 2 -> i == 0 ? 127f : (i % 2 == 0 ? 0.5f : -0.5f); // id = 1: exact ties round to even
                    case 3 -> i == 5 ? 100f : -0.1f * i;         // small negatives round to -0.0
                    case 4 -> 0f;                                // amax 0
                    case 5 -> i == 3 ? Float.NaN : i;            // NaN
                    case 6 -> i == 9 ? Float.NEGATIVE_INFINITY : i; // inf
                    default -> (float) (r.nextGaussian() * 1e-30); // tiny
                };
                x[b * 32 + i] = v;
            }
        }
        float[] q = new float[x.length], d = new float[blocks], sums = new float[blocks];
        ActivationFormat.quantizeQ8_0(x, 0, x.length, q, 0, d, sums, 0);
        short[] q16 = new short[x.length];
        Q8BlockTensor.toInt16(q, 0, q.length, q16);
        for (int b = 0; b < blocks; b++) {
            float amax = 0f;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + i]));
            }
            float id = amax != 0f ? 127f / amax : 0f;
            assertEquals(Float.floatToIntBits(ScalarKernels.halfToFloat(ScalarKernels.floatToHalf(amax / 127f))),
                    Float.floatToIntBits(d[b]), "scale of block " + b);
            for (int i = 0; i < 32; i++) {
                float expect = (float) Math.rint(x[b * 32 + i] * id);
                int k = b * 32 + i;
                assertEquals(Float.floatToIntBits(expect), Float.floatToIntBits(q[k]), "block " + b + " value " + i + " (x = " + x[k] + ")");
                assertEquals((short) expect, q16[k], "int16 copy of block " + b + " value " + i);
            }
        }
    }
}
