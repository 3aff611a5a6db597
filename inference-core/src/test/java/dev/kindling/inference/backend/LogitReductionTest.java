package dev.kindling.inference.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.sample.LogProbs;
import dev.kindling.inference.sample.Sampler;
import dev.kindling.inference.sample.SamplingParams;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reductions give what the engine's sampler and log-prob code give on the same row. */
class LogitReductionTest {
    static float[] row(int n, double spread, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = (float) (spread * r.nextGaussian());
        }
        z[r.nextInt(n)] += (float) spread; // a clear favourite, sometimes
        return z;
    }

    @Test
    void sampleEqualsTheDefaultSamplerWithTheSameDraw() {
        float[] temps = {0.3f, 0.8f, 1.0f, 1.7f};
        int[] topKs = {0, 1, 5, 40, 3000};
        float[] topPs = {1f, 0.95f, 0.5f};
        float[] minPs = {0f, 0.05f};
        int checked = 0;
        long seed = 1;
        for (float t : temps) {
            for (int k : topKs) {
                for (float p : topPs) {
                    for (float mp : minPs) {
                        for (double spread : new double[] {0.5, 3}) {
                            seed++;
                            float[] z = row(5000, spread, seed);
                            SamplingParams sp = new SamplingParams(t, k, p, mp, 1f, 0f, 0f, seed, SamplingParams.Kind.DEFAULT);
                            // two samplers with the same seed: one samples, the other hands out its draw
                            Sampler host = Sampler.create(sp);
                            Sampler device = Sampler.create(sp);
                            for (int step = 0; step < 3; step++) {
                                int want = host.sample(z, 0, z.length);
                                LogitReduction r = device.reduction();
                                assertEquals(want, r.token(z, 0, z.length), "t=" + t + " k=" + k + " p=" + p + " minP=" + mp);
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(4 * 5 * 3 * 2 * 2 * 3, checked);
    }

    /** sortFirst leaves the k smallest keys first, in order, as a full sort would: all that the samplers read of them. */
    @Test
    void sortFirstGivesTheFullSortsFirstK() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 300; trial++) {
            int m = 1 + r.nextInt(trial % 10 == 0 ? 20_000 : 200);
            long[] keys = new long[m + 3];
            for (int i = 0; i < m; i++) {
                keys[i] = ((long) r.nextInt(50) << 32) | i; // many tied values, distinct keys, as the samplers' are
            }
            keys[m] = Long.MIN_VALUE; // past m: not a candidate, left alone
            long[] sorted = java.util.Arrays.copyOf(keys, m);
            java.util.Arrays.sort(sorted);
            int k = trial % 3 == 0 ? 0 : 1 + r.nextInt(m + 2);
            LogitReduction.sortFirst(keys, m, k);
            int first = k <= 0 ? m : Math.min(m, k);
            assertArrayEquals(java.util.Arrays.copyOf(sorted, first), java.util.Arrays.copyOf(keys, first), "m=" + m + " k=" + k);
            assertEquals(Long.MIN_VALUE, keys[m]);
        }
    }

    @Test
    void greedyAndPenaltiesAndLogprob() {
        float[] z = row(1000, 2, 9);
        assertEquals(Sampler.argmax(z, 0, z.length), Sampler.create(SamplingParams.greedy()).reduction().token(z, 0, z.length));
        assertEquals(null, Sampler.create(SamplingParams.greedy().withPenalties(1.1f, 0f, 0f)).reduction(),
                "penalties need the sequence's counts: no reduction");
        assertEquals(null, Sampler.create(SamplingParams.llama2c(1f, 0.9f, 5)).reduction(), "llama2.c's sampler: full row");
        LogitReduction lp = LogitReduction.logprob(17);
        assertEquals((float) (z[17] - LogProbs.logSumExp(z, 0, z.length)), lp.value(z, 0, z.length), 0f);
        int[] tok = new int[2];
        float[] val = new float[2];
        lp.reduce(z, 0, z.length, tok, val, 1);
        assertEquals(lp.value(z, 0, z.length), val[1], 0f);
    }
}
