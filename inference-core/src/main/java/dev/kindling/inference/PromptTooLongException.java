package dev.kindling.inference;

/**
 * The engine refused a prompt longer than its context (or as long as it, which leaves no position for the first generated
 * token), with truncation off. What to do about it depends on who asked ({@link AdvisedRefusal}): the engine's own message
 * names the Java option ({@link GenerationRequest#withTruncatePrompt}); a command line names its flag, a Spark stage its
 * param, and a surface that never cuts prompts (distillation, whose rows record the whole prompt) says why.
 */
public final class PromptTooLongException extends AdvisedRefusal {
    private static final long serialVersionUID = 1L;

    /** What the engine's message advises: the Java option, as a caller of the engine alone can set it. */
    static final String ENGINE_ADVICE = "shorten it; to keep a prompt's end instead: "
            + "GenerationRequest.withTruncatePrompt(true), or EngineOptions.withTruncatePrompts(true) for every request";

    private final int promptTokens;
    private final int contextLength;

    /** {@code source}: the model as the engine names it in its messages. */
    public PromptTooLongException(String source, int promptTokens, int contextLength) {
        this(source + ": the prompt has " + promptTokens + " tokens but the context holds " + contextLength
                + (promptTokens == contextLength ? ", which leaves no room to generate" : ""), ENGINE_ADVICE, promptTokens,
                contextLength);
    }

    /**
     * A caller's refusal of a sequence it makes from a prompt, past the context as the engine would refuse it (a judge's
     * prompt and "Rating:", whose probabilities it reads): {@code facts} say what it is, {@code advice} what that caller's
     * own callers can do, where the engine's words would advise them the engine's Java options.
     */
    public PromptTooLongException(String facts, String advice, int promptTokens, int contextLength) {
        super(facts, advice);
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    /** Tokens in the prompt (after the chat template and BOS, as the engine would have run it). */
    public int promptTokens() {
        return promptTokens;
    }

    /** Positions the model's context holds. */
    public int contextLength() {
        return contextLength;
    }

    /** The first {@code PromptTooLongException} in {@code t}'s chain of causes ({@code t} itself included), or null. */
    public static PromptTooLongException in(Throwable t) {
        return in(t, PromptTooLongException.class);
    }

    /** {@link AdvisedRefusal#describe} for this refusal. */
    public static String describe(Throwable t, String advice) {
        return describe(t, PromptTooLongException.class, advice);
    }
}
