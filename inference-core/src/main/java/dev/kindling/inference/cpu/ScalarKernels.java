package dev.kindling.inference.cpu;

/**
 * Plain-Java twins of the vector kernels: the test oracle, and the path taken when the Vector API
 * is disabled ({@code -Dkindling.simd.bits=0}). Also the small per-token operations of the forward
 * pass (norms, activations, softmax), which are cheap and written once here.
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    /** Sequential dot product (the scalar twin of {@link VectorKernels#dot}). */
    public static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        float s = 0f;
        for (int k = 0; k < n; k++) {
            s = Math.fma(w[wOff + k], x[xOff + k], s);
        }
        return s;
    }

    /**
     * RMSNorm as llama.cpp computes it: the mean of squares in double, {@code scale = 1/sqrt(mean +
     * eps)} in float, then {@code out = (x * scale) * weight}.
     */
    public static void rmsnorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            ss += v * v;
        }
        float scale = (float) (1.0 / Math.sqrt((float) (ss / n) + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] * scale) * weight[i];
        }
    }

    /**
     * LayerNorm (mean and variance in double), with optional weight and bias (null = 1 / 0). For
     * the architectures of issue 8 (Phi-2, NeoX, Falcon, ...).
     */
    public static void layernorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float[] bias, int n, float eps) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += x[xOff + i];
        }
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) {
            double d = x[xOff + i] - mean;
            var += d * d;
        }
        float scale = (float) (1.0 / Math.sqrt(var / n + eps));
        for (int i = 0; i < n; i++) {
            float v = (float) (x[xOff + i] - mean) * scale;
            if (weight != null) {
                v *= weight[i];
            }
            if (bias != null) {
                v += bias[i];
            }
            out[outOff + i] = v;
        }
    }

    /** SiLU (x * sigmoid(x)) of {@code gate}, times {@code up}, into {@code gate}: SwiGLU. */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }

    /** In-place softmax of {@code a[off..off+n)}; returns nothing, the values become probabilities. */
    public static void softmax(float[] a, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(a[off + i] - max);
            a[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            a[off + i] *= inv;
        }
    }

    /** {@code y += a * x} (scalar twin of {@link VectorKernels#axpy}). */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = Math.fma(x[xOff + i], a, y[yOff + i]);
        }
    }

    /** IEEE half (binary16) bits to float, every case (zero, subnormal, normal, inf, NaN). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int em = bits & 0x7FFF;
        float f;
        if (em >= 0x7C00) {
            f = Float.intBitsToFloat((em << 13) | 0x7F800000);
        } else {
            // exponent moved into float position; the factor 2^112 re-biases it (exact also for subnormals)
            f = Float.intBitsToFloat(em << 13) * 0x1p112f;
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(f) | sign);
    }

    /** Float to IEEE half with round-to-nearest-even (as ggml's FP32_TO_FP16). */
    public static short floatToHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int ax = x & 0x7FFFFFFF;
        if (ax >= 0x7F800000) { // inf or nan
            return (short) (sign | 0x7C00 | (ax > 0x7F800000 ? 0x200 : 0));
        }
        if (ax >= 0x477FF000) { // rounds to >= 65520: overflow to inf
            return (short) (sign | 0x7C00);
        }
        if (ax < 0x38800000) { // subnormal half (or zero): value / 2^-24, rounded to nearest even
            float v = Float.intBitsToFloat(ax) * 0x1p24f;
            int m = (int) Math.rint(v);
            return (short) (sign | m);
        }
        int mant = ax & 0x7FFFFF;
        int exp = (ax >>> 23) - 127 + 15;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** bfloat16 bits to float. */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }
}
