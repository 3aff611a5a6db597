package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a user sees on stderr from the commands that run the engine without Spark ({@code generate --prompt},
 * {@code logits}, {@code bench generate}): the CLI in a JVM of its own, so that its console configuration
 * ({@code KindlingCli.main}) is the one that decides, not the tests'.
 */
class EngineCommandLogsTest {
    record Run(int code, String out, String err) {}

    static Run kindling(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (InputStream flags = EngineCommandLogsTest.class.getResourceAsStream("/kindling-jvm-flags.txt")) {
            cmd.addAll(Arrays.asList(new String(flags.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")));
        }
        // a few seconds of work per JVM: C2's compiles cost more than they save there (stderr, the subject, is the same)
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.kindling.spark.cli.KindlingCli"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CLI finished");
        // the JVM's own notice for --add-modules jdk.incubator.vector: printed before any Kindling code runs
        String stderr = new String(err.get(), StandardCharsets.UTF_8).replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), stderr);
    }

    @Test
    void generateWithAPromptPrintsLogsOnlyWithVerbose() throws Exception {
        String model = Stories.model().toString();
        // the model's loading, the engine and the device chosen (no GPU here: a WARN from Devices) were on stderr
        // before the completion, while README promises logs with --verbose only
        Run quiet = kindling("generate", "-m", model, "--prompt", "Once upon a time", "--max-tokens", "8", "--threads", "2");
        assertEquals(0, quiet.code(), quiet.toString());
        assertFalse(quiet.out().isBlank(), quiet.toString());
        assertEquals("", quiet.err(), "stderr without --verbose");
        Run verbose = kindling("generate", "-m", model, "--prompt", "Once upon a time", "--max-tokens", "8", "--threads", "2",
                "--verbose");
        assertEquals(0, verbose.code(), verbose.toString());
        assertEquals(quiet.out(), verbose.out());
        assertTrue(verbose.err().contains("GgufModelLoader: loaded") && verbose.err().contains("Engine: engine:")
                && verbose.err().contains("CUDA"), "the logs with --verbose: " + verbose.err());
    }

    @Test
    void logitsAndTheGenerateBenchPrintOnlyTheirResult() throws Exception {
        String model = Stories.model().toString();
        Run logits = kindling("logits", "-m", model, "--prompt", "Once upon a time", "--top", "3", "--threads", "2");
        assertEquals(0, logits.code(), logits.toString());
        assertTrue(logits.out().startsWith("{\"tokens\""), logits.toString());
        assertEquals("", logits.err(), "logits' stderr");
        Run bench = kindling("bench", "generate", "-m", model, "--prompt-tokens", "8", "--gen", "4", "--reps", "1",
                "--warmup", "0", "--threads", "2");
        assertEquals(0, bench.code(), bench.toString());
        assertTrue(bench.out().startsWith("{"), bench.toString());
        assertEquals("", bench.err(), "bench generate's stderr");
    }

    @Test
    void logitsAndTheGenerateBenchShowTheLogsWithVerbose() throws Exception {
        // they had no --verbose: their logs could be seen only by passing a log4j2 configuration to the JVM
        String model = Stories.model().toString();
        Run logits = kindling("logits", "-m", model, "--prompt", "Once upon a time", "--top", "3", "--threads", "2", "--verbose");
        assertEquals(0, logits.code(), logits.toString());
        assertTrue(logits.out().startsWith("{\"tokens\""), logits.toString());
        assertTrue(logits.err().contains("GgufModelLoader: loaded") && logits.err().contains("Engine: engine:")
                && logits.err().contains("CUDA"), "logits' logs with --verbose: " + logits.err());
        Run bench = kindling("bench", "generate", "-m", model, "--prompt-tokens", "8", "--gen", "4", "--reps", "1",
                "--warmup", "0", "--threads", "2", "-v");
        assertEquals(0, bench.code(), bench.toString());
        assertTrue(bench.out().startsWith("{"), bench.toString());
        assertTrue(bench.err().contains("GgufModelLoader: loaded") && bench.err().contains("Engine: engine:"),
                "bench generate's logs with --verbose: " + bench.err());
    }
}
