package dev.kindling.inference.cpu;

import dev.kindling.inference.model.Architecture.Activation;

/**
 * The FFN nonlinearities, computed in double and rounded once to float, so they are the functions
 * the reference implementations define (PyTorch evaluates GELU's erf and tanh in float32 to within
 * an ulp or two of these).
 */
public final class Activations {
    private Activations() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    /** {@code a[off..off+n) = act(a)}. */
    public static void apply(Activation act, float[] a, int off, int n) {
        switch (act) {
            case SILU -> {
                for (int i = off; i < off + n; i++) {
                    a[i] = silu(a[i]);
                }
            }
            case GELU -> {
                for (int i = off; i < off + n; i++) {
                    a[i] = gelu(a[i]);
                }
            }
            case GELU_TANH -> {
                for (int i = off; i < off + n; i++) {
                    a[i] = geluTanh(a[i]);
                }
            }
            case RELU -> {
                for (int i = off; i < off + n; i++) {
                    a[i] = a[i] > 0 ? a[i] : 0f;
                }
            }
        }
    }

    /** {@code gate = act(gate) * up}: the gated FFN (SwiGLU with SiLU). */
    public static void gated(Activation act, float[] gate, int gOff, float[] up, int uOff, int n) {
        if (act == Activation.SILU) {
            VectorKernels.swiglu(gate, gOff, up, uOff, n);
            return;
        }
        apply(act, gate, gOff, n);
        for (int i = 0; i < n; i++) {
            gate[gOff + i] *= up[uOff + i];
        }
    }

    /** {@code x * sigmoid(x)} as the Llama forward computes it (SwiGLU's gate). */
    public static float silu(float x) {
        return x / (1f + ScalarKernels.exp(-x));
    }

    /** {@code 0.5 x (1 + erf(x / sqrt 2))}: PyTorch's {@code nn.GELU()}, HF "gelu". */
    public static float gelu(float x) {
        return (float) (0.5 * x * (1 + erf(x * INV_SQRT_2)));
    }

    /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}: HF "gelu_new", BLOOM's gelu. */
    public static float geluTanh(float x) {
        double d = x;
        return (float) (0.5 * d * (1 + Math.tanh(SQRT_2_OVER_PI * (d + 0.044715 * d * d * d))));
    }

    /**
     * The error function to double precision: its Taylor series below |x| = 2.5, above that
     * {@code 1 - erfc(x)} with erfc's continued fraction (both converge to a few ulps there).
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        if (a < 2.5) {
            // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x;
            double term = x;
            double sum = x;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return TWO_OVER_SQRT_PI * sum;
        }
        if (a > 6) {
            return Math.signum(x);
        }
        // erfc(a) = exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...)))))
        double k = a;
        for (int n = 120; n >= 1; n--) {
            k = a + (n / 2.0) / k;
        }
        double erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / k;
        return Math.signum(x) * (1 - erfc);
    }
}
