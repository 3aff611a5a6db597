package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.sql.KindlingFunctions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The executors' engines under Spark's task lifecycle: an engine closed while a task's rows are in it fails the task
 * (Spark runs it again, on the model opened anew) instead of giving its rows an "engine closed" error, and an engine its
 * user closed is not handed to later tasks.
 */
class EngineLifecycleTest {
    static final AtomicInteger ATTEMPTS = new AtomicInteger();

    /**
     * Closes every engine of the JVM ({@link ExecutorEngines#closeAll}, as a notebook cell or the executor's shutdown
     * does) once the first row of its task's first attempt came out, while the task's next rows are in the engine or
     * about to be.
     */
    static final class CloseEnginesOnce implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            boolean first = TaskContext.get().attemptNumber() == 0;
            ATTEMPTS.incrementAndGet();
            return new Iterator<>() {
                boolean closed;

                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row r = rows.next();
                    if (first && !closed) {
                        closed = true;
                        ExecutorEngines.closeAll();
                    }
                    return r;
                }
            };
        }
    }

    static Dataset<Row> closingEnginesOnce(Dataset<Row> in) {
        ATTEMPTS.set(0);
        return in.mapPartitions(new CloseEnginesOnce(), Encoders.row(in.schema()));
    }

    static List<String> alone(List<String> prompts, int maxTokens) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(maxTokens));
        }
        List<String> texts = new ArrayList<>();
        for (Completion c : GenerateSparkTest.alone(Stories.model(), reqs)) {
            texts.add(c.text());
        }
        return texts;
    }

    @Test
    void anEngineClosedUnderAStagesRowsFailsTheTaskAndTheRetryGeneratesThem() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(16);
        Dataset<Row> out = closingEnginesOnce(GenerateSparkTest.generate().setMaxTokens(8).setMaxInFlight(4)
                .transform(Stories.promptFrame(spark, prompts, 1)));
        // the rows started after the close got "engine closed" in their error column, and the task succeeded with them
        List<Row> rows = out.select("id", "generation.text", "error").collectAsList();
        assertEquals(2, ATTEMPTS.get(), "the task failed once and ran again");
        List<String> expected = alone(prompts, 8);
        assertEquals(prompts.size(), rows.size());
        for (Row r : rows) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            assertNull(r.get(2), r.getString(0));
            assertEquals(expected.get(i), r.getString(1), r.getString(0));
        }
    }

    @Test
    void anEngineClosedUnderASqlFunctionsRowsFailsTheTaskAndTheRetryGeneratesThem() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        List<String> prompts = Stories.prompts(6);
        Stories.promptFrame(spark, prompts, 1).createOrReplaceTempView("lifecycle_prompts");
        Dataset<Row> in = spark.sql("SELECT id, kindling_generate_ex(prompt, '" + Stories.model()
                + "', map('max_tokens', '8')) AS g FROM lifecycle_prompts");
        List<Row> rows = closingEnginesOnce(in).collectAsList();
        assertEquals(2, ATTEMPTS.get(), "the task failed once and ran again");
        List<String> expected = alone(prompts, 8);
        assertEquals(prompts.size(), rows.size());
        for (Row r : rows) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            Row g = r.getStruct(1);
            assertNull(g.get(4), r.getString(0));
            assertEquals(expected.get(i), g.getString(0), r.getString(0));
        }
    }

    /**
     * {@code try (Engine e = ExecutorEngines.get(spec))} closes the JVM's shared engine: it stayed in the cache, and every
     * later row of every job in the JVM failed with "engine closed", the retries of their tasks too.
     */
    @Test
    void anEngineItsUserClosedIsOpenedAnewForTheNextUse() {
        EngineSpec spec = GenerateSparkTest.generate().setThreads(1).engineSpec();
        Engine first = ExecutorEngines.get(spec);
        first.close();
        Engine next = ExecutorEngines.get(spec);
        assertNotSame(first, next);
        assertTrue(!next.isClosed());
        assertEquals(alone(List.of("Once upon a time"), 6).get(0),
                next.generate(GenerationRequest.of("Once upon a time").withMaxTokens(6)).text());
    }
}
