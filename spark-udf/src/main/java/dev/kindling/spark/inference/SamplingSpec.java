package dev.kindling.spark.inference;

import dev.kindling.inference.sample.SamplingParams;
import java.io.Serializable;

/**
 * Sampling settings as they travel with Spark tasks (the engine's {@link SamplingParams} stays a
 * plain record of the Spark-free core). {@code temperature 0} is greedy. The frequency and presence
 * penalties (OpenAI's, over the generated tokens only) take what vLLM accepts: finite, in [-2, 2].
 */
public record SamplingSpec(float temperature, int topK, float topP, float minP, float repetitionPenalty,
        float frequencyPenalty, float presencePenalty, long seed) implements Serializable {

    /** The bounds of the frequency and presence penalties, vLLM's (and OpenAI's). */
    public static final float MAX_PENALTY = 2f;

    public SamplingSpec {
        checkPenalty("frequency penalty", frequencyPenalty);
        checkPenalty("presence penalty", presencePenalty);
        params(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed); // validates
    }

    /** Without frequency and presence penalties. */
    public SamplingSpec(float temperature, int topK, float topP, float minP, float repetitionPenalty, long seed) {
        this(temperature, topK, topP, minP, repetitionPenalty, 0f, 0f, seed);
    }

    /** Whether {@code v} is a frequency or presence penalty vLLM accepts: a finite number in [-2, 2]. */
    public static boolean validPenalty(double v) {
        return v >= -MAX_PENALTY && v <= MAX_PENALTY; // false for NaN and the infinities
    }

    private static void checkPenalty(String name, float v) {
        if (!validPenalty(v)) {
            throw new IllegalArgumentException(name + " must be a finite number in [-2, 2], got " + v);
        }
    }

    public static SamplingSpec greedy() {
        return new SamplingSpec(0f, 0, 1f, 0f, 1f, 0L);
    }

    public static SamplingSpec temperature(float t, long seed) {
        return new SamplingSpec(t, 0, 1f, 0f, 1f, seed);
    }

    public SamplingSpec withTopP(float p) {
        return new SamplingSpec(temperature, topK, p, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingSpec withTopK(int k) {
        return new SamplingSpec(temperature, k, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    public SamplingSpec withMinP(float p) {
        return new SamplingSpec(temperature, topK, topP, p, repetitionPenalty, frequencyPenalty, presencePenalty, seed);
    }

    /** The three penalties, as {@link SamplingParams#withPenalties}. */
    public SamplingSpec withPenalties(float repetition, float frequency, float presence) {
        return new SamplingSpec(temperature, topK, topP, minP, repetition, frequency, presence, seed);
    }

    public SamplingSpec withSeed(long s) {
        return new SamplingSpec(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, s);
    }

    /** The engine's parameters, with {@code seed} for this request. */
    public SamplingParams params(long requestSeed) {
        return params(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, requestSeed);
    }

    private static SamplingParams params(float t, int k, float p, float minP, float rep, float freq, float pres, long seed) {
        return new SamplingParams(t, k, p, minP, rep, freq, pres, seed, SamplingParams.Kind.DEFAULT);
    }
}
