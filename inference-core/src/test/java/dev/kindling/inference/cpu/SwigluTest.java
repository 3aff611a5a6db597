package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** SwiGLU's exponential: accurate, and the vector kernel gives its scalar twin's bits everywhere (over- and underflow included). */
class SwigluTest {
    @Test
    void expIsWithinTwoUlp() {
        Random r = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            float x = -103f + 191.5f * r.nextFloat();
            double exact = Math.exp(x);
            float got = ScalarKernels.exp(x);
            double ulp = Math.ulp((float) exact);
            assertTrue(Math.abs(got - exact) <= 2 * ulp + Float.MIN_VALUE, "exp(" + x + ") = " + got + ", exact " + exact);
        }
        assertEquals(1f, ScalarKernels.exp(0f));
        assertEquals(0f, ScalarKernels.exp(-200f));
        assertEquals(Float.POSITIVE_INFINITY, ScalarKernels.exp(100f));
        assertEquals(Float.POSITIVE_INFINITY, ScalarKernels.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, ScalarKernels.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(ScalarKernels.exp(Float.NaN)));
    }

    @Test
    void vectorSwigluEqualsScalarTwin() {
        Random r = new Random(5);
        int n = 1000 + 7;
        float[] gate = new float[n], up = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = switch (i % 10) {
                case 0 -> (float) (r.nextGaussian() * 60);      // beyond +-87: the two-step scaling
                case 1 -> (float) (r.nextGaussian() * 150);     // beyond +-104
                case 2 -> i % 20 == 2 ? Float.NaN : Float.NEGATIVE_INFINITY;
                case 3 -> i % 20 == 3 ? -0f : Float.POSITIVE_INFINITY;
                default -> (float) (r.nextGaussian() * 4);
            };
            up[i] = (float) r.nextGaussian();
        }
        for (int off : new int[] {0, 3}) {
            float[] a = gate.clone(), b = gate.clone();
            VectorKernels.swiglu(a, off, up, off, n - off);
            ScalarKernels.swiglu(b, off, up, off, n - off);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(b[i]), Float.floatToIntBits(a[i]), "element " + i + " (gate " + gate[i] + ")");
            }
            for (int i = off; i < n; i++) { // and it is SwiGLU
                double g = gate[i];
                double expect = g / (1 + Math.exp(-g)) * up[i];
                if (Double.isFinite(expect)) {
                    assertEquals(expect, b[i], 1e-5 * (1 + Math.abs(expect)), "gate " + g);
                }
            }
        }
    }
}
