package dev.kindling.inference;

/**
 * Per-token log-probabilities of a text under the model.
 *
 * @param tokens   the text's tokens (BOS first when the vocabulary adds one)
 * @param logprobs {@code logprobs[i]} = log p(tokens[i+1] | tokens[0..i]); length {@code tokens.length - 1}
 */
public record ScoreResult(int[] tokens, float[] logprobs) {
    /** Sum of the log-probabilities. */
    public double logprob() {
        double s = 0;
        for (float lp : logprobs) {
            s += lp;
        }
        return s;
    }

    /** {@code exp(-mean log-prob)}; NaN when nothing was predicted (a single token). */
    public double perplexity() {
        return logprobs.length == 0 ? Double.NaN : Math.exp(-logprob() / logprobs.length);
    }
}
