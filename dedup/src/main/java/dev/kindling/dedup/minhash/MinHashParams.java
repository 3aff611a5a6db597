package dev.kindling.dedup.minhash;

import dev.kindling.dedup.lsh.OptimalParam;

/**
 * The shape of a MinHash LSH run.
 *
 * @param numPerm number of hash permutations (signature length)
 * @param bands   LSH bands; two documents become candidates when all rows of one band agree
 * @param rows    rows (signature values) per band; {@code bands * rows <= numPerm}
 * @param ngram   word n-gram (shingle) size
 * @param seed    seed of the permutation coefficients; signatures are comparable only under equal
 *                seeds and numPerm
 */
public record MinHashParams(int numPerm, int bands, int rows, int ngram, long seed) implements java.io.Serializable {

    /** Seed used when none is given (any fixed value; it only has to be the same for every row). */
    public static final long DEFAULT_SEED = 42L;

    /** datatrove's defaults: 112 permutations as 14 bands of 8 rows, 5-grams. */
    public static final MinHashParams DEFAULT = new MinHashParams(112, 14, 8, 5, DEFAULT_SEED);

    /**
     * The most permutations a run takes: every document's signature has that many values, and choosing bands and rows for
     * a threshold tries every shape (about 4.5 s at 8,192 here; --num-perm 50000 sat for minutes before any work, saying
     * nothing). datatrove uses 112, text-dedup 256.
     */
    public static final int MAX_PERMUTATIONS = 8192;

    public MinHashParams {
        checkNumPerm(numPerm);
        if (bands < 1 || rows < 1 || (long) bands * rows > numPerm) {
            throw new IllegalArgumentException("bands x rows must fit in numPerm: bands=" + bands
                    + " rows=" + rows + " numPerm=" + numPerm);
        }
        if (ngram < 1) {
            throw new IllegalArgumentException("ngram must be at least 1, got " + ngram);
        }
    }

    /**
     * Bands and rows for a Jaccard {@code threshold} when candidates are verified (Kindling's
     * default): text-dedup's {@code optimal_param} with false negatives weighted 19 times more than
     * false positives ({@link OptimalParam#forVerifiedDedup}). At 0.8 and 112 permutations this is
     * {@link #DEFAULT}'s 14 x 8.
     */
    public static MinHashParams forThreshold(double threshold, int numPerm, int ngram, long seed) {
        checkNumPerm(numPerm);
        OptimalParam.BandsRows br = OptimalParam.forVerifiedDedup(threshold, numPerm);
        return new MinHashParams(numPerm, br.bands(), br.rows(), ngram, seed);
    }

    /** Refuses a number of permutations outside [1, {@link #MAX_PERMUTATIONS}]. */
    public static void checkNumPerm(long numPerm) {
        if (numPerm < 1 || numPerm > MAX_PERMUTATIONS) {
            throw new IllegalArgumentException("numPerm must be in [1, " + MAX_PERMUTATIONS + "] (the values of each document's "
                    + "signature; datatrove uses 112), got " + numPerm);
        }
    }
}
