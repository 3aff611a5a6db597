package dev.kindling.inference.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The default sampler draws from the distribution Hugging Face's warpers define for the same
 * parameters (transformers {@code generation/logits_process.py}, in {@code _get_logits_processor}'s
 * order: temperature, top-k, top-p over what top-k kept, min-p), and applies the penalties as HF
 * ({@code RepetitionPenaltyLogitsProcessor}: prompt and output) and OpenAI / vLLM (frequency and
 * presence: output only). Statistical checks use fixed seeds, so they cannot flake.
 */
class DefaultSamplerTest {
    /** Distinct logits (no ties, so the reference's set is unambiguous), most likely not first. */
    static final float[] LOGITS = {0.3f, 2.1f, -0.7f, 1.4f, 0.9f, -2.2f, 1.85f, 0.05f, -1.3f, 1.1f, 0.6f, -0.2f};

    /** HF's warpers in order: temperature, TopK (ties with the k-th kept), TopP (over the kept tokens), MinP. */
    static double[] reference(float[] logits, float t, int topK, float topP, float minP) {
        int n = logits.length;
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = logits[i] / (double) t;
        }
        if (topK > 0 && topK < n) {
            double kth = Arrays.stream(s).boxed().sorted(Comparator.reverseOrder()).skip(topK - 1).findFirst().orElseThrow();
            for (int i = 0; i < n; i++) {
                if (s[i] < kth) {
                    s[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        if (topP < 1f) {
            double[] pr = softmax(s);
            Integer[] asc = IntStream.range(0, n).boxed().sorted(Comparator.comparingDouble(i -> pr[i])).toArray(Integer[]::new);
            double cum = 0;
            for (int j = 0; j < n - 1; j++) { // the most likely token is always kept
                cum += pr[asc[j]];
                if (cum <= 1 - topP) {
                    s[asc[j]] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        if (minP > 0f) {
            double[] pr = softmax(s);
            double top = Arrays.stream(pr).max().orElseThrow();
            for (int i = 0; i < n; i++) {
                if (pr[i] < minP * top) {
                    s[i] = Double.NEGATIVE_INFINITY;
                }
            }
        }
        return softmax(s);
    }

    static double[] softmax(double[] s) {
        double max = Arrays.stream(s).max().orElseThrow();
        double[] p = new double[s.length];
        double sum = 0;
        for (int i = 0; i < s.length; i++) {
            p[i] = Math.exp(s[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < s.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Counts of one draw from each of {@code draws} samplers seeded 0, 1, 2, ... */
    static int[] draw(SamplingParams sp, float[] logits, int draws) {
        int[] counts = new int[logits.length];
        for (int seed = 0; seed < draws; seed++) {
            counts[Sampler.create(sp.withSeed(seed)).sample(logits, 0, logits.length)]++;
        }
        return counts;
    }

    /** Pearson's chi-square against the expected probabilities; a token of probability 0 must never be drawn. */
    static void assertDistribution(double[] want, int[] counts, String what) {
        int total = Arrays.stream(counts).sum();
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < want.length; i++) {
            if (want[i] == 0) {
                assertEquals(0, counts[i], what + ": token " + i + " has probability 0 but was drawn " + counts[i] + " times");
                continue;
            }
            double e = want[i] * total;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            df++;
        }
        // far beyond the 1e-6 quantile for these degrees of freedom: a wrong distribution shows up in the hundreds
        double bound = df + 8 * Math.sqrt(2.0 * Math.max(df, 1)) + 10;
        assertTrue(chi2 < bound, what + ": chi2=" + chi2 + " (df " + df + ", bound " + bound + ") counts "
                + Arrays.toString(counts) + " want " + Arrays.toString(want));
    }

    @Test
    void drawsFollowTheReferenceDistribution() {
        float[][] cases = { // temperature, top-k, top-p, min-p
                {1f, 0, 1f, 0f}, {0.7f, 0, 1f, 0f}, {1.6f, 0, 1f, 0f},
                {1f, 3, 1f, 0f}, {1f, 12, 1f, 0f}, {1f, 50, 1f, 0f},
                {1f, 0, 0.8f, 0f}, {0.5f, 0, 0.3f, 0f}, {1f, 0, 1e-6f, 0f},
                {1f, 0, 1f, 0.2f}, {1.5f, 0, 1f, 0.5f}, {1f, 0, 1f, 1f},
                {1f, 5, 0.7f, 0f}, {1.2f, 4, 0.6f, 0.1f}, {0.9f, 6, 0.9f, 0.3f}, {1f, 8, 0.95f, 0.05f},
        };
        for (float[] c : cases) {
            SamplingParams sp = new SamplingParams(c[0], (int) c[1], c[2], c[3], 1f, 0f, 0f, 0L, SamplingParams.Kind.DEFAULT);
            assertDistribution(reference(LOGITS, c[0], (int) c[1], c[2], c[3]), draw(sp, LOGITS, 40_000), Arrays.toString(c));
        }
    }

    @Test
    void oneSamplersSuccessiveDrawsFollowTheDistributionToo() {
        SamplingParams sp = SamplingParams.temperature(0.8f, 99).withTopK(6).withTopP(0.9f);
        Sampler s = Sampler.create(sp);
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < 40_000; i++) {
            counts[s.sample(LOGITS, 0, LOGITS.length)]++;
        }
        assertDistribution(reference(LOGITS, 0.8f, 6, 0.9f, 0f), counts, "successive draws");
    }

    /**
     * Top-p after top-k measures the nucleus on what top-k kept, renormalised, as HF (TopP sees TopK's
     * -inf), vLLM ({@code apply_top_k_top_p}: softmax after the top-k mask) and llama.cpp (top-p's
     * softmax over the candidates left) all do. Probabilities 0.35 / 0.30 / 0.20 / 0.15 with top-k 2
     * leave 0.54 / 0.46, whose nucleus for 0.5 is the first token alone; measured on the whole
     * distribution (0.35 < 0.5) it took both.
     */
    @Test
    void topPIsMeasuredOnWhatTopKKept() {
        float[] z = {(float) Math.log(0.30), (float) Math.log(0.35), (float) Math.log(0.20), (float) Math.log(0.15)};
        SamplingParams sp = SamplingParams.temperature(1f, 0).withTopK(2).withTopP(0.5f);
        int[] counts = draw(sp, z, 2000);
        assertEquals(2000, counts[1], Arrays.toString(counts));
        assertDistribution(reference(z, 1f, 2, 0.5f, 0f), counts, "top-k 2, top-p 0.5");
        // a top-k that keeps everything (>= the vocabulary) changes nothing
        assertDistribution(reference(z, 1f, 0, 0.5f, 0f), draw(SamplingParams.temperature(1f, 0).withTopK(4).withTopP(0.5f), z, 20_000),
                "top-k = vocabulary");
    }

    @Test
    void edgeValues() {
        // temperature 0: the argmax, lowest id among ties, whatever the seed
        float[] tie = {0.5f, 3f, 3f, -1f};
        for (int seed = 0; seed < 50; seed++) {
            assertEquals(1, Sampler.create(SamplingParams.greedy().withSeed(seed)).sample(tie, 0, tie.length));
            // top-k 1 and min-p 1 keep the (first) most likely token only
            assertEquals(1, Sampler.create(SamplingParams.temperature(1f, seed).withTopK(1)).sample(tie, 0, tie.length));
            assertEquals(1, Sampler.create(SamplingParams.temperature(1f, seed).withTopP(1e-6f)).sample(LOGITS, 0, LOGITS.length));
        }
        // min-p 1 keeps every token tied with the top one
        int[] c = draw(SamplingParams.temperature(1f, 0).withMinP(1f), tie, 4000);
        assertEquals(0, c[0] + c[3]);
        assertTrue(c[1] > 1800 && c[2] > 1800, Arrays.toString(c));
    }

    /** HF's RepetitionPenaltyLogitsProcessor: over prompt and output, positive logits divided, negative multiplied. */
    @Test
    void repetitionPenaltyCountsThePromptAndDividesOrMultiplies() {
        float[] z = {2.0f, 1.9f, -1.0f, -1.05f};
        Sampler s = Sampler.create(SamplingParams.greedy().withPenalties(1.1f, 0f, 0f));
        s.accept(0, false); // in the prompt only: 2.0 / 1.1 = 1.82 < 1.9
        assertEquals(1, s.sample(z, 0, z.length));
        float[] neg = {-1.0f, -1.05f};
        Sampler t = Sampler.create(SamplingParams.greedy().withPenalties(1.1f, 0f, 0f));
        t.accept(0, true); // -1.0 x 1.1 = -1.1 < -1.05: a penalised negative logit goes down, not up
        assertEquals(1, t.sample(neg, 0, neg.length));
    }

    /**
     * A penalty that pushes a logit past the float range (a repetition penalty of 1e-40, which the command line takes: it
     * is finite and above 0) makes that logit the largest float, where it was Infinity: the softmax then held
     * Infinity - Infinity, NaN, and every draw was token 0, here the least likely one and penalised by nothing.
     */
    @Test
    void aPenaltyPastTheFloatRangeSamplesThePenalisedTokensNotTokenZero() {
        float[] z = {-1f, 1f, 2f, 0.5f};
        int[] counts = new int[z.length];
        for (SamplingParams sp : List.of(SamplingParams.temperature(1f, 0).withPenalties(1e-40f, 0f, 0f),
                SamplingParams.temperature(1f, 0).withPenalties(1f, -3e38f, -3e38f))) {
            for (int seed = 0; seed < 200; seed++) {
                Sampler s = Sampler.create(sp.withSeed(seed));
                s.accept(1, true);
                s.accept(2, true);
                counts[s.sample(z, 0, z.length)]++;
            }
        }
        assertEquals(0, counts[0] + counts[3], Arrays.toString(counts));
        assertTrue(counts[1] > 100 && counts[2] > 100, "the two tokens past the range tie: " + Arrays.toString(counts));
        // greedy takes the first of them, as it took the first Infinity
        Sampler greedy = Sampler.create(SamplingParams.greedy().withPenalties(1e-40f, 0f, 0f));
        greedy.accept(1, true);
        greedy.accept(2, true);
        assertEquals(1, greedy.sample(z, 0, z.length));
    }

    /** OpenAI / vLLM: frequency x count and presence subtracted for tokens of the output only. */
    @Test
    void frequencyAndPresencePenaltiesCountTheOutputOnly() {
        float[] z = {2.0f, 1.5f, 1.2f};
        Sampler prompt = Sampler.create(SamplingParams.greedy().withPenalties(1f, 0.4f, 0.4f));
        prompt.accept(0, false);
        prompt.accept(0, false);
        assertEquals(0, prompt.sample(z, 0, z.length), "a prompt token is not penalised");
        Sampler once = Sampler.create(SamplingParams.greedy().withPenalties(1f, 0.2f, 0.2f));
        once.accept(0, true); // 2.0 - 0.2 - 0.2 = 1.6 > 1.5
        assertEquals(0, once.sample(z, 0, z.length));
        once.accept(0, true); // 2.0 - 0.4 - 0.2 = 1.4 < 1.5
        assertEquals(1, once.sample(z, 0, z.length));
    }

    /**
     * Greedy without penalties takes the row as it is: the same choice as the argmax of the row, and no copy of the
     * vocabulary per request (a 128K-entry row cost half a megabyte of garbage for every row of a max-tokens-1 job).
     */
    @Test
    void greedyTakesTheRowWithoutACopy() {
        int vocab = 128 * 1024;
        float[] row = new float[vocab + 3];
        java.util.Random r = new java.util.Random(9);
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) r.nextGaussian();
        }
        row[3 + 77_777] = 9f;
        row[3 + 99_999] = 9f; // a tie: the lower id wins
        float[] before = row.clone();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Sampler.create(SamplingParams.greedy()).sample(row, 3, vocab); // warms up what the first call loads
        long a0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        int got = Sampler.create(SamplingParams.greedy()).sample(row, 3, vocab);
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - a0;
        assertEquals(77_777, got);
        assertTrue(Arrays.equals(before, row), "sampling changed the row");
        assertTrue(allocated < 64 * 1024, "a greedy sample of a " + vocab + "-entry row allocated " + allocated
                + " bytes: expected no copy of the row (< 64 KiB)");
    }
}
