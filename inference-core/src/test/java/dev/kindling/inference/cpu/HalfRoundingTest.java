package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The F16 KV cache's two vector conversions against their scalar definitions, bit for bit: rounding floats to halves
 * ({@link VectorKernels#roundToHalves}, the queries and attention weights) and halves back to floats
 * ({@code CpuBackend.halvesToFloats}, and {@code halvesToScaledFloats}: times 2^-112, the form attention reads the
 * cache in), at every half, the midpoints between halves (the ties) and their
 * neighbours, the overflow edge, inf, NaN, signed zeros and random bit patterns, at odd offsets and lengths.
 */
class HalfRoundingTest {
    /** Every finite half, the floats beside it, the midpoint to the next half and the floats beside that, and specials. */
    static float[] edgeCases() {
        float[] v = new float[6 * 65536 + 16];
        int n = 0;
        for (int h = 0; h < 65536; h++) {
            float f = ScalarKernels.halfToFloat((short) h);
            v[n++] = f;
            if (Float.isFinite(f)) {
                v[n++] = Math.nextUp(f);
                v[n++] = Math.nextDown(f);
                float next = ScalarKernels.halfToFloat((short) (h + 1));
                if (Float.isFinite(next) && Math.abs(next) > Math.abs(f)) {
                    float mid = (f + next) / 2; // exact: halves have 11 significant bits
                    v[n++] = mid;
                    v[n++] = Math.nextUp(mid);
                    v[n++] = Math.nextDown(mid);
                }
            }
        }
        for (float f : new float[] {65504f, 65519.996f, 65520f, -65520f, 1e10f, -1e30f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 0x1p-25f, 0x1.8p-25f}) {
            v[n++] = f;
        }
        return java.util.Arrays.copyOf(v, n);
    }

    @Test
    void roundingToHalvesIsTheScalarDefinition() {
        float[] cases = edgeCases();
        Random r = new Random(5);
        float[] random = new float[200_000];
        for (int i = 0; i < random.length; i++) {
            // random bits: every exponent, both signs, NaN payloads; then values in the halves' range, where most land
            random[i] = i % 2 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) (r.nextGaussian() * Math.pow(2, r.nextInt(40) - 28));
        }
        for (float[] values : new float[][] {cases, random}) {
            for (int off : new int[] {0, 3}) {
                int n = values.length - off - 5;
                float[] a = values.clone();
                VectorKernels.roundToHalves(a, off, n);
                for (int i = 0; i < values.length; i++) {
                    float expect = i >= off && i < off + n ? ScalarKernels.roundToHalf(values[i]) : values[i];
                    assertEquals(Float.floatToIntBits(expect), Float.floatToIntBits(a[i]),
                            "rounding " + values[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(values[i])) + ")");
                }
            }
        }
        // the definition itself: a half's float is its own rounding, a tie goes to the even half
        assertEquals(1f, ScalarKernels.roundToHalf(1f + 0x1p-11f));
        assertEquals(1f + 0x1p-9f, ScalarKernels.roundToHalf(1f + 0x1.8p-10f));
        assertTrue(Float.isInfinite(ScalarKernels.roundToHalf(65520f)));
        assertEquals(65504f, ScalarKernels.roundToHalf(65519.99f));
    }

    @Test
    void halvesToFloatsIsTheScalarDefinition() { // and the scaled form the F16 cache is read in
        short[] all = new short[65536 + 7];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) (i * 40503 + 11); // every half once (40503 is odd), then a few again
        }
        for (int off : new int[] {0, 5}) {
            int n = all.length - off - 1;
            float[] out = new float[n + 2];
            CpuBackend.halvesToFloats(all, off, out, 1, n);
            float[] scaled = new float[n + 2];
            CpuBackend.halvesToScaledFloats(all, off, scaled, 1, n);
            for (int i = 0; i < n; i++) {
                float f = ScalarKernels.halfToFloat(all[off + i]);
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(out[1 + i]), "half " + Integer.toHexString(all[off + i] & 0xFFFF));
                // x 2^-112 is exact for every finite half, and the scaled value times 2^112 is the half again
                assertEquals(Float.floatToIntBits(f * 0x1p-112f), Float.floatToIntBits(scaled[1 + i]),
                        "scaled half " + Integer.toHexString(all[off + i] & 0xFFFF));
                assertEquals(Float.floatToIntBits(f), Float.floatToIntBits(scaled[1 + i] * 0x1p112f));
            }
        }
        // finite halves (bit 10 cleared: no all-ones exponent) take the three-operation form; one inf sends its vector
        // to the exact conversion, with the same values
        short[] finite = new short[64];
        for (int i = 0; i < finite.length; i++) {
            finite[i] = (short) ((i * 977) & 0xFBFF);
        }
        float[] fs = new float[64];
        if (Simd.L > 0) {
            assertTrue(Simd.halvesToScaledFloats(finite, 0, fs, 0, 64 - 64 % Simd.L));
        }
        finite[5] = (short) 0xFC00; // -inf
        if (Simd.L > 0) {
            assertTrue(!Simd.halvesToScaledFloats(finite, 0, fs, 0, 64 - 64 % Simd.L));
        }
        CpuBackend.halvesToScaledFloats(finite, 0, fs, 0, 64);
        for (int i = 0; i < 64; i++) {
            assertEquals(Float.floatToRawIntBits(ScalarKernels.halfToFloat(finite[i]) * 0x1p-112f), Float.floatToRawIntBits(fs[i]));
        }
        assertEquals(Float.NEGATIVE_INFINITY, fs[5]);
    }
}
