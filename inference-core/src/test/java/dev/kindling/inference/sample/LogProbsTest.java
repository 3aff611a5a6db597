package dev.kindling.inference.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LogProbsTest {
    /** The top alternatives by a plain sort: value descending (0.0 and -0.0 equal), then id. */
    private static int[] expectedTop(float[] logits, int k) {
        return IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -(logits[i] + 0.0f)).thenComparing(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** Both ways of finding the alternatives agree with a plain sort, ties (many equal values) and signs included. */
    @Test
    void topAlternativesAreTheLargestInOrderWithLowerIdsFirstAmongTies() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] logits = new float[3000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = i % 5 == 0 ? 1.5f : (float) (rnd.nextGaussian() * 3);
        }
        logits[17] = -0.0f;
        logits[18] = 0.0f;
        for (int k : new int[] {0, 1, 5, LogProbs.INSERTION_MAX, LogProbs.INSERTION_MAX + 1, 700, logits.length}) {
            int[] want = expectedTop(logits, k);
            assertArrayEquals(want, LogProbs.of(logits, 0, logits.length, 3, k).topTokens(), "k = " + k);
            assertArrayEquals(want, LogProbs.topBySorting(logits, 0, logits.length, k), "sorting, k = " + k);
            assertArrayEquals(want, LogProbs.topByInsertion(logits, 0, logits.length, k), "insertion, k = " + k);
        }
    }

    /** The whole vocabulary as alternatives (one sort of the row; insertion took vocabulary^2 steps per token). */
    @Test
    void theWholeVocabularyAsAlternatives() {
        float[] logits = new float[32_000];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rnd.nextGaussian();
        }
        TokenLogprob lp = LogProbs.of(logits, 0, logits.length, 0, logits.length);
        assertEquals(logits.length, lp.topTokens().length);
        for (int i = 1; i < lp.topLogprobs().length; i++) {
            assertTrue(lp.topLogprobs()[i - 1] >= lp.topLogprobs()[i]);
        }
    }
}
