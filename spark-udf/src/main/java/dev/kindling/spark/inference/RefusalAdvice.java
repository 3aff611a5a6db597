package dev.kindling.spark.inference;

import dev.kindling.inference.KvBudgetRefusedException;
import dev.kindling.inference.PromptTooLongException;
import java.io.Serializable;

/**
 * What a row's error advises for the engine's refusals whose remedy is a setting ({@link
 * dev.kindling.inference.AdvisedRefusal}), in the words of whoever runs the stage: a stage's setters, a command's flags, a
 * SQL function's options. {@code longPrompts} for a prompt longer than the context ({@link PromptTooLongException}),
 * {@code kvBudget} for a sequence past the KV budget, after what to ask for less of ({@link KvBudgetRefusedException#withAdvice}).
 * Both parts are given: a stage resolves what its caller left to its own words ({@link EngineStage#refusalAdvice}) before
 * a row's error can read them (a null part was printed as "(null)").
 */
record RefusalAdvice(String longPrompts, String kvBudget) implements Serializable {
    RefusalAdvice {
        if (longPrompts == null || kvBudget == null) {
            throw new IllegalArgumentException("refusal advice needs both parts, got " + longPrompts + " and " + kvBudget);
        }
    }

    /** {@code t}'s message for a row's error (its type where it has none), a refusal's with this advice. */
    String describe(Throwable t) {
        String m = PromptTooLongException.in(t) != null ? PromptTooLongException.describe(t, longPrompts)
                : KvBudgetRefusedException.describe(t, kvBudget);
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
