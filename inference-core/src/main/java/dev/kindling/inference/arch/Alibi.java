package dev.kindling.inference.arch;

/**
 * ALiBi slopes per head. The bias added to head {@code h}'s scaled score of key position {@code j}
 * from query position {@code i} is {@code -slope[h] * (i - j)} — what both families do up to a
 * per-row constant, which softmax ignores (BLOOM adds {@code slope * j}, MPT {@code slope * (j - n + 1)}).
 */
public final class Alibi {
    private Alibi() {}

    /**
     * BLOOM's slopes ({@code build_alibi_tensor}; also llama.cpp's for every ALiBi model, with
     * {@code maxBias} 8): {@code 2^(-8(h+1)/n)} for the largest power of two {@code n <= heads}, then
     * the odd powers of {@code 2^(-4/n)} for the remaining heads.
     */
    public static float[] bloom(int heads, double maxBias) {
        int n = Integer.highestOneBit(heads);
        double m0 = Math.pow(2, -maxBias / n);
        double m1 = Math.pow(2, -(maxBias / 2) / n);
        float[] s = new float[heads];
        for (int h = 0; h < heads; h++) {
            s[h] = (float) (h < n ? Math.pow(m0, h + 1) : Math.pow(m1, 2 * (h - n) + 1));
        }
        return s;
    }

    /**
     * MPT's slopes ({@code build_mpt_alibi_tensor}): for {@code n} the next power of two
     * {@code >= heads}, {@code 1 / 2^((k+1) * maxBias / n)} for {@code k < n}; when {@code n != heads}
     * the odd-indexed ones first, then the even ones, cut to {@code heads}. Equal to
     * {@link #bloom} when the head count is a power of two.
     */
    public static float[] mpt(int heads, double maxBias) {
        int n = Integer.highestOneBit(heads) == heads ? heads : Integer.highestOneBit(heads) << 1;
        double[] all = new double[n];
        for (int k = 0; k < n; k++) {
            all[k] = 1.0 / Math.pow(2, (k + 1) * (maxBias / n));
        }
        float[] s = new float[heads];
        if (n == heads) {
            for (int h = 0; h < heads; h++) {
                s[h] = (float) all[h];
            }
            return s;
        }
        int o = 0;
        for (int k = 1; k < n && o < heads; k += 2) {
            s[o++] = (float) all[k];
        }
        for (int k = 0; k < n && o < heads; k += 2) {
            s[o++] = (float) all[k];
        }
        return s;
    }
}
