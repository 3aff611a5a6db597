package dev.kindling.inference.sample;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sampling parameters that cannot mean anything are refused when the request is built, naming the parameter. */
class SamplingParamsTest {
    @Test
    void nonFinitePenaltiesAreRefused() {
        SamplingParams t = SamplingParams.temperature(0.8f, 1);
        float[][] bad = {{1f, Float.NaN, 0f}, {1f, 0f, Float.NaN}, {1f, Float.POSITIVE_INFINITY, 0f},
                {1f, 0f, Float.NEGATIVE_INFINITY}, {Float.POSITIVE_INFINITY, 0f, 0f}, {Float.NaN, 0f, 0f}};
        String[] names = {"frequency", "presence", "frequency", "presence", "repetition", "repetition"};
        for (int i = 0; i < bad.length; i++) {
            float[] b = bad[i];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.withPenalties(b[0], b[1], b[2]));
            assertTrue(e.getMessage().contains(names[i] + " penalty"), e.getMessage());
        }
        // in range: negative frequency/presence penalties encourage repeats (OpenAI's -2..2)
        t.withPenalties(1.3f, -2f, 2f);
    }
}
