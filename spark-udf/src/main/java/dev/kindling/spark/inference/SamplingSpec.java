package dev.kindling.spark.inference;

import dev.kindling.inference.sample.SamplingParams;
import java.io.Serializable;

/**
 * Sampling settings as they travel with Spark tasks (the engine's {@link SamplingParams} stays a
 * plain record of the Spark-free core). {@code temperature 0} is greedy.
 */
public record SamplingSpec(float temperature, int topK, float topP, float minP, float repetitionPenalty, long seed)
        implements Serializable {

    public SamplingSpec {
        params(temperature, topK, topP, minP, repetitionPenalty, seed); // validates
    }

    public static SamplingSpec greedy() {
        return new SamplingSpec(0f, 0, 1f, 0f, 1f, 0L);
    }

    public static SamplingSpec temperature(float t, long seed) {
        return new SamplingSpec(t, 0, 1f, 0f, 1f, seed);
    }

    public SamplingSpec withTopP(float p) {
        return new SamplingSpec(temperature, topK, p, minP, repetitionPenalty, seed);
    }

    public SamplingSpec withTopK(int k) {
        return new SamplingSpec(temperature, k, topP, minP, repetitionPenalty, seed);
    }

    public SamplingSpec withMinP(float p) {
        return new SamplingSpec(temperature, topK, topP, p, repetitionPenalty, seed);
    }

    public SamplingSpec withSeed(long s) {
        return new SamplingSpec(temperature, topK, topP, minP, repetitionPenalty, s);
    }

    /** The engine's parameters, with {@code seed} for this request. */
    public SamplingParams params(long requestSeed) {
        return params(temperature, topK, topP, minP, repetitionPenalty, requestSeed);
    }

    private static SamplingParams params(float t, int k, float p, float minP, float rep, long seed) {
        return new SamplingParams(t, k, p, minP, rep, 0f, 0f, seed, SamplingParams.Kind.DEFAULT);
    }
}
