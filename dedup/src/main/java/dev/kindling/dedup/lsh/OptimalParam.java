package dev.kindling.dedup.lsh;

/**
 * Bands and rows for a Jaccard threshold, as text-dedup's {@code optimal_param} (itself from
 * datasketch's {@code _optimal_param}) chooses them: among all {@code (b, r)} with
 * {@code b * r <= numPerm}, the one minimising
 * {@code fpWeight * FP(b, r) + fnWeight * FN(b, r)}, where
 * {@code FP = ∫_0^t 1 - (1 - s^r)^b ds} (pairs below the threshold that still collide in a band)
 * and {@code FN = ∫_t^1 (1 - s^r)^b ds} (pairs above it that never do). Ties keep the first pair in
 * the order b = 1.., r = 1.. (strict {@code <}, as the reference).
 *
 * <p>The reference integrates with SciPy's {@code quad}; here the integrands are polynomials in s,
 * integrated with composite Gauss–Legendre to about 1e-14, and the tests compare the chosen pairs
 * with SciPy's on a table of thresholds.
 *
 * <p><b>Kindling's weights.</b> text-dedup weighs both errors equally, which centres the S-curve on
 * the threshold: at 0.8 and 112 permutations it picks 9 x 12, where a pair exactly at the threshold
 * meets in a band with probability 0.47, and on the corpus benchmark recall is 0.946. Kindling
 * verifies every candidate pair with its exact Jaccard similarity (on by default), so a false
 * positive of the LSH stage costs one set comparison and is then discarded, while a false negative
 * is a duplicate lost for good. {@link #forVerifiedDedup} therefore weighs false negatives 19 times
 * more ({@value #VERIFIED_FP_WEIGHT} / {@value #VERIFIED_FN_WEIGHT}). The ratio is calibrated, not
 * invented: it is the weighting under which {@code optimal_param} picks datatrove's 14 x 8 at 0.8 (a
 * pair at exactly 0.8 meets with probability 0.92; every false-negative weight from 0.91 to 0.965
 * picks it, and 0.95 sits inside that range), so the default and {@code --threshold 0.8} agree. False
 * positives keep a small weight on purpose: at weight 0 the best shape would be 112 bands of one
 * row, making nearly every pair a candidate (the quadratic blow-up this design avoids). The
 * resulting shapes: 0.7 → 18 x 6, 0.75 → 16 x 7, 0.8 → 14 x 8, 0.85 → 11 x 10, 0.9 → 8 x 13.
 *
 * <pre>{@code
 * OptimalParam.BandsRows br = OptimalParam.optimal(0.8, 112, 0.5, 0.5);   // text-dedup: 9 x 12
 * OptimalParam.BandsRows k = OptimalParam.forVerifiedDedup(0.8, 112);     // Kindling: 14 x 8
 * }</pre>
 */
public final class OptimalParam {
    /** Weight of false positives (candidates below the threshold) when candidates are verified. */
    public static final double VERIFIED_FP_WEIGHT = 0.05;
    /** Weight of false negatives (duplicates that never become candidates) when candidates are verified. */
    public static final double VERIFIED_FN_WEIGHT = 0.95;

    private OptimalParam() {}

    /**
     * Bands and rows for LSH followed by exact verification: {@link #optimal} with
     * {@link #VERIFIED_FP_WEIGHT} and {@link #VERIFIED_FN_WEIGHT} (see the class comment for why).
     */
    public static BandsRows forVerifiedDedup(double threshold, int numPerm) {
        return optimal(threshold, numPerm, VERIFIED_FP_WEIGHT, VERIFIED_FN_WEIGHT);
    }

    /** A choice of bands and rows. */
    public record BandsRows(int bands, int rows) {}

    private static final int NODES = 20;
    private static final int PIECES = 32;
    private static final double[] X = new double[NODES];
    private static final double[] W = new double[NODES];

    static {
        // Gauss–Legendre nodes and weights on [-1, 1] by Newton's method on P_n.
        for (int i = 0; i < NODES; i++) {
            double x = Math.cos(Math.PI * (i + 0.75) / (NODES + 0.5));
            double dp = 0;
            for (int it = 0; it < 100; it++) {
                double p0 = 1;
                double p1 = x;
                for (int k = 2; k <= NODES; k++) {
                    double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
                    p0 = p1;
                    p1 = p2;
                }
                dp = NODES * (x * p1 - p0) / (x * x - 1);
                double dx = p1 / dp;
                x -= dx;
                if (Math.abs(dx) < 1e-16) {
                    break;
                }
            }
            X[i] = x;
            W[i] = 2 / ((1 - x * x) * dp * dp);
        }
    }

    /** The optimal bands and rows; fails for a threshold outside (0, 1) or numPerm &lt; 1. */
    public static BandsRows optimal(double threshold, int numPerm, double fpWeight, double fnWeight) {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be strictly between 0 and 1, got " + threshold);
        }
        if (numPerm < 1) {
            throw new IllegalArgumentException("numPerm must be at least 1, got " + numPerm);
        }
        double minError = Double.POSITIVE_INFINITY;
        BandsRows best = new BandsRows(0, 0);
        for (int b = 1; b <= numPerm; b++) {
            int maxR = numPerm / b;
            for (int r = 1; r <= maxR; r++) {
                double fp = integrate(threshold, 0.0, threshold, b, r, true);
                double fn = integrate(threshold, threshold, 1.0, b, r, false);
                double error = fp * fpWeight + fn * fnWeight;
                if (error < minError) {
                    minError = error;
                    best = new BandsRows(b, r);
                }
            }
        }
        return best;
    }

    /** Probability that a pair with Jaccard s shares at least one band: {@code 1 - (1 - s^r)^b}. */
    public static double collisionProbability(double s, int b, int r) {
        return 1 - Math.pow(1 - Math.pow(s, r), b);
    }

    static double integrate(double t, double lo, double hi, int b, int r, boolean falsePositive) {
        double sum = 0;
        double step = (hi - lo) / PIECES;
        for (int p = 0; p < PIECES; p++) {
            double a = lo + p * step;
            double half = step / 2;
            double mid = a + half;
            double acc = 0;
            for (int i = 0; i < NODES; i++) {
                double s = mid + half * X[i];
                double miss = Math.pow(1 - Math.pow(s, r), b);
                acc += W[i] * (falsePositive ? 1 - miss : miss);
            }
            sum += acc * half;
        }
        return sum;
    }
}
