package dev.kindling.spark.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.distill.DistillStage;
import dev.kindling.spark.distill.Dpo;
import dev.kindling.spark.inference.PerplexityFilter;
import java.util.Objects;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/** What the tests of saved stages check of a loaded one. */
public final class SavedStages {
    private SavedStages() {
    }

    /**
     * The same class, uid, set params and defaults, and so of the stages it holds (a PerplexityFilter's Score, a
     * distill stage's teacher, a Dpo's judge).
     */
    public static void assertSameStage(Params a, Params b) {
        String name = a.getClass().getSimpleName();
        assertEquals(a.getClass(), b.getClass());
        assertEquals(a.uid(), b.uid(), name);
        for (Param<?> p : a.params()) {
            Param<?> q = b.getParam(p.name());
            assertEquals(a.isSet(p), b.isSet(q), name + "." + p.name() + " set");
            assertEquals(a.hasDefault(p), b.hasDefault(q), name + "." + p.name() + " has a default");
            Object x = a.isDefined(p) ? a.getOrDefault(p) : null;
            Object y = b.isDefined(q) ? b.getOrDefault(q) : null;
            assertTrue(Objects.deepEquals(x, y), name + "." + p.name() + ": " + x + " and " + y);
        }
        if (a instanceof PerplexityFilter f) {
            assertSameStage(f.getScore(), ((PerplexityFilter) b).getScore());
        }
        if (a instanceof DistillStage<?> d) {
            assertSameStage(d.getTeacher(), ((DistillStage<?>) b).getTeacher());
        }
        if (a instanceof Dpo d) {
            assertSameStage(d.getJudge(), ((Dpo) b).getJudge());
        }
    }
}
