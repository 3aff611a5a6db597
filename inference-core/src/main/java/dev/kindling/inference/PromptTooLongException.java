package dev.kindling.inference;

/**
 * The engine refused a prompt longer than its context (or as long as it, which leaves no position for the first generated
 * token), with truncation off. What to do about it depends on who asked: the engine's own message names the Java option
 ({@link GenerationRequest#withTruncatePrompt}); a command line names its flag, a Spark stage its param, and a surface that
 * never cuts prompts (distillation, whose rows record the whole prompt) says why. Each takes the facts here and adds its
 * own advice with {@link #withAdvice}, instead of rewriting the engine's words.
 */
public final class PromptTooLongException extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    /** What the engine's message advises: the Java option, as a caller of the engine alone can set it. */
    static final String ENGINE_ADVICE = "shorten it; to keep a prompt's end instead: "
            + "GenerationRequest.withTruncatePrompt(true), or EngineOptions.withTruncatePrompts(true) for every request";

    private final int promptTokens;
    private final int contextLength;
    private final String facts;

    /** {@code source}: the model as the engine names it in its messages. */
    public PromptTooLongException(String source, int promptTokens, int contextLength) {
        super(facts(source, promptTokens, contextLength) + " (" + ENGINE_ADVICE + ")");
        this.facts = facts(source, promptTokens, contextLength);
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    private static String facts(String source, int promptTokens, int contextLength) {
        return source + ": the prompt has " + promptTokens + " tokens but the context holds " + contextLength
                + (promptTokens == contextLength ? ", which leaves no room to generate" : "");
    }

    /** Tokens in the prompt (after the chat template and BOS, as the engine would have run it). */
    public int promptTokens() {
        return promptTokens;
    }

    /** Positions the model's context holds. */
    public int contextLength() {
        return contextLength;
    }

    /** The refusal's facts followed by {@code advice} in parentheses, in place of the engine's advice. */
    public String withAdvice(String advice) {
        return facts + " (" + advice + ")";
    }

    /** The first {@code PromptTooLongException} in {@code t}'s chain of causes ({@code t} itself included), or null. */
    public static PromptTooLongException in(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof PromptTooLongException p) {
                return p;
            }
        }
        return null;
    }

    /**
     * {@code t}'s message with {@code advice} in place of the engine's, when {@code t} is this refusal or wraps it with its
     * message at the end (a batch's "text 3 of 8: ..."); else {@code t}'s message as it is.
     */
    public static String describe(Throwable t, String advice) {
        PromptTooLongException p = in(t);
        String m = t.getMessage();
        if (p == null || m == null || !m.endsWith(p.getMessage())) {
            return m;
        }
        return m.substring(0, m.length() - p.getMessage().length()) + p.withAdvice(advice);
    }
}
