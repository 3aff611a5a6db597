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
