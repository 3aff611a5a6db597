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
            gate[gOff + i] = g / (1f + exp(-g)) * up[uOff + i];
        }
    }

    // exp(x) = 2^n * e^b with n = round(x / ln 2) and |b| <= ln2 / 2, e^b by a degree-5 polynomial:
    // the algorithm of Arm's optimized-routines expf that ggml's vector SiLU uses (error below 2 ulp)
    static final float EXP_SHIFT = 0x1.8p23f;
    static final float LOG2E = 0x1.715476p+0f;
    static final float LN2_HI = 0x1.62e4p-1f;
    static final float LN2_LO = 0x1.7f7d1cp-20f;
    static final float EXP_C0 = 0x1.ffffecp-1f;
    static final float EXP_C1 = 0x1.fffdb6p-2f;
    static final float EXP_C2 = 0x1.555e66p-3f;
    static final float EXP_C3 = 0x1.573e2ep-5f;
    static final float EXP_C4 = 0x1.0e4020p-7f;

    /**
     * {@code e^x} in float by the polynomial above, lane for lane what {@link VectorKernels#exp}
     * computes (every step is one correctly rounded operation): within 2 ulp of the true value (the
     * polynomial is within 1.45 ulp, then the result is rounded);
     * 0 below about -104, infinity above about 88.7, NaN for NaN.
     */
    public static float exp(float x) {
        float z = Math.fma(x, LOG2E, EXP_SHIFT); // n in the low bits of z
        float n = z - EXP_SHIFT;
        float b = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(EXP_C4, b, EXP_C3), u, Math.fma(EXP_C2, b, EXP_C1)), u, EXP_C0 * b);
        if (!(Math.abs(n) > 126f)) {
            float k = Float.intBitsToFloat(e + Float.floatToRawIntBits(1f)); // 2^n
            return Math.fma(j, k, k);
        }
        // 2^n overflows or underflows a float: scale in two steps
        int g = n <= 0f ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        return Math.abs(n) > 192f ? s1 * s1 : Math.fma(s2, j, s2) * s1;
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

    /**
     * {@code x} rounded to the nearest IEEE half (ties to even; past 65504 to inf), as a float: the twin of
     * {@link VectorKernels#roundToHalves}, which F16 activations ({@link ActivationFormat#F16}) and the F16 KV cache's
     * queries and weights go through.
     */
    public static float roundToHalf(float x) {
        return halfToFloat(floatToHalf(x));
    }

    /** bfloat16 bits to float. */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }
}
