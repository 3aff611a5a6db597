package dev.kindling.inference.sample;

/**
 * Picks the next token from a row of logits. One instance per sequence: it holds the request's
 * random generator and the token counts the penalties need, so results never depend on other
 * sequences. Not thread-safe.
 */
public interface Sampler {
    /**
     * @param logits the row {@code logits[off .. off+vocab)}; left unchanged
     */
    int sample(float[] logits, int off, int vocab);

    /** Tells the sampler a token was appended to the sequence (prompt tokens first, then outputs). */
    default void accept(int token, boolean generated) {}

    static Sampler create(SamplingParams p) {
        return p.kind() == SamplingParams.Kind.LLAMA2C ? new Llama2cSampler(p) : new DefaultSampler(p);
    }

    /** Index of the largest value (the lowest index among ties). */
    static int argmax(float[] a, int off, int n) {
        int best = 0;
        float bv = a[off];
        for (int i = 1; i < n; i++) {
            if (a[off + i] > bv) {
                bv = a[off + i];
                best = i;
            }
        }
        return best;
    }
}
