package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved Spark ML Pipeline holding the inference and tokenizer stages loads back: Spark's Pipeline.load calls each
 * stage class's static read(), which these stages lacked (NoSuchMethodException), though they save on their own. And one
 * of curation, tokenizer and inference stages loads in a new JVM ({@link PipelineInNewJvm}) and runs the same there.
 */
class PipelinePersistenceTest {
    @TempDir Path tmp;

    @Test
    void pipelinesWithEveryInferenceAndTokenizerStageLoadBack() throws Exception {
        TestSpark.session();
        String model = Stories.model().toString();
        PipelineStage[] stages = {
            new TokenizerTransformer().setTokenizer(model),
            new Generate().setModel(model).setMaxTokens(7).setFrequencyPenalty(0.25).setPresencePenalty(-1.5),
            new Score().setModel(model),
            new Embed().setModel(model),
            new Judge().setModel(model),
        };
        Path p = tmp.resolve("pipeline");
        new Pipeline().setStages(stages).write().save(p.toString());
        PipelineStage[] back = Pipeline.load(p.toString()).getStages();
        assertEquals(stages.length, back.length);
        for (int i = 0; i < stages.length; i++) {
            assertEquals(stages[i].getClass(), back[i].getClass());
            for (org.apache.spark.ml.param.Param<?> param : stages[i].params()) {
                Object before = stages[i].getOrDefault(param);
                Object after = back[i].getOrDefault(back[i].getParam(param.name()));
                assertEquals(true, java.util.Objects.deepEquals(before, after), stages[i].getClass().getSimpleName() + "." + param.name());
            }
        }
        Generate generate = assertInstanceOf(Generate.class, back[1]);
        assertEquals(7, (int) generate.getOrDefault(generate.maxTokens()));
        // the frequency and presence penalties are saved and loaded like the other sampling params
        assertEquals(0.25, (double) generate.getOrDefault(generate.frequencyPenalty()));
        assertEquals(-1.5, (double) generate.getOrDefault(generate.presencePenalty()));
        assertEquals(0.25f, generate.sampling().frequencyPenalty());
        assertEquals(-1.5f, generate.sampling().presencePenalty());
    }

    /**
     * A saved Pipeline of curation, tokenizer and inference stages loads in a new JVM (nothing of this one but the files:
     * no class initialised here, no param object, no cached engine) and runs the same: the same stages with their uids,
     * the same rows. The child is kept cheap (five rows, local[1], the 260K-parameter model, no MinHashDedup: its phases
 * are Spark jobs of their own, each seconds on a busy host); its time is printed.
     */
    @Test
    void aSavedPipelineRunsTheSameInANewJvm() throws Exception {
        SparkSession spark = TestSpark.session();
        String model = Stories.model().toString();
        String a = "Lily and Tom went to the park to play with the big red ball in the sun";
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        Dataset<Row> input = spark.createDataFrame(List.of(RowFactory.create("1", a), RowFactory.create("2", a + "!"),
                RowFactory.create("3", a), RowFactory.create("4", "Sue wrote to sue@example.com about the cat"),
                RowFactory.create("5", "Ben saw a bird in the tree and it sang a song for him")), schema);
        Path in = tmp.resolve("input");
        input.coalesce(1).write().parquet(in.toString());
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new ExactDedup(),
            new PiiRedaction().setCountsCol("pii"),
            new TokenizerTransformer().setTokenizer(model).setCountCol("token_count"),
            new Score().setModel(model).setThreads(1),
        });
        Path saved = tmp.resolve("pipeline");
        pipeline.write().save(saved.toString());
        Dataset<Row> here = spark.read().parquet(in.toString());
        List<String> expected = PipelineInNewJvm.describe(pipeline.fit(here), here);

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (InputStream flags = PipelinePersistenceTest.class.getResourceAsStream("/kindling-jvm-flags.txt")) {
            cmd.addAll(Arrays.asList(new String(flags.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")));
        }
        // seconds of work: C2's compiles cost more than they save
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xmx1g", "-Djava.io.tmpdir=" + tmp,
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                PipelineInNewJvm.class.getName(), saved.toString(), in.toString(), tmp.resolve("child.txt").toString()));
        Path log = tmp.resolve("child.log");
        long t0 = System.nanoTime();
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(300, TimeUnit.SECONDS), "the child JVM finished");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("PipelinePersistenceTest: the child JVM loaded and ran the pipeline in " + millis + " ms");
        assertEquals(0, child.exitValue(), () -> readLog(log));
        List<String> there = Files.readAllLines(tmp.resolve("child.txt"), StandardCharsets.UTF_8);
        assertEquals(expected, there);
        // what the rows hold, so that "the same" is not the same nothing
        assertEquals(4 + 5, there.size()); // four stages, five rows
        assertTrue(there.stream().anyMatch(r -> r.contains("\"reason\":\"exact_dedup:duplicate\"")), there.toString());
        assertTrue(there.stream().anyMatch(r -> r.contains("<EMAIL>")), there.toString());
        // the kept rows were scored (JSON leaves out the nulls of the rejected ones)
        assertTrue(there.stream().filter(r -> r.startsWith("{") && !r.contains("\"reason\"")).allMatch(r -> r.contains("\"perplexity\":")),
                there.toString());
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
