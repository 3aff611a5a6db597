package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading JSON Lines input is one Spark job before the command's own: the schema inference, which reads every line. The
 * empty-input check was a second job (the whole reader planned and code-generated, then run to the first row) on every
 * run of every command, though the inference had already seen the rows. It still runs when the inference saw no object
 * with a field, and an input of blank lines is still refused.
 */
class ReadPassesTest {
    @TempDir Path tmp;

    private static JobRun run(Path in) {
        SparkJobOptions options = new SparkJobOptions();
        options.input.add(in.toString());
        options.idColumn = "id";
        options.textColumn = "text";
        options.onError = "skip";
        return new JobRun(TestSpark.session(), options, null, System.nanoTime(), System.out);
    }

    /** The call sites of the Spark jobs {@code read} started, and the rows it read. */
    private static List<String> jobsOf(Runnable read) {
        List<String> jobs = Collections.synchronizedList(new ArrayList<>());
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart e) {
                jobs.add(e.stageInfos().head().name());
            }
        };
        TestSpark.listening(listener, read);
        return new ArrayList<>(jobs);
    }

    @Test
    void documentsAreReadOnceBeforeTheJob() throws Exception {
        Path in = Files.write(tmp.resolve("docs.jsonl"), List.of("{\"id\":\"a\",\"text\":\"one\"}", "not json",
                "{\"id\":\"b\",\"text\":\"two\"}"), StandardCharsets.UTF_8);
        List<List<Row>> rows = new ArrayList<>();
        List<String> jobs = jobsOf(() -> rows.add(run(in).readInput().select("id", "reason").collectAsList()));
        // the inference, then the collect; no emptiness check in between
        assertEquals(2, jobs.size(), "jobs: " + jobs);
        assertTrue(jobs.get(0).startsWith("json at DatasetReader.java"), "the schema inference first: " + jobs);
        assertTrue(jobs.get(1).startsWith("collectAsList at ReadPassesTest.java"), "then the test's own job: " + jobs);
        assertEquals(3, rows.get(0).size(), rows.toString());
        assertEquals("read:malformed_json", rows.get(0).get(1).getString(1), rows.toString());
    }

    @Test
    void inputsTheInferenceCannotVouchForAreStillChecked() throws Exception {
        // no object line: no field inferred, yet two bad rows to account for
        Path bad = Files.write(tmp.resolve("bad.jsonl"), List.of("[1, 2]", "not json"), StandardCharsets.UTF_8);
        List<String> jobs = jobsOf(() -> assertEquals(2, run(bad).readInput().count()));
        assertTrue(jobs.stream().anyMatch(j -> j.startsWith("isEmpty at ")), "the emptiness check ran: " + jobs);
        // empty objects: no field either, and each is a document
        Path empties = Files.write(tmp.resolve("empties.jsonl"), List.of("{}", "{}"), StandardCharsets.UTF_8);
        assertEquals(2, run(empties).readInput().count());
        Path blank = Files.write(tmp.resolve("blank.jsonl"), List.of("", "  ", "\t"), StandardCharsets.UTF_8);
        KindlingException e = assertThrows(KindlingException.class, () -> run(blank).readInput());
        assertTrue(e.getMessage().contains("blank.jsonl") && e.getMessage().contains("holds no documents"), e.getMessage());
    }
}
