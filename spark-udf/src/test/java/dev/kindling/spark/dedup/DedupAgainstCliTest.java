package dev.kindling.spark.dedup;

import static dev.kindling.spark.dedup.AgainstEarlierCorpusTest.changed;
import static dev.kindling.spark.dedup.AgainstEarlierCorpusTest.words;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.cli.Cli;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindling dedup --against}: the earlier corpus from files, its reasons in the table and --stats, its errors. */
class DedupAgainstCliTest {
    @TempDir static Path tmp;
    static Path earlier;
    static Path input;

    @BeforeAll
    static void writeCorpora() throws Exception {
        earlier = write("earlier/part-0.jsonl", AgainstEarlierCorpusTest.earlierDocs());
        input = write("new/docs.jsonl", AgainstEarlierCorpusTest.newDocs());
    }

    static Path write(String name, Map<String, String> docs) throws Exception {
        Path p = tmp.resolve(name);
        Files.createDirectories(p.getParent());
        ObjectMapper json = new ObjectMapper();
        try (Writer w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : docs.entrySet()) {
                w.write(json.writeValueAsString(Map.of("id", e.getKey(), "text", e.getValue())) + "\n");
            }
        }
        return p;
    }

    static Cli.Result run(String... args) {
        List<String> a = new ArrayList<>(List.of("dedup", "--no-progress"));
        a.addAll(List.of(args));
        return Cli.run(a.toArray(new String[0]));
    }

    /** id → "reason | duplicate_of" of an output (read without a Spark job; a field a row leaves out is null). */
    static Map<String, String> rows(Path out) throws java.io.IOException {
        Map<String, String> m = new TreeMap<>();
        for (JsonNode r : Cli.outputRows(out)) {
            m.put(Cli.text(r, "id"), Cli.text(r, "reason") + " | " + Cli.text(r, "duplicate_of"));
        }
        return m;
    }

    @Test
    void dropsDuplicatesOfTheEarlierCorpusWithTheirReasons() throws Exception {
        Path out = tmp.resolve("out-keep");
        Path stats = tmp.resolve("stats.json");
        Cli.Result r = run("-i", input.toString(), "-o", out.toString(), "--against", earlier.getParent().toString(),
                "--keep-duplicates", "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, String> got = rows(out);
        // every new row, no earlier one
        assertEquals(AgainstEarlierCorpusTest.newDocs().keySet(), got.keySet());
        assertEquals("exact_dedup:duplicate_of_earlier | e4", got.get("n01"));
        assertEquals("exact_dedup:duplicate_of_earlier | e1", got.get("n02"));
        assertEquals("exact_dedup:duplicate_of_earlier | e1", got.get("n03"));
        assertEquals("minhash_dedup:near_duplicate_of_earlier | e1", got.get("n04"));
        assertEquals("minhash_dedup:near_duplicate_of_earlier | e2", got.get("n05"));
        assertEquals("minhash_dedup:near_duplicate_of_earlier | e2", got.get("n06"));
        assertEquals("null | null", got.get("n07"));
        assertEquals("minhash_dedup:near_duplicate | n07", got.get("n08"));
        assertEquals("exact_dedup:duplicate | n07", got.get("n09"));
        assertEquals("null | null", got.get("n10"));
        assertEquals("exact_dedup:duplicate | e6", got.get("n13"));
        // the table and --stats count the new reasons
        assertTrue(r.out().matches("(?s).*exact_dedup +13 +8 +5 +duplicate 2, duplicate_of_earlier 3\n.*")
                && r.out().matches("(?s).*minhash_dedup +8 +3 +5 +near_duplicate 1, near_duplicate_of_earlier 4\n.*"),
                r.out());
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        Map<String, Long> reasons = new TreeMap<>();
        for (JsonNode stage : s.get("stages")) {
            stage.get("reasons").fields().forEachRemaining(e -> reasons.put(stage.get("stage").asText() + ":" + e.getKey(), e.getValue().asLong()));
        }
        assertEquals(Map.of("exact_dedup:duplicate_of_earlier", 3L, "exact_dedup:duplicate", 2L,
                "minhash_dedup:near_duplicate_of_earlier", 4L, "minhash_dedup:near_duplicate", 1L), reasons);
        assertEquals(3, s.get("documents_kept").asLong());
        assertEquals(4, s.get("metrics").get("minhash_dedup_earlier_documents_compared").asLong());   // e4 is too short

        // without --keep-duplicates: the kept rows alone
        Path kept = tmp.resolve("out-kept");
        Cli.Result[] withoutKeep = new Cli.Result[1];
        List<String> jobs = dev.kindling.spark.TestSpark.jobsByCaller(() -> withoutKeep[0] = run("-i", input.toString(), "-o",
                kept.toString(), "--against", earlier.toString()));
        assertEquals(0, withoutKeep[0].code(), withoutKeep[0].toString());
        assertEquals(List.of("n07", "n10", "n11"), new ArrayList<>(rows(kept).keySet()));
        // the few earlier documents in a shared bucket are broadcast to their joins without being counted first: they are
        // at most the earlier documents signed, which the job that found them counted (a count was two jobs)
        assertEquals(List.of(), jobs.stream().filter(j -> j.startsWith("Dataset.count")).toList(), String.join("\n", jobs));

        // next month: this run's --keep-duplicates output as the earlier corpus. Its rejected rows were not published and
        // take no part: a copy of n03 (dropped there) is a copy of e1's group, which is not in that output, so it is kept,
        // and a copy of n08 (dropped as n07's near copy) is n07's near duplicate
        Map<String, String> month3 = new LinkedHashMap<>();
        month3.put("m1", AgainstEarlierCorpusTest.newDocs().get("n03"));
        month3.put("m2", AgainstEarlierCorpusTest.newDocs().get("n08"));
        month3.put("m3", changed(words(5), 20, "x"));
        month3.put("m4", words(77));
        Path third = write("month3/docs.jsonl", month3);
        Path out3 = tmp.resolve("out3");
        Cli.Result r3 = run("-i", third.toString(), "-o", out3.toString(), "--against", out.toString(), "--keep-duplicates");
        assertEquals(0, r3.code(), r3.toString());
        assertEquals(Map.of("m1", "null | null", "m2", "minhash_dedup:near_duplicate_of_earlier | n07",
                "m3", "minhash_dedup:near_duplicate_of_earlier | n10", "m4", "null | null"), rows(out3));
    }

    /**
     * kindling curate: a config's exact_dedup and minhash_dedup take 'against' too, read from the config's folder, every
     * row's reason, duplicate_of and cluster_id the Java API's (AgainstIndexTest.curateConfigsTakeAgainstIndex holds a
     * config's against_index to the same).
     */
    @Test
    void curateConfigsTakeAgainst() throws Exception {
        Path config = Files.writeString(tmp.resolve("curate.yaml"), "stages:\n  - exact_dedup: {against: [earlier]}\n"
                + "  - minhash_dedup: {against: [earlier]}\n");
        Path out = tmp.resolve("out-curate");
        Cli.Result r = Cli.run("curate", "--no-progress", "-i", input.toString(), "-o", out.toString(), "--config", config.toString(),
                "--keep-duplicates");
        assertEquals(0, r.code(), r.toString());
        assertEquals(AgainstEarlierCorpusTest.verdictsAgainstEarlierDocs(), AgainstIndexTest.verdicts(out));
    }

    /**
     * An unreadable row of the earlier corpus fails the run, whatever --on-error says: the new documents it duplicates
     * would be kept, and nothing would say so. The stages' filters (text not null, no reason) went below the reader's
     * check, and the malformed line was dropped unseen: the run ended with exit 0.
     */
    @Test
    void anUnreadableEarlierRowFailsTheRun() throws Exception {
        Path bad = tmp.resolve("bad-earlier/part-0.jsonl");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "{\"id\":\"e1\",\"text\":\"" + words(1) + "\"}\n{\"id\":\"e2\",\"text\": broken}\n");
        for (String stage : List.of("--exact", "--minhash")) {
            Path out = tmp.resolve("bad-out" + stage);
            Cli.Result r = run("-i", input.toString(), "-o", out.toString(), stage, "--against", bad.toString(), "--on-error", "quarantine");
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains(bad + ": line 2: malformed JSON"), r.err());
            assertTrue(!Files.exists(out.resolve("_SUCCESS")), "no output is published");
        }
    }

    /**
     * A curate config's 'against' that overlaps --input is refused, as dedup --against refuses it: the run dropped every
     * document as a duplicate of itself.
     */
    @Test
    void curateRefusesAgainstOverlappingTheInput() throws Exception {
        Path config = Files.writeString(tmp.resolve("curate-self.yaml"), "stages:\n  - exact_dedup: {against: [new]}\n");
        Path out = tmp.resolve("out-curate-self");
        Cli.Result r = Cli.run("curate", "--no-progress", "-i", input.toString(), "-o", out.toString(), "--config", config.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("exact_dedup against " + input.getParent() + " overlaps --input " + input), r.err());
        assertTrue(!Files.exists(out), "no output is written");
    }

    /**
     * An earlier corpus whose file names mix formats, or tell none, is refused naming --against and its path, saying that
     * its format comes from its file names: the message sent the user to --input-format, which applies to --input only.
     * Checked before Spark starts (the bogus master is never reached).
     */
    @Test
    void anEarlierCorpusOfMixedFormatsIsNamedWithoutSendingTheUserToInputFormat() throws Exception {
        Path mixed = tmp.resolve("mixed-earlier");
        Files.createDirectories(mixed);
        Files.copy(earlier, mixed.resolve("a.jsonl"));
        Files.writeString(mixed.resolve("b.txt"), words(1) + "\n");
        Cli.Result folder = run("--master", "bogus://x", "-i", input.toString(), "-o", tmp.resolve("m1").toString(),
                "--against", mixed.toString());
        assertEquals(2, folder.code(), folder.toString());
        assertTrue(folder.err().contains("--against " + mixed + " mixes formats: "), folder.err());
        assertTrue(folder.err().contains("the earlier corpus is read in the one format its file names tell (--input-format applies "
                + "to --input only): give it files of one format"), folder.err());

        Cli.Result two = run("--master", "bogus://x", "-i", input.toString(), "-o", tmp.resolve("m2").toString(),
                "--against", earlier.toString(), "--against", mixed.resolve("b.txt").toString());
        assertEquals(2, two.code(), two.toString());
        assertTrue(two.err().contains("--against " + earlier + "," + mixed.resolve("b.txt") + " mixes formats: " + earlier
                + " (jsonl), " + mixed.resolve("b.txt") + " (text-lines); the earlier corpus is read in the one format"), two.err());

        Path unnamed = Files.writeString(tmp.resolve("earlier.data"), "{\"id\":\"e1\",\"text\":\"a\"}\n");
        Cli.Result unknown = run("--master", "bogus://x", "-i", input.toString(), "-o", tmp.resolve("m3").toString(),
                "--against", unnamed.toString());
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("--against " + unnamed + ": cannot tell the format of " + unnamed + " from its file "
                + "names; the earlier corpus's format is told by its file names (--input-format applies to --input only): name "
                + "them .jsonl, .parquet or .txt"), unknown.err());
        for (Cli.Result r : List.of(folder, two, unknown)) {
            assertTrue(!r.err().contains("pass --input-format"), r.err());
        }
    }

    /**
     * An empty JSON Lines earlier corpus is no earlier documents, with --exact-column too: an empty file has no schema,
     * and the run failed saying it "has no column 'url'", where without --exact-column it compared with nothing. Every new
     * document is kept but for its own duplicates. One with objects that lack the column is still refused.
     */
    @Test
    void anEmptyJsonLinesEarlierCorpusIsNoEarlierDocumentsWithExactColumnToo() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-earlier")).resolve("part-0.jsonl");
        Files.writeString(empty, "\n");
        Path withUrl = tmp.resolve("url-new/docs.jsonl");
        Files.createDirectories(withUrl.getParent());
        Files.writeString(withUrl, "{\"id\":\"u1\",\"text\":\"a\",\"url\":\"http://x\"}\n"
                + "{\"id\":\"u2\",\"text\":\"b\",\"url\":\"http://x\"}\n{\"id\":\"u3\",\"text\":\"c\",\"url\":\"http://y\"}\n");
        Path out = tmp.resolve("empty-out");
        Cli.Result r = run("-i", withUrl.toString(), "-o", out.toString(), "--exact", "--exact-column", "url", "--against",
                empty.toString(), "--keep-duplicates");
        assertEquals(0, r.code(), r.toString());
        assertEquals(Map.of("u1", "null | null", "u2", "exact_dedup_url:duplicate | u1", "u3", "null | null"), rows(out));

        Path noUrl = tmp.resolve("no-url-out");
        Cli.Result refused = run("-i", withUrl.toString(), "-o", noUrl.toString(), "--exact-column", "url", "--against",
                earlier.toString());
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("--against " + earlier + " (--exact-column) has no column 'url'"), refused.err());
    }

    @Test
    void errorsNameTheOptionThePathAndTheColumn() throws Exception {
        String missing = tmp.resolve("no-such-corpus").toString();
        Cli.Result r = run("--master", "bogus://x", "-i", input.toString(), "-o", tmp.resolve("e1").toString(), "--against", missing);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--against " + missing + " does not exist"), r.err());

        Cli.Result sentences = run("--master", "bogus://x", "-i", input.toString(), "-o", tmp.resolve("e2").toString(),
                "--sentences", "--against", earlier.toString());
        assertEquals(2, sentences.code(), sentences.toString());
        assertTrue(sentences.err().contains("--sentences does not compare with an earlier corpus"), sentences.err());

        Cli.Result self = run("-i", input.toString(), "-o", tmp.resolve("e3").toString(), "--against", input.toString());
        assertEquals(2, self.code(), self.toString());
        assertTrue(self.err().contains("is also --input"), self.err());

        // an earlier corpus without the text column: named with the column and the path
        Path body = tmp.resolve("body/docs.jsonl");
        Files.createDirectories(body.getParent());
        Files.writeString(body, "{\"id\":\"b1\",\"body\":\"" + words(1) + "\"}\n");
        Cli.Result noText = run("-i", body.toString(), "-o", tmp.resolve("e4").toString(), "--text-column", "body",
                "--against", earlier.toString());
        assertEquals(2, noText.code(), noText.toString());
        assertTrue(noText.err().contains("--against " + earlier + " has no column 'body'"), noText.err());
        assertTrue(!Files.exists(tmp.resolve("e4")), "no output is left");

        // --exact-column: the earlier corpus must have that column too
        Path withUrl = tmp.resolve("url/docs.jsonl");
        Files.createDirectories(withUrl.getParent());
        Files.writeString(withUrl, "{\"id\":\"u1\",\"text\":\"a\",\"url\":\"http://x\"}\n");
        Cli.Result noUrl = run("-i", withUrl.toString(), "-o", tmp.resolve("e5").toString(), "--exact-column", "url",
                "--against", earlier.toString());
        assertEquals(2, noUrl.code(), noUrl.toString());
        assertTrue(noUrl.err().contains("--against " + earlier + " (--exact-column) has no column 'url'"), noUrl.err());
        Path earlierUrls = tmp.resolve("earlier-urls/docs.jsonl");
        Files.createDirectories(earlierUrls.getParent());
        Files.writeString(earlierUrls, "{\"id\":\"v1\",\"text\":\"b\",\"url\":\"http://x\"}\n");
        Cli.Result byUrl = run("-i", withUrl.toString(), "-o", tmp.resolve("e6").toString(), "--exact-column", "url",
                "--against", earlierUrls.toString());
        assertEquals(0, byUrl.code(), byUrl.toString());
        assertTrue(byUrl.out().matches("(?s).*exact_dedup_url +1 +0 +1 +duplicate_of_earlier 1\n.*"), byUrl.out());

        Cli.Result help = run("--help");
        assertTrue(help.out().contains("--against") && help.out().replaceAll("\\s+", " ").contains("exact_dedup:duplicate_of_earlier"),
                help.out());
    }
}
