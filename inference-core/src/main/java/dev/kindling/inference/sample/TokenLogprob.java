package dev.kindling.inference.sample;

/**
 * A generated (or scored) token with its log-probability under the model and the most likely
 * alternatives at that position (most likely first; empty when not asked for).
 */
public record TokenLogprob(int token, float logprob, int[] topTokens, float[] topLogprobs) {
}
