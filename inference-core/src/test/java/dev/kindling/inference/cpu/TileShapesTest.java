package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float matrix tile of prefill in both shapes ({@link Simd#HALF_TILES}: one 4x4 pass, or two 2x4 passes of
 * half the rows) gives every (row, token) the bits of the one-row {@link VectorKernels#dot}: the same sums in the
 * same order, whatever the shape.
 */
class TileShapesTest {
    @ParameterizedTest
    @ValueSource(ints = {5, 64, 1000, 2048 + 13})
    void bothTileShapesEqualTheDot(int n) {
        assumeTrue(Simd.enabled(), "vector kernels are off in this JVM (kindling.simd.bits=0)");
        Random r = new Random(n);
        int ldw = n + 3, ldx = n + 7;
        float[] w = new float[4 * ldw];
        float[] x = new float[4 * ldx];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * (i % 31 == 0 ? 1e3f : 1f);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] spill = new float[5 * Simd.L];
        for (boolean halves : new boolean[] {false, true}) {
            float[] out = new float[4 * 6];
            VectorKernels.dot4x4(w, 0, ldw, x, 0, ldx, n, out, 1, 6, new float[80 * Simd.L], halves);
            for (int t = 0; t < 4; t++) {
                for (int i = 0; i < 4; i++) {
                    float want = VectorKernels.dot(w, i * ldw, x, t * ldx, n, spill);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(out[1 + t * 6 + i]),
                            (halves ? "2x4 halves" : "4x4") + ", n " + n + ": row " + i + " token " + t);
                }
            }
        }
    }
}
