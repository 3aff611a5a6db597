package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run interrupted by SIGINT or SIGTERM (Ctrl-C, a scheduler's timeout) leaves behind. */
class InterruptTest {
    @TempDir
    Path tmp;

    @Test
    void theHookRemovesTheUnfinishedOutputsAndSaysSo() throws Exception {
        SparkJobOptions options = new SparkJobOptions();
        options.overwrite = true;
        // --overwrite: Spark deleted the earlier output and began writing this run's (no _SUCCESS yet)
        Path replacedUnfinished = Files.createDirectories(tmp.resolve("rejected").resolve("_temporary").resolve("0")).getParent().getParent();
        // --overwrite over an output Spark had not reached yet: the earlier run's, complete, stays
        Path replacedIntact = Files.createDirectories(tmp.resolve("quarantine"));
        Files.writeString(replacedIntact.resolve("_SUCCESS"), "");
        // --overwrite over an output no Spark committer wrote (Megatron shards): not known to be unfinished, kept
        Path replacedOther = Files.createDirectories(tmp.resolve("megatron"));
        Files.writeString(replacedOther.resolve("shard-00000.bin"), "");
        Path fresh = tmp.resolve("out");
        JobRun run = new JobRun(TestSpark.session(), options, null, System.nanoTime(), new PrintStream(OutputStream.nullOutputStream()));
        run.claimOutput(fresh.toString());
        run.claimOutput(replacedUnfinished.toString());
        run.claimOutput(replacedIntact.toString());
        run.claimOutput(replacedOther.toString());
        Files.createDirectories(fresh.resolve("_temporary").resolve("0"));
        Files.writeString(fresh.resolve("part-00000.json"), "{\"id\":\"a\",\"text\":\"x\"}\n");

        StringWriter err = new StringWriter();
        run.interrupted(new PrintWriter(err));

        assertFalse(Files.exists(fresh), "this run's partial output is removed");
        assertFalse(Files.exists(replacedUnfinished), "the unfinished replacement is removed");
        assertTrue(Files.exists(replacedIntact.resolve("_SUCCESS")), "an output not yet replaced is kept");
        assertTrue(Files.exists(replacedOther.resolve("shard-00000.bin")), "an output Spark did not write is kept");
        String line = err.toString();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("kindling: interrupted; removed the unfinished output ") && line.contains(fresh.toString())
                && line.contains(replacedUnfinished.toString()) && !line.contains(replacedIntact.toString()) && !line.contains(replacedOther.toString()), line);

        StringWriter again = new StringWriter();
        run.interrupted(new PrintWriter(again));
        assertEquals("kindling: interrupted; no unfinished output to remove", again.toString().trim());
    }

    @Test
    void sigtermDuringTheWriteLeavesNoOutput() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(in)) {
            String text = "a document long enough that writing many of them takes the job a few seconds ".repeat(4);
            for (int i = 0; i < 80_000; i++) {
                w.write("{\"id\":\"d" + i + "\",\"text\":\"" + text + i + "\"}\n");
            }
        }
        Path out = tmp.resolve("out");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (InputStream flags = InterruptTest.class.getResourceAsStream("/kindling-jvm-flags.txt")) {
            cmd.addAll(Arrays.asList(new String(flags.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")));
        }
        // seconds of work until it is stopped: C2's compiles cost more than they save there (as in EngineCommandLogsTest)
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.kindling.spark.cli.KindlingCli", "convert", "--master", "local[1]", "--no-progress",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "-i", in.toString(), "-o", out.toString()));
        // to a file: destroy() closes the pipes, and the hook's line came after
        Path errFile = tmp.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
        // the write has begun: Spark's committer made its _temporary folder, the part files are not committed yet
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(out.resolve("_temporary")) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive() && Files.exists(out.resolve("_temporary")), "the write began before the run ended");
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the interrupted run ended");
        String stderr = Files.readString(errFile);
        assertFalse(Files.exists(out), "no partial output is left: " + stderr);
        assertTrue(stderr.contains("kindling: interrupted; removed the unfinished output " + out), stderr);
    }
}
