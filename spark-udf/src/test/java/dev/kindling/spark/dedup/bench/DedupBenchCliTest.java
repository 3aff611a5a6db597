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
}
