package dev.kindling.inference.model;

/**
 * Rotary position embedding parameters.
 *
 * @param style        pairing of rotated elements
 * @param dims         rotated elements per head ({@code rope.dimension_count}; the rest pass through)
 * @param base         frequency base theta ({@code rope.freq_base}, 10000 for Llama 2, 500000 for Llama 3)
 * @param positionScale positions are multiplied by this ({@code 1/factor} for "linear" scaling, else 1)
 * @param freqFactors  per-pair divisors of the frequency (Llama 3.1's {@code rope_freqs.weight}), or null
 */
public record Rope(RopeStyle style, int dims, double base, double positionScale, float[] freqFactors) {
    public Rope {
        if (dims <= 0 || dims % 2 != 0) {
            throw new IllegalArgumentException("rope dimension count must be positive and even, got " + dims);
        }
        if (!(base > 1 && base < Double.POSITIVE_INFINITY)) {
            // base <= 1 makes every pair turn at least as fast as the first: no RoPE model uses that; 0, NaN and
            // negative values come from corrupt files
            throw new IllegalArgumentException("rope frequency base must be a finite number > 1, got " + base);
        }
        if (!(positionScale > 0 && positionScale < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("rope position scale must be finite and > 0, got " + positionScale);
        }
        if (freqFactors != null && freqFactors.length != dims / 2) {
            throw new IllegalArgumentException("rope_freqs has " + freqFactors.length + " values, expected " + dims / 2);
        }
    }

    /** Angle of pair {@code i} (0 .. dims/2) at position {@code pos}, as llama.cpp's ggml_rope computes it (in double here). */
    public double angle(int pos, int i) {
        double theta = pos * positionScale * Math.pow(base, -2.0 * i / dims);
        return freqFactors != null ? theta / freqFactors[i] : theta;
    }
}
