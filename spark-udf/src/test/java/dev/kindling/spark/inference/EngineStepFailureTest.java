package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.backend.Step;
import dev.kindling.inference.engine.StepFaults;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.sql.KindlingFunctions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The engine's batched step failing under a task's rows: a failure no one row caused (out of memory) fails the task,
 * which Spark runs again, instead of writing the error in the error column of every row in the step (other tasks' rows
 * among them); a row whose own input fails the step gets the error alone, and the other rows their usual results.
 */
class EngineStepFailureTest {
    static final AtomicInteger ATTEMPTS = new AtomicInteger();

    /** Counts the attempts of the tasks it runs in. */
    static final class CountAttempts implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            ATTEMPTS.incrementAndGet();
            return rows;
        }
    }

    static Dataset<Row> countingAttempts(Dataset<Row> in) {
        ATTEMPTS.set(0);
        return in.mapPartitions(new CountAttempts(), Encoders.row(in.schema()));
    }

    /** Asserts each row {id, text, error} has no error and the text its prompt gets alone. */
    static void assertGeneratedAlone(List<Row> rows, List<String> expected) {
        assertEquals(expected.size(), rows.size());
        for (Row r : rows) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            assertNull(r.get(2), r.getString(0));
            assertEquals(expected.get(i), r.getString(1), r.getString(0));
        }
    }

    @Test
    void anOutOfMemoryErrorInTheEnginesStepFailsTheStagesTaskAndTheRetryGeneratesTheRows() throws Exception {
        // was an error row for every row in the step ("Java heap space"), and the task succeeded
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(16);
        List<String> expected = EngineLifecycleTest.alone(prompts, 8);
        Dataset<Row> out = countingAttempts(GenerateSparkTest.generate().setMaxTokens(8).setMaxInFlight(8)
                .transform(Stories.promptFrame(spark, prompts, 1)));
        List<Row> rows;
        try (AutoCloseable fault = StepFaults.once(new OutOfMemoryError("injected: Java heap space"))) {
            rows = out.select("id", "generation.text", "error").collectAsList();
        }
        assertEquals(2, ATTEMPTS.get(), "the task failed once and ran again");
        assertGeneratedAlone(rows, expected);
    }

    @Test
    void anOutOfMemoryErrorInTheEnginesStepFailsTheSqlFunctionsTaskAndTheRetryGeneratesTheRows() throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        List<String> prompts = Stories.prompts(6);
        List<String> expected = EngineLifecycleTest.alone(prompts, 8);
        Stories.promptFrame(spark, prompts, 1).createOrReplaceTempView("step_failure_prompts");
        Dataset<Row> in = spark.sql("SELECT id, g.text, g.error FROM (SELECT id, kindling_generate_ex(prompt, '"
                + Stories.model() + "', map('max_tokens', '8')) AS g FROM step_failure_prompts)");
        List<Row> rows;
        try (AutoCloseable fault = StepFaults.once(new OutOfMemoryError("injected: Java heap space"))) {
            rows = countingAttempts(in).collectAsList();
        }
        assertEquals(2, ATTEMPTS.get(), "the task failed once and ran again");
        assertGeneratedAlone(rows, expected);
    }

    @Test
    void aRowWhoseInputFailsTheStepGetsTheErrorAloneAndTheOtherRowsTheirTexts() throws Exception {
        // the step's error was every row's in it: each of the 16 rows got "the kernel cannot take ..."
        SparkSession spark = TestSpark.session();
        List<String> prompts = new ArrayList<>(Stories.prompts(16));
        // the one prompt long enough to reach position 40, where the steps holding it fail (others end before 30)
        prompts.set(5, String.join(" ", Stories.prompts(5)));
        List<String> expected = EngineLifecycleTest.alone(prompts, 8);
        Dataset<Row> out = countingAttempts(GenerateSparkTest.generate().setMaxTokens(8).setMaxInFlight(16)
                .transform(Stories.promptFrame(spark, prompts, 1)));
        List<Row> rows;
        try (AutoCloseable fault = StepFaults.inject(EngineStepFailureTest::failPastPosition40)) {
            rows = out.select("id", "generation.text", "error").collectAsList();
        }
        assertEquals(1, ATTEMPTS.get(), "the task succeeded");
        assertEquals(prompts.size(), rows.size());
        for (Row r : rows) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            if (i == 5) {
                assertNull(r.get(1));
                assertTrue(r.getString(2).contains("the kernel cannot take a position past 40"), r.getString(2));
            } else {
                assertNull(r.get(2), r.getString(0));
                assertEquals(expected.get(i), r.getString(1), r.getString(0));
            }
        }
    }

    static void failPastPosition40(Step s) {
        for (int t = 0; t < s.tokenCount(); t++) {
            if (s.position(t) >= 40) {
                throw new IllegalArgumentException("the kernel cannot take a position past 40");
            }
        }
    }
}
