package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --input} streams: the input is read a line at a time and the output written in input order as rows
 * finish, with a bounded number of rows in the engine, so an input of any size runs in a small heap. It read the whole
 * file (at most 2 GiB) and held every row, request and result in memory at once.
 */
class GenerateStreamingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<String> childJvm(String heap, String... args) {
        return childJvm(heap, GenerateCommand.class, args);
    }

    /** A command line running {@code main} with {@code args} in a child JVM of this test's class path. */
    static List<String> childJvm(String heap, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * An input of 20 MB (2,000 rows, each with a 10,000-character field besides its prompt) in a 48 MiB heap: every row
     * written, in the input's order. Read whole, the file and its rows did not fit (OutOfMemoryError). The rows are few
     * and wide because each is a real generation (some 100 rows/s on a busy 2-core machine); their size is what the heap
     * must not hold. {@code --kv-budget-mb 4} keeps the KV cache small, so what fills this heap can only be the input's rows
     * (HeapKvBudgetTest checks the default budget in a small heap).
     */
    @Test
    void aLargeInputRunsInASmallHeapAndComesOutInOrder(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        int n = 2_000;
        Path in = dir.resolve("in.jsonl");
        String[] prompts = {"Once upon a time", "Tom", "Lily went to the park", "The sun"};
        String note = "n".repeat(10_000);
        try (BufferedWriter w = Files.newBufferedWriter(in)) {
            for (int i = 0; i < n; i++) {
                w.write("{\"id\":" + i + ",\"prompt\":\"" + prompts[i % prompts.length] + " " + i + "\",\"note\":\"" + note + "\"}\n");
            }
        }
        assertTrue(Files.size(in) > 20_000_000L, "input: " + Files.size(in) + " bytes");
        Path out = dir.resolve("out.jsonl");
        Process p = new ProcessBuilder(childJvm("-Xmx48m", "--model", model, "--input", in.toString(), "--output", out.toString(),
                "--max-tokens", "1", "--threads", "2", "--kv-budget-mb", "4")).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + log);
        assertEquals(0, p.exitValue(), log);
        long count = 0;
        try (BufferedReader r = Files.newBufferedReader(out)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode row = JSON.readTree(line);
                assertEquals(count, row.get("id").asLong(), line);
                assertEquals(prompts[(int) (count % prompts.length)] + " " + count, row.get("prompt").asText(), line);
                assertEquals(1, row.get("n_tokens").asInt(), line);
                count++;
            }
        }
        assertEquals(n, count);
    }

    /**
     * A line over 256 MiB is its row's error, naming its line, and the rows after it are generated (the file was read
     * whole: over 2 GiB it was refused, and under it an OutOfMemoryError in a heap smaller than the file).
     */
    @Test
    void aLineOverTheBoundIsItsRowsError(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = dir.resolve("in.jsonl");
        byte[] first = "{\"id\":1,\"prompt\":\"Once\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] last = "\n{\"id\":3,\"prompt\":\"Tom\"}\n".getBytes(StandardCharsets.UTF_8);
        long huge = InputRows.MAX_LINE_BYTES + 1L;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(in.toFile(), "rw")) {
            f.write(first);
            f.setLength(first.length + huge); // sparse: line 2 is 256 MiB + 1 of NUL bytes, costing no disk
            f.seek(first.length + huge);
            f.write(last);
        }
        Path out = dir.resolve("out.jsonl");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--input", in.toString(), "--output", out.toString(),
                "--max-tokens", "2"}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8)));
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(JSON.readTree(lines.get(0)).has("completion"), lines.get(0));
        assertEquals(in + " line 2 is " + huge + " bytes, over the 256 MiB a line may have (no model's context holds that much "
                + "text): split it or shorten it", JSON.readTree(lines.get(1)).get("error").asText());
        assertEquals(3, JSON.readTree(lines.get(2)).get("id").asInt(), lines.get(2));
        assertTrue(JSON.readTree(lines.get(2)).has("completion"), lines.get(2));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("1 of 3 rows failed"), err.toString(StandardCharsets.UTF_8));
    }
}
