package dev.kindling.dedup.minhash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.normalize.NormalizeOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Signature estimates against brute-force Jaccard: with k permutations the estimate of a pair with
 * similarity J is Binomial(k, J)/k for an ideal random permutation family, so over many pairs the
 * mean error must be near 0 and the spread near sqrt(J(1-J)/k).
 */
class MinHashAccuracyTest {

    @Test
    void estimatesMatchBruteForceJaccard() {
        SplittableRandom r = new SplittableRandom(2024);
        int numPerm = 128;
        MinHasher mh = new MinHasher(new MinHashParams(numPerm, 1, 1, 3, 11), NormalizeOptions.NEAR);
        Shingler sh = new Shingler(3, NormalizeOptions.NEAR);
        double sumErr = 0;
        double sumSq = 0;
        double sumVar = 0;
        int pairs = 0;
        for (int t = 0; t < 400; t++) {
            List<String> base = randomWords(r, 150 + r.nextInt(150));
            List<String> edited = new ArrayList<>(base);
            int edits = r.nextInt(60);
            for (int e = 0; e < edits; e++) {
                edited.set(r.nextInt(edited.size()), "x" + word(r.nextInt(1_000_000)));
            }
            String a = String.join(" ", base);
            String b = String.join(" ", edited);
            double exact = Jaccard.of(sh.shingleSet(a), sh.shingleSet(b));
            double est = MinHasher.estimateJaccard(mh.signature(a), mh.signature(b));
            sumErr += est - exact;
            sumSq += (est - exact) * (est - exact);
            sumVar += exact * (1 - exact) / numPerm;
            pairs++;
        }
        double bias = sumErr / pairs;
        double rmse = Math.sqrt(sumSq / pairs);
        double ideal = Math.sqrt(sumVar / pairs);
        System.out.printf("pairs=%d bias=%.4f rmse=%.4f ideal=%.4f%n", pairs, bias, rmse, ideal);
        // bias: 4 standard errors of the mean of an ideal family
        assertTrue(Math.abs(bias) < 4 * ideal / Math.sqrt(pairs), "bias " + bias);
        assertTrue(rmse < 1.2 * ideal, "rmse " + rmse + " vs ideal " + ideal);
    }

    @Test
    void identicalAndDisjoint() {
        MinHasher mh = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR);
        String a = String.join(" ", randomWords(new SplittableRandom(1), 200));
        String b = String.join(" ", randomWords(new SplittableRandom(2), 200));
        assertEquals(1.0, MinHasher.estimateJaccard(mh.signature(a), mh.signature(a + " ")));
        assertTrue(MinHasher.estimateJaccard(mh.signature(a), mh.signature(b)) < 0.05);
        assertEquals(0.0, MinHasher.estimateJaccard(mh.signature(""), mh.signature("")));
    }

    /** Letters only: the NEAR normalisation turns every number into "0". */
    static String word(int k) {
        StringBuilder sb = new StringBuilder("w");
        do {
            sb.append((char) ('a' + k % 26));
            k /= 26;
        } while (k > 0);
        return sb.toString();
    }

    static List<String> randomWords(SplittableRandom r, int n) {
        List<String> w = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            w.add(word(r.nextInt(500)));
        }
        return w;
    }
}
