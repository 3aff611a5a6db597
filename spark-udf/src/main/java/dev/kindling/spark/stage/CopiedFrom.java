package dev.kindling.spark.stage;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The stages a copy was made from ({@code copy(ParamMap)}: its original, that one's original, and so on), which report
 * the copy's runs too, held weakly: a loop {@code s = s.copy(paramMap)} (a sweep by hand) kept every earlier copy alive
 * through the one link each held to its original, about 10 KB a copy of a {@code Generate} (its params and their maps),
 * though nobody could reach them. A stage collected leaves the others be: a copy of a copy still reports to an original
 * the caller holds, as each copy holds all of them, not only its own.
 *
 * @param <T> the stages' type
 */
public final class CopiedFrom<T> {
    /** The stages, nearest first; each reference shared with the copies made since, cleared ones left out. */
    private final List<WeakReference<T>> stages;

    private CopiedFrom(List<WeakReference<T>> stages) {
        this.stages = stages;
    }

    /** What a copy of {@code stage} was made from: {@code stage}, then those of {@code before} (its own; null for none) still alive. */
    public static <T> CopiedFrom<T> copyOf(T stage, CopiedFrom<T> before) {
        List<WeakReference<T>> stages = new ArrayList<>();
        stages.add(new WeakReference<>(stage));
        if (before != null) {
            for (WeakReference<T> s : before.stages) {
                if (s.get() != null) {
                    stages.add(s);
                }
            }
        }
        return new CopiedFrom<>(List.copyOf(stages));
    }

    /** Runs {@code action} on each of the stages still alive, nearest first. */
    public void forEach(Consumer<T> action) {
        for (WeakReference<T> s : stages) {
            T stage = s.get();
            if (stage != null) {
                action.accept(stage);
            }
        }
    }
}
