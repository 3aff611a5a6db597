package dev.kindling.inference.sample;

import java.util.Arrays;

/**
 * llama2.c's {@code sample()} from {@code run.c}, float for float: greedy at temperature 0;
 * otherwise logits / temperature, softmax, one coin from xorshift64* (seeded with the raw seed; seed 0,
 * which run.c replaces by the time, with a fixed non-zero state),
 * then multinomial over all tokens (top-p off) or {@code sample_topp}: keep tokens with probability
 * at least {@code (1 - p) / (n - 1)}, sort them descending, cut where the cumulative mass first
 * exceeds {@code p}, pick the first with {@code coin * mass < cdf}.
 */
final class Llama2cSampler implements Sampler {
    private final float temperature;
    private final float topP;
    private final Xorshift rng;
    private float[] probs = new float[0];
    private Integer[] order = new Integer[0];

    Llama2cSampler(SamplingParams p) {
        this.temperature = p.temperature();
        this.topP = p.topP();
        // run.c replaces seed 0 by the time (if (rng_seed <= 0) rng_seed = time(NULL)): xorshift's state 0 never
        // leaves 0, so every coin was 0 and every draw token 0. A fixed scrambled state keeps seed 0 reproducible.
        this.rng = p.seed() != 0 ? new Xorshift(p.seed()) : Xorshift.mixed(0);
    }

    @Override
    public int sample(float[] logits, int off, int n) {
        if (temperature == 0f) {
            return Sampler.argmax(logits, off, n);
        }
        if (probs.length < n) {
            probs = new float[n];
            order = new Integer[n];
        }
        float[] p = probs;
        for (int i = 0; i < n; i++) {
            p[i] = logits[off + i] / temperature;
        }
        // softmax as run.c: max, expf(x - max) summed in float, divide
        float max = p[0];
        for (int i = 1; i < n; i++) {
            if (p[i] > max) {
                max = p[i];
            }
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            p[i] = (float) Math.exp(p[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        float coin = rng.nextFloat();
        if (topP <= 0 || topP >= 1) {
            float cdf = 0f;
            for (int i = 0; i < n; i++) {
                cdf += p[i];
                if (coin < cdf) {
                    return i;
                }
            }
            return n - 1;
        }
        float cutoff = (1.0f - topP) / (n - 1);
        int n0 = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] >= cutoff) {
                order[n0++] = i;
            }
        }
        Arrays.sort(order, 0, n0, (a, b) -> Float.compare(p[b], p[a]));
        float cumulative = 0f;
        int last = n0 - 1;
        for (int i = 0; i < n0; i++) {
            cumulative += p[order[i]];
            if (cumulative > topP) {
                last = i;
                break;
            }
        }
        float r = coin * cumulative;
        float cdf = 0f;
        for (int i = 0; i <= last; i++) {
            cdf += p[order[i]];
            if (r < cdf) {
                return order[i];
            }
        }
        return order[last];
    }
}
