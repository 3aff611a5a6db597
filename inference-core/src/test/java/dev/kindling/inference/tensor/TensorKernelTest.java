package dev.kindling.inference.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.MatMul;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cpu.WorkerPool;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every weight type: the vector dequantization equals its scalar twin bit for bit, fused dots
 * match the scalar oracle closely, and a matrix product gives the same bits for a token whatever
 * the number of tokens sharing the pass (the batch-invariance the engine relies on).
 */
class TensorKernelTest {
    static final int ROWS = 37;
    static final int COLS = 512;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void vectorMatchesScalar(GgmlType type) {
        Tensor t = RandomBlocks.tensor(type, ROWS, COLS, RandomBlocks.bytes(type, ROWS, COLS, 7));
        assertEquals(type, t.type());
        float[] a = new float[COLS];
        float[] b = new float[COLS];
        Random r = new Random(3);
        float[] x = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] lanes = new float[256];
        for (int row = 0; row < ROWS; row++) {
            t.dequantizeRow(row, a, 0);
            t.dequantizeRowScalar(row, b, 0);
            assertArrayEquals(b, a, 0f, "row " + row);
            for (float v : a) {
                assertTrue(Float.isFinite(v));
            }
            float oracle = t.dotScalar(row, x, 0);
            double norm = 0;
            for (int i = 0; i < COLS; i++) {
                norm += Math.abs(a[i] * x[i]);
            }
            if (t.hasFusedDot()) {
                float fused = t.dot(row, x, 0, lanes);
                assertEquals(oracle, fused, 1e-5 * norm + 1e-6, "row " + row);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void matmulIsBatchInvariant(GgmlType type) {
        Tensor t = RandomBlocks.tensor(type, ROWS, COLS, RandomBlocks.bytes(type, ROWS, COLS, 11));
        int tokens = 11;
        Random r = new Random(5);
        float[] x = new float[tokens * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        try (WorkerPool pool = new WorkerPool(2)) {
            MatMul.Scratch[] s = {new MatMul.Scratch(COLS), new MatMul.Scratch(COLS)};
            float[] all = new float[tokens * ROWS];
            MatMul.run(pool, s, tokens, new MatMul.Job(t, x, all));
            for (int tok = 0; tok < tokens; tok++) {
                float[] one = new float[ROWS];
                float[] xi = java.util.Arrays.copyOfRange(x, tok * COLS, (tok + 1) * COLS);
                MatMul.run(pool, s, 1, new MatMul.Job(t, xi, one));
                for (int row = 0; row < ROWS; row++) {
                    assertEquals(Float.floatToIntBits(one[row]), Float.floatToIntBits(all[tok * ROWS + row]),
                            "token " + tok + " row " + row + ": " + one[row] + " vs " + all[tok * ROWS + row]);
                    // the product sees its input rounded as llama.cpp rounds it for this type
                    float[] xr = new float[COLS];
                    t.activationFormat().roundTrip(xi, 0, COLS, xr);
                    float oracle = t.dotScalar(row, xr, 0);
                    float[] w = new float[COLS];
                    t.dequantizeRowScalar(row, w, 0);
                    double norm = 0;
                    for (int i = 0; i < COLS; i++) {
                        norm += Math.abs(w[i] * xr[i]);
                    }
                    assertEquals(oracle, one[row], 1e-5 * norm + 1e-6);
                }
            }
        }
    }

    /** F32, F16, BF16 read in place: many views and gathered rows give the plain tensor's bits ({@link MappedRowChecks}). */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void mappedRowCopiesMatchScalar(GgmlType type) {
        MappedRowChecks.check(type);
    }

    @org.junit.jupiter.api.Test
    void halfConversionRoundTrips() {
        for (int h = 0; h < 65536; h++) {
            float f = ScalarKernels.halfToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0);
                continue;
            }
            assertEquals(h, ScalarKernels.floatToHalf(f) & 0xFFFF, "half 0x" + Integer.toHexString(h));
        }
        assertEquals(0x3C00, ScalarKernels.floatToHalf(1f) & 0xFFFF);
        assertEquals(0x3C00, ScalarKernels.floatToHalf(1.0004882f) & 0xFFFF); // ties to even
        assertEquals(0x7C00, ScalarKernels.floatToHalf(70000f) & 0xFFFF);
    }

    /** The vector conversions give the scalar twins' bits for every 16-bit pattern (subnormals, inf, NaN payloads, -0). */
    @org.junit.jupiter.api.Test
    void vectorHalfAndBf16ConversionsMatchScalarForEveryPattern() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kindling.inference.cpu.Simd.enabled(), "no vector species on this JVM");
        short[] all = new short[65536];
        for (int h = 0; h < all.length; h++) {
            all[h] = (short) h;
        }
        float[] v = new float[all.length];
        dev.kindling.inference.cpu.Simd.halvesToFloats(all, 0, v, 0, all.length);
        for (int h = 0; h < all.length; h++) {
            assertEquals(Float.floatToRawIntBits(ScalarKernels.halfToFloat(all[h])), Float.floatToRawIntBits(v[h]),
                    "half 0x" + Integer.toHexString(h));
        }
        dev.kindling.inference.cpu.Simd.bf16ToFloats(all, 0, v, 0, all.length);
        for (int h = 0; h < all.length; h++) {
            assertEquals(Float.floatToRawIntBits(ScalarKernels.bf16ToFloat(all[h])), Float.floatToRawIntBits(v[h]),
                    "bf16 0x" + Integer.toHexString(h));
        }
    }
}
