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

    /**
     * On a terminal the JSON line is written with the progress line cleared, and the bar draws nothing until it is written:
     * cleared, then written, as two steps, a redraw between them (every 250 ms once no stage has run for a second) stood in
     * front of the JSON line. The line's writer here takes 1.6 s, as a terminal that is slow to take it.
     */
    @Test
    void theJsonLineIsWrittenWithTheProgressLineClearedOnATerminal() throws Exception {
        Path in = tmp.resolve("terminal.jsonl");
        Files.write(in, List.of("{\"id\":\"a\",\"text\":\"one two three four five six seven\"}",
                "{\"id\":\"b\",\"text\":\"one two three four five six eight\"}"), StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        StringBuilder out = new StringBuilder();
        StringBuilder drawnWhileWriting = new StringBuilder();
        java.io.Writer slowTerminal = new java.io.Writer() {
            @Override
            public void write(char[] c, int off, int len) {
                String text = new String(c, off, len);
                if (text.contains("\"bench\"")) {
                    int before = stderr.size();
                    try {
                        Thread.sleep(1600);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    byte[] now = stderr.toByteArray();
                    drawnWhileWriting.append(new String(now, before, now.length - before, StandardCharsets.UTF_8));
                }
                out.append(text);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        dev.kindling.spark.TestSpark.session();
        String terminalBefore = System.getProperty("kindling.stderr.terminal");
        java.io.PrintStream err = System.err;
        int code;
        try {
            System.setProperty("kindling.stderr.terminal", "true");
            System.setErr(new java.io.PrintStream(stderr, true, StandardCharsets.UTF_8));
            picocli.CommandLine cl = dev.kindling.spark.cli.KindlingCli.commandLine();
            cl.setOut(new java.io.PrintWriter(slowTerminal, true));
            cl.setErr(new java.io.PrintWriter(new java.io.StringWriter(), true));
            code = cl.execute("bench", "dedup", "--no-truth", "--seconds", "0.1", "--input", in.toString());
        } finally {
            System.setErr(err);
            if (terminalBefore == null) {
                System.clearProperty("kindling.stderr.terminal");
            } else {
                System.setProperty("kindling.stderr.terminal", terminalBefore);
            }
        }
        assertEquals(0, code, out + "\n" + stderr.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString().startsWith("{\"bench\":\"dedup\""), out.toString());
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("\rdedup ["), "the bar was drawn: " + stderr);
        assertTrue(!drawnWhileWriting.toString().contains("\rdedup ["), "drawn while the JSON line was written: " + drawnWhileWriting);
    }

    /** Rows with no cluster (the reader's rejected, empty texts among them) were counted as one cluster of false pairs. */
    @Test
    void rowsWithoutAClusterAreAloneInThePrecision() {
        java.util.Map<String, String> clusterOf = new java.util.HashMap<>();
        clusterOf.put("a", "a");
        clusterOf.put("b", "a");
        for (String empty : List.of("e1", "e2", "e3")) {
            clusterOf.put(empty, null);
        }
        java.util.Map<String, Object> q = DedupBenchCommand.quality(clusterOf, java.util.Set.of("a\tb"));
        assertEquals(1L, q.get("cluster_pairs"));
        assertEquals(1.0, q.get("precision"));
        assertEquals(1.0, q.get("recall"));
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
        // an existing file is not replaced in silence, a folder is no file, and too many bases name --bases
        Files.writeString(out, "the user's");
        Cli.Result exists = Cli.run("bench", "dedup", "--generate", out.toString(), "--corpus", corpus.toString());
        assertEquals(2, exists.code(), exists.toString());
        assertEquals("kindling: error: --generate " + out + " already exists; remove it or give another file", exists.err().strip());
        assertEquals("the user's", Files.readString(out));
        Cli.Result folder = Cli.run("bench", "dedup", "--generate", tmp.toString(), "--corpus", corpus.toString());
        assertEquals(2, folder.code(), folder.toString());
        assertTrue(folder.err().contains("is a directory"), folder.toString());
        Cli.Result many = Cli.run("bench", "dedup", "--generate", tmp.resolve("many.jsonl").toString(), "--corpus", corpus.toString(),
                "--bases", "100000");
        assertEquals(2, many.code(), many.toString());
        assertTrue(many.err().startsWith("kindling: error: --bases 100000: 100000 bases of 300 words need"), many.toString());
        Cli.Result inputFolder = Cli.run("bench", "dedup", "--input", tmp.toString());
        assertEquals(2, inputFolder.code(), inputFolder.toString());
        assertTrue(inputFolder.err().contains("is a directory; bench dedup reads one JSON Lines file"), inputFolder.toString());
    }

    /** Each option named with its value (--memory -5 printed "documents":-5, --bases 0 was "/ by zero"). */
    @Test
    void badValuesAreUsageErrorsNamingTheOption() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.write(in, List.of("{\"id\":\"a\",\"text\":\"one two three four five six\"}"), StandardCharsets.UTF_8);
        Path corpus = tmp.resolve("no-corpus");
        java.util.Map<List<String>, String> refused = new java.util.LinkedHashMap<>();
        refused.put(List.of("--memory", "-5"), "--memory must be >= 1, got -5");
        refused.put(List.of("--input", in.toString(), "--seconds", "0"), "--seconds must be a finite number above 0, got 0.0");
        refused.put(List.of("--input", in.toString(), "--threshold", "0"), "--threshold must be strictly between 0 and 1, got 0.0");
        refused.put(List.of("--generate", tmp.resolve("g.jsonl").toString(), "--corpus", tmp.toString(), "--bases", "0"),
                "--bases must be >= 1, got 0");
        refused.put(List.of("--generate", tmp.resolve("g.jsonl").toString(), "--corpus", tmp.toString(), "--pages", "-5"),
                "--pages must be >= 0, got -5");
        refused.put(List.of("--generate", tmp.resolve("g.jsonl").toString(), "--corpus", corpus.toString()),
                "--corpus " + corpus + " is not a directory");
        for (java.util.Map.Entry<List<String>, String> e : refused.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("bench", "dedup"));
            args.addAll(e.getKey());
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), e.getKey() + ": " + r);
            assertTrue(r.err().contains(e.getValue()), e.getKey() + ": " + r.err());
        }
    }

    /** The truth and the clusters pair documents by id: an id given twice gave MLlib precision 2.0, a self-pair "found". */
    @Test
    void idsGivenTwiceAndAnEmptyInputAreRefused() throws Exception {
        Path twice = tmp.resolve("twice.jsonl");
        Files.write(twice, List.of("{\"id\":\"d\",\"text\":\"a b c d e f\"}", "{\"id\":\"d\",\"text\":\"a b c d e g\"}"),
                StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("bench", "dedup", "--no-progress", "--master", "local[1]", "--input", twice.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("has the id 'd' more than once"), r.err());
        Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "");
        Cli.Result e = Cli.run("bench", "dedup", "--no-progress", "--master", "local[1]", "--input", empty.toString());
        assertEquals(2, e.code(), e.toString());
        assertTrue(e.err().contains("has no documents to measure"), e.err());
    }

    /**
     * A pair at exactly the threshold (40 of 50 shingles shared: Jaccard 0.8) is similar for the truth and Kindling; MLlib's
     * join keeps distances strictly below its threshold, and 1 - 0.8 is the pair's computed distance: the baseline missed
     * every such pair (recall 0).
     */
    @Test
    void mllibFindsAPairAtExactlyTheThreshold() throws Exception {
        List<String> lines = new java.util.ArrayList<>();
        for (int pair = 0; pair < 2; pair++) {
            List<String> words = new java.util.ArrayList<>();
            for (int w = 0; w < 49; w++) {
                words.add(word("p", pair, "w", w));
            }
            List<String> variant = new java.util.ArrayList<>(words.subList(0, 44));
            for (int w = 0; w < 5; w++) {
                variant.add(word("p", pair, "v", w)); // the last 5 shingles of 45 differ: 40 shared of a union of 50
            }
            lines.add("{\"id\":\"p" + pair + "a\",\"text\":\"" + String.join(" ", words) + "\"}");
            lines.add("{\"id\":\"p" + pair + "b\",\"text\":\"" + String.join(" ", variant) + "\"}");
        }
        for (int f = 0; f < 10; f++) {
            List<String> words = new java.util.ArrayList<>();
            for (int w = 0; w < 30; w++) {
                words.add(word("f", f, "w", w));
            }
            lines.add("{\"id\":\"f" + f + "\",\"text\":\"" + String.join(" ", words) + "\"}");
        }
        Path in = tmp.resolve("j08.jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("bench", "dedup", "--no-progress", "--master", "local[1]", "--input", in.toString(), "--compare-mllib",
                "--seconds", "0.1");
        assertEquals(0, r.code(), r.toString());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out().strip());
        assertEquals(2, j.get("truth").get("pairs").asInt(), r.out());
        assertEquals(1.0, j.get("kindling").get("recall").asDouble(), r.out());
        assertEquals(1.0, j.get("mllib").get("recall").asDouble(), r.out());
        assertEquals(0.2, j.get("mllib").get("distance_threshold").asDouble(), r.out());
    }

    /** A word of letters alone (the NEAR normalisation folds digits: "p0w1" and "p0w2" were one word). */
    private static String word(String kind, int group, String part, int index) {
        return kind + letters(group) + part + letters(index);
    }

    private static String letters(int n) {
        return n < 26 ? String.valueOf((char) ('a' + n)) : letters(n / 26 - 1) + (char) ('a' + n % 26);
    }
}
