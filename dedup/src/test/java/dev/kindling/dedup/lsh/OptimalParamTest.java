package dev.kindling.dedup.lsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    /** By hand: with one permutation the only choice is 1 band of 1 row; the S-curve is 1-(1-s^r)^b. */
    @Test
    void handDerived() {
        assertEquals(new OptimalParam.BandsRows(1, 1), OptimalParam.optimal(0.5, 1, 0.5, 0.5));
        // b=1, r=1: FP = ∫0^t s ds = t²/2, FN = ∫t^1 (1-s) ds = (1-t)²/2
        assertEquals(0.32, OptimalParam.integrate(0.8, 0, 0.8, 1, 1, true), 1e-12);
        assertEquals(0.02, OptimalParam.integrate(0.8, 0.8, 1, 1, 1, false), 1e-12);
        assertEquals(1 - Math.pow(1 - Math.pow(0.8, 8), 14), OptimalParam.collisionProbability(0.8, 14, 8), 1e-15);
        MinHashParams p = MinHashParams.forThreshold(0.8, 112, 5, 1);
        assertEquals(9, p.bands());
        assertEquals(12, p.rows());
        assertThrows(IllegalArgumentException.class, () -> OptimalParam.optimal(1.0, 112, 0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new MinHashParams(112, 15, 8, 5, 1));
    }
}
