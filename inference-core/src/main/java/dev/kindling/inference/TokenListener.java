package dev.kindling.inference;

import dev.kindling.inference.sample.TokenLogprob;

/**
 * Receives generated tokens as they are produced (streaming). Called on the engine's thread:
 * return quickly.
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param index   0 for the first generated token
     * @param token   the id
     * @param text    the complete UTF-8 text this token finishes ("" while a character is still
     *                incomplete, or without a tokenizer)
     * @param logprob the token's log-probability (and alternatives) when the request asked for them, else null
     */
    void onToken(int index, int token, String text, TokenLogprob logprob);
}
