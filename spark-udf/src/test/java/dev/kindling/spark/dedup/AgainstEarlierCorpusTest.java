package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.io.Columns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dedup against an earlier corpus ({@code againstPaths}, {@code setAgainst}): exact and near duplicates of earlier
 * documents are rejected with their own reasons and name the earlier document; the earlier documents are never output;
 * within the new corpus dedup works as before. Checked against {@link Oracle}, an in-memory reference that shares no
 * code with the stages: it compares normalised strings and word 5-gram sets of strings, every pair with every pair,
 * and clusters with a union-find (no hashing, no LSH, no Spark).
 */
class AgainstEarlierCorpusTest {
    @TempDir Path tmp;

    /** 200 random words: texts of different seeds share no 5-gram. */
    static String words(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> w = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            w.add("w" + Integer.toString(r.nextInt(1_000_000), 36));
        }
        return String.join(" ", w);
    }

    /** {@code text} with its word at {@code at} replaced: Jaccard about 0.95 of 5-grams with the original. */
    static String changed(String text, int at, String word) {
        String[] w = text.split(" ");
        w[at] = word;
        return String.join(" ", w);
    }

    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);

    static Dataset<Row> frame(Map<String, String> docs, int partitions) {
        List<Row> rows = new ArrayList<>();
        docs.forEach((id, text) -> rows.add(RowFactory.create(id, text)));
        return TestSpark.session().createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    /** id → "reason | duplicate_of | cluster_id". */
    static Map<String, String> verdicts(Dataset<Row> out) {
        Map<String, String> m = new TreeMap<>();
        for (Row r : out.collectAsList()) {
            m.put(r.getAs("id"), r.getAs(Columns.REASON) + " | " + r.getAs(Columns.DUPLICATE_OF) + " | " + r.getAs(Columns.CLUSTER_ID));
        }
        return m;
    }

    /** Exact then near dedup with cluster columns, against {@code earlier} unless null. */
    static Dataset<Row> exactThenNear(Dataset<Row> docs, Dataset<Row> earlier) {
        Dataset<Row> exact = new ExactDedup().setClusterColumns(true).setAgainst(earlier).transform(docs);
        return new MinHashDedup().setClusterColumns(true).setAgainst(earlier).transform(exact);
    }

    /** The cases one by one: e* earlier documents, n* new ones. */
    static Map<String, String> earlierDocs() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("e1", words(1));
        e.put("e2", words(2));
        e.put("e4", "Hello World");                   // too short for a 5-gram: exact dedup alone sees it
        e.put("e6", changed(words(6), 100, "zzz"));   // a near copy of the new n12 and n13
        e.put("e9", words(9));                        // nothing new is like it
        return e;
    }

    static Map<String, String> newDocs() {
        Map<String, String> n = new LinkedHashMap<>();
        n.put("n01", "HELLO   world");                          // exact copy of e4 (normalised)
        n.put("n02", words(1));                                 // exact copy of e1 ...
        n.put("n03", words(1).toUpperCase(java.util.Locale.ROOT)); // ... and of n02: the whole group goes
        n.put("n04", changed(words(1), 7, "other"));            // near copy of e1
        n.put("n05", changed(words(2), 50, "other"));           // near copies of e2, and of each other
        n.put("n06", changed(words(2), 150, "another"));
        n.put("n07", words(4));                                 // new: kept
        n.put("n08", changed(words(4), 3, "other"));            // near copy of n07
        n.put("n09", words(4) + " ");                           // exact copy of n07
        n.put("n10", words(5));                                 // new: kept
        n.put("n11", "hello there");                            // new, short: kept
        n.put("n12", words(6));                                 // near copy of e6 ...
        n.put("n13", words(6));                                 // ... with an exact copy, which follows it to e6
        return n;
    }

    /**
     * The verdicts of {@link #newDocs} deduplicated against {@link #earlierDocs}, exact then near ("reason | duplicate_of |
     * cluster_id"), as {@link Oracle} gives them: the CLI's tests of the same runs compare their output with it.
     */
    static Map<String, String> verdictsAgainstEarlierDocs() {
        return new TreeMap<>(Map.ofEntries(
                Map.entry("n01", "exact_dedup:duplicate_of_earlier | e4 | e4"),
                Map.entry("n02", "exact_dedup:duplicate_of_earlier | e1 | e1"),
                Map.entry("n03", "exact_dedup:duplicate_of_earlier | e1 | e1"),
                Map.entry("n04", "minhash_dedup:near_duplicate_of_earlier | e1 | e1"),
                Map.entry("n05", "minhash_dedup:near_duplicate_of_earlier | e2 | e2"),
                Map.entry("n06", "minhash_dedup:near_duplicate_of_earlier | e2 | e2"),
                Map.entry("n07", "null | null | n07"),
                Map.entry("n08", "minhash_dedup:near_duplicate | n07 | n07"),
                Map.entry("n09", "exact_dedup:duplicate | n07 | n07"),
                Map.entry("n10", "null | null | n10"),
                Map.entry("n11", "null | null | n11"),
                Map.entry("n12", "minhash_dedup:near_duplicate_of_earlier | e6 | e6"),
                Map.entry("n13", "exact_dedup:duplicate | e6 | e6")));
    }

    @Test
    void duplicatesOfEarlierDocumentsAreRejectedNamingThem() {
        Dataset<Row> out = exactThenNear(frame(newDocs(), 3), frame(earlierDocs(), 2));
        Map<String, String> got = new TreeMap<>();
        List<String> jobs = TestSpark.jobsOf(() -> got.putAll(verdicts(out)));
        // near dedup's labels, found on the driver, reach the rows without a job of their own (it broadcast the labels,
        // the roots and the earlier members, each in a job)
        assertEquals(7, jobs.size(), "Spark jobs of reading the output: " + jobs);
        Map<String, String> want = verdictsAgainstEarlierDocs();
        assertEquals(want, got);
        assertEquals(want, Oracle.run(earlierDocs(), newDocs()));
    }

    /**
     * setAgainst's DataFrame is no param, and Spark ML runs copies of a stage where a ParamMap is given ({@code
     * transform(df, paramMap)}, {@code Pipeline.fit(df, paramMap)}, CrossValidator): a copy deduplicated against nothing,
     * in silence, keeping every duplicate of an earlier document. A copy keeps it, and a copy's copy too.
     */
    @Test
    void aCopyKeepsTheEarlierCorpus() {
        Dataset<Row> docs = frame(newDocs(), 2);
        Dataset<Row> earlier = frame(earlierDocs(), 1);
        ExactDedup exact = new ExactDedup().setClusterColumns(true).setAgainst(earlier);
        Map<String, String> byStage = verdicts(exact.transform(docs));
        assertEquals("exact_dedup:duplicate_of_earlier | e4 | e4", byStage.get("n01"));
        org.apache.spark.ml.param.ParamMap none = org.apache.spark.ml.param.ParamMap.empty();
        assertEquals(byStage, verdicts(exact.copy(none).copy(none).transform(docs)));
        assertEquals(byStage, verdicts(exact.transform(docs, none)));
        MinHashDedup near = new MinHashDedup().setClusterColumns(true).setAgainst(earlier);
        Map<String, String> nearByStage = verdicts(near.transform(docs));
        assertEquals("minhash_dedup:near_duplicate_of_earlier | e1 | e1", nearByStage.get("n04"));
        assertEquals(nearByStage, verdicts(new org.apache.spark.ml.Pipeline().setStages(new org.apache.spark.ml.PipelineStage[] {near})
                .fit(docs, new org.apache.spark.ml.param.ParamMap().put(near.threshold(), near.getThreshold())).transform(docs)));
    }

    /** Without an earlier corpus the stages do as before: the same rows as a run without the param. */
    @Test
    void withinTheNewCorpusNothingChanges() {
        Dataset<Row> docs = frame(newDocs(), 3);
        Map<String, String> plain = verdicts(new MinHashDedup().setClusterColumns(true).transform(
                new ExactDedup().setClusterColumns(true).transform(docs)));
        // an earlier corpus unlike any new document changes nothing
        Map<String, String> against = verdicts(exactThenNear(docs, frame(Map.of("x1", words(99), "x2", "Unrelated"), 1)));
        assertEquals(plain, against);
        assertEquals(Oracle.run(Map.of(), newDocs()), plain);
    }

    /** A corpus of random groups: exact copies, case changes, near copies, some of earlier documents. */
    @Test
    void agreesWithTheInMemoryReferenceOnRandomGroups() {
        SplittableRandom r = new SplittableRandom(20261205);
        Map<String, String> earlier = new LinkedHashMap<>();
        Map<String, String> news = new LinkedHashMap<>();
        int n = 0;
        for (int base = 0; base < 30; base++) {
            String text = words(1000 + base);
            if (base % 3 == 0) {
                earlier.put(String.format("E%03d", base), r.nextBoolean() ? text : changed(text, r.nextInt(200), "early"));
            }
            int copies = r.nextInt(4);
            for (int c = 0; c < copies; c++) {
                String variant = switch (r.nextInt(3)) {
                    case 0 -> text;
                    case 1 -> text.toUpperCase(java.util.Locale.ROOT);
                    default -> changed(text, r.nextInt(200), "v" + c);
                };
                news.put(String.format("N%03d", n++), variant);
            }
        }
        Map<String, String> got = verdicts(exactThenNear(frame(news, 4), frame(earlier, 3)));
        Map<String, String> want = Oracle.run(earlier, news);
        assertEquals(want, got);
        // the same whatever the partitioning of either corpus
        assertEquals(got, verdicts(exactThenNear(frame(news, 1), frame(earlier, 5))));
        long ofEarlier = want.values().stream().filter(v -> v.contains("_of_earlier")).count();
        long within = want.values().stream().filter(v -> v.startsWith("exact_dedup:duplicate |") || v.startsWith("minhash_dedup:near_duplicate |")).count();
        assertTrue(ofEarlier >= 5 && within >= 5, "too few cases: " + ofEarlier + " of earlier, " + within + " within: " + want);
    }

    /**
     * The corpus near-duplicate benchmark split in two at random, earlier ids ordered first: deduplicating the new half
     * against the earlier one gives each new document the verdict, duplicate_of and cluster_id of deduplicating both
     * together (a representative from the earlier half read as "of earlier"), the pipeline's own result as the reference.
     */
    @Test
    void sameAsDeduplicatingBothCorporaTogether() {
        List<dev.kindling.dedup.Document> docs = DedupTestData.benchmark(60, 120, 9);
        SplittableRandom r = new SplittableRandom(11);
        Map<String, String> earlier = new LinkedHashMap<>();
        Map<String, String> news = new LinkedHashMap<>();
        Map<String, String> all = new LinkedHashMap<>();
        for (dev.kindling.dedup.Document d : docs) {
            String id = (r.nextBoolean() ? "A" : "N") + d.id();
            (id.startsWith("A") ? earlier : news).put(id, d.text());
            all.put(id, d.text());
        }
        Map<String, String> together = verdicts(exactThenNear(frame(all, 3), null));
        Map<String, String> want = new TreeMap<>();
        for (String id : news.keySet()) {
            String[] v = together.get(id).split(" \\| ");
            boolean ofEarlier = v[1].startsWith("A");
            want.put(id, (ofEarlier ? v[0] + "_of_earlier" : v[0]) + " | " + v[1] + " | " + v[2]);
        }
        assertEquals(want, verdicts(exactThenNear(frame(news, 3), frame(earlier, 2))));
        assertTrue(want.values().stream().filter(v -> v.contains("_of_earlier")).count() > 20, want.toString());
    }

    /** againstPaths: the earlier corpus read from files as --input is, the param saved with the stage. */
    @Test
    void againstPathsReadsFilesAndIsSaved() throws Exception {
        TestSpark.session();   // the stage's writer uses the active session
        Path earlier = tmp.resolve("earlier.jsonl");
        StringBuilder sb = new StringBuilder();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (Map.Entry<String, String> e : earlierDocs().entrySet()) {
            sb.append(json.writeValueAsString(Map.of("id", e.getKey(), "text", e.getValue()))).append('\n');
        }
        // a row an earlier Kindling run rejected (kept with its reason): not published, so it takes no part
        sb.append(json.writeValueAsString(Map.of("id", "e0", "text", words(10), "reason", "exact_dedup:duplicate"))).append('\n');
        Files.writeString(tmp.resolve("earlier.jsonl"), sb.toString());
        ExactDedup exact = new ExactDedup().setAgainstPaths(new String[] {earlier.toString()});
        exact.write().overwrite().save(tmp.resolve("exact").toString());
        ExactDedup loaded = ExactDedup.load(tmp.resolve("exact").toString());
        assertEquals(List.of(earlier.toString()), List.of(loaded.getAgainstPaths()));
        Map<String, String> docs = new LinkedHashMap<>(newDocs());
        docs.put("n20", words(10));
        Dataset<Row> out = new MinHashDedup().setAgainstPaths(new String[] {earlier.toString()})
                .transform(loaded.setClusterColumns(true).transform(frame(docs, 2)));
        Map<String, String> reasons = new TreeMap<>();
        for (Row row : out.collectAsList()) {
            reasons.put(row.getAs("id"), row.getAs(Columns.REASON));
        }
        assertEquals("exact_dedup:duplicate_of_earlier", reasons.get("n02"));
        assertEquals("minhash_dedup:near_duplicate_of_earlier", reasons.get("n04"));
        assertEquals(null, reasons.get("n20"));
        assertEquals(null, reasons.get("n07"));

        KindlingException missing = assertThrows(KindlingException.class, () -> new ExactDedup()
                .setAgainstPaths(new String[] {tmp.resolve("nope.jsonl").toString()}).transform(frame(newDocs(), 1)));
        assertTrue(missing.getMessage().contains("againstPaths " + tmp.resolve("nope.jsonl") + " does not exist"), missing.getMessage());
        KindlingException noColumn = assertThrows(KindlingException.class, () -> new MinHashDedup().setTextCol("body")
                .setAgainstPaths(new String[] {earlier.toString()})
                .transform(frame(newDocs(), 1).withColumnRenamed("text", "body")));
        assertTrue(noColumn.getMessage().contains("'body'") && noColumn.getMessage().contains(earlier.toString()), noColumn.getMessage());
    }

    /**
     * An earlier document without an id (possible through the Java API: the reader gives every row one) fails the job
     * naming it: its copies would be dropped naming no row, or kept because there was no id to name.
     */
    @Test
    void anEarlierDocumentWithoutAnIdFailsNamingIt() {
        Dataset<Row> earlier = TestSpark.session().createDataFrame(List.of(RowFactory.create(null, words(1))), SCHEMA);
        for (org.apache.spark.ml.Transformer stage : List.<org.apache.spark.ml.Transformer>of(
                new ExactDedup().setAgainst(earlier), new MinHashDedup().setClusterColumns(true).setAgainst(earlier))) {
            Exception e = assertThrows(Exception.class, () -> stage.transform(frame(newDocs(), 2)).collectAsList(), stage.toString());
            String all = org.apache.commons.lang3.exception.ExceptionUtils.getStackTrace(e);
            assertTrue(all.contains("the earlier corpus: a document has a null id (column 'id')"), all);
        }
    }

    /**
     * An earlier corpus whose text and reason columns are Spark 4 collated strings ({@code STRING COLLATE UTF8_LCASE}, a
     * table's collation) is read as one of plain strings: its text is refused no more, and a row it rejected (a reason set)
     * takes no part, where a collated reason column was passed over and its rejected rows counted as published.
     */
    @Test
    void collatedTextAndReasonColumnsAreStrings() {
        List<Row> rows = List.of(RowFactory.create("e1", words(1), "gopher_quality:too_short"), RowFactory.create("e2", words(2), null));
        Dataset<Row> earlier = TestSpark.session().createDataFrame(rows,
                        new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType).add(Columns.REASON, DataTypes.StringType))
                .selectExpr("id", "text COLLATE UTF8_LCASE AS text", Columns.REASON + " COLLATE UTF8_LCASE AS " + Columns.REASON);
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("n1", words(1)); // a copy of e1, which the earlier run rejected: kept
        docs.put("n2", words(2)); // a copy of e2: a duplicate of it
        Map<String, String> got = verdicts(new ExactDedup().setClusterColumns(true).setAgainst(earlier).transform(frame(docs, 1)));
        assertEquals("null | null | n1", got.get("n1"), got.toString());
        assertEquals("exact_dedup:duplicate_of_earlier | e2 | e2", got.get("n2"), got.toString());
    }

    /**
     * Ids that are Spark 4 collated strings ({@code STRING COLLATE UTF8_LCASE}) are compared as written: under their
     * collation 'A' and 'a' were one id in the stages' joins, so near dedup after exact dedup named the unrelated 'a' as
     * the exact copy B's duplicate_of and cluster. The output's id columns keep the input's type.
     */
    @Test
    void collatedIdsAreComparedAsWritten() {
        Map<String, String> docs = new LinkedHashMap<>();
        Map<String, String> expected = new TreeMap<>();
        for (String k : List.of("A", "C", "D", "E", "F", "G", "H", "K")) {
            long seed = k.charAt(0);
            String lower = k.toLowerCase(java.util.Locale.ROOT);
            docs.put(k, words(seed));
            docs.put(lower, words(seed + 100));                       // unrelated: its id equal to k's only under the collation
            docs.put(lower + "2", changed(words(seed), 7, "other"));  // a near copy of k
            docs.put(k + "2", words(seed));                           // an exact copy of k
            expected.put(k, "null | null | " + k);
            expected.put(lower, "null | null | " + lower);
            expected.put(lower + "2", "minhash_dedup:near_duplicate | " + k + " | " + k);
            expected.put(k + "2", "exact_dedup:duplicate | " + k + " | " + k);
        }
        Dataset<Row> collated = frame(docs, 3).selectExpr("id COLLATE UTF8_LCASE AS id", "text");
        Dataset<Row> out = exactThenNear(collated, null);
        assertEquals(expected, verdicts(out));
        for (String c : List.of("id", Columns.CLUSTER_ID, Columns.DUPLICATE_OF)) {
            assertEquals(collated.schema().apply("id").dataType(), out.schema().apply(c).dataType(), c);
        }
    }

    /**
     * An earlier id that is not of the new ids' type fails naming it and the type (Spark 4's ANSI cast failed first, as
     * CAST_INVALID_INPUT naming neither the earlier corpus nor duplicate_of).
     */
    @Test
    void anEarlierIdOfAnotherTypeFailsNamingIt() {
        StructType longIds = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        Dataset<Row> docs = TestSpark.session().createDataFrame(List.of(RowFactory.create(1L, words(1))), longIds);
        Dataset<Row> earlier = TestSpark.session().createDataFrame(List.of(RowFactory.create("e1", words(1))), SCHEMA);
        Exception e = assertThrows(Exception.class, () -> new ExactDedup().setAgainst(earlier).transform(docs).collectAsList());
        String all = org.apache.commons.lang3.exception.ExceptionUtils.getStackTrace(e);
        assertTrue(all.contains("the earlier corpus: id 'e1' (column 'id') is not a bigint, the new documents' id type"), all);
    }

    /**
     * The reference, independent of the stages: exact dedup by the normalised string (first against the earlier texts,
     * then each group keeps its smallest id), then near dedup of the rows left, by word 5-gram sets of strings compared
     * pair by pair with the earlier documents and each other (pairs of two earlier documents left out), clustered with a
     * union-find: a cluster with an earlier document keeps no new one and names its smallest earlier id; rows exact dedup
     * removed follow their representative.
     */
    static final class Oracle {
        static Map<String, String> run(Map<String, String> earlier, Map<String, String> news) {
            Map<String, String> reason = new TreeMap<>();
            Map<String, String> cluster = new HashMap<>();
            Map<String, String> dupOf = new HashMap<>();
            // exact
            Map<String, String> earlierByKey = new HashMap<>();
            earlier.forEach((id, t) -> earlierByKey.merge(TextNormalizer.normalize(t, NormalizeOptions.EXACT), id, Oracle::min));
            Map<String, String> firstByKey = new HashMap<>();
            news.forEach((id, t) -> firstByKey.merge(TextNormalizer.normalize(t, NormalizeOptions.EXACT), id, Oracle::min));
            for (Map.Entry<String, String> d : news.entrySet()) {
                String key = TextNormalizer.normalize(d.getValue(), NormalizeOptions.EXACT);
                String id = d.getKey();
                if (earlierByKey.containsKey(key)) {
                    reason.put(id, "exact_dedup:duplicate_of_earlier");
                    cluster.put(id, earlierByKey.get(key));
                    dupOf.put(id, earlierByKey.get(key));
                } else if (!firstByKey.get(key).equals(id)) {
                    reason.put(id, "exact_dedup:duplicate");
                    cluster.put(id, firstByKey.get(key));
                    dupOf.put(id, firstByKey.get(key));
                } else {
                    reason.put(id, null);
                    cluster.put(id, id);
                }
            }
            // near, over the rows exact dedup kept and every earlier document
            List<String> ids = new ArrayList<>();
            Map<String, Set<String>> grams = new HashMap<>();
            Set<String> isEarlier = new HashSet<>(earlier.keySet());
            earlier.forEach((id, t) -> {
                ids.add(id);
                grams.put(id, fiveGrams(t));
            });
            news.forEach((id, t) -> {
                if (reason.get(id) == null) {
                    ids.add(id);
                    grams.put(id, fiveGrams(t));
                }
            });
            Map<String, String> parent = new HashMap<>();
            ids.forEach(id -> parent.put(id, id));
            for (int i = 0; i < ids.size(); i++) {
                for (int j = i + 1; j < ids.size(); j++) {
                    String a = ids.get(i);
                    String b = ids.get(j);
                    if ((isEarlier.contains(a) && isEarlier.contains(b)) || grams.get(a).isEmpty() || grams.get(b).isEmpty()) {
                        continue;
                    }
                    if (jaccard(grams.get(a), grams.get(b)) >= 0.8) {
                        parent.put(find(parent, a), find(parent, b));
                    }
                }
            }
            Map<String, List<String>> components = new HashMap<>();
            ids.forEach(id -> components.computeIfAbsent(find(parent, id), k -> new ArrayList<>()).add(id));
            Map<String, String> movedTo = new HashMap<>();   // a kept row of exact dedup → its final cluster
            for (List<String> c : components.values()) {
                if (c.size() < 2) {
                    continue;
                }
                String firstEarlier = c.stream().filter(isEarlier::contains).min(String::compareTo).orElse(null);
                String firstNew = c.stream().filter(x -> !isEarlier.contains(x)).min(String::compareTo).orElseThrow();
                for (String id : c) {
                    if (isEarlier.contains(id)) {
                        continue;
                    }
                    if (firstEarlier != null) {
                        reason.put(id, "minhash_dedup:near_duplicate_of_earlier");
                        dupOf.put(id, firstEarlier);
                        movedTo.put(id, firstEarlier);
                    } else if (!id.equals(firstNew)) {
                        reason.put(id, "minhash_dedup:near_duplicate");
                        dupOf.put(id, firstNew);
                        movedTo.put(id, firstNew);
                    } else {
                        movedTo.put(id, firstNew);
                    }
                }
            }
            Map<String, String> out = new TreeMap<>();
            for (String id : news.keySet()) {
                String c = cluster.get(id);
                String d = dupOf.get(id);
                if (movedTo.containsKey(id)) {
                    c = movedTo.get(id);
                } else if (reason.get(id) != null && reason.get(id).startsWith("exact_dedup:") && movedTo.containsKey(c)) {
                    c = movedTo.get(c);   // follows its representative
                    d = c;
                }
                out.put(id, reason.get(id) + " | " + d + " | " + c);
            }
            return out;
        }

        private static String min(String a, String b) {
            return a.compareTo(b) <= 0 ? a : b;
        }

        private static String find(Map<String, String> parent, String x) {
            while (!parent.get(x).equals(x)) {
                x = parent.get(x);
            }
            return x;
        }

        /** Word 5-grams of the near-normalised text (words split at spaces), as strings. */
        static Set<String> fiveGrams(String text) {
            String norm = TextNormalizer.normalize(text, NormalizeOptions.NEAR);
            String[] w = norm.isEmpty() ? new String[0] : norm.split(" ");
            Set<String> out = new HashSet<>();
            for (int i = 0; i + 5 <= w.length; i++) {
                out.add(String.join(" ", java.util.Arrays.copyOfRange(w, i, i + 5)));
            }
            return out;
        }

        static double jaccard(Set<String> a, Set<String> b) {
            Set<String> both = new HashSet<>(a);
            both.retainAll(b);
            return (double) both.size() / (a.size() + b.size() - both.size());
        }
    }
}
