package dev.kindling.inference;

/**
 * The engine refused a sequence that needs more KV blocks than its budget holds: it could never run. Besides asking for
 * less (fewer tokens, a shorter text), the remedy is a setting ({@link AdvisedRefusal}): half the memory a position takes
 * (an f16 KV cache) or a larger budget, which the engine's message names as {@link EngineOptions}, a command line as its
 * flags, a Spark stage as its setters.
 */
public final class KvBudgetRefusedException extends AdvisedRefusal {
    private static final long serialVersionUID = 1L;

    /** What the engine's message advises: the Java options, as a caller of the engine alone can set them. */
    static final String ENGINE_ADVICE = "halve what a position takes with EngineOptions.withKvCacheType(KvCacheType.F16), "
            + "or raise the budget: EngineOptions.withKvBudgetBytes, by default a quarter of the heap free after loading, "
            + "at most 4 GiB: give the JVM more heap, -Xmx";

    /** What to ask for less of: the generation's tokens or the text's. */
    private final String request;

    /** {@code source}: the model as the engine names it in its messages, or null; {@code generation}: a generation asked. */
    public KvBudgetRefusedException(String source, int positions, int blocksNeeded, int blocksHeld, boolean generation) {
        this(facts(source, positions, blocksNeeded, blocksHeld), generation ? "lower max tokens" : "shorten the text");
    }

    private KvBudgetRefusedException(String facts, String request) {
        super(facts, request + ", " + ENGINE_ADVICE);
        this.request = request;
    }

    private static String facts(String source, int positions, int blocksNeeded, int blocksHeld) {
        return (source == null ? "" : source + ": ") + "a sequence of " + positions + " positions needs " + blocksNeeded
                + " KV blocks but the KV budget holds " + blocksHeld;
    }

    /** {@code settings}: how the asker halves a position's memory or raises the budget, after what to ask for less of. */
    @Override
    public String withAdvice(String settings) {
        return super.withAdvice(request + ", " + settings);
    }

    /** {@link AdvisedRefusal#describe} for this refusal: {@code settings} as {@link #withAdvice} takes them. */
    public static String describe(Throwable t, String settings) {
        return describe(t, KvBudgetRefusedException.class, settings);
    }
}
