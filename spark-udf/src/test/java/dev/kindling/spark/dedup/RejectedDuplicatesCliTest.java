package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.cli.Cli;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --rejected} without {@code --keep-duplicates}: each rejected duplicate names the kept row it
 * duplicates ({@code duplicate_of}), and the kept output has the same columns as without {@code --rejected}.
 */
class RejectedDuplicatesCliTest {
    @TempDir static Path tmp;
    static Path input;

    /** a1 kept; a2 its exact copy, a3 its near copy; b1 kept, b2 its near copy; c1 alone. */
    @BeforeAll
    static void writeInput() throws Exception {
        String a = words(1);
        String b = words(2);
        Map<String, String> docs = new TreeMap<>(Map.of(
                "a1", a, "a2", a, "a3", a.replaceFirst(" \\S+$", " changed"),
                "b1", b, "b2", b.replaceFirst("^\\S+ ", "changed "), "c1", words(3)));
        input = tmp.resolve("in/docs.jsonl");
        Files.createDirectories(input.getParent());
        ObjectMapper json = new ObjectMapper();
        try (Writer w = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : docs.entrySet()) {
                w.write(json.writeValueAsString(Map.of("id", e.getKey(), "text", e.getValue())) + "\n");
            }
        }
    }

    /** 200 random words: texts of different seeds share no 5-gram. */
    private static String words(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> w = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            w.add("w" + Integer.toString(r.nextInt(1_000_000), 36));
        }
        return String.join(" ", w);
    }

    /** An output's rows, read without a Spark job. */
    private static List<JsonNode> read(Path p) {
        try {
            return Cli.outputRows(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The columns Spark would read from an output: every field of any of its rows. */
    private static TreeSet<String> columns(Path p) {
        TreeSet<String> columns = new TreeSet<>();
        read(p).forEach(r -> r.fieldNames().forEachRemaining(columns::add));
        return columns;
    }

    private static Cli.Result run(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--no-progress", "-i", input.toString()));
        Cli.Result r = Cli.run(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    /** id → "reason duplicate_of cluster_id" of the rejected rows. */
    private static Map<String, String> rejected(Path p) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode r : read(p)) {
            out.put(Cli.text(r, "id"), Cli.text(r, "reason") + " " + Cli.text(r, "duplicate_of") + " " + Cli.text(r, "cluster_id"));
        }
        return out;
    }

    private static final Map<String, String> EXPECTED = Map.of(
            "a2", "exact_dedup:duplicate a1 a1",
            "a3", "minhash_dedup:near_duplicate a1 a1",
            "b2", "minhash_dedup:near_duplicate b1 b1");

    @Test
    void dedupRejectedNamesTheKeptRow() {
        Path plain = tmp.resolve("dedup-plain");
        run("dedup", "-o", plain.toString());
        Path out = tmp.resolve("dedup-out");
        Path rej = tmp.resolve("dedup-rejected");
        run("dedup", "-o", out.toString(), "--rejected", rej.toString());
        assertEquals(EXPECTED, rejected(rej));
        assertEquals(new TreeSet<>(List.of("id", "text")), columns(out), "the kept output is as without --rejected");
        assertEquals(columns(plain), columns(out));
        assertEquals(new TreeSet<>(List.of("a1", "b1", "c1")), new TreeSet<>(read(out).stream().map(r -> Cli.text(r, "id")).toList()));
    }

    @Test
    void curateRejectedNamesTheKeptRowAndKeepRejectedOutputIsUnchanged() throws Exception {
        Path config = tmp.resolve("pipeline.yaml");
        Files.writeString(config, "stages:\n  - exact_dedup: {}\n  - minhash_dedup: {threshold: 0.8}\n");
        Path plain = tmp.resolve("curate-plain");
        run("curate", "--config", config.toString(), "--keep-rejected", "-o", plain.toString());
        Path out = tmp.resolve("curate-out");
        Path rej = tmp.resolve("curate-rejected");
        run("curate", "--config", config.toString(), "--keep-rejected", "-o", out.toString(), "--rejected", rej.toString());
        assertEquals(EXPECTED, rejected(rej));
        assertEquals(new TreeSet<>(List.of("id", "text", "reason")), columns(out), "the kept output is as without --rejected");
        assertEquals(columns(plain), columns(out));
    }
}
