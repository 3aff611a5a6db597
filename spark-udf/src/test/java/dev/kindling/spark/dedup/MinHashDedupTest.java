package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.lsh.NearDuplicateFinder;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.spark.io.Columns;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class MinHashDedupTest {

    /** The Spark stage computes exactly what the in-memory reference computes, and only true pairs. */
    @Test
    void sameClustersAsTheInMemoryReferenceAndBruteForce() {
        List<Document> docs = DedupTestData.benchmark(60, 120, 9);
        var stage = new MinHashDedup().setClusterColumns(true);
        Map<String, Row> out = new HashMap<>();
        for (Row r : stage.transform(DedupTestData.frame(docs, 3)).collectAsList()) {
            out.put(r.getAs("id"), r);
        }
        assertEquals(docs.size(), out.size());
        var reference = new NearDuplicateFinder(NearDuplicateFinder.Config.defaults(0.8)).find(docs);
        Set<String> truth = NearDuplicateFinder.allPairsAbove(docs, 5, NormalizeOptions.NEAR, 0.8);
        int duplicates = 0;
        for (Document d : docs) {
            Row r = out.get(d.id());
            String dupOf = r.getAs(Columns.DUPLICATE_OF);
            assertEquals(reference.duplicateOf(d.id()), dupOf, d.id());
            assertEquals(reference.clusterId(d.id()), (String) r.getAs(Columns.CLUSTER_ID), d.id());
            if (dupOf != null) {
                duplicates++;
                assertEquals("minhash_dedup:near_duplicate", (String) r.getAs(Columns.REASON));
                assertTrue(truth.contains(dupOf + "\t" + d.id()) || sameClusterByTruth(dupOf, d.id(), truth),
                        d.id() + " is not similar to " + dupOf);
            } else {
                assertEquals(null, (String) r.getAs(Columns.REASON));
            }
        }
        assertEquals(reference.duplicates(), duplicates);
        assertTrue(duplicates >= truth.size() - 2, duplicates + " duplicates, " + truth.size() + " true pairs");
        var run = stage.lastRun();
        System.out.println("minhash run: " + run);
        assertEquals(14, run.params().bands());
        assertEquals(reference.edges().size(), run.similarPairs());
        assertEquals(reference.candidates(), run.candidatePairs());
    }

    private static boolean sameClusterByTruth(String a, String b, Set<String> truth) {
        Set<String> seen = new HashSet<>(Set.of(a));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (String p : truth) {
                String[] ab = p.split("\t");
                if (seen.contains(ab[0]) != seen.contains(ab[1])) {
                    seen.add(ab[0]);
                    seen.add(ab[1]);
                    grew = true;
                }
            }
        }
        return seen.contains(b);
    }
}
