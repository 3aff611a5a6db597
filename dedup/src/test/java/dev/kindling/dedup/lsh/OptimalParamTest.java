package dev.kindling.dedup.lsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.minhash.MinHashParams;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OptimalParamTest {

    /** The examples in text-dedup's docstrings. */
    @Test
    void publishedExamples() {
        assertEquals(new OptimalParam.BandsRows(25, 10), OptimalParam.optimal(0.7, 256, 0.5, 0.5));
        assertEquals(new OptimalParam.BandsRows(21, 12), OptimalParam.optimal(0.75, 256, 0.5, 0.5));
        assertEquals(new OptimalParam.BandsRows(28, 9), OptimalParam.optimal(0.75, 256, 0.1, 0.9));
    }

    /** A table computed with SciPy's quad (src/test/python/optimal_param_reference.py). */
    @Test
    void matchesScipyTable() throws Exception {
        int rows = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/dev/kindling/dedup/optimal_param_reference.tsv"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                double t = Double.parseDouble(f[0]);
                int numPerm = Integer.parseInt(f[1]);
                var got = OptimalParam.optimal(t, numPerm, Double.parseDouble(f[2]), Double.parseDouble(f[3]));
                assertEquals(new OptimalParam.BandsRows(Integer.parseInt(f[4]), Integer.parseInt(f[5])), got, line);
                rows++;
            }
        }
        assertEquals(33, rows);
    }

    /**
     * The weights for verified candidates: 14 x 8 at 0.8 holds for every false-negative weight in
     * [0.91, 0.965] (0.95 is not on an edge), and the shapes at other thresholds are as documented.
     */
    @Test
    void verifiedWeightsAreCalibratedOnDatatrovesShape() {
        for (double fn = 0.91; fn <= 0.965; fn += 0.005) {
            assertEquals(new OptimalParam.BandsRows(14, 8), OptimalParam.optimal(0.8, 112, 1 - fn, fn), "fn weight " + fn);
        }
        assertEquals(new OptimalParam.BandsRows(14, 8), OptimalParam.forVerifiedDedup(0.8, 112));
        assertEquals(new OptimalParam.BandsRows(18, 6), OptimalParam.forVerifiedDedup(0.7, 112));
        assertEquals(new OptimalParam.BandsRows(16, 7), OptimalParam.forVerifiedDedup(0.75, 112));
        assertEquals(new OptimalParam.BandsRows(11, 10), OptimalParam.forVerifiedDedup(0.85, 112));
        assertEquals(new OptimalParam.BandsRows(8, 13), OptimalParam.forVerifiedDedup(0.9, 112));
        // a pair exactly at the threshold becomes a candidate with probability > 0.9 (0.47 with equal weights)
        for (double t : new double[] {0.7, 0.75, 0.8, 0.85, 0.9}) {
            var br = OptimalParam.forVerifiedDedup(t, 112);
            assertTrue(OptimalParam.collisionProbability(t, br.bands(), br.rows()) > 0.89, "t=" + t);
        }
    }

    /** By hand: with one permutation the only choice is 1 band of 1 row; the S-curve is 1-(1-s^r)^b. */
    @Test
    void handDerived() {
        assertEquals(new OptimalParam.BandsRows(1, 1), OptimalParam.optimal(0.5, 1, 0.5, 0.5));
        // b=1, r=1: FP = ∫0^t s ds = t²/2, FN = ∫t^1 (1-s) ds = (1-t)²/2
        assertEquals(0.32, OptimalParam.integrate(0.8, 0, 0.8, 1, 1, true), 1e-12);
        assertEquals(0.02, OptimalParam.integrate(0.8, 0.8, 1, 1, 1, false), 1e-12);
        assertEquals(1 - Math.pow(1 - Math.pow(0.8, 8), 14), OptimalParam.collisionProbability(0.8, 14, 8), 1e-15);
        MinHashParams p = MinHashParams.forThreshold(0.8, 112, 5, 1);
        assertEquals(14, p.bands(), "Kindling's weights reproduce datatrove's 14 x 8 at 0.8");
        assertEquals(8, p.rows());
        assertEquals(new OptimalParam.BandsRows(9, 12), OptimalParam.optimal(0.8, 112, 0.5, 0.5), "text-dedup's equal weights");
        assertThrows(IllegalArgumentException.class, () -> OptimalParam.optimal(1.0, 112, 0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new MinHashParams(112, 15, 8, 5, 1));
    }
}
