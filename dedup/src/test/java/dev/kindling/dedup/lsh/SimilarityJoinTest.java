package dev.kindling.dedup.lsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.bench.NearDuplicateCorpus;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimilarityJoinTest {

    /** The exact join returns exactly the brute-force pairs (the benchmark corpus plus boilerplate pages). */
    @Test
    void equalsBruteForceOnTheBenchmarkCorpus() {
        List<String> pool = NearDuplicateCorpus.wordPool(SharedData.require("corpus"));
        List<Document> docs = new ArrayList<>(NearDuplicateCorpus.build(pool, 150, 200, 3));
        docs.addAll(NearDuplicateCorpus.boilerplatePages(pool, 150, 12, 3));
        for (double t : new double[] {0.5, 0.8, 0.9}) {
            Set<String> truth = NearDuplicateFinder.allPairsAbove(docs, 5, NormalizeOptions.NEAR, t);
            assertEquals(truth, joined(docs, t), "threshold " + t);
            assertTrue(t > 0.85 || truth.size() > 100, "pairs at " + t + ": " + truth.size());
        }
    }

    /** Random small sets over a tiny alphabet: many ties, sizes and overlaps. */
    @Test
    void equalsBruteForceOnRandomSets() {
        SplittableRandom r = new SplittableRandom(7);
        List<long[]> sets = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int size = r.nextInt(12);
            Set<Long> s = new HashSet<>();
            while (s.size() < size) {
                s.add((long) r.nextInt(20) * 0x9E3779B97F4A7C15L);
            }
            sets.add(s.stream().mapToLong(Long::longValue).sorted().toArray());
        }
        for (double t : new double[] {0.3, 0.5, 2.0 / 3, 0.75, 1.0}) {
            Set<String> brute = new HashSet<>();
            for (int i = 0; i < sets.size(); i++) {
                for (int j = i + 1; j < sets.size(); j++) {
                    if (dev.kindling.dedup.minhash.Jaccard.of(sets.get(i), sets.get(j)) >= t) {
                        brute.add(i + "\t" + j);
                    }
                }
            }
            Set<String> got = new HashSet<>();
            for (int[] p : SimilarityJoin.pairs(sets, t)) {
                got.add(p[0] + "\t" + p[1]);
            }
            assertEquals(brute, got, "threshold " + t);
        }
    }

    private static Set<String> joined(List<Document> docs, double t) {
        List<Document> sorted = new ArrayList<>(docs);
        sorted.sort(java.util.Comparator.comparing(Document::id));
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        List<long[]> sets = new ArrayList<>();
        for (Document d : sorted) {
            sets.add(sh.shingleSet(d.text()));
        }
        Set<String> out = new HashSet<>();
        for (int[] p : SimilarityJoin.pairs(sets, t)) {
            out.add(sorted.get(p[0]).id() + "\t" + sorted.get(p[1]).id());
        }
        return out;
    }
}
