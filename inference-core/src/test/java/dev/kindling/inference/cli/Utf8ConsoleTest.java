package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The engine's commands speak UTF-8 whatever the locale: under {@code LC_ALL=C} their stdout turned every non-ASCII
 * character into {@code ?} (logits' JSON included) and a {@code --prompt} reached the model with U+FFFD for each
 * non-ASCII byte; and a run whose output could not be written exited 0.
 */
class Utf8ConsoleTest {
    private static byte[] cmdline(String... entries) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String e : entries) {
            b.writeBytes(e.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
    }

    @Test
    void argumentsDecodedInAnAsciiLocaleAreReadAgainFromTheirBytes() {
        // what the JVM gives main under LC_ALL=C: one U+FFFD per non-ASCII byte
        String[] decoded = {"--prompt", "Caf\uFFFD\uFFFD \uFFFD\uFFFD\uFFFD", "--top", "3"};
        byte[] raw = cmdline("/usr/bin/java", "-cp", "x.jar", "Main", "--prompt", "Café 日", "--top", "3");
        assertArrayEquals(new String[] {"--prompt", "Café 日", "--top", "3"}, Utf8Console.fromCmdline(decoded, raw));
        // entries that do not line up with the arguments: every argument as decoded
        byte[] other = cmdline("java", "Main", "--prompt", "Café 日", "--top", "30");
        assertArrayEquals(decoded, Utf8Console.fromCmdline(decoded, other));
        // bytes that are not UTF-8 keep the JVM's U+FFFD (for the warnings that name it)
        byte[] latin1 = {'-', '-', 'p', 0, 'C', 'a', 'f', (byte) 0xE9, 0};
        String[] notUtf8 = {"--p", "Caf\uFFFD"};
        assertArrayEquals(notUtf8, Utf8Console.fromCmdline(notUtf8, latin1));
    }

    private record Run(int code, byte[] out, String err) {}

    private static Run run(Map<String, String> env, ProcessBuilder.Redirect stdout, List<String> cmd, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.equals("LANGUAGE"));
        pb.environment().putAll(env);
        Path out = dir.resolve("out" + System.nanoTime());
        Path err = dir.resolve("err" + System.nanoTime());
        pb.redirectOutput(stdout != null ? stdout : ProcessBuilder.Redirect.to(out.toFile())).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command ended");
        return new Run(p.exitValue(), Files.exists(out) ? Files.readAllBytes(out) : new byte[0], Files.readString(err));
    }

    @Test
    void underTheCLocaleOutputAndArgumentsAreUtf8(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/cmdline")), "Linux: arguments are read again from /proc");
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Map<String, String> c = Map.of("LC_ALL", "C");
        // token 286 is "▁a": its piece's first character is U+2581
        Run logits = run(c, null, GenerateStreamingTest.childJvm("-Xmx256m", LogitsCommand.class, "--model", model, "--tokens", "1,286", "--top", "3"), dir);
        assertEquals(0, logits.code(), logits.err());
        String json = new String(logits.out(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"▁a\""), json.length() > 300 ? json.substring(0, 300) : json);
        // the same prompt, under C and under C.UTF-8, gives the same completion, without a warning
        String[] args = {"--model", model, "--prompt", "Café was happy", "--max-tokens", "12", "--threads", "1"};
        Run ascii = run(c, null, GenerateStreamingTest.childJvm("-Xmx256m", GenerateCommand.class, args), dir);
        Run utf8 = run(Map.of("LC_ALL", "C.UTF-8"), null, GenerateStreamingTest.childJvm("-Xmx256m", GenerateCommand.class, args), dir);
        assertEquals(0, ascii.code(), ascii.err());
        assertEquals(new String(utf8.out(), StandardCharsets.UTF_8), new String(ascii.out(), StandardCharsets.UTF_8));
        assertFalse(ascii.err().contains("warning"), ascii.err()); // no "--prompt holds U+FFFD"
        assertTrue(new String(ascii.out(), StandardCharsets.UTF_8).length() > 10, "a completion");
    }

    @Test
    void anOutputThatCannotBeWrittenIsAFailure(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.exists(full), "a /dev/full");
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Run r = run(Map.of(), ProcessBuilder.Redirect.to(full.toFile()),
                GenerateStreamingTest.childJvm("-Xmx256m", GenerateCommand.class, "--model", model, "--prompt", "Once", "--max-tokens", "20", "--threads", "1"), dir);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("generate: cannot write the output to stdout: No space left on device"), r.err());
    }
}
