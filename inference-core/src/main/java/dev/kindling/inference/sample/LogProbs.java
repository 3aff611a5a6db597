package dev.kindling.inference.sample;

/** Log-probabilities of the model's raw distribution (log-softmax of the logits, in double). */
public final class LogProbs {
    private LogProbs() {}

    /** {@code log(sum(exp(logits)))} of the row. */
    public static double logSumExp(float[] logits, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += Math.exp(logits[off + i] - (double) max);
        }
        return max + Math.log(s);
    }

    /** The chosen token's log-probability and the {@code topN} most likely alternatives. */
    public static TokenLogprob of(float[] logits, int off, int n, int chosen, int topN) {
        double lse = logSumExp(logits, off, n);
        int k = Math.min(Math.max(topN, 0), n);
        int[] ids = new int[k];
        float[] lps = new float[k];
        int filled = 0;
        // insertion into a small sorted array: topN is small (<= 20 in practice)
        for (int i = 0; i < n && k > 0; i++) {
            float v = logits[off + i];
            if (filled < k || v > logits[off + ids[filled - 1]]) {
                int j = Math.min(filled, k - 1);
                while (j > 0 && logits[off + ids[j - 1]] < v) {
                    ids[j] = ids[j - 1];
                    j--;
                }
                ids[j] = i;
                if (filled < k) {
                    filled++;
                }
            }
        }
        for (int i = 0; i < k; i++) {
            lps[i] = (float) (logits[off + ids[i]] - lse);
        }
        return new TokenLogprob(chosen, (float) (logits[off + chosen] - lse), ids, lps);
    }
}
