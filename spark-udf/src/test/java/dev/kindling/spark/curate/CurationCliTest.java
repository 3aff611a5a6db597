package dev.kindling.spark.curate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.demo.SampleCorpus;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curation commands end to end on the sample corpus plus bad input (empty and white-space
 * texts, a missing id, a huge document and its near copy, Russian and Japanese near duplicates):
 * every input row is either written or rejected with a reason, and the numbers in --stats add up.
 */
class CurationCliTest {
    @TempDir static Path tmp;
    static Path input;

    @BeforeAll
    static void writeInput() throws Exception {
        input = tmp.resolve("in/corpus.jsonl");
        SampleCorpus.load().writeJsonl(input, 42);
        ObjectMapper json = new ObjectMapper();
        StringBuilder huge = new StringBuilder();
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 120_000; i++) {
            huge.append("w").append(Integer.toString(r.nextInt(5000), 36)).append(i % 17 == 16 ? ". " : " ");
        }
        String hugeText = huge.toString();
        // not the sample's own Russian and Japanese documents: these must only match each other
        String ru = "Весной река разливается, и рыбаки ждут, пока вода спадёт, чтобы выйти на лодках к старой мельнице. "
                + "Летом на берегу сушат сети, дети собирают ракушки, а по вечерам все слушают, как поёт соловей в ивах. "
                + "Осенью в деревне варят варенье из слив и крыжовника, а зимой катаются на санках с высокого холма.";
        String ja = "港の市場は毎朝五時に開き、漁師たちがその日にとれた魚を並べます。昼になると食堂が混み始め、"
                + "観光客は焼き魚の定食を楽しみます。夕方には灯台の明かりがともり、船がゆっくりと戻ってきます。";
        List<Map<String, Object>> extra = List.of(
                row("x-empty", ""), row("x-space", " \n\t "), row(null, "A document without an id, which still gets one "
                        + "from its file and position, and is counted like any other."),
                row("x-huge-a", hugeText), row("x-huge-b", hugeText.replace("w1 ", "w2 ").replaceFirst("w", "v")),
                row("x-ru-a", ru), row("x-ru-b", ru.replace("холма.", "холма!").replace("соловей", "скворец")),
                row("x-ja-a", ja), row("x-ja-b", ja.replace("五時", "六時")));
        try (Writer w = Files.newBufferedWriter(input, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (Map<String, Object> m : extra) {
                w.write(json.writeValueAsString(m));
                w.write('\n');
            }
        }
    }

    private static Map<String, Object> row(String id, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) {
            m.put("id", id);
        }
        m.put("text", text);
        return m;
    }

    static long inputLines() throws Exception {
        return Files.readAllLines(input).stream().filter(l -> !l.isBlank()).count();
    }

    /** Checks stats.json adds up and matches the rejected rows; returns rejected rows by id. */
    static Map<String, String> checkAccounting(Path stats, Path out, Path rejected) throws Exception {
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        long in = s.get("documents_in").asLong();
        assertEquals(inputLines(), in, "every input line is a document in the accounting");
        long droppedSum = 0;
        Map<String, Long> byReason = new TreeMap<>();
        long previousKept = in;
        for (JsonNode st : s.get("stages")) {
            assertEquals(previousKept, st.get("in").asLong(), "in(stage) = kept(previous): " + st);
            assertEquals(st.get("in").asLong() - st.get("dropped").asLong(), st.get("kept").asLong());
            previousKept = st.get("kept").asLong();
            droppedSum += st.get("dropped").asLong();
            st.get("reasons").fields().forEachRemaining(e ->
                    byReason.put(st.get("stage").asText() + ":" + e.getKey(), e.getValue().asLong()));
        }
        assertEquals(in, s.get("documents_kept").asLong() + droppedSum, "in = kept + dropped");
        assertEquals(previousKept, s.get("documents_kept").asLong());
        assertEquals(s.get("documents_kept").asLong(), Cli.outputRows(out).size());
        Map<String, Long> rejectedByReason = new TreeMap<>();
        Map<String, String> rejectedIds = new HashMap<>();
        for (JsonNode r : Cli.outputRows(rejected)) {
            rejectedByReason.merge(Cli.text(r, "reason"), 1L, Long::sum);
            if (Cli.text(r, "id") != null) {
                rejectedIds.put(Cli.text(r, "id"), Cli.text(r, "reason"));
            }
        }
        assertEquals(byReason, rejectedByReason, "--rejected holds exactly the dropped rows, by reason");
        return rejectedIds;
    }

    /**
     * The curation config the Airflow example ships, with the DAG's curate options, over prompt rows {id, prompt}: it ran
     * the README's web-document config, whose url column prompt rows do not have (exit 2).
     */
    @Test
    void theAirflowExamplesConfigCuratesPromptRows() throws Exception {
        Path config = Path.of("").toAbsolutePath().getParent().resolve("examples/airflow/pipeline.yaml");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(config), "no " + config + " (not run from the checkout)");
        Path prompts = Files.write(Files.createDirectories(tmp.resolve("af/raw")).resolve("prompts.jsonl"), List.of(
                "{\"id\":\"p1\",\"prompt\":\"Write a short poem about the sea at night and the boats that come home.\"}",
                "{\"id\":\"p2\",\"prompt\":\"write a short poem about the sea at night, and the boats that come home!\"}",
                "{\"id\":\"p3\",\"prompt\":\"Explain to jane.doe@example.com how a bicycle gear works, step by step.\"}",
                "{\"id\":\"p4\",\"prompt\": broken",
                "{\"id\":\"p5\",\"prompt\":\"List three ways to keep bread fresh for a week without a freezer.\"}"),
                StandardCharsets.UTF_8, StandardOpenOption.CREATE);
        Path af = tmp.resolve("af");
        Cli.Result r = Cli.run("curate", "--no-progress", "--config", config.toString(), "--input", prompts.getParent().toString(),
                "--text-column", "prompt", "--output", af.resolve("curated/2026-01-01").toString(), "--format", "parquet",
                "--on-error", "quarantine", "--quarantine", af.resolve("quarantine/2026-01-01").toString(),
                "--rejected", af.resolve("rejected/2026-01-01").toString(), "--stats", af.resolve("stats/curate.json").toString(),
                "--overwrite");
        assertEquals(0, r.code(), r.toString());
        List<Row> kept = TestSpark.session().read().parquet(af.resolve("curated/2026-01-01").toString()).orderBy("id")
                .select("id", "prompt").collectAsList();
        assertEquals(List.of("p1", "p3", "p5"), kept.stream().map(k -> k.getString(0)).toList(), kept.toString());
        assertTrue(kept.get(1).getString(1).contains("<EMAIL>"), kept.toString());
        assertEquals(1, Cli.outputRows(af.resolve("quarantine/2026-01-01")).size());
        JsonNode stats = new ObjectMapper().readTree(af.resolve("stats/curate.json").toFile());
        assertEquals(5, stats.get("documents_in").asLong(), stats.toString());
        assertEquals(3, stats.get("documents_kept").asLong(), stats.toString());
    }

    @Test
    void dedupAccountsForEveryRowAndCatchesBadInput() throws Exception {
        Path out = tmp.resolve("dedup-out");
        Path rejected = tmp.resolve("dedup-rejected");
        Path stats = tmp.resolve("dedup-stats.json");
        Cli.Result r = Cli.run("dedup", "--exact", "--exact-column", "url", "--minhash", "--sentences", "--no-progress",
                "--on-error", "skip", "-i", input.toString(), "-o", out.toString(), "--rejected", rejected.toString(),
                "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("exact_dedup_url") && r.out().contains("sentence_dedup"), r.out());
        Map<String, String> rejectedIds = checkAccounting(stats, out, rejected);
        assertEquals("read:empty_text", rejectedIds.get("x-empty"));
        assertEquals("read:empty_text", rejectedIds.get("x-space"));
        assertEquals("minhash_dedup:near_duplicate", rejectedIds.get("x-huge-b"), "a huge document's near copy");
        assertEquals("minhash_dedup:near_duplicate", rejectedIds.get("x-ru-b"), "Cyrillic");
        assertEquals("minhash_dedup:near_duplicate", rejectedIds.get("x-ja-b"), "Japanese (character shingles)");
        List<String> kept = Cli.outputRows(out).stream().map(row -> Cli.text(row, "id")).toList();
        for (String id : List.of("x-huge-a", "x-ru-a", "x-ja-a")) {
            assertTrue(kept.contains(id), id + " is kept, not " + rejectedIds.get(id));
        }
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        assertTrue(s.get("stages").get(1).get("reasons").get("duplicate").asLong() >= 25, "the sample's exact duplicates");
        assertNotNull(s.get("metrics").get("minhash_dedup_candidate_pairs"));
    }

    @Test
    void keepDuplicatesKeepsEveryRowWithItsCluster() throws Exception {
        Path out = tmp.resolve("keep-out");
        Cli.Result r = Cli.run("dedup", "--keep-duplicates", "--no-progress", "--on-error", "skip",
                "-i", input.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        // id, reason, cluster_id, duplicate_of of each row (null where a row leaves the field out)
        List<String[]> rows = Cli.outputRows(out).stream().map(row -> new String[] {Cli.text(row, "id"), Cli.text(row, "reason"),
                Cli.text(row, "cluster_id"), Cli.text(row, "duplicate_of")}).toList();
        Map<String, String[]> byId = new HashMap<>();
        for (String[] row : rows) {
            byId.put(row[0], row);
        }
        int exact = 0;
        int near = 0;
        for (String[] row : rows) {
            String reason = row[1];
            if (reason == null) {
                assertEquals(row[0], row[2], "a kept row represents its own cluster");
                assertNull(row[3]);
            } else if (reason.startsWith("exact_dedup") || reason.startsWith("minhash_dedup")) {
                String[] rep = byId.get(row[3]);
                assertNotNull(rep, "duplicate_of names a row: " + java.util.Arrays.toString(row));
                assertEquals(null, rep[1], "the representative is kept: " + java.util.Arrays.toString(rep));
                assertEquals(row[3], row[2], "cluster_id = the representative: " + java.util.Arrays.toString(row));
                exact += reason.startsWith("exact") ? 1 : 0;
                near += reason.startsWith("minhash") ? 1 : 0;
            }
        }
        assertTrue(exact >= 25 && near >= 20, "exact " + exact + ", near " + near);
        // the table's 'kept' is the rows without a reason: the summary says the output holds the rejected ones too
        long rejectedRows = rows.stream().filter(row -> row[1] != null).count();
        assertTrue(r.out().contains("output: " + out + " (also the " + String.format(java.util.Locale.ROOT, "%,d", rejectedRows)
                + " rejected documents, each with its reason)"), r.out());
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%,d kept", rows.size() - rejectedRows)), r.out());
    }

    @Test
    void filterAndCurateAccountForEveryRow() throws Exception {
        Path bench = tmp.resolve("bench.jsonl");
        SampleCorpus.load().writeBenchmark(bench, 42);
        Path out = tmp.resolve("filter-out");
        Path rejected = tmp.resolve("filter-rejected");
        Path stats = tmp.resolve("filter-stats.json");
        Cli.Result r = Cli.run("filter", "--filters", "gopher,c4,fineweb,pii", "--decontaminate", bench.toString(),
                "--no-progress", "--on-error", "skip", "-i", input.toString(), "-o", out.toString(),
                "--rejected", rejected.toString(), "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, String> rejectedIds = checkAccounting(stats, out, rejected);
        assertTrue(rejectedIds.values().stream().anyMatch(v -> v.startsWith("gopher_quality:")), rejectedIds.toString());
        assertTrue(rejectedIds.values().stream().anyMatch(v -> v.startsWith("decontaminate:")), rejectedIds.toString());
        JsonNode metrics = new ObjectMapper().readTree(stats.toFile()).get("metrics");
        assertTrue(metrics.get("pii_email").asLong() >= 5, metrics.toString());
        for (JsonNode row : Cli.outputRows(out)) {
            assertTrue(!Cli.text(row, "text").contains("jane.doe@example.com"), "redacted in the output");
        }

        Path config = tmp.resolve("pipeline.yaml");
        Files.writeString(config, String.join("\n",
                "# the sample's curation, in this order",
                "stages:",
                "  - exact_dedup: {}",
                "  - gopher: {}",
                "  - pii: {kinds: [email, phone]}",
                "  - minhash_dedup: {threshold: 0.8, ngram: 5}",
                "  - decontaminate:",
                "      benchmark: " + bench,
                "      mode: drop",
                ""));
        Path cout = tmp.resolve("curate-out");
        Path crej = tmp.resolve("curate-rejected");
        Path cstats = tmp.resolve("curate-stats.json");
        Cli.Result c = Cli.run("curate", "--config", config.toString(), "--no-progress", "--on-error", "skip",
                "-i", input.toString(), "-o", cout.toString(), "--rejected", crej.toString(), "--stats", cstats.toString());
        assertEquals(0, c.code(), c.toString());
        checkAccounting(cstats, cout, crej);
        List<String> order = new java.util.ArrayList<>();
        new ObjectMapper().readTree(cstats.toFile()).get("stages").forEach(st -> order.add(st.get("stage").asText()));
        assertEquals(List.of("read", "exact_dedup", "gopher_repetition", "gopher_quality", "pii", "minhash_dedup", "decontaminate"),
                order, "the config's order");
    }

    @Test
    void usageErrorsBeforeAnyWork() throws Exception {
        Path out = tmp.resolve("never");
        assertEquals(2, Cli.run("dedup", "--bands", "10", "-i", input.toString(), "-o", out.toString()).code());
        Cli.Result big = Cli.run("dedup", "--bands", "20", "--rows", "8", "--num-perm", "112", "-i", input.toString(), "-o", out.toString());
        assertEquals(2, big.code());
        // the options as typed, not MinHashParams' Java field numPerm
        assertTrue(big.err().contains("--bands 20 x --rows 8 is 160 permutations, more than --num-perm 112"), big.err());
        assertFalse(big.err().contains("numPerm"), big.err());
        // without --num-perm, as many permutations as the bands use (112 were computed for 100 used, and 20 x 8 refused)
        Path few = Files.write(Files.createDirectories(tmp.resolve("few")).resolve("few.jsonl"),
                List.of("{\"id\":\"a\",\"text\":\"one two three four five six\"}", "{\"id\":\"b\",\"text\":\"seven eight nine ten\"}"));
        Cli.Result derived = Cli.run("dedup", "--no-progress", "--minhash", "--bands", "20", "--rows", "8", "-i", few.toString(),
                "-o", tmp.resolve("few-out").toString());
        assertEquals(0, derived.code(), derived.toString());
        assertTrue(derived.out().contains("minhash: 160 permutations as 20 bands x 8 rows"), derived.out());
        assertEquals(2, Cli.run("dedup", "--threshold", "1.5", "-i", input.toString(), "-o", out.toString()).code());
        // near-dedup options beside only other stages ran without near dedup, dropped in silence
        Cli.Result ignored = Cli.run("dedup", "--exact", "--threshold", "0.5", "-i", input.toString(), "-o", out.toString());
        assertEquals(2, ignored.code(), ignored.toString());
        assertTrue(ignored.err().contains("--threshold applies with --minhash (near dedup), which is not given"), ignored.err());
        assertEquals(2, Cli.run("dedup", "--sentences", "--no-verify", "-i", input.toString(), "-o", out.toString()).code());
        Cli.Result bad = Cli.run("filter", "--filters", "gopher,bogus", "-i", input.toString(), "-o", out.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown filter 'bogus'"), bad.err());
        Path config = tmp.resolve("bad.json");
        Files.writeString(config, "{\"stages\": [{\"exact_dedup\": {}}, {\"minhash_dedup\": {\"treshold\": 0.7}}]}");
        Cli.Result cfg = Cli.run("curate", "--config", config.toString(), "-i", input.toString(), "-o", out.toString());
        assertEquals(2, cfg.code());
        assertTrue(cfg.err().contains("stages[1] (minhash_dedup): unknown option 'treshold'"), cfg.err());
        assertTrue(!Files.exists(out));
    }
    /**
     * A column of the input named like the stages' own ({@code _kd_...}, {@code _kindling_...}) is refused before the first
     * stage, naming it: the stages replaced it with theirs and dropped it, and the run exited 0 with the column gone.
     */
    @Test
    void anInputColumnNamedLikeTheStagesOwnIsRefused() throws Exception {
        for (String field : List.of("_kd_pii", "_KD_filter", "_kindling_row_errors")) {
            Path in = tmp.resolve("reserved-" + field + ".jsonl");
            Files.writeString(in, "{\"id\":\"a\",\"text\":\"a few words of text here\",\"" + field + "\":\"mine\"}\n");
            Path out = tmp.resolve("reserved-" + field + "-out");
            Cli.Result r = Cli.run("filter", "--filters", "pii", "--no-progress", "-i", in.toString(), "-o", out.toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("input " + in + " has a column '" + field + "', a name Kindling keeps for the columns its "
                    + "stages add and drop"), r.err());
            assertFalse(Files.exists(out));
        }
        Path flagged = tmp.resolve("reserved-flag.jsonl");
        Files.writeString(flagged, "{\"id\":\"a\",\"text\":\"a few words of text here\"}\n");
        Path bench = tmp.resolve("reserved-bench.jsonl");
        Files.writeString(bench, "{\"text\":\"nothing like the input at all, not one of its words\"}\n");
        Cli.Result flag = Cli.run("filter", "--decontaminate", bench.toString(), "--flag-contaminated", "--flag-column",
                "_kd_contaminated", "--no-progress", "-i", flagged.toString(), "-o", tmp.resolve("reserved-flag-out").toString());
        assertEquals(2, flag.code(), flag.toString());
        assertTrue(flag.err().contains("flagCol '_kd_contaminated'"), flag.err());
    }

    /**
     * A column a benchmark folder lacks (found once Spark reads it) is named with the config and the stage: the error said
     * 'decontaminate: benchmark ... has no column', naming neither, and the options of every surface that sets columns.
     */
    @Test
    void aColumnABenchmarkFolderLacksNamesTheConfigAndStage() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("cols-bench"));
        Files.writeString(folder.resolve("part-00000.json"), "{\"question\":\"a benchmark item\"}\n");
        Path config = Files.writeString(tmp.resolve("cols.yaml"), "stages:\n  - pii: {}\n  - decontaminate: {benchmark: " + folder
                + ", columns: [questoin]}\n");
        Cli.Result r = Cli.run("curate", "--no-progress", "--config", config.toString(), "-i", input.toString(),
                "-o", tmp.resolve("cols-out").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("config " + config + ": stages[1] (decontaminate): benchmark " + folder + " has no column "
                + "'questoin' (columns: question); choose them with 'columns'"), r.err());
    }

    /**
     * curate --keep-duplicates with a config of filters alone is refused before Spark starts: it ran as --keep-rejected,
     * the filters' rejected rows in the output and no cluster_id or duplicate_of, as dedup and filter refuse options for a
     * stage that is not run. With a dedup stage it runs as before.
     */
    @Test
    void keepDuplicatesWithoutADedupStageIsRefused() throws Exception {
        Path config = tmp.resolve("filters-only.yaml");
        Files.writeString(config, "stages:\n  - gopher: {}\n  - pii: {}\n");
        Path out = tmp.resolve("filters-only-out");
        Cli.Result r = Cli.run("curate", "--config", config.toString(), "--keep-duplicates", "-i", input.toString(), "-o", out.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--keep-duplicates applies with a dedup stage (exact_dedup, minhash_dedup, sentence_dedup), "
                + "and --config " + config + " has none; to keep the rows its stages reject, with their reason, give --keep-rejected"),
                r.err());
        assertTrue(!Files.exists(out));
    }

    /**
     * A filter named twice in --filters is a stage of its own, as in curate: the second fineweb's drop (after c4 cut
     * the document's lines short) was credited to the first fineweb, and c4 was shown seeing one document of two.
     */
    @Test
    void aFilterNamedTwiceCountsItsOwnRows() throws Exception {
        StringBuilder nav = new StringBuilder();
        StringBuilder nav2 = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            (i < 5 ? nav : nav2).append("this is a long line of navigation text without any end mark number ").append(i).append("\\n");
        }
        String shortLines = "I went home today.\\nShe was very happy.\\nWe ate some bread.\\nThey sang a song.\\nHe read a book.\\n"
                + "It rained all day.\\n";
        StringBuilder good = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            good.append("This is a perfectly ordinary sentence of reasonable length number ").append(i).append(", written out in full.\\n");
        }
        Path in = Files.writeString(tmp.resolve("repeat.jsonl"), "{\"id\":\"a\",\"text\":\"" + nav + shortLines + nav2 + "\"}\n"
                + "{\"id\":\"b\",\"text\":\"" + good + "\"}\n");
        Path stats = tmp.resolve("repeat-stats.json");
        Cli.Result r = Cli.run("filter", "--filters", "fineweb,c4,fineweb", "--no-progress", "-i", in.toString(),
                "-o", tmp.resolve("repeat-out").toString(), "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        List<String> rows = new ArrayList<>();
        for (JsonNode st : new ObjectMapper().readTree(stats.toFile()).get("stages")) {
            rows.add(st.get("stage").asText() + " " + st.get("in").asLong() + " " + st.get("dropped").asLong() + " " + st.get("reasons"));
        }
        assertEquals(List.of("read 2 0 {}", "fineweb 2 0 {}", "c4 2 0 {}", "fineweb#2 2 1 {\"short_line_ratio\":1}"), rows);
    }
    /**
     * A repeated stage's per-row metrics add up with the first's, as the README says: the repeat wrote its count column
     * under the first's name, so two decontaminate stages reported only the second's matches (here 1 of 2) and a second
     * pii stage's zero e-mails replaced the first's redaction.
     */
    @Test
    void aRepeatedStagesMetricsAddUpWithTheFirsts() throws Exception {
        String a = "the lifeboat crew are all volunteers and they train every week whatever the weather in the bay";
        String b = "a rainbow appeared over the harbour after the storm and half the town stopped to take a picture";
        Path benchA = Files.writeString(tmp.resolve("metrics-bench-a.jsonl"), "{\"text\":\"" + a + "\"}\n");
        Path benchB = Files.writeString(tmp.resolve("metrics-bench-b.jsonl"), "{\"text\":\"" + b + "\"}\n");
        Path in = Files.writeString(tmp.resolve("metrics-in.jsonl"), "{\"id\":\"1\",\"text\":\"Quoted: " + a + ".\"}\n"
                + "{\"id\":\"2\",\"text\":\"Quoted: " + b + ".\"}\n"
                + "{\"id\":\"3\",\"text\":\"Mail jane@example.org or call (555) 123-4567 today.\"}\n");
        Path config = Files.writeString(tmp.resolve("metrics.yaml"), "stages:\n  - pii: {kinds: [email]}\n"
                + "  - decontaminate: {benchmark: " + benchA + "}\n  - decontaminate: {benchmark: " + benchB + "}\n"
                + "  - pii: {kinds: [email, phone]}\n");
        Path stats = tmp.resolve("metrics-stats.json");
        Cli.Result r = Cli.run("curate", "--config", config.toString(), "-i", in.toString(), "-o", tmp.resolve("metrics-out").toString(),
                "--stats", stats.toString(), "--no-progress");
        assertEquals(0, r.code(), r.toString());
        JsonNode metrics = new ObjectMapper().readTree(stats.toFile()).get("metrics");
        assertEquals(2, metrics.get("decontaminate_matches").asLong(), metrics.toString());
        assertEquals(1, metrics.get("pii_email").asLong(), metrics.toString());
        assertEquals(1, metrics.get("pii_phone").asLong(), metrics.toString());
    }

    /**
     * An output on a benchmark the config names is refused before anything is deleted, as filter refuses one on its
     * --decontaminate: curate --stats on it deleted the benchmark (then failed for want of it), and --rejected on a
     * benchmark folder replaced the benchmark with the rejected rows.
     */
    @Test
    void anOutputOnTheConfigsBenchmarkIsRefused() throws Exception {
        Path in = Files.writeString(tmp.resolve("bench-guard-in.jsonl"), "{\"id\":\"1\",\"text\":\"some words here\"}\n");
        Path bench = Files.writeString(tmp.resolve("bench-guard.jsonl"), "{\"text\":\"a benchmark item\"}\n");
        Path folder = Files.createDirectories(tmp.resolve("bench-guard-folder"));
        Files.writeString(folder.resolve("part-00000.json"), "{\"text\":\"a benchmark item\"}\n");
        Path config = Files.writeString(tmp.resolve("bench-guard.yaml"), "stages:\n  - decontaminate: {benchmark: " + bench + "}\n"
                + "  - decontaminate: {benchmark: " + folder + "}\n");
        Cli.Result stats = Cli.run("curate", "--config", config.toString(), "-i", in.toString(), "-o", tmp.resolve("bg-out").toString(),
                "--stats", bench.toString(), "--overwrite", "--no-progress");
        assertEquals(2, stats.code(), stats.toString());
        assertTrue(stats.err().contains("--stats " + bench + " would replace --config " + config + "'s decontaminate benchmark " + bench
                + ", which this run reads"), stats.err());
        assertTrue(Files.exists(bench), "the benchmark is still there");
        Cli.Result rejected = Cli.run("curate", "--config", config.toString(), "-i", in.toString(), "-o", tmp.resolve("bg-out").toString(),
                "--rejected", folder.toString(), "--overwrite", "--no-progress");
        assertEquals(2, rejected.code(), rejected.toString());
        assertTrue(rejected.err().contains("'s decontaminate#2 benchmark " + folder), rejected.err());
        assertTrue(Files.exists(folder.resolve("part-00000.json")), "the benchmark folder is as it was");
    }
}
