package dev.kindling.inference.sample;

/**
 * A generated (or scored) token with its log-probability under the model and the most likely
 * alternatives at that position (most likely first; empty when not asked for). Both are the model's
 * raw distribution (log-softmax of the logits), not the one a temperature or penalties sampled from.
 */
public record TokenLogprob(int token, float logprob, int[] topTokens, float[] topLogprobs) {
}
