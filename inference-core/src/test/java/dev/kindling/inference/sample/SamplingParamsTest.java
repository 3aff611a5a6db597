package dev.kindling.inference.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** vLLM's and llama.cpp's "no top-k" is -1: a request written for them was refused. -2 and below still are. */
    @Test
    void topKMinusOneIsOff() {
        SamplingParams t = SamplingParams.temperature(0.8f, 1);
        assertEquals(0, t.withTopK(-1).topK());
        assertEquals(t, t.withTopK(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.withTopK(-2));
        assertTrue(e.getMessage().contains("top-k"), e.getMessage());
    }

    /** run.c's sampler has temperature and top-p only: top-k, min-p and penalties given with it were silently dropped. */
    @Test
    void llama2cSamplerRefusesWhatItWouldIgnore() {
        SamplingParams l = SamplingParams.llama2c(1f, 0.9f, 42);
        for (java.util.function.Supplier<SamplingParams> bad : java.util.List.<java.util.function.Supplier<SamplingParams>>of(
                () -> l.withTopK(40), () -> l.withMinP(0.05f), () -> l.withPenalties(1.3f, 0f, 0f),
                () -> l.withPenalties(1f, 0.5f, 0f), () -> l.withPenalties(1f, 0f, 0.5f))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::get);
            assertTrue(e.getMessage().contains("llama2.c's sampler"), e.getMessage());
        }
        assertEquals(0, l.withTopK(-1).withMinP(0f).withPenalties(1f, 0f, 0f).topK()); // the defaults are fine
    }

    /** The API's own wording, the parameter without dashes (the CLI names its options instead: --temperature). */
    @Test
    void messagesNameTheParameter() {
        assertEquals("temperature must be a finite number >= 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy().withTemperature(Float.NaN)).getMessage());
        assertEquals("repetition penalty must be a finite number > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> SamplingParams.greedy().withPenalties(0f, 0f, 0f)).getMessage());
    }
}
