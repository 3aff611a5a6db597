package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.dedup.Document;
import dev.kindling.dedup.lsh.SimilarityJoin;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus near-duplicate benchmark (1,500 documents from shared/data/corpus, 500 true pairs at
 * Jaccard ≥ 0.8 by exact all-pairs comparison) through the CLI and Spark: {@code kindling dedup
 * --minhash --keep-duplicates}; precision and recall of the duplicate pairs put in one cluster.
 */
class CorpusBenchmarkCliTest {
    @TempDir Path tmp;

    @Test
    void precisionAndRecallAtThreshold08ThroughTheCli() throws Exception {
        List<Document> docs = DedupTestData.benchmark(500, 300, 5);
        Path input = tmp.resolve("bench.jsonl");
        writeJsonl(docs, input);
        Set<String> truth = truth(docs, 0.8);
        assertTrue(truth.size() >= 450, "true pairs: " + truth.size());

        Path out = tmp.resolve("out");
        Path stats = tmp.resolve("stats.json");
        Cli.Result r = Cli.run("dedup", "--minhash", "--threshold", "0.8", "--keep-duplicates", "--no-progress",
                "-i", input.toString(), "-o", out.toString(), "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("14 bands x 8 rows"), r.out());
        Map<String, List<String>> clusters = new HashMap<>();
        long rows = 0;
        for (Row row : TestSpark.session().read().json(out.toString()).select("id", "cluster_id", "duplicate_of", "reason")
                .collectAsList()) {
            rows++;
            clusters.computeIfAbsent(row.getString(1), k -> new ArrayList<>()).add(row.getString(0));
            if (row.isNullAt(2)) {
                assertTrue(row.isNullAt(3), "a representative is kept: " + row);
                assertEquals(row.getString(0), row.getString(1));
            } else {
                assertEquals("minhash_dedup:near_duplicate", row.getString(3));
                assertTrue(row.getString(2).compareTo(row.getString(0)) < 0, "the smallest id represents: " + row);
            }
        }
        assertEquals(docs.size(), rows, "--keep-duplicates keeps every row");
        Set<String> found = new HashSet<>();
        for (List<String> members : clusters.values()) {
            members.sort(null);
            for (int i = 0; i < members.size(); i++) {
                for (int j = i + 1; j < members.size(); j++) {
                    found.add(members.get(i) + "\t" + members.get(j));
                }
            }
        }
        long tp = found.stream().filter(truth::contains).count();
        double precision = found.isEmpty() ? 1 : (double) tp / found.size();
        double recall = (double) tp / truth.size();
        System.out.printf(Locale.ROOT, "corpus benchmark via kindling dedup --minhash: %d documents, %d true pairs, "
                + "precision %.4f, recall %.4f%n", docs.size(), truth.size(), precision, recall);
        assertTrue(precision >= 0.95, "precision " + precision);
        assertTrue(recall >= 0.95, "recall " + recall);

        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        long dropped = 0;
        for (JsonNode stage : s.get("stages")) {
            dropped += stage.get("dropped").asLong();
        }
        assertEquals(docs.size(), s.get("documents_in").asLong());
        assertEquals(s.get("documents_in").asLong(), s.get("documents_kept").asLong() + dropped, "in = kept + dropped");
        assertEquals(rows - clusters.size(), s.get("stages").get(1).get("reasons").get("near_duplicate").asLong());
    }

    static Set<String> truth(List<Document> docs, double threshold) {
        List<Document> sorted = new ArrayList<>(docs);
        sorted.sort(java.util.Comparator.comparing(Document::id));
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        List<long[]> sets = new ArrayList<>();
        for (Document d : sorted) {
            sets.add(sh.shingleSet(d.text()));
        }
        Set<String> out = new HashSet<>();
        for (int[] p : SimilarityJoin.pairs(sets, threshold)) {
            out.add(sorted.get(p[0]).id() + "\t" + sorted.get(p[1]).id());
        }
        return out;
    }

    static void writeJsonl(List<Document> docs, Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Document d : docs) {
                w.write(json.writeValueAsString(Map.of("id", d.id(), "text", d.text())));
                w.write('\n');
            }
        }
    }
}
