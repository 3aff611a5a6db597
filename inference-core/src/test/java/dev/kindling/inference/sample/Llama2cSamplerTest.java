package dev.kindling.inference.sample;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** llama2.c's sampler ({@code run.c}). */
class Llama2cSamplerTest {
    /**
     * Seed 0: run.c replaces it by the time ({@code if (rng_seed <= 0) rng_seed = time(NULL)}), because
     * xorshift's state 0 never leaves 0. Taken raw, every coin was 0 and every draw the first token with
     * any probability: {@code --llama2c-sampler --seed 0} repeated token 0 for ever.
     */
    @Test
    void seedZeroStillSamples() {
        float[] uniform = new float[8];
        for (float topP : new float[] {1f, 0.9f}) {
            Sampler s = Sampler.create(SamplingParams.llama2c(1f, topP, 0L));
            int[] counts = new int[uniform.length];
            for (int i = 0; i < 16_000; i++) {
                counts[s.sample(uniform, 0, uniform.length)]++;
            }
            double[] want = new double[uniform.length];
            Arrays.fill(want, 1.0 / 8); // top-p 0.9 of a uniform row keeps all 8 (its cut passes 0.9 at the 8th)
            DefaultSamplerTest.assertDistribution(want, counts, "seed 0, top-p " + topP);
        }
    }
}
