package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --input} interrupted (SIGINT, SIGTERM): it stops at a row's end, closes its output and says how far it
 * got. The JVM ended mid-run, leaving a last line that could be cut and nothing said.
 */
class GenerateInterruptTest {
    /** SIGTERM to a running generate: the output holds exactly the rows the line on stderr counts, whole, in input order. */
    @Test
    void sigtermLeavesWholeRowsAndSaysHowMany(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = dir.resolve("in.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(in)) {
            for (int i = 0; i < 5000; i++) {
                w.write("{\"id\":" + i + ",\"prompt\":\"Once upon a time " + i + "\"}\n");
            }
        }
        Path out = dir.resolve("out.jsonl");
        Path log = dir.resolve("err.txt");
        Process p = new ProcessBuilder(GenerateStreamingTest.childJvm("-Xmx256m", "--model", model, "--input", in.toString(),
                "--output", out.toString(), "--max-tokens", "64", "--threads", "1")).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (p.isAlive() && !(Files.exists(out) && Files.size(out) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "the run ended before it was interrupted: " + Files.readString(log));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running: " + Files.readString(log));
        String err = Files.readString(log);
        assertTrue(err.contains("generate: interrupted\n"), err);
        Matcher m = Pattern.compile("generate: " + Pattern.quote(out.toString()) + ": partial, (\\d+) rows written").matcher(err);
        assertTrue(m.find(), err);
        int n = Integer.parseInt(m.group(1));
        List<String> lines = Files.readAllLines(out);
        assertTrue(n > 0 && n < 5000, err);
        assertEquals(n, lines.size(), err);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < n; i++) {
            JsonNode row = json.readTree(lines.get(i));
            assertEquals(i, row.get("id").asInt(), lines.get(i));
            assertTrue(row.has("completion"), lines.get(i));
        }
        assertTrue(Files.readString(out).endsWith("\n"), "the last row is whole");
    }

    /** Each output's state: not started, partial (the rows known to be in the file), complete. */
    @Test
    void theHookSaysWhatEachOutputHolds() throws Exception {
        InterruptHook.Output notStarted = new InterruptHook.Output(Path.of("a.jsonl"));
        InterruptHook.Output partial = new InterruptHook.Output(Path.of("b.jsonl"));
        InterruptHook.Output complete = new InterruptHook.Output(Path.of("c.jsonl"));
        partial.started();
        complete.started();
        for (int i = 0; i < 3; i++) {
            partial.wrote();
            complete.wrote();
        }
        partial.flushed();
        partial.wrote(); // handed to the writer, not yet in the file: not counted
        complete.complete();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InterruptHook hook = InterruptHook.unregistered("generate", new PrintStream(err, true, StandardCharsets.UTF_8),
                List.of(notStarted, partial, complete), 10_000);
        assertFalse(hook.stopping());
        Thread command = new Thread(() -> {
            while (!hook.stopping()) {
                Thread.onSpinWait();
            }
            hook.close(); // the command stops at once
        });
        command.start();
        long start = System.nanoTime();
        hook.interrupted();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "it waited for a command that had ended");
        assertEquals("generate: interrupted\ngenerate: a.jsonl: not started (an existing file was left as it was)\n"
                + "generate: b.jsonl: partial, 3 rows written (the first rows of the input, in its order)\n"
                + "generate: c.jsonl: complete, 3 rows\n", err.toString(StandardCharsets.UTF_8));

        // a command that does not stop: the hook waits its time, then says the last line may be cut
        ByteArrayOutputStream late = new ByteArrayOutputStream();
        InterruptHook stuck = InterruptHook.unregistered("generate", new PrintStream(late, true, StandardCharsets.UTF_8),
                List.of(partial), 200);
        stuck.interrupted();
        assertTrue(late.toString(StandardCharsets.UTF_8).startsWith("generate: interrupted; it did not stop within 200 ms, so an output's last line may be cut\n"),
                late.toString(StandardCharsets.UTF_8));
    }
}
