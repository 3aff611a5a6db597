package dev.kindling.inference;

import dev.kindling.inference.sample.TokenLogprob;

/**
 * Receives generated tokens as they are produced (streaming). Called on the engine's thread:
 * return quickly, and do not wait for the same engine (its blocking calls, such as
 * {@link Engine#generate}, throw {@link IllegalStateException} there; {@link Engine#submit} does not wait). A listener
 * that throws ends its own generation: its future fails with a RuntimeException naming the request, the listener's
 * exception as its cause; the other requests go on. That holds for the checked exceptions a Scala or Kotlin
 * listener can throw too, and an interrupt flag a listener sets is cleared when it returns (it is not the engine's).
 */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param index   0 for the first generated token
     * @param token   the id
     * @param text    the complete UTF-8 text this token finishes ("" while a character is still
     *                incomplete, or without a tokenizer). With stop strings, text that may begin one is held
     *                back and comes with a later token once it cannot, and nothing from the stop string on
     *                comes at all. The last token's text also carries a character the generation ended inside
     *                (U+FFFD, as in the completion's text): the pieces add up to the completion's text
     * @param logprob the token's log-probability (and alternatives) when the request asked for them, else null
     */
    void onToken(int index, int token, String text, TokenLogprob logprob);
}
