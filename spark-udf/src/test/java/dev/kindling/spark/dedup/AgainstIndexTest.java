package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.io.Columns;
import dev.kindling.testing.SharedData;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved dedup index ({@code --save-index}, {@code --index-only}) used in place of the earlier texts ({@code
 * --against-index}, {@code setAgainstIndexPaths}): the same verdicts as {@code --against} with the corpus it was made
 * from, on real text; and its refusals (other parameters, a missing or damaged index, a folder already there).
 */
class AgainstIndexTest {
    @TempDir Path tmp;

    static void write(Path p, Map<String, String> docs) throws Exception {
        Files.createDirectories(p.getParent());
        ObjectMapper json = new ObjectMapper();
        try (Writer w = Files.newBufferedWriter(p, StandardCharsets.UTF_8)) {
            for (Map.Entry<String, String> e : docs.entrySet()) {
                w.write(json.writeValueAsString(Map.of("id", e.getKey(), "text", e.getValue())) + "\n");
            }
        }
    }

    static Cli.Result dedup(String... args) {
        List<String> a = new ArrayList<>(List.of("dedup", "--no-progress"));
        a.addAll(List.of(args));
        return Cli.run(a.toArray(new String[0]));
    }

    /** id → "reason | duplicate_of | cluster_id" of an output written with --keep-duplicates (read without a Spark job). */
    static Map<String, String> verdicts(Path out) throws java.io.IOException {
        Map<String, String> m = new TreeMap<>();
        for (JsonNode r : Cli.outputRows(out)) {
            m.put(Cli.text(r, "id"), Cli.text(r, Columns.REASON) + " | " + Cli.text(r, Columns.DUPLICATE_OF) + " | "
                    + Cli.text(r, Columns.CLUSTER_ID));
        }
        return m;
    }

    /**
     * Moby-Dick's chapters (real prose) and the corpus near-duplicate benchmark, split at random into an earlier month
     * and a new one; the new one also gets copies of earlier chapters, some exact (other case and spacing), some with a
     * word changed in every 100.
     */
    static Map<String, Map<String, String>> months() throws Exception {
        Map<String, String> earlier = new LinkedHashMap<>();
        Map<String, String> news = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        List<String> chapters = new ArrayList<>();
        for (String line : Files.readAllLines(SharedData.require("corpus/moby-dick.jsonl"))) {
            JsonNode n = json.readTree(line);
            chapters.add(n.get("text").asText());
        }
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < chapters.size(); i++) {
            String text = chapters.get(i);
            if (i % 2 == 0) {
                earlier.put(String.format("a-moby%03d", i), text);
                if (i % 6 == 0) {
                    news.put(String.format("n-moby%03d-copy", i), "  " + text.toUpperCase(java.util.Locale.ROOT) + "\n");
                } else if (i % 6 == 2) {
                    String[] w = text.split(" ");
                    for (int j = 0; j < w.length; j += 100) {
                        w[j] = "changed";
                    }
                    news.put(String.format("n-moby%03d-near", i), String.join(" ", w));
                }
            } else {
                news.put(String.format("n-moby%03d", i), text);
            }
        }
        for (dev.kindling.dedup.Document d : DedupTestData.benchmark(80, 120, 9)) {
            boolean isEarlier = r.nextBoolean();
            (isEarlier ? earlier : news).put((isEarlier ? "a-" : "n-") + d.id(), d.text());
        }
        return Map.of("earlier", earlier, "new", news);
    }

    /**
     * The same kept rows, reasons, duplicate_of and cluster_id as --against with the corpus the index was made from:
     * the index a run saved of its output (--save-index), and the one made of that output afterwards (--index-only).
     */
    @Test
    void sameVerdictsAsAgainstTheCorpusItWasMadeFrom() throws Exception {
        Map<String, Map<String, String>> m = months();
        Path earlierRaw = tmp.resolve("raw/2026-11.jsonl");
        Path news = tmp.resolve("new/2026-12.jsonl");
        write(earlierRaw, m.get("earlier"));
        write(news, m.get("new"));

        // last month, deduplicated and published with its index
        Path published = tmp.resolve("corpus-2026-11");
        Path saved = tmp.resolve("index-2026-11");
        Cli.Result[] saving = new Cli.Result[1];
        List<String> jobs = TestSpark.jobsByCaller(() -> saving[0] = dedup("-i", earlierRaw.toString(), "-o", published.toString(),
                "--keep-duplicates", "--save-index", saved.toString()));
        Cli.Result made = saving[0];
        assertEquals(0, made.code(), made.toString());
        // each part is read back (to count what was written) with the schema it was written with: inferring it read the
        // part's footers in a job of its own, one a part
        assertEquals(List.of(), jobs.stream().filter(j -> j.startsWith("parquet at ")).toList(), String.join("\n", jobs));
        assertTrue(made.out().matches("(?s).*index: " + saved + " \\(exact_dedup \\d+ documents, minhash_dedup \\d+ documents\\).*"), made.out());
        JsonNode manifest = new ObjectMapper().readTree(saved.resolve("manifest.json").toFile());
        assertEquals(5, manifest.at("/stages/minhash_dedup/ngram").asInt());
        assertEquals(14, manifest.at("/stages/minhash_dedup/bands").asInt());
        assertEquals("string", manifest.get("id_type").asText());
        // the published corpus's exact keys are unique (exact dedup ran on it): a run takes them as they are
        assertTrue(manifest.at("/stages/exact_dedup/unique_keys").asBoolean(false), manifest.toString());
        // smaller than the corpus it stands for (version 1 held each document's shingle set, 8 bytes a shingle: 50 MB for
        // 35 MB of corpus text, and here 1.5 times the corpus)
        long indexBytes = bytes(saved);
        long corpusBytes = bytes(published);
        assertTrue(indexBytes < corpusBytes, "index " + indexBytes + " bytes, corpus " + corpusBytes);

        Path byTexts = tmp.resolve("out-against");
        Cli.Result against = dedup("-i", news.toString(), "-o", byTexts.toString(), "--against", published.toString(), "--keep-duplicates");
        assertEquals(0, against.code(), against.toString());
        Map<String, String> want = verdicts(byTexts);
        assertTrue(want.values().stream().filter(v -> v.startsWith("exact_dedup:duplicate_of_earlier")).count() >= 10, want.toString());
        assertTrue(want.values().stream().filter(v -> v.startsWith("minhash_dedup:near_duplicate_of_earlier")).count() >= 20, want.toString());
        assertTrue(want.containsKey("n-moby000-copy") && want.get("n-moby000-copy").startsWith("exact_dedup:duplicate_of_earlier | a-moby000"),
                want.get("n-moby000-copy"));
        assertTrue(want.get("n-moby002-near").startsWith("minhash_dedup:near_duplicate_of_earlier | a-moby002"), want.get("n-moby002-near"));

        Path byIndex = tmp.resolve("out-index");
        Cli.Result indexed = dedup("-i", news.toString(), "-o", byIndex.toString(), "--against-index", saved.toString(), "--keep-duplicates");
        assertEquals(0, indexed.code(), indexed.toString());
        assertEquals(want, verdicts(byIndex));
        // the same table and counts (minhash_dedup_earlier_documents_compared too), but for the times and the output
        assertEquals(against.out().replaceAll("\\(\\d+\\.\\d s\\)", "").replaceAll("(?m)^output.*$", ""),
                indexed.out().replaceAll("\\(\\d+\\.\\d s\\)", "").replaceAll("(?m)^output.*$", ""), "the same table");

        // an index made afterwards of the published corpus, as --against reads it
        Path bootstrapped = tmp.resolve("index-bootstrapped");
        Cli.Result boot = dedup("-i", published.toString(), "--save-index", bootstrapped.toString(), "--index-only");
        assertEquals(0, boot.code(), boot.toString());
        // holding what the saved one holds, it gives the verdicts above (compared as rows: a fifth dedup run cost CI time)
        for (String stage : List.of("exact_dedup", "minhash_dedup")) {
            assertEquals(indexRows(saved.resolve(stage)), indexRows(bootstrapped.resolve(stage)), stage);
        }
    }

    /**
     * An index saved under a name holding glob characters ({@code index[1]}) counts its own parts: each part was read back
     * as a glob, so beside {@code index1}, another index, the manifest gave that index's document counts (and alone, the
     * run failed: the glob matched nothing).
     */
    @Test
    void anIndexWhoseNameIsAGlobCountsItsOwnParts() throws Exception {
        Path one = tmp.resolve("one.jsonl");
        write(one, Map.of("a", "the only document of the other index"));
        Path two = tmp.resolve("two.jsonl");
        write(two, Map.of("a", "the first of two documents", "b", "the second of two documents"));
        Cli.Result other = dedup("--exact", "-i", one.toString(), "--save-index", tmp.resolve("index1").toString(), "--index-only");
        assertEquals(0, other.code(), other.toString());
        Path named = tmp.resolve("index[1]");
        Cli.Result r = dedup("--exact", "-i", two.toString(), "--save-index", named.toString(), "--index-only");
        assertEquals(0, r.code(), r.toString());
        JsonNode manifest = new ObjectMapper().readTree(named.resolve("manifest.json").toFile());
        assertEquals(2, manifest.at("/stages/exact_dedup/documents").asLong(), manifest.toString());
    }

    /**
     * Through the Java API, an index and an earlier corpus of texts together: the same as both corpora read as texts (the
     * earlier documents of both ordered as one).
     */
    @Test
    void anIndexAndEarlierTextsTogetherAsBothTexts() throws Exception {
        Map<String, Map<String, String>> m = months();
        Map<String, String> first = new LinkedHashMap<>();
        Map<String, String> second = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, String> e : m.get("earlier").entrySet()) {
            (i++ % 3 == 0 ? first : second).put(e.getKey(), e.getValue());
        }
        Path a = tmp.resolve("a/part-0.jsonl");
        Path b = tmp.resolve("b/part-0.jsonl");
        write(a, first);
        write(b, second);
        Path index = tmp.resolve("index-b");
        EarlierCorpus corpusB = EarlierCorpus.read(TestSpark.session(), List.of(b.toString()), "id", "text", "test");
        EarlierIndex.write(TestSpark.session(), corpusB, List.of(new ExactDedup(), new MinHashDedup()), index.toString(), b.toString());

        Dataset<Row> docs = AgainstEarlierCorpusTest.frame(m.get("new"), 3);
        String[] both = {a.toString(), b.toString()};
        Dataset<Row> want = new MinHashDedup().setClusterColumns(true).setAgainstPaths(both)
                .transform(new ExactDedup().setClusterColumns(true).setAgainstPaths(both).transform(docs));
        String[] textsOfA = {a.toString()};
        String[] indexOfB = {index.toString()};
        Dataset<Row> got = new MinHashDedup().setClusterColumns(true).setAgainstPaths(textsOfA).setAgainstIndexPaths(indexOfB)
                .transform(new ExactDedup().setClusterColumns(true).setAgainstPaths(textsOfA).setAgainstIndexPaths(indexOfB).transform(docs));
        Map<String, String> expected = AgainstEarlierCorpusTest.verdicts(want);
        assertEquals(expected, AgainstEarlierCorpusTest.verdicts(got));
        assertTrue(expected.values().stream().filter(v -> v.contains("_of_earlier")).count() > 20, expected.toString());

        // an index for other parameters is refused naming the parameter and both values
        KindlingException other = assertThrows(KindlingException.class, () -> new MinHashDedup().setNgram(7)
                .setAgainstIndexPaths(indexOfB).transform(docs));
        assertTrue(other.getMessage().contains("minhash_dedup: againstIndexPaths " + index + " was made with minhash_dedup ngram '5', "
                + "this run's is '7'"), other.getMessage());
    }

    /**
     * An index of a corpus that holds a text twice (not deduplicated) says its exact keys are not unique, and a copy of
     * that text is the smallest id's, once: a run reads each key's first id from it, where it takes an index of unique
     * keys as it is (a row joined to both ids would be output twice).
     */
    @Test
    void anIndexWhoseExactKeysRepeatNamesTheSmallestIdOnce() throws Exception {
        Map<String, String> earlierDocs = new LinkedHashMap<>();
        earlierDocs.put("e2", "The same text, published twice under two ids.");
        earlierDocs.put("e1", "the same text,   published twice under two ids.");
        earlierDocs.put("e3", "Another earlier text.");
        Path earlier = tmp.resolve("repeated/part-0.jsonl");
        write(earlier, earlierDocs);
        Path index = tmp.resolve("repeated-index");
        EarlierCorpus corpus = EarlierCorpus.read(TestSpark.session(), List.of(earlier.toString()), "id", "text", "test");
        EarlierIndex.write(TestSpark.session(), corpus, List.of(new ExactDedup()), index.toString(), earlier.toString());
        JsonNode manifest = new ObjectMapper().readTree(index.resolve("manifest.json").toFile());
        assertFalse(manifest.at("/stages/exact_dedup/unique_keys").asBoolean(true), manifest.toString());

        Map<String, String> newDocs = new LinkedHashMap<>();
        newDocs.put("n1", "THE SAME TEXT, PUBLISHED TWICE UNDER TWO IDS.");
        newDocs.put("n2", "A new text.");
        Dataset<Row> out = new ExactDedup().setClusterColumns(true).setAgainstIndexPaths(new String[] {index.toString()})
                .transform(AgainstEarlierCorpusTest.frame(newDocs, 2));
        assertEquals(2, out.count());
        assertEquals(Map.of("n1", "exact_dedup:duplicate_of_earlier | e1 | e1", "n2", "null | null | n2"),
                AgainstEarlierCorpusTest.verdicts(out));
    }

    /**
     * An index made before exact dedup keyed a text that normalises to nothing by the text as it is (625b0366) holds the
     * empty key for each such earlier text, which this Kindling's keys never meet, and its manifest has no
     * normalised_to_nothing: it is refused, saying to make it again, where it was used without a word and an earlier
     * text's exact copy was kept. One made now finds the copy: under near, of "🎉🎉"; under exact (the CLI's), of a
     * zero-width space.
     */
    @Test
    void anIndexMadeBeforeTextsThatNormaliseToNothingWereKeyedAsTheyAreIsRefused() throws Exception {
        Map<String, String> earlierDocs = new LinkedHashMap<>();
        earlierDocs.put("e1", "\uD83C\uDF89\uD83C\uDF89");
        earlierDocs.put("e2", "\u200B");
        earlierDocs.put("e3", "An earlier text of words.");
        Path earlier = tmp.resolve("nothing/part-0.jsonl");
        write(earlier, earlierDocs);
        Map<String, String> newDocs = new LinkedHashMap<>();
        newDocs.put("n1", "\uD83C\uDF89\uD83C\uDF89");
        newDocs.put("n2", "\u200B");
        newDocs.put("n3", "???");

        Path near = tmp.resolve("nothing-near-index");
        EarlierCorpus corpus = EarlierCorpus.read(TestSpark.session(), List.of(earlier.toString()), "id", "text", "test");
        EarlierIndex.write(TestSpark.session(), corpus, List.of(new ExactDedup().setNormalize("near")), near.toString(), earlier.toString());
        Dataset<Row> out = new ExactDedup().setNormalize("near").setClusterColumns(true).setAgainstIndexPaths(new String[] {near.toString()})
                .transform(AgainstEarlierCorpusTest.frame(newDocs, 2));
        assertEquals(Map.of("n1", "exact_dedup:duplicate_of_earlier | e1 | e1", "n2", "exact_dedup:duplicate_of_earlier | e2 | e2",
                "n3", "null | null | n3"), AgainstEarlierCorpusTest.verdicts(out));
        asMadeBefore(near);
        KindlingException refused = assertThrows(KindlingException.class, () -> new ExactDedup().setNormalize("near")
                .setAgainstIndexPaths(new String[] {near.toString()}).transform(AgainstEarlierCorpusTest.frame(newDocs, 2)));
        assertTrue(refused.getMessage().contains(near + " was made before exact_dedup keyed a text that normalises to nothing"
                + " (invisible characters only; emoji or punctuation only under normalize near) by the text as it is")
                && refused.getMessage().contains("make the index again"), refused.getMessage());

        Path exact = tmp.resolve("nothing-exact-index");
        Cli.Result made = dedup("-i", earlier.toString(), "--save-index", exact.toString(), "--index-only", "--exact");
        assertEquals(0, made.code(), made.toString());
        Path input = tmp.resolve("nothing-new/part-0.jsonl");
        write(input, newDocs);
        Path used = tmp.resolve("nothing-out");
        Cli.Result run = dedup("-i", input.toString(), "-o", used.toString(), "--exact", "--against-index", exact.toString(), "--keep-duplicates");
        assertEquals(0, run.code(), run.toString());
        assertEquals("exact_dedup:duplicate_of_earlier | e2 | e2", verdicts(used).get("n2"));
        asMadeBefore(exact);
        Cli.Result old = dedup("--master", "bogus://x", "-i", input.toString(), "-o", tmp.resolve("nothing-out2").toString(), "--exact",
                "--against-index", exact.toString());
        assertEquals(2, old.code(), old.toString());
        assertTrue(old.err().contains("--against-index " + exact + " was made before exact_dedup keyed a text that normalises to nothing")
                && old.err().contains("make the index again"), old.err());
    }

    /** Writes {@code index}'s manifest as a Kindling before 625b0366 wrote it: its exact part without normalised_to_nothing. */
    private static void asMadeBefore(Path index) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode manifest =
                (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(index.resolve("manifest.json").toFile());
        com.fasterxml.jackson.databind.node.ObjectNode part = (com.fasterxml.jackson.databind.node.ObjectNode) manifest.at("/stages/exact_dedup");
        assertEquals("as_is", part.path("normalised_to_nothing").asText(), manifest.toString());
        part.remove("normalised_to_nothing");
        Files.writeString(index.resolve("manifest.json"), manifest.toPrettyString());
    }

    /** The refusals, before Spark starts where the index is local (an unreachable --master shows it). */
    @Test
    void refusesAnIndexThatDoesNotFitMissingOrDamaged() throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("e1", AgainstEarlierCorpusTest.words(1));
        docs.put("e2", AgainstEarlierCorpusTest.words(2));
        Path earlier = tmp.resolve("earlier/docs.jsonl");
        write(earlier, docs);
        Path input = tmp.resolve("input/docs.jsonl");
        write(input, Map.of("n1", AgainstEarlierCorpusTest.words(1)));
        Path index = tmp.resolve("index");
        Cli.Result made = dedup("-i", earlier.toString(), "--save-index", index.toString(), "--index-only", "--ngram", "3");
        assertEquals(0, made.code(), made.toString());

        String bogus = "bogus://x";
        Cli.Result ngram = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o1").toString(), "--against-index", index.toString());
        assertEquals(2, ngram.code(), ngram.toString());
        assertTrue(ngram.err().contains("--against-index " + index + " was made with minhash_dedup ngram '3', this run's is '5'"), ngram.err());

        Cli.Result column = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o2").toString(), "--against-index",
                index.toString(), "--exact", "--minhash", "--ngram", "3", "--exact-column", "url");
        assertEquals(2, column.code(), column.toString());
        assertTrue(column.err().contains("--against-index " + index + " has no exact_dedup_url (it was made for exact_dedup, minhash_dedup)"),
                column.err());

        String missing = tmp.resolve("no-such-index").toString();
        Cli.Result gone = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o3").toString(), "--against-index", missing);
        assertEquals(2, gone.code(), gone.toString());
        assertTrue(gone.err().contains("--against-index " + missing + " does not exist"), gone.err());

        Path noManifest = Files.createDirectories(tmp.resolve("half-written"));
        Cli.Result half = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o4").toString(), "--against-index", noManifest.toString());
        assertEquals(2, half.code(), half.toString());
        assertTrue(half.err().contains("--against-index " + noManifest + " has no manifest.json"), half.err());

        Path corrupt = tmp.resolve("corrupt");
        copy(index, corrupt);
        Files.writeString(corrupt.resolve("manifest.json"), "{\"format\": \"kindling-dedup-index\", \"version\": 1,");
        Cli.Result bad = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o5").toString(), "--against-index", corrupt.toString());
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--against-index " + corrupt + ": manifest.json is not valid JSON"), bad.err());
        Files.writeString(corrupt.resolve("manifest.json"), "{\"format\": \"kindling-dedup-index\", \"version\": 9, \"id_type\": \"string\"}");
        Cli.Result newer = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o6").toString(), "--against-index", corrupt.toString());
        assertEquals(2, newer.code(), newer.toString());
        assertTrue(newer.err().contains("manifest.json has format version 9; this Kindling reads version 2"), newer.err());
        // one made before version 2 (shingle sets where the texts are now), as its manifest was written
        Files.writeString(corrupt.resolve("manifest.json"), "{\"format\": \"kindling-dedup-index\", \"version\": 1, \"source\": \"x\", "
                + "\"id_type\": \"string\", \"stages\": {\"exact_dedup\": {}, \"minhash_dedup\": {}}}");
        Cli.Result older = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o6b").toString(), "--against-index", corrupt.toString());
        assertEquals(2, older.code(), older.toString());
        assertTrue(older.err().contains("manifest.json has format version 1; this Kindling reads version 2: make the index again"),
                older.err());

        // an id type that is not one, before Spark starts; one the files do not hold, when they are read
        Files.writeString(corrupt.resolve("manifest.json"), Files.readString(index.resolve("manifest.json"))
                .replace("\"id_type\" : \"string\"", "\"id_type\" : \"strnig\""));
        Cli.Result typo = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o6c").toString(), "--against-index",
                corrupt.toString(), "--ngram", "3");
        assertEquals(2, typo.code(), typo.toString());
        assertTrue(typo.err().contains("--against-index " + corrupt + ": manifest.json has id type 'strnig', which is not a type: the "
                + "index is damaged; make it again"), typo.err());
        Files.writeString(corrupt.resolve("manifest.json"), Files.readString(index.resolve("manifest.json"))
                .replace("\"id_type\" : \"string\"", "\"id_type\" : \"bigint\""));
        Cli.Result otherType = dedup("-i", input.toString(), "-o", tmp.resolve("o6d").toString(), "--against-index", corrupt.toString(),
                "--ngram", "3");
        // Spark's message, naming the file, the column and both types
        assertEquals(1, otherType.code(), otherType.toString());
        assertTrue(otherType.err().contains(corrupt.resolve("exact_dedup") + "/part-") && otherType.err().contains("column [id]")
                && otherType.err().contains("bigint"), otherType.err());

        // --save-index onto a folder that holds something
        Cli.Result again = dedup("--master", bogus, "-i", earlier.toString(), "--save-index", index.toString(), "--index-only");
        assertEquals(2, again.code(), again.toString());
        assertTrue(again.err().contains("--save-index " + index + " exists and is not an empty folder"), again.err());
        Cli.Result withOutput = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o7").toString(), "--save-index", index.toString());
        assertEquals(2, withOutput.code(), withOutput.toString());
        assertTrue(withOutput.err().contains("--save-index " + index + " exists and is not an empty folder"), withOutput.err());
        // a file where a folder of the index would be: refused before any job, as an output is, where the index's first
        // part failed as it was written, after the run's work (with --output, once the output was written)
        Path notes = Files.writeString(tmp.resolve("notes.txt"), "not a folder");
        Cli.Result underAFile = dedup("-i", earlier.toString(), "--save-index", notes.resolve("idx").toString(), "--index-only");
        assertEquals(2, underAFile.code(), underAFile.toString());
        assertEquals("kindling: error: --save-index " + notes.resolve("idx") + " cannot be written: " + notes + " is a file, not a folder",
                underAFile.err().strip());
        Cli.Result onlyWithoutIndex = dedup("--master", bogus, "-i", input.toString(), "--index-only", "-o", tmp.resolve("o8").toString(),
                "--save-index", tmp.resolve("new-index").toString());
        assertEquals(2, onlyWithoutIndex.code(), onlyWithoutIndex.toString());
        assertTrue(onlyWithoutIndex.err().contains("--index-only does not take --output"), onlyWithoutIndex.err());

        // the index in use: n1 is e1's exact copy
        Path out = tmp.resolve("o9");
        Cli.Result used = dedup("-i", input.toString(), "-o", out.toString(), "--against-index", index.toString(), "--ngram", "3", "--keep-duplicates");
        assertEquals(0, used.code(), used.toString());
        assertEquals(Map.of("n1", "exact_dedup:duplicate_of_earlier | e1 | e1"), verdicts(out));

        // a folder whose name reads as a glob, another index beside it that the glob matches: its manifest was read from
        // the folder of its name and its parts, by Spark's reader, from the other. Refused as an input is, before Spark
        // starts; its escaped name reads it (it was "does not exist")
        Path bracketed = tmp.resolve("idx[1]");
        copy(index, bracketed);
        copy(index, tmp.resolve("idx1"));
        Cli.Result glob = dedup("--master", bogus, "-i", input.toString(), "-o", tmp.resolve("o10").toString(), "--against-index",
                bracketed.toString(), "--ngram", "3");
        assertEquals(2, glob.code(), glob.toString());
        assertTrue(glob.err().contains("--against-index " + bracketed + " matches ") && glob.err().contains(tmp.resolve("idx1") + " as a glob")
                && glob.err().contains("escape them with a backslash: " + tmp.resolve("idx\\[1\\]")), glob.err());
        Path escapedOut = tmp.resolve("o11");
        Cli.Result escaped = dedup("-i", input.toString(), "-o", escapedOut.toString(), "--against-index", tmp.resolve("idx\\[1\\]").toString(),
                "--ngram", "3", "--keep-duplicates");
        assertEquals(0, escaped.code(), escaped.toString());
        assertEquals(Map.of("n1", "exact_dedup:duplicate_of_earlier | e1 | e1"), verdicts(escapedOut));
    }

    /**
     * Pairs of two earlier documents are not compared from an index either: in each group e2 is e1's near duplicate
     * (2 words changed) and n e2's (3 more), not e1's (Jaccard about 0.77), so n's cluster is e2's; linked through e1
     * (a run on an index alone left those pairs in), it named e1 wherever e1 shared a bucket with n and e2.
     */
    @Test
    void pairsOfTwoEarlierDocumentsAreLeftOutWithAnIndexToo() throws Exception {
        Map<String, String> earlierDocs = new LinkedHashMap<>();
        Map<String, String> newDocs = new LinkedHashMap<>();
        Map<String, String> want = new TreeMap<>();
        for (int g = 0; g < 12; g++) {
            String e1 = AgainstEarlierCorpusTest.words(100 + g);
            String e2 = e1;
            for (int at : new int[] {30, 90}) {
                e2 = AgainstEarlierCorpusTest.changed(e2, at, "x" + at);
            }
            String n = e2;
            for (int at : new int[] {60, 120, 180}) {
                n = AgainstEarlierCorpusTest.changed(n, at, "y" + at);
            }
            earlierDocs.put("g" + g + "-e1", e1);
            earlierDocs.put("g" + g + "-e2", e2);
            newDocs.put("g" + g + "-n", n);
            want.put("g" + g + "-n", "minhash_dedup:near_duplicate_of_earlier | g" + g + "-e2 | g" + g + "-e2");
        }
        Path earlier = tmp.resolve("pair/part-0.jsonl");
        write(earlier, earlierDocs);
        Path index = tmp.resolve("pair-index");
        EarlierCorpus corpus = EarlierCorpus.read(TestSpark.session(), List.of(earlier.toString()), "id", "text", "test");
        EarlierIndex.write(TestSpark.session(), corpus, List.of(new MinHashDedup()), index.toString(), earlier.toString());
        Dataset<Row> docs = AgainstEarlierCorpusTest.frame(newDocs, 2);
        Map<String, String> byTexts = AgainstEarlierCorpusTest.verdicts(new MinHashDedup().setClusterColumns(true)
                .setAgainstPaths(new String[] {earlier.toString()}).transform(docs));
        // LSH finds most of the pairs at Jaccard 0.86 (the rest are kept); none names e1
        assertTrue(byTexts.entrySet().stream().filter(e -> e.getValue().equals(want.get(e.getKey()))).count() >= 9, byTexts.toString());
        assertTrue(byTexts.values().stream().noneMatch(v -> v.contains("e1")), byTexts.toString());
        assertEquals(byTexts, AgainstEarlierCorpusTest.verdicts(new MinHashDedup().setClusterColumns(true)
                .setAgainstIndexPaths(new String[] {index.toString()}).transform(docs)));
    }

    /**
     * A curate config's exact_dedup and minhash_dedup take against_index: the verdicts of 'against' with the corpus (to
     * which DedupAgainstCliTest.curateConfigsTakeAgainst holds a config's 'against' over the same files).
     */
    @Test
    void curateConfigsTakeAgainstIndex() throws Exception {
        Path earlier = tmp.resolve("earlier/part-0.jsonl");
        write(earlier, AgainstEarlierCorpusTest.earlierDocs());
        Path input = tmp.resolve("new/docs.jsonl");
        write(input, AgainstEarlierCorpusTest.newDocs());
        Path index = tmp.resolve("index");
        Cli.Result made = dedup("-i", earlier.getParent().toString(), "--save-index", index.toString(), "--index-only");
        assertEquals(0, made.code(), made.toString());

        Path byIndex = Files.writeString(tmp.resolve("index.yaml"), "stages:\n  - exact_dedup: {against_index: [index]}\n"
                + "  - minhash_dedup: {against_index: [index]}\n");
        Path out = tmp.resolve("out-index");
        Cli.Result r = Cli.run("curate", "--no-progress", "-i", input.toString(), "-o", out.toString(), "--config", byIndex.toString(),
                "--keep-duplicates");
        assertEquals(0, r.code(), r.toString());
        // n05 among them: minhash_dedup:near_duplicate_of_earlier | e2
        assertEquals(AgainstEarlierCorpusTest.verdictsAgainstEarlierDocs(), verdicts(out));

        Path other = Files.writeString(tmp.resolve("other.yaml"), "stages:\n  - minhash_dedup: {ngram: 7, against_index: [index]}\n");
        Cli.Result refused = Cli.run("curate", "--no-progress", "--master", "bogus://x", "-i", input.toString(), "-o",
                tmp.resolve("out-other").toString(), "--config", other.toString());
        assertEquals(2, refused.code(), refused.toString());
        assertTrue(refused.err().contains("stages[0] (minhash_dedup): against_index " + index + " was made with minhash_dedup ngram '5', this run's is '7'"),
                refused.err());
    }

    /**
     * Against an index, the earlier documents that share no bucket with a new one are neither sorted nor shuffled, nor are
     * the exact keys of a corpus that has each once, and its parts are read without a job of their own: a run read every
     * document's shingle set and sorted them all into the dedup order (3,134 rows shuffled here, for four new documents),
     * aggregated every earlier exact key by key (3,000 more), and Spark read each part's schema from its files' footers in
     * a job before the stage's.
     */
    @Test
    void earlierDocumentsSharingNoBucketAreNotShuffled() throws Exception {
        int n = 3000;
        Map<String, String> earlierDocs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            earlierDocs.put(String.format("e%04d", i), AgainstEarlierCorpusTest.words(10_000 + i));
        }
        Map<String, String> newDocs = new LinkedHashMap<>();
        newDocs.put("n1", AgainstEarlierCorpusTest.changed(earlierDocs.get("e0100"), 50, "changed"));
        newDocs.put("n2", AgainstEarlierCorpusTest.changed(earlierDocs.get("e2000"), 150, "other"));
        newDocs.put("n3", AgainstEarlierCorpusTest.words(1));
        newDocs.put("n4", earlierDocs.get("e0300").toUpperCase(java.util.Locale.ROOT));
        Path earlier = tmp.resolve("many/part-0.jsonl");
        write(earlier, earlierDocs);
        Path index = tmp.resolve("many-index");
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        EarlierCorpus corpus = EarlierCorpus.read(spark, List.of(earlier.toString()), "id", "text", "test");
        EarlierIndex.write(spark, corpus, List.of(new ExactDedup(), new MinHashDedup()), index.toString(), earlier.toString());
        Dataset<Row> docs = AgainstEarlierCorpusTest.frame(newDocs, 2);
        String[] indexes = {index.toString()};

        String group = "kindling-index-shuffle-test";
        java.util.Set<Integer> stages = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<String> jobs = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicLong shuffled = new java.util.concurrent.atomic.AtomicLong();
        Map<Integer, java.util.concurrent.atomic.AtomicLong> readByStage = new java.util.concurrent.ConcurrentHashMap<>();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
                if (TestSpark.ofJobGroup(e, group)) {
                    jobs.add(e.stageInfos().head().name());
                    for (Object id : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
                        stages.add((Integer) id);
                    }
                }
            }

            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
                if (stages.contains(e.stageId()) && e.taskMetrics() != null) {
                    shuffled.addAndGet(e.taskMetrics().shuffleWriteMetrics().recordsWritten());
                    readByStage.computeIfAbsent(e.stageId(), k -> new java.util.concurrent.atomic.AtomicLong())
                            .addAndGet(e.taskMetrics().inputMetrics().recordsRead());
                }
            }
        };
        Map<String, String> got = new java.util.TreeMap<>();
        TestSpark.listening(listener, () -> TestSpark.inJobGroup(group, () -> got.putAll(AgainstEarlierCorpusTest.verdicts(
                new MinHashDedup().setClusterColumns(true).setAgainstIndexPaths(indexes)
                        .transform(new ExactDedup().setClusterColumns(true).setAgainstIndexPaths(indexes).transform(docs))))));
        assertEquals(Map.of("n1", "minhash_dedup:near_duplicate_of_earlier | e0100 | e0100",
                "n2", "minhash_dedup:near_duplicate_of_earlier | e2000 | e2000", "n3", "null | null | n3",
                "n4", "exact_dedup:duplicate_of_earlier | e0300 | e0300"), got);
        // what is shuffled is the new documents', and the two earlier ones in their buckets: no earlier exact key
        assertTrue(shuffled.get() < n / 3, shuffled.get() + " rows shuffled, for " + n + " earlier documents");
        assertTrue(jobs.stream().noneMatch(j -> j.startsWith("parquet at EarlierIndex")), "a job read the index's schema: " + jobs);
        // every earlier document's exact key and band keys are read once; the texts (and ids) of the two in a near pair
        // only from the index's pages that hold them (stored in the dedup order, EarlierIndex.TEXT_PAGE_ROWS a page): a
        // run read all n rows of the near part twice more, and all of them again to name the earlier one in a cluster
        List<Long> reads = readByStage.values().stream().map(java.util.concurrent.atomic.AtomicLong::get)
                .sorted(java.util.Comparator.reverseOrder()).toList();
        assertEquals(List.of((long) n, (long) n), reads.subList(0, 2), "index rows read by each stage, most first: " + reads);
        assertTrue(reads.get(2) <= 2L * EarlierIndex.TEXT_PAGE_ROWS + newDocs.size(), "index rows read by each stage, most first: " + reads);
    }

    /**
     * A store that fails under --save-index's writes (an S3 endpoint where none answers, as when it stops answering after
     * the run's check) is said as an output's check says it, naming the option, the path and the endpoint setting in
     * force (DataFormat.storeFailure), exit 1: the manifest's write gave S3A's text and named neither, and a part's
     * write Spark's.
     */
    @Test
    void aStoreThatFailsUnderTheIndexsWritesIsNamedWithItsSetting() throws Exception {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        org.apache.hadoop.conf.Configuration hc = spark.sparkContext().hadoopConfiguration();
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        String bucket = "fs.s3a.bucket.unreachable-index.";
        Map<String, String> settings = Map.of(bucket + "endpoint", "http://127.0.0.1:" + port, bucket + "retry.limit", "0",
                bucket + "attempts.maximum", "0", bucket + "path.style.access", "true", bucket + "connection.ssl.enabled", "false",
                bucket + "endpoint.region", "us-east-1", bucket + "access.key", "k", bucket + "secret.key", "s",
                bucket + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        settings.forEach(hc::set);
        String dir = "s3a://unreachable-index/idx";
        String says = "no S3 store answers at fs.s3a.bucket.unreachable-index.endpoint = http://127.0.0.1:" + port + ": check that "
                + "setting, that the store runs there, and that this machine reaches it (";
        try {
            KindlingException manifest = assertThrows(KindlingException.class, () -> EarlierIndex.writeManifest(hc, dir,
                    new ObjectMapper().createObjectNode().put("format", EarlierIndex.FORMAT)));
            assertEquals(KindlingException.FAILURE, manifest.exitCode());
            assertTrue(manifest.getMessage().startsWith("--save-index " + dir + ": cannot write its manifest.json: " + says),
                    manifest.getMessage());
            assertEquals(1, manifest.getMessage().split("Connection refused", -1).length - 1, manifest.getMessage());

            EarlierCorpus corpus = new EarlierCorpus(AgainstEarlierCorpusTest.frame(Map.of("e1", "An earlier text."), 1), "id", "text", "test");
            KindlingException part = assertThrows(KindlingException.class, () -> EarlierIndex.write(spark, corpus,
                    List.of(new ExactDedup()), dir, "test"));
            assertEquals(KindlingException.FAILURE, part.exitCode());
            assertTrue(part.getMessage().startsWith("--save-index " + dir + ": cannot write its exact_dedup part: " + says),
                    part.getMessage());
        } finally {
            settings.keySet().forEach(hc::unset);
        }
    }

    /**
     * The local file system under the scheme {@value #SCHEME}, whose next write of a {@code manifest.json} fails once
     * {@link #failNext} is set: an index that fails after the run's output (a store gone under it, an interrupt).
     */
    public static final class FailingManifestFileSystem extends dev.kindling.spark.io.SchemedLocalFileSystem {
        static final String SCHEME = "failmanifest";
        static final java.util.concurrent.atomic.AtomicBoolean failNext = new java.util.concurrent.atomic.AtomicBoolean();

        public FailingManifestFileSystem() {
            super(SCHEME);
        }

        @Override
        public org.apache.hadoop.fs.FSDataOutputStream create(org.apache.hadoop.fs.Path f, boolean overwrite, int bufferSize,
                short replication, long blockSize, org.apache.hadoop.util.Progressable progress) throws java.io.IOException {
            if (f.getName().equals(EarlierIndex.MANIFEST) && failNext.getAndSet(false)) {
                throw new java.io.IOException("the store failed under the test");
            }
            return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
        }
    }

    /**
     * A dedup run whose --save-index fails after its output, retried as a scheduler retries it (the same command): the
     * failed run wrote --stats before the index (exit 1 with a finished run's stats in place) and left the index's parts
     * without a manifest, so that the retry was refused, exit 2, as the folder was not empty.
     */
    @Test
    void aRunWhoseIndexFailsLeavesNeitherStatsNorPartOfItAndItsRetryRuns() throws Exception {
        TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + FailingManifestFileSystem.SCHEME + ".impl",
                FailingManifestFileSystem.class.getName());
        Path input = tmp.resolve("retry/docs.jsonl");
        write(input, Map.of("n1", AgainstEarlierCorpusTest.words(1), "n2", AgainstEarlierCorpusTest.words(2)));
        Path out = tmp.resolve("retry-out");
        Path stats = tmp.resolve("retry-stats.json");
        Path index = tmp.resolve("retry-index");
        String[] args = {"-i", input.toString(), "-o", out.toString(), "--exact", "--save-index", FailingManifestFileSystem.SCHEME
                + "://" + index, "--stats", stats.toString(), "--overwrite"};
        FailingManifestFileSystem.failNext.set(true);
        Cli.Result failed = dedup(args);
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.err().contains("cannot write its manifest.json") && failed.err().contains("kindling: removed the unfinished "
                + "output " + FailingManifestFileSystem.SCHEME + ":" + index), failed.err());
        assertFalse(Files.exists(stats), "a failed run leaves no --stats");
        assertFalse(Files.exists(index), "nor part of its index");
        Cli.Result retry = dedup(args);
        assertEquals(0, retry.code(), retry.toString());
        assertTrue(Files.exists(index.resolve(EarlierIndex.MANIFEST)), "the index is whole");
        assertEquals(2, new ObjectMapper().readTree(stats.toFile()).get("documents_in").asLong());
    }

    /** The bytes of the files under {@code dir} (Spark's checksum files left out). */
    private static long bytes(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".crc"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** An index part's rows as sorted strings (binary columns as hex). */
    private static List<String> indexRows(Path part) {
        Dataset<Row> rows = TestSpark.session().read().parquet(part.toString());
        List<String> out = new ArrayList<>();
        for (Row r : rows.collectAsList()) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                Object v = r.get(i);
                b.append(v instanceof byte[] bytes ? java.util.HexFormat.of().formatHex(bytes) : String.valueOf(v)).append('|');
            }
            out.add(b.toString());
        }
        java.util.Collections.sort(out);
        assertTrue(out.size() > 10, part + ": " + out.size() + " rows");
        return out;
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
