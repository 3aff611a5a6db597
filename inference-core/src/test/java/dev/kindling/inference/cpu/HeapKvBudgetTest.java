package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.cli.GenerateCommand;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.testing.SharedData;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU engine's default KV budget fits the heap it runs in. It was a quarter of the free heap but at least 64 MiB, and
 * the blocks are allocated on first use: in a small heap (a Spark executor with little memory) a batch of rows ran out of
 * memory (stories260K.gguf, 70 rows of 256 tokens in -Xmx24m: OutOfMemoryError after 22 s, most of it in GC, no row
 * written; in -Xmx32m the rows completed in 34 s with the heap full).
 */
class HeapKvBudgetTest {

    /** Runs {@code mainClass args} in a child JVM with {@code heap}; returns its exit status and output. */
    static String[] child(Path dir, String heap, Class<?> mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), heap,
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "child", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return new String[] {"timed out", Files.readString(log, StandardCharsets.UTF_8)};
        }
        return new String[] {String.valueOf(p.exitValue()), Files.readString(log, StandardCharsets.UTF_8)};
    }

    /** Without --kv-budget-mb, 70 rows of 256 tokens (64 decoding together) complete in a 24 MiB heap. */
    @Test
    void manyRowsRunInASmallHeapWithoutAKvBudget(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        int n = 70;
        Path in = dir.resolve("in.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(in)) {
            for (int i = 0; i < n; i++) {
                w.write("{\"id\":" + i + ",\"prompt\":\"Tom had " + i + " apples and\"}\n");
            }
        }
        Path out = dir.resolve("out.jsonl");
        String[] r = child(dir, "-Xmx24m", GenerateCommand.class, "--model", model, "--input", in.toString(),
                "--output", out.toString(), "--max-tokens", "256", "--threads", "2");
        assertEquals("0", r[0], r[1]);
        List<String> rows = Files.readAllLines(out);
        assertEquals(n, rows.size(), r[1]);
        for (String row : rows) {
            assertTrue(row.contains("\"n_tokens\":256") && !row.contains("\"error\""), row);
        }
    }

    /**
     * When the heap cannot hold one KV block next to what the model needs, the engine refuses to open, naming the heap,
     * the model and --kv-budget-mb (a block of 65,536 positions of stories260K, 5 layers of K and V of 32 floats, is 80 MiB; the heap is 24 MiB).
     */
    @Test
    void aHeapTooSmallForOneBlockFailsAtOpen(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String[] r = child(dir, "-Xmx24m", HeapKvBudgetTest.class, model, "65536", "0");
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("open failed: ") && r[1].contains("-Xmx") && r[1].contains("stories260K.gguf")
                && r[1].contains("--kv-budget-mb") && !r[1].contains("OutOfMemoryError"), r[1]);
    }

    /** An explicit budget larger than the heap can hold is refused at open, not met with an OutOfMemoryError later. */
    @Test
    void anExplicitBudgetOverTheHeapFailsAtOpen(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String[] r = child(dir, "-Xmx24m", HeapKvBudgetTest.class, model, "16", String.valueOf(64L << 20));
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("open failed: ") && r[1].contains("--kv-budget-mb 64") && r[1].contains("-Xmx")
                && r[1].contains("stories260K.gguf"), r[1]);
    }

    /**
     * The rule, for blocks of 20 KiB of 16 positions: a quarter of free, at least one block per slot and one full-context
     * sequence within half of free, at most 4 GiB; a given budget up to free.
     */
    @Test
    void theRule() {
        ModelConfig c;
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withDevice("cpu").withThreads(1).withKvBudgetBytes(1 << 20))) {
            c = e.config();
        }
        long block = 20 << 10;
        int sequence = (c.contextLength() + 15) / 16;
        HeapKvBudget oneSlot = new HeapKvBudget(0, 1, 256, "m");
        HeapKvBudget slots = new HeapKvBudget(0, 2 * sequence, 256, "m");
        long big = 8 * sequence * block;
        assertEquals(big / 4, oneSlot.budget(c, 16, block, big), "a quarter of free");
        assertEquals(sequence * block, oneSlot.budget(c, 16, block, 3 * sequence * block), "one full-context sequence");
        assertEquals(2 * sequence * block, slots.budget(c, 16, block, 5 * sequence * block), "one block per slot");
        assertEquals(2 * sequence * block, slots.budget(c, 16, block, 4 * sequence * block), "one block per slot");
        assertEquals(sequence * block, slots.budget(c, 16, block, 2 * sequence * block), "the floor within half of free");
        assertEquals(block, oneSlot.budget(c, 16, block, 2 * block));
        assertEquals(-1, oneSlot.budget(c, 16, block, 2 * block - 1), "less than one block");
        assertEquals(HeapKvBudget.DEFAULT_MAX, oneSlot.budget(c, 16, block, 64L << 30));
        assertEquals(8L << 20, new HeapKvBudget(8L << 20, 64, 256, "m").budget(c, 16, block, 8L << 20));
        assertEquals(-1, new HeapKvBudget(8L << 20, 64, 256, "m").budget(c, 16, block, (8L << 20) - 1));
    }

    /**
     * The child JVM: opens {@code args[0]} with KV blocks of {@code args[1]} positions and a budget of {@code args[2]}
     * bytes (0 = the default) and generates a few tokens; exit 1 with "open failed: MESSAGE" when the engine refuses.
     */
    public static void main(String[] args) {
        EngineOptions o = EngineOptions.defaults().withDevice("cpu").withThreads(1).withKvBlockSize(Integer.parseInt(args[1]))
                .withKvBudgetBytes(Long.parseLong(args[2]));
        Engine e;
        try {
            e = Engine.open(Path.of(args[0]), o);
        } catch (IllegalStateException | IllegalArgumentException x) {
            System.out.println("open failed: " + x.getMessage());
            System.exit(1);
            return;
        }
        try (e) {
            System.out.println("tokens " + e.generate(GenerationRequest.of("Once").withMaxTokens(4)).tokens().length);
        }
    }

    /** The live threads of CPU engines' worker pools ({@code kindling-cpu-N}). */
    static java.util.Set<Thread> workerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith("kindling-cpu-"))
                .collect(java.util.stream.Collectors.toSet());
    }

    /**
     * An engine refused at open (a KV budget or step buffers the heap cannot hold) leaves no worker thread behind: its
     * pool's threads were started before the refusal and never stopped, so each refused open of an engine of N threads
     * (a Spark task that opens one again on every retry, a notebook trying budgets) kept N - 1 threads for the JVM's life.
     */
    @Test
    void anEngineRefusedAtOpenLeavesNoWorkerThreads() throws Exception {
        Path model = SharedData.require("llama2c/stories260K.gguf");
        java.util.Set<Thread> before = workerThreads();
        for (EngineOptions o : List.of(EngineOptions.defaults().withDevice("cpu").withThreads(3).withKvBudgetBytes(Long.MAX_VALUE / 4),
                EngineOptions.defaults().withDevice("cpu").withThreads(3).withMaxSequences(100_000_000).withMaxBatchTokens(100_000_000))) {
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> Engine.open(model, o).close());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        java.util.Set<Thread> left = workerThreads();
        while (!before.containsAll(left) && System.nanoTime() < deadline) {
            Thread.sleep(10); // a closed pool's workers leave as they wake
            left = workerThreads();
        }
        left.removeAll(before);
        assertEquals(java.util.Set.of(), left, "worker threads left by two refused opens of 3-thread engines");
    }

    /**
     * Step buffers the heap cannot hold are refused naming the setting: a batch of 100,000,000 tokens (--max-sequences
     * raises maxBatchTokens to itself) ran the JVM out of memory allocating them.
     */
    @Test
    void stepBuffersPastTheHeapAreRefusedNamingTheSetting() {
        Path model = SharedData.require("llama2c/stories260K.gguf");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Engine.open(model, EngineOptions.defaults().withThreads(1).withMaxSequences(100_000_000)
                        .withMaxBatchTokens(100_000_000)).close());
        assertTrue(e.getMessage().startsWith("a step of 100000000 tokens (maxBatchTokens; --max-sequences raises it to itself) "
                + "needs ") && e.getMessage().contains("MiB free: give fewer --max-sequences"), e.getMessage());
        try (Engine ok = Engine.open(model, EngineOptions.defaults().withThreads(1).withMaxSequences(4096).withMaxBatchTokens(4096))) {
            assertEquals(4, ok.generate(GenerationRequest.ofTokens(1).withMaxTokens(4).withIgnoreEos(true)).tokens().length);
        }
    }
}
