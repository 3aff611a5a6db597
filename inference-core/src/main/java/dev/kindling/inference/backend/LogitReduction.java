package dev.kindling.inference.backend;

import java.util.Arrays;

/**
 * What the scheduler needs from a row of logits when it does not need the row itself: the argmax,
 * a sample, or the log-probability of a given token. A backend whose {@link Backend#reducesLogits()}
 * is true computes these where the logits are (the CUDA backend: on the device, so a decode step
 * copies back one id per sequence instead of a vocabulary of floats); {@link #reduce} is the
 * same computation on the host, used by such backends when the device cannot (and as the oracle).
 *
 * <p>{@link Kind#SAMPLE} is the engine's default sampler without penalties, with its random draw
 * made by the caller: the {@code coin} is the uniform float the sequence's own generator returns,
 * so the result equals {@code Sampler.create(params).sample(row)} for the same generator state.
 *
 * @param kind        what to compute
 * @param temperature SAMPLE: softmax temperature (0 = argmax)
 * @param topK        SAMPLE: keep the k most likely tokens (0 = all)
 * @param topP        SAMPLE: nucleus mass in (0, 1] (1 = off)
 * @param minP        SAMPLE: minimum probability relative to the top token (0 = off)
 * @param coin        SAMPLE: a uniform draw in [0, 1)
 * @param target      LOGPROB: the token whose log-probability is wanted
 * @param columns     the ids considered: {@code 0..columns-1} of the row (0 = all): a generation whose tokenizer has
 *                    fewer ids than the model's output rows (a padded embedding) samples only ids with text
 */
public record LogitReduction(Kind kind, float temperature, int topK, float topP, float minP, float coin, int target,
        int columns) {
    public enum Kind {
        /** The largest logit (lowest id among ties); the value is that token's logit. */
        ARGMAX,
        /** A token drawn as described above; the value is its logit. */
        SAMPLE,
        /** {@code logit[target] - logSumExp(logits)} in double: value only (the argmax as token). */
        LOGPROB
    }

    public static LogitReduction argmax() {
        return new LogitReduction(Kind.ARGMAX, 0f, 0, 1f, 0f, 0f, -1, 0);
    }

    public static LogitReduction sample(float temperature, int topK, float topP, float minP, float coin) {
        return new LogitReduction(Kind.SAMPLE, temperature, topK, topP, minP, coin, -1, 0);
    }

    public static LogitReduction logprob(int target) {
        return new LogitReduction(Kind.LOGPROB, 0f, 0, 1f, 0f, 0f, target, 0);
    }

    /** This reduction over the first {@code n} ids of each row only (0: all of them). */
    public LogitReduction withColumns(int n) {
        return new LogitReduction(kind, temperature, topK, topP, minP, coin, target, n);
    }

    /** The ids of a row of {@code n} this reduction considers. */
    public int columnsOf(int n) {
        return columns > 0 && columns < n ? columns : n;
    }

    /** The token of ARGMAX/SAMPLE (the argmax for LOGPROB). */
    public int token(float[] logits, int off, int n) {
        n = columnsOf(n);
        if (kind == Kind.SAMPLE && temperature != 0f) {
            return sample(logits, off, n);
        }
        return argmax(logits, off, n);
    }

    /** The value of LOGPROB ({@code logit[target] - logSumExp}). */
    public float value(float[] logits, int off, int n) {
        n = columnsOf(n);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(logits[off + i] - (double) max);
        }
        return (float) (logits[off + target] - (max + Math.log(s)));
    }

    /**
     * Writes {@link #token} to {@code tokens[i]} and to {@code values[i]} the LOGPROB {@link #value}, else the chosen
     * token's logit (the scheduler's check for a model computing NaN, which sees no other logit of a reduced row).
     */
    public void reduce(float[] logits, int off, int n, int[] tokens, float[] values, int i) {
        tokens[i] = token(logits, off, n);
        values[i] = kind == Kind.LOGPROB ? value(logits, off, n) : logits[off + tokens[i]];
    }

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

    /**
     * The mass ({@code e = exp((z - max) / T)}, unnormalised) of the {@code k} most likely tokens, which top-p after
     * top-k measures its nucleus on: Hugging Face's TopPLogitsWarper sees TopKLogitsWarper's -inf, vLLM's
     * {@code apply_top_k_top_p} takes the softmax after the top-k mask, llama.cpp's top-p its softmax over the
     * candidates top-k left. Measured on the whole row instead, top-k 2 with top-p 0.5 over probabilities
     * 0.35 / 0.30 / ... kept both tokens where all three keep the first alone (0.54 of what top-k kept).
     *
     * <p>{@code keys[0, m)} are the candidates (tokens with {@code e >= cutoff} and {@code e >= minP}, so the m most
     * likely), the first {@code min(m, k)} of them the most likely ({@link #sortFirst}); when top-k reaches past them, the rest of its mass is the {@code k - m}
     * largest of the other tokens (a min-heap: one pass over the row). The cutoff stays sound: a token under
     * {@code (1 - p) / (n - 1)} of the row's mass is in no nucleus of the k most likely either, whose mass is at
     * least k / n of the row's.
     */
    public static double topKMass(float[] e, int n, long[] keys, int m, int k, double cutoff, float minP) {
        double mass = 0;
        for (int i = 0; i < Math.min(m, k); i++) {
            mass += e[(int) keys[i]];
        }
        int r = k - m;
        if (r <= 0) {
            return mass;
        }
        float[] heap = new float[r];
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = e[i];
            if ((double) v >= cutoff && v >= minP) {
                continue; // a candidate, counted above
            }
            if (size < r) {
                int j = size++;
                while (j > 0 && heap[(j - 1) / 2] > v) {
                    heap[j] = heap[(j - 1) / 2];
                    j = (j - 1) / 2;
                }
                heap[j] = v;
            } else if (v > heap[0]) {
                int j = 0;
                while (true) {
                    int c = 2 * j + 1;
                    if (c >= size) {
                        break;
                    }
                    if (c + 1 < size && heap[c + 1] < heap[c]) {
                        c++;
                    }
                    if (heap[c] >= v) {
                        break;
                    }
                    heap[j] = heap[c];
                    j = c;
                }
                heap[j] = v;
            }
        }
        for (int i = 0; i < size; i++) {
            mass += heap[i];
        }
        return mass;
    }

    /**
     * Orders the candidates' keys {@code keys[0, m)} so that {@code keys[0, min(m, k))} are the {@code min(m, k)}
     * smallest, ascending ({@code k <= 0}: all {@code m}); the rest is left in any order. The samplers read no key past
     * top-k's {@code k}: sorting every candidate, as they did, sorted the whole vocabulary for each token when top-k alone
     * left every token a candidate (23 ms a token of a 128K vocabulary, where the same draw without top-k took 3.6 ms). A
     * max-heap of the {@code k} smallest keeps them in one pass; the keys are distinct (the id is in their low bits), so
     * the order is the full sort's.
     */
    public static void sortFirst(long[] keys, int m, int k) {
        if (k <= 0 || k >= m / 4) {
            Arrays.sort(keys, 0, m);
            return;
        }
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(keys, i, k);
        }
        for (int i = k; i < m; i++) {
            if (keys[i] < keys[0]) {
                keys[0] = keys[i];
                siftDown(keys, 0, k);
            }
        }
        Arrays.sort(keys, 0, k);
    }

    /** Restores the max-heap {@code heap[0, size)} below {@code i}. */
    private static void siftDown(long[] heap, int i, int size) {
        long v = heap[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && heap[c + 1] > heap[c]) {
                c++;
            }
            if (heap[c] <= v) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        heap[i] = v;
    }

    /** The default sampler's algorithm (dev.kindling.inference.sample), drawing with {@link #coin}. */
    private int sample(float[] logits, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        float[] z = new float[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp((logits[off + i] - max) / temperature);
            z[i] = e;
            sum += e;
        }
        if (topK == 0 && topP >= 1f && minP == 0f) {
            double r = coin * sum;
            double cdf = 0;
            for (int i = 0; i < n; i++) {
                cdf += z[i];
                if (r < cdf) {
                    return i;
                }
            }
            return argmax(z, 0, n);
        }
        double cutoff = topP < 1f ? (1.0 - topP) / (n - 1) * sum : 0;
        long[] keys = new long[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (z[i] >= cutoff && z[i] >= minP) {
                keys[m++] = ((long) (0x7FFFFFFF - Float.floatToRawIntBits(z[i])) << 32) | i;
            }
        }
        if (m == 0) {
            return argmax(z, 0, n);
        }
        sortFirst(keys, m, topK);
        int keep = topK > 0 ? Math.min(m, topK) : m;
        if (topP < 1f) {
            // the nucleus of what top-k kept, renormalised (see topKMass)
            double goal = topP * (topK > 0 && topK < n ? topKMass(z, n, keys, m, topK, cutoff, minP) : sum);
            double cum = 0;
            for (int i = 0; i < keep; i++) {
                cum += z[(int) keys[i]];
                if (cum >= goal) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double mass = 0;
        for (int i = 0; i < keep; i++) {
            mass += z[(int) keys[i]];
        }
        double r = coin * mass;
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
