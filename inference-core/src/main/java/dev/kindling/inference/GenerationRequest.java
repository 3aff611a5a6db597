package dev.kindling.inference;

import dev.kindling.inference.sample.SamplingParams;
import java.util.List;

/**
 * One generation: a prompt (text, or token ids), how to sample, and when to stop.
 *
 * <pre>{@code
 * GenerationRequest r = GenerationRequest.of("Once upon a time")
 *         .withSampling(SamplingParams.temperature(0.8f, 42).withTopP(0.95f))
 *         .withMaxTokens(128)
 *         .withStopStrings(List.of("\n\n"));
 * }</pre>
 *
 * @param prompt        prompt text (encoded with the model's tokenizer, BOS added as the vocabulary
 *                      says); {@code ""} = BOS alone. Ignored when {@code promptTokens} is given.
 * @param promptTokens  prompt as token ids, used as they are (no BOS added), or null
 * @param sampling      how to pick tokens
 * @param maxTokens     most tokens to generate (the context length also ends a generation)
 * @param stopStrings   generation ends when the output text contains one; it is cut before it. Matched on the
 *                      output's UTF-8 bytes, so one holding U+FFFD (which the text shows for invalid bytes) is refused
 * @param stopTokens    extra token ids that end generation (besides the vocabulary's EOS/EOT), vLLM's {@code stop_token_ids}:
 *                      also with {@code ignoreEos}; as an end token, the id is the last of the completion's tokens and its
 *                      text is not in the completion's text (vLLM's without {@code include_stop_str_in_output}), and
 *                      the finish reason is {@link FinishReason#STOP}. An id outside the model's vocabulary is refused
 * @param ignoreEos     keep going past the vocabulary's end tokens
 * @param topLogprobs   -1: no log-probs; 0: the chosen token's; n: also the n most likely. They are the
 *                      model's own distribution, log-softmax of the raw logits, before penalties,
 *                      temperature, top-k, top-p and min-p (vLLM's default, raw log-probs): the sampling
 *                      picks the token, not the values, which equal {@link Engine#scoreTokens} of the same
 *                      tokens; a sampled token need not be the first of the alternatives
 * @param truncatePrompt a prompt that fills the context keeps its end (room left for the tokens to generate, up to half
 *                      the context) after the BOS the tokenizer put first instead of being refused, as {@link EngineOptions#withTruncatePrompts} does for every
 *                      request of an engine
 */
public record GenerationRequest(String prompt, int[] promptTokens, SamplingParams sampling, int maxTokens,
        List<String> stopStrings, int[] stopTokens, boolean ignoreEos, int topLogprobs, boolean truncatePrompt) {

    public GenerationRequest {
        if (prompt == null && promptTokens == null) {
            throw new IllegalArgumentException("a request needs a prompt or prompt tokens");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        }
        if (topLogprobs < -1) {
            // -5 (a sign slip, or an API's "none" of another convention) silently meant "no log-probs"
            throw new IllegalArgumentException("top log-probs must be -1 (none), 0 (the chosen token's) or more, got " + topLogprobs);
        }
        sampling = sampling == null ? SamplingParams.greedy() : sampling;
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
        for (int id : stopTokens) {
            if (id < 0) {
                // no token has it, so the generation would never stop there (one past the vocabulary is the engine's to refuse)
                throw new IllegalArgumentException("stop token ids must be >= 0, got " + id);
            }
        }
        for (int i = 0; i < stopStrings.size(); i++) {
            String s = stopStrings.get(i);
            String problem = stopStringProblem(s);
            if (problem != null) {
                throw new IllegalArgumentException(s.isEmpty() ? "stop strings must not be empty" : "stop string " + i + " " + problem
                        + (s.indexOf('\uFFFD') >= 0 ? "; stop on token ids instead (GenerationRequest.withStopTokens)" : ""));
            }
        }
    }

    /**
     * Why {@code s} cannot be a stop string, or null: it "is empty", or holds half a character (no generated text holds
     * one, and its UTF-8 bytes, matched against the output's, were "?": the generation stopped at the first question
     * mark), or U+FFFD (the text shows it for invalid bytes, a token of half a character, which are not in the output's
     * bytes: such a stop string never matched). For the command lines' messages, which name their option.
     */
    public static String stopStringProblem(String s) {
        if (s.isEmpty()) {
            return "is empty";
        }
        if (firstUnpairedSurrogate(s) >= 0) {
            return "holds an unpaired surrogate, half of a character (a string cut inside an emoji?): "
                    + s.codePoints().mapToObj(c -> String.format("U+%04X", c)).toList();
        }
        if (s.indexOf('\uFFFD') >= 0) {
            return "holds U+FFFD, the replacement character: in a generation's text it stands for invalid UTF-8 bytes, which"
                    + " stop strings (matched on the output's bytes) cannot match";
        }
        return null;
    }

    /** The index of the first half of a surrogate pair that stands alone in {@code s} (no text: half a character), or -1. */
    public static int firstUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Greedy, 256 tokens at most. */
    public static GenerationRequest of(String prompt) {
        return new GenerationRequest(prompt, null, SamplingParams.greedy(), 256, List.of(), null, false, -1, false);
    }

    /** From token ids (no BOS added). */
    public static GenerationRequest ofTokens(int... tokens) {
        return new GenerationRequest(null, tokens, SamplingParams.greedy(), 256, List.of(), null, false, -1, false);
    }

    public GenerationRequest withSampling(SamplingParams s) {
        return new GenerationRequest(prompt, promptTokens, s, maxTokens, stopStrings, stopTokens, ignoreEos, topLogprobs, truncatePrompt);
    }

    public GenerationRequest withMaxTokens(int n) {
        return new GenerationRequest(prompt, promptTokens, sampling, n, stopStrings, stopTokens, ignoreEos, topLogprobs, truncatePrompt);
    }

    public GenerationRequest withStopStrings(List<String> stops) {
        return new GenerationRequest(prompt, promptTokens, sampling, maxTokens, stops, stopTokens, ignoreEos, topLogprobs, truncatePrompt);
    }

    public GenerationRequest withStopTokens(int... ids) {
        return new GenerationRequest(prompt, promptTokens, sampling, maxTokens, stopStrings, ids, ignoreEos, topLogprobs, truncatePrompt);
    }

    public GenerationRequest withIgnoreEos(boolean ignore) {
        return new GenerationRequest(prompt, promptTokens, sampling, maxTokens, stopStrings, stopTokens, ignore, topLogprobs, truncatePrompt);
    }

    public GenerationRequest withLogprobs(int top) {
        return new GenerationRequest(prompt, promptTokens, sampling, maxTokens, stopStrings, stopTokens, ignoreEos, top, truncatePrompt);
    }

    public GenerationRequest withTruncatePrompt(boolean truncate) {
        return new GenerationRequest(prompt, promptTokens, sampling, maxTokens, stopStrings, stopTokens, ignoreEos, topLogprobs,
                truncate);
    }
}
