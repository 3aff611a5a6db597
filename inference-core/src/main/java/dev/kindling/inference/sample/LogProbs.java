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

    /** Above this many alternatives they are found by sorting the whole row instead of by insertion. */
    static final int INSERTION_MAX = 64;

    /**
     * The chosen token's log-probability and the {@code topN} most likely alternatives (most likely first, lower id
     * first among ties).
     */
    public static TokenLogprob of(float[] logits, int off, int n, int chosen, int topN) {
        double lse = logSumExp(logits, off, n);
        int k = Math.min(Math.max(topN, 0), n);
        int[] ids = k <= INSERTION_MAX ? topByInsertion(logits, off, n, k) : topBySorting(logits, off, n, k);
        float[] lps = new float[k];
        for (int i = 0; i < k; i++) {
            lps[i] = (float) (logits[off + ids[i]] - lse);
        }
        return new TokenLogprob(chosen, (float) (logits[off + chosen] - lse), ids, lps);
    }

    /** Insertion into a small sorted array: n x k steps, the fastest for the usual few alternatives. */
    static int[] topByInsertion(float[] logits, int off, int n, int k) {
        int[] ids = new int[k];
        int filled = 0;
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
        return ids;
    }

    /**
     * One sort of the row, for many alternatives: insertion would take n x k steps (10^9 per token for the whole of a
     * 32K vocabulary). Keys order by value descending (the float's bits made order-preserving as an int), then id.
     */
    static int[] topBySorting(float[] logits, int off, int n, int k) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(logits[off + i] + 0.0f); // -0.0 ties with 0.0, as in the insertion
            int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF);
            keys[i] = ((long) ~ordered << 32) | i;
        }
        java.util.Arrays.sort(keys);
        int[] ids = new int[k];
        for (int i = 0; i < k; i++) {
            ids[i] = (int) keys[i];
        }
        return ids;
    }
}
