package dev.kindling.inference;

import dev.kindling.inference.sample.TokenLogprob;
import java.util.List;

/**
 * The result of a {@link GenerationRequest}.
 *
 * @param promptTokens the prompt as the model saw it
 * @param tokens       generated ids, including the end token that stopped it (if any)
 * @param text         generated text without the end token and cut before a stop string; null when
 *                     the engine has no tokenizer
 * @param finishReason why it ended
 * @param logprobs     per generated token, when the request asked for them (else empty)
 */
public record Completion(int[] promptTokens, int[] tokens, String text, FinishReason finishReason,
        List<TokenLogprob> logprobs) {
}
