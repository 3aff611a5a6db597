package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.InferenceMetrics;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.RunReport;
import dev.kindling.spark.stage.StageContext;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Counted once, whatever Spark runs again": the teacher's and the judge's counts of {@code distill sft} and
 * {@code distill dpo} (their summary lines, {@code --stats}) are summed from each row's counts as the outputs are written,
 * so rows Spark computes a second time (here: computed once and cached, the cached copy lost, as with its executor, and
 * computed again by the write) count once, where the model's own counters ({@code teacherMetrics()},
 * {@code judgeMetrics()}, as the tasks ran) count them twice.
 */
class DistillCountedOnceTest {
    private static final StructType PROMPTS = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
            .add(Columns.REASON, DataTypes.StringType);

    private static Dataset<Row> prompts(SparkSession spark) {
        // one rejected before the stage (as the reader sets one aside): not answered, and counted as no row of the teacher's
        return spark.createDataFrame(List.of(RowFactory.create("a", DistillTest.PROMPTS.get(0), null),
                RowFactory.create("b", DistillTest.PROMPTS.get(1), null), RowFactory.create("c", DistillTest.PROMPTS.get(2), null),
                RowFactory.create("d", DistillTest.PROMPTS.get(3), "read:invalid_utf8")), PROMPTS).repartition(2);
    }

    private static Generate teacher() {
        return new Generate().setModel(DistillTest.model().toString()).setThreads(2).setMaxTokens(6).setTemperature(0.8).setSeed(3);
    }

    /**
     * Runs {@code stage} as a CLI run does (its rows, then {@link PipelineOutput#write} of the kept and the rejected rows),
     * with its rows computed once and cached before the write, and the cached copy removed, so that the write computes
     * them again; {@code afterFirst} runs after the first computation (to read the model's counters of that one).
     */
    private static RunReport computedTwice(PipelineStage stage, Path dir, Runnable afterFirst) {
        SparkSession spark = TestSpark.session();
        StageContext ctx = new StageContext(spark, "id", "prompt");
        Dataset<Row> rows = stage.apply(prompts(spark), ctx);
        Set<Integer> cachedBefore = new HashSet<>(JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().keySet());
        try {
            rows.persist(StorageLevel.MEMORY_AND_DISK());
            assertEquals(4, rows.count());
            afterFirst.run();
            Set<Integer> cached = new HashSet<>(JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().keySet());
            cached.removeAll(cachedBefore);
            assertTrue(!cached.isEmpty(), "nothing cached");
            cached.forEach(id -> org.apache.spark.SparkEnv.get().blockManager().master().removeRdd(id, true));
            RunReport report = PipelineOutput.write(rows, ctx, new PipelineOutput.Targets(new WriteOptions(dir.resolve("kept").toString(),
                    DataFormat.JSONL, false, null), false, dir.resolve("rejected").toString(), null), List.of("read", stage.name()),
                    Set.of(), System.nanoTime());
            // the rows' counts are internal: neither output holds them (the rejected one holds the unreadable row "d")
            for (String output : List.of("kept", "rejected")) {
                List<String> columns = List.of(spark.read().json(dir.resolve(output).toString()).columns());
                assertTrue(columns.contains("prompt_id") && columns.stream().noneMatch(c -> c.startsWith("_kindling")),
                        output + ": " + columns);
            }
            return report;
        } finally {
            rows.unpersist(true);
        }
    }

    /** {@code who}'s counts in {@code report} as the summary line gives them: rows, failed rows, prompt and generated tokens. */
    private static List<Long> counts(RunReport report, String who) {
        Map<String, Long> m = report.metrics();
        return List.of(m.getOrDefault(who + " rows", -1L), m.getOrDefault(who + " failed rows", -1L),
                m.getOrDefault(who + " prompt tokens", -1L), m.getOrDefault(who + " generated tokens", -1L));
    }

    private static List<Long> counts(InferenceMetrics m) {
        return List.of(m.rows(), m.failedRows(), m.promptTokens(), m.generatedTokens());
    }

    @Test
    void sftCountsTheTeachersTokensOnceWhenALostPartitionIsComputedAgain(@TempDir Path dir) {
        // greedy, stories260K continues prompt c ("One day, Tom saw a big cat in the park.") with " He was": the stop string
        // leaves a space, which the stage rejects as sft:empty_answer (DistillTest#sftRejectsEmptyAnswers)
        Sft sft = new Sft(teacher().setTemperature(0.0).setStop("He"), "stories260K");
        List<List<Long>> once = new java.util.ArrayList<>();
        RunReport report = computedTwice(sft, dir, () -> once.add(counts(sft.teacherMetrics())));
        List<Long> first = once.get(0);
        assertEquals(List.of(3L, 0L), first.subList(0, 2), "3 prompts answered, none failed: " + first);
        assertTrue(first.get(2) > 0 && first.get(3) > 0, first.toString());
        // the model's counters ran twice: the rows were computed again
        assertEquals(first.stream().map(n -> 2 * n).toList(), counts(sft.teacherMetrics()));
        assertEquals(first, counts(report, "teacher"), report.metrics().toString());
        // the row the stage rejected counts among the teacher's rows, as the model ran on it: 3 rows, 2 of them kept
        SparkSession spark = TestSpark.session();
        assertEquals(List.of("c"), spark.read().json(dir.resolve("rejected").toString())
                .filter("reason = 'sft:empty_answer'").select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(2, spark.read().json(dir.resolve("kept").toString()).count());
    }

    @Test
    void dpoCountsTheTeachersAndTheJudgesTokensOnceWhenALostPartitionIsComputedAgain(@TempDir Path dir) throws Exception {
        // a short rubric: the built-in ones are hundreds of tokens a candidate, for a count that any length shows
        Path rubric = java.nio.file.Files.writeString(dir.resolve("rubric.txt"), "Rate 1 to 5.\nQ: {instruction}\nA: {response}\n");
        Judge judge = new Judge().setModel(DistillTest.model().toString()).setThreads(2).setMethod("logprobs").setRubric(rubric.toString());
        Dpo dpo = new Dpo(teacher().setN(2), judge, "stories260K");
        List<List<Long>> once = new java.util.ArrayList<>();
        RunReport report = computedTwice(dpo, dir, () -> {
            once.add(counts(dpo.teacherMetrics()));
            once.add(counts(dpo.judgeMetrics()));
        });
        assertEquals(List.of(3L, 0L), once.get(0).subList(0, 2), once.toString());
        assertTrue(once.get(1).get(2) > 0, "the judge read its prompts: " + once);
        assertEquals(once.get(0).stream().map(n -> 2 * n).toList(), counts(dpo.teacherMetrics()));
        assertEquals(once.get(1).stream().map(n -> 2 * n).toList(), counts(dpo.judgeMetrics()));
        assertEquals(once, List.of(counts(report, "teacher"), counts(report, "judge")), report.metrics().toString());
    }
}
