package dev.kindling.inference;

/**
 * A refusal whose remedy is a setting, named as the one who asked can give it: the engine's own message names the Java
 * option; a command line names its flag, a Spark stage its setter, a SQL function its option or says it has none. Each
 * surface takes the facts here and adds its own advice with {@link #withAdvice}, instead of rewriting the engine's words.
 */
public abstract class AdvisedRefusal extends RequestRefusedException {
    private static final long serialVersionUID = 1L;

    private final String facts;

    /** {@code facts}: what was refused and why, the model's name first; {@code engineAdvice}: the Java option's words. */
    protected AdvisedRefusal(String facts, String engineAdvice) {
        super(facts + " (" + engineAdvice + ")");
        this.facts = facts;
    }

    /** What was refused and why, without advice: a message that lists several refusals gives their advice once. */
    public String facts() {
        return facts;
    }

    /** The refusal's facts followed by {@code advice} in parentheses, in place of the engine's advice. */
    public String withAdvice(String advice) {
        return facts + " (" + advice + ")";
    }

    /** The first {@code kind} in {@code t}'s chain of causes ({@code t} itself included), or null. */
    public static <E extends AdvisedRefusal> E in(Throwable t, Class<E> kind) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (kind.isInstance(c)) {
                return kind.cast(c);
            }
        }
        return null;
    }

    /**
     * {@code t}'s message with {@code advice} in place of the engine's, when {@code t} is a refusal of {@code kind} or wraps
     * one with its message at the end (a batch's "text 3 of 8: ..."); else {@code t}'s message as it is.
     */
    public static String describe(Throwable t, Class<? extends AdvisedRefusal> kind, String advice) {
        AdvisedRefusal p = in(t, kind);
        String m = t.getMessage();
        if (p == null || m == null || !m.endsWith(p.getMessage())) {
            return m;
        }
        return m.substring(0, m.length() - p.getMessage().length()) + p.withAdvice(advice);
    }
}
