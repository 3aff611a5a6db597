package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.spark.TestSpark;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A job's row errors have no advice of their own: its stage gives it ({@link EngineStage#run}), or it refuses to run. */
class RowInferenceAdviceTest {
    /** A part left to the stage is resolved before a row's error reads it: a null part was printed as "(null)". */
    @Test
    void aPartialAdviceIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RefusalAdvice("shorten it", null));
        assertTrue(e.getMessage().contains("both parts"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RefusalAdvice(null, "more memory"));
    }

    @Test
    void aJobNotAdvisedByItsStageRefusesToRun() {
        RowInference<String> job = new RowInference<>("probe", EngineSpec.of("unused.gguf"), 1, null) {
            @Override
            protected CompletableFuture<String> start(Engine engine, Row row) {
                throw new AssertionError("no row may start");
            }

            @Override
            protected boolean hasInput(Row row) {
                return true;
            }

            @Override
            protected Object[] values(String result) {
                return new Object[0];
            }

            @Override
            protected StructType outputColumns() {
                return new StructType();
            }

            @Override
            protected long[] tokenCounts(String result) {
                return new long[2];
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> job.apply(
                TestSpark.session().createDataset(List.of("a"), Encoders.STRING()).toDF("text"), "error", false));
        assertTrue(e.getMessage().contains("probe") && e.getMessage().contains("advisedWith"), e.getMessage());
    }
}
