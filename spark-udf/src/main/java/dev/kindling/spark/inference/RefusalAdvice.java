package dev.kindling.spark.inference;

import dev.kindling.inference.KvBudgetRefusedException;
import dev.kindling.inference.PromptTooLongException;
import java.io.Serializable;

/**
 * What a row's error advises for the engine's refusals whose remedy is a setting ({@link
 * dev.kindling.inference.AdvisedRefusal}), in the words of whoever runs the stage: a stage's setters, a command's flags, a
 * SQL function's options. {@code longPrompts} for a prompt longer than the context ({@link PromptTooLongException}),
 * {@code kvBudget} for a sequence past the KV budget, after what to ask for less of ({@link KvBudgetRefusedException#withAdvice}).
 * A stage holds the advice its caller gave, a part null where the stage's own applies ({@link EngineStage#adviseOnLongPrompts}).
 */
public record RefusalAdvice(String longPrompts, String kvBudget) implements Serializable {
    /** {@code t}'s message for a row's error (its type where it has none), a refusal's with this advice. */
    public String describe(Throwable t) {
        String m = PromptTooLongException.in(t) != null ? PromptTooLongException.describe(t, longPrompts)
                : KvBudgetRefusedException.describe(t, kvBudget);
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
