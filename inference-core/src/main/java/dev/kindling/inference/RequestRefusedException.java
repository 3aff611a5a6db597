package dev.kindling.inference;

/**
 * The engine refused a request before running it, for what the request itself asks: a prompt longer than the context,
 * an empty prompt, a token id outside the vocabulary, a text prompt or stop strings without a tokenizer, a sequence the KV budget can
 * never hold. A command line reports it as a usage error (exit 2); any other failure of a request (the model's, or a
 * fault of ours) is not the caller's to fix by changing the request, so its type alone does not make it one. A prompt
 * longer than the context is a {@link PromptTooLongException}, a sequence past the KV budget a
 * {@link KvBudgetRefusedException}: {@link AdvisedRefusal}s, whose facts each surface words with its own advice.
 */
public class RequestRefusedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public RequestRefusedException(String message) {
        super(message);
    }

    /** The refusal {@code cause}, said again with more of where it happened (which text of a batch, which model). */
    public RequestRefusedException(String message, RequestRefusedException cause) {
        super(message, cause);
    }
}
