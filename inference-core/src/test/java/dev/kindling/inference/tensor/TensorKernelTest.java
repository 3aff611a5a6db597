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
        try (WorkerPool pool = new WorkerPool(2, 0)) { // every product split: the workers' path
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

    /**
     * The F16 conversion without re-biasing ({@link dev.kindling.inference.cpu.Simd#halvesToScaledFloats}): every
     * finite pattern becomes its value times 2^-112 exactly, and a chunk holding an inf or NaN is reported.
     */
    @org.junit.jupiter.api.Test
    void scaledHalfConversionIsExactAndFlagsInfAndNaN() {
        int lanes = dev.kindling.inference.cpu.Simd.L;
        org.junit.jupiter.api.Assumptions.assumeTrue(lanes > 0, "no vector species on this JVM");
        short[] all = new short[65536];
        for (int h = 0; h < all.length; h++) {
            all[h] = (short) h;
        }
        float[] v = new float[all.length];
        for (int c = 0; c < all.length; c += lanes) {
            boolean finite = true;
            for (int h = c; h < c + lanes; h++) {
                finite &= (h & 0x7C00) != 0x7C00;
            }
            assertEquals(finite, dev.kindling.inference.cpu.Simd.halvesToScaledFloats(all, c, v, c, lanes), "chunk at 0x" + Integer.toHexString(c));
            for (int h = c; finite && h < c + lanes; h++) {
                float exact = ScalarKernels.halfToFloat(all[h]);
                assertEquals(Float.floatToRawIntBits(exact * 0x1p-112f), Float.floatToRawIntBits(v[h]), "half 0x" + Integer.toHexString(h));
                assertEquals(Float.floatToRawIntBits(exact), Float.floatToRawIntBits(v[h] * F16Tensor.INPUT_SCALE), "half 0x" + Integer.toHexString(h));
            }
        }
    }

    /**
     * F16 products through the scaled conversion give the bits of the exact conversion's products, for one token
     * (decode) and many (tiles); rows holding inf or NaN (in the vector part or the scalar tail) take the exact
     * path and give its inf and NaN; extreme inputs (F16's largest, subnormal weights) stay exact.
     */
    @org.junit.jupiter.api.Test
    void f16ProductsKeepTheExactBitsAndFallBackOnInfAndNaN() {
        int rows = 37;
        int cols = 520; // not a multiple of the lanes: a scalar tail
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(RandomBlocks.bytes(GgmlType.F16, rows, cols, 13)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort((3 * cols + 17) * 2, (short) 0x7C00); // +inf
        b.putShort((5 * cols + 519) * 2, (short) 0xFE01); // NaN, in the tail
        b.putShort((9 * cols + 100) * 2, (short) 0xFC00); // -inf
        for (int k = 0; k < cols; k += 3) {
            b.putShort((20 * cols + k) * 2, (short) (k % 2 == 0 ? 0x0001 : 0x83FF)); // subnormal halves
            b.putShort((21 * cols + k) * 2, (short) 0x7BFF); // 65504
        }
        Tensor t = RandomBlocks.tensor(GgmlType.F16, rows, cols, b.array());
        Random r = new Random(17);
        for (int tokens : new int[] {1, 2, 5}) {
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            x[cols - 1] = 65504f;
            x[(tokens - 1) * cols] = tokens > 1 ? 1e6f : x[0]; // rounds to +inf as F16: the last token's outputs all inf or NaN
            float[] out = new float[tokens * rows];
            try (WorkerPool pool = new WorkerPool(2, 0)) { // every product split: the workers' path
                MatMul.Scratch[] s = {new MatMul.Scratch(cols), new MatMul.Scratch(cols)};
                MatMul.run(pool, s, tokens, new MatMul.Job(t, x, out));
            }
            float[] w = new float[cols];
            float[] xr = new float[cols];
            float[] lanes = new float[256];
            for (int tok = 0; tok < tokens; tok++) {
                t.activationFormat().roundTrip(java.util.Arrays.copyOfRange(x, tok * cols, (tok + 1) * cols), 0, cols, xr);
                for (int row = 0; row < rows; row++) {
                    t.dequantizeRow(row, w, 0);
                    float exact = dev.kindling.inference.cpu.VectorKernels.dot(w, 0, xr, 0, cols, lanes);
                    assertEquals(Float.floatToIntBits(exact), Float.floatToIntBits(out[tok * rows + row]),
                            tokens + " tokens, token " + tok + " row " + row + ": " + exact + " vs " + out[tok * rows + row]);
                }
            }
            assertTrue(Float.isInfinite(out[3]) && Float.isNaN(out[5]) && Float.isInfinite(out[9]) && Float.isFinite(out[0]),
                    "inf and NaN weights reach the output, the other rows stay finite");
        }
        F16Tensor f16 = (F16Tensor) t;
        float[] dst = new float[cols];
        short[] halves = new short[cols];
        assertTrue(f16.dequantizeRowScaled(0, dst, 0, halves));
        assertTrue(!f16.dequantizeRowScaled(3, dst, 0, halves) && !f16.dequantizeRowScaled(5, dst, 0, halves)
                && !f16.dequantizeRowScaled(9, dst, 0, halves), "rows with inf or NaN are refused");
    }

    /**
     * The one-pass dots of 16-bit rows (from an array, and on JDK 17-18 from a buffer in place) give the bits of
     * {@link dev.kindling.inference.cpu.VectorKernels#dot} over the exactly converted row: F16 (finite values, the
     * input scaled) and BF16 (every pattern, inf and NaN included), for lengths with and without a scalar tail
     * and shorter than a segment.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16"})
    void onePassHalfDotsMatchTheDotOfTheConvertedRow(GgmlType type) {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kindling.inference.cpu.Simd.enabled(), "no vector species on this JVM");
        boolean f16 = type == GgmlType.F16;
        int shift = f16 ? 13 : 16;
        int mask = f16 ? 0x8FFFE000 : -1;
        Random r = new Random(23);
        float[] lanes = new float[256];
        for (int n : new int[] {16, 40, 520, 2048, 2055, 8192}) {
            short[] h = new short[n + 3];
            float[] w = new float[n];
            float[] x = new float[n + 5];
            float[] xs = new float[n + 5];
            for (int k = 0; k < n; k++) {
                // F16: every finite pattern can occur; BF16: every pattern (but rarely an inf or NaN, so that most sums are finite)
                h[k + 3] = f16 ? (short) (r.nextInt(0x7C00) | (r.nextBoolean() ? 0x8000 : 0))
                        : (short) (r.nextInt(1000) == 0 ? r.nextInt(65536) : (r.nextInt(0x7F80) | (r.nextBoolean() ? 0x8000 : 0)));
                w[k] = f16 ? ScalarKernels.halfToFloat(h[k + 3]) : ScalarKernels.bf16ToFloat(h[k + 3]);
            }
            for (int k = 0; k < x.length; k++) {
                x[k] = ScalarKernels.halfToFloat(ScalarKernels.floatToHalf((float) (r.nextGaussian() * 100)));
                xs[k] = f16 ? x[k] * F16Tensor.INPUT_SCALE : x[k];
            }
            float exact = dev.kindling.inference.cpu.VectorKernels.dot(w, 0, x, 5, n, lanes);
            assertEquals(Float.floatToIntBits(exact),
                    Float.floatToIntBits(dev.kindling.inference.cpu.VectorKernels.dotHalves(h, 3, xs, 5, n, lanes, shift, mask)), "n " + n);
            if (dev.kindling.inference.cpu.MappedRows.AVAILABLE) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(2 * h.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                b.asShortBuffer().put(h);
                assertEquals(Float.floatToIntBits(exact),
                        Float.floatToIntBits(dev.kindling.inference.cpu.MappedRows.dotHalves(b.asReadOnlyBuffer()
                                .order(java.nio.ByteOrder.LITTLE_ENDIAN), 6, xs, 5, n, lanes, shift, mask)), "in place, n " + n);
            }
        }
    }

    /** The streamed F32 dot and the in-place one (JDK 17-18) give {@link dev.kindling.inference.cpu.VectorKernels#dot}'s bits. */
    @org.junit.jupiter.api.Test
    void streamedAndInPlaceFloatDotsMatchDot() {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.kindling.inference.cpu.Simd.enabled(), "no vector species on this JVM");
        Random r = new Random(29);
        float[] lanes = new float[256];
        for (int n : new int[] {16, 40, 520, 2055, 8192}) {
            float[] w = new float[n + 3];
            float[] x = new float[n + 5];
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 * w.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < w.length; k++) {
                w[k] = (float) r.nextGaussian();
                b.putFloat(4 * k, w[k]);
            }
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) r.nextGaussian();
            }
            float exact = dev.kindling.inference.cpu.VectorKernels.dot(w, 3, x, 5, n, lanes);
            assertEquals(Float.floatToIntBits(exact),
                    Float.floatToIntBits(dev.kindling.inference.cpu.VectorKernels.dotStreamed(w, 3, x, 5, n, lanes)), "streamed, n " + n);
            if (dev.kindling.inference.cpu.MappedRows.AVAILABLE) {
                assertEquals(Float.floatToIntBits(exact), Float.floatToIntBits(dev.kindling.inference.cpu.MappedRows.dotFloats(
                        b.asReadOnlyBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN), 12, x, 5, n, lanes)), "in place, n " + n);
            }
        }
    }
}
