package dev.kindling.spark.dedup.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindling bench dedup}'s errors read as the other commands' do. */
class DedupBenchCliTest {
    @TempDir Path tmp;

    @Test
    void aBadRowIsADataErrorNamingFileAndLine() throws Exception {
        Path in = tmp.resolve("bad.jsonl");
        Files.write(in, List.of("{\"id\":\"a\",\"text\":\"fine\"}", "{\"id\":\"b\",\"text\":5}"), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("bench", "dedup", "--no-progress", "--no-truth", "--input", in.toString());
        assertEquals(1, r.code(), r.toString());
        assertEquals("kindling: error: " + in + ": line 2: field 'text' is missing or not a string", r.err().strip(), r.toString());
    }

    @Test
    void aMissingInputIsAUsageError() {
        Path in = tmp.resolve("nope.jsonl");
        Cli.Result r = Cli.run("bench", "dedup", "--no-progress", "--input", in.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("kindling: error: input " + in + " does not exist", r.err().strip(), r.toString());
    }

    /**
     * --generate writes the benchmark input on this machine and starts no Spark session (it started one it never used):
     * the Spark options, read by nothing there, are refused as --generate's other unread options are.
     */
    @Test
    void generateStartsNoSparkAndRefusesSparkOptions() throws Exception {
        Path corpus = dev.kindling.testing.SharedData.require("corpus");
        Path out = tmp.resolve("bench.jsonl");
        Cli.Result r = Cli.run("bench", "dedup", "--generate", out.toString(), "--corpus", corpus.toString(), "--bases", "20",
                "--pages", "10");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("\"bench\":\"dedup-generate\"") && r.out().contains("\"documents\":70"), r.toString());
        assertEquals(70, Files.readAllLines(out, StandardCharsets.UTF_8).size());
        for (String[] spark : List.of(new String[] {"--master", "local[1]"}, new String[] {"--conf", "spark.ui.enabled=false"},
                new String[] {"--no-progress"})) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "dedup", "--generate", out.toString(), "--corpus",
                    corpus.toString()));
            args.addAll(List.of(spark));
            Cli.Result refused = Cli.run(args.toArray(new String[0]));
            assertEquals(2, refused.code(), refused.toString());
            assertTrue(refused.err().contains("--generate does not take " + spark[0]), refused.toString());
        }
    }
}
