package dev.kindling.inference.sample;

import dev.kindling.inference.backend.LogitReduction;

import java.util.HashMap;
import java.util.Map;

/** The default sampler: penalties, greedy or temperature + top-k + top-p + min-p (see {@link SamplingParams}). */
final class DefaultSampler implements Sampler {
    private final SamplingParams p;
    private final Xorshift rng;
    /** token -> [count in prompt+output, count in output] for the penalties. */
    private final Map<Integer, int[]> counts = new HashMap<>();
    private float[] work = new float[0];
    private long[] keys = new long[0];

    DefaultSampler(SamplingParams p) {
        this.p = p;
        this.rng = Xorshift.mixed(p.seed());
    }

    private boolean penalties() {
        return p.repetitionPenalty() != 1f || p.frequencyPenalty() != 0f || p.presencePenalty() != 0f;
    }

    @Override
    public void accept(int token, boolean generated) {
        if (penalties()) {
            int[] c = counts.computeIfAbsent(token, t -> new int[2]);
            c[0]++;
            if (generated) {
                c[1]++;
            }
        }
    }

    @Override
    public LogitReduction reduction() {
        if (penalties()) {
            return null;
        }
        if (p.temperature() == 0f) {
            return LogitReduction.argmax();
        }
        return LogitReduction.sample(p.temperature(), p.topK(), p.topP(), p.minP(), rng.nextFloat());
    }

    @Override
    public int sample(float[] logits, int off, int n) {
        if (p.temperature() == 0f && !penalties()) {
            // greedy on the row as it is: the copy below (and a vocabulary-sized buffer per request) changes nothing here
            return Sampler.argmax(logits, off, n);
        }
        if (work.length < n) {
            work = new float[n];
        }
        float[] z = work;
        System.arraycopy(logits, off, z, 0, n);
        if (penalties()) {
            for (Map.Entry<Integer, int[]> e : counts.entrySet()) {
                int t = e.getKey();
                if (t < 0 || t >= n) {
                    continue;
                }
                int[] c = e.getValue();
                if (p.repetitionPenalty() != 1f && c[0] > 0) {
                    z[t] = z[t] > 0 ? z[t] / p.repetitionPenalty() : z[t] * p.repetitionPenalty();
                }
                z[t] -= c[1] * p.frequencyPenalty() + (c[1] > 0 ? p.presencePenalty() : 0f);
                if (Float.isInfinite(z[t]) && Float.isFinite(logits[off + t])) {
                    // a penalty that pushes a logit past the float range (--repetition-penalty 1e-40 divides 3.2 into
                    // Infinity) is the largest (or lowest) float: an infinite one made the softmax Infinity - Infinity,
                    // NaN, and every draw token 0 (<unk>, an empty text) whatever the row said
                    z[t] = Math.copySign(Float.MAX_VALUE, z[t]);
                }
            }
        }
        if (p.temperature() == 0f) {
            return Sampler.argmax(z, 0, n);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, z[i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp((z[i] - max) / p.temperature());
            z[i] = e;
            sum += e;
        }
        if (p.topK() == 0 && p.topP() >= 1f && p.minP() == 0f) {
            double r = rng.nextFloat() * sum;
            double cdf = 0;
            for (int i = 0; i < n; i++) {
                cdf += z[i];
                if (r < cdf) {
                    return i;
                }
            }
            return Sampler.argmax(z, 0, n);
        }
        // candidates: tokens that can survive min-p (z is probability / top probability) and top-p
        // (a token under (1-p)/(n-1) of the mass cannot be in the nucleus, run.c's trick), sorted
        // by probability, then lowest id
        double cutoff = p.topP() < 1f ? (1.0 - p.topP()) / (n - 1) * sum : 0;
        if (keys.length < n) {
            keys = new long[n];
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (z[i] >= cutoff && z[i] >= p.minP()) {
                // non-negative floats order like their bits: descending probability, then ascending id
                keys[m++] = ((long) (0x7FFFFFFF - Float.floatToRawIntBits(z[i])) << 32) | i;
            }
        }
        if (m == 0) {
            return Sampler.argmax(z, 0, n);
        }
        LogitReduction.sortFirst(keys, m, p.topK()); // the top-k most likely in order: no key past them is read
        int keep = p.topK() > 0 ? Math.min(m, p.topK()) : m;
        if (p.topP() < 1f) {
            // the nucleus of what top-k kept, renormalised, as HF, vLLM and llama.cpp (LogitReduction.topKMass)
            double target = p.topP() * (p.topK() > 0 && p.topK() < n
                    ? LogitReduction.topKMass(z, n, keys, m, p.topK(), cutoff, p.minP()) : sum);
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += z[(int) keys[i]];
                if (cum >= target) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double mass = 0;
        for (int i = 0; i < keep; i++) {
            mass += z[(int) keys[i]];
        }
        double r = rng.nextFloat() * mass;
        double cdf = 0;
        for (int i = 0; i < keep; i++) {
            cdf += z[(int) keys[i]];
            if (r < cdf) {
                return (int) keys[i];
            }
        }
        return (int) keys[keep - 1];
    }
}
