package dev.kindling.dedup.lsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.bench.NearDuplicateCorpus;
import dev.kindling.dedup.minhash.Jaccard;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The near-duplicate benchmark: real text from {@code shared/data/corpus} cut into 300-word base
 * documents; each gets one variant edited to a target Jaccard similarity at or above 0.8 (a true
 * duplicate) and one below it. Edits replace isolated words with fresh ones: each destroys n
 * shingles of the base and creates n new ones, so k edits give J = (S - nk) / (S + nk). The truth
 * is not taken from the plan: every pair of the whole set is compared by brute-force Jaccard, and
 * the pairs at or above 0.8 are the duplicates to find.
 */
class NearDuplicateBenchmarkTest {
    private static final double THRESHOLD = 0.8;

    @Test
    void precisionAndRecallAtThreshold08() {
        List<Document> docs = build(500, 300, 5);
        Set<String> truth = NearDuplicateFinder.allPairsAbove(docs, 5, NormalizeOptions.NEAR, THRESHOLD);
        Map<String, Double> truthJ = exactSimilarities(docs, truth);
        System.out.printf(Locale.ROOT, "benchmark: %d documents, %d true duplicate pairs (J >= %.2f)%n",
                docs.size(), truth.size(), THRESHOLD);
        assertTrue(truth.size() >= 450, "the benchmark must hold duplicates: " + truth.size());

        // the default: datatrove's banding (14 x 8), candidates verified by exact Jaccard at the threshold
        var base = NearDuplicateFinder.Config.defaults(THRESHOLD);
        Metrics exact = evaluate("14x8, exact verification (default)", base, docs, truth, truthJ);
        Metrics sig = evaluate("14x8, signature verification",
                base.withVerification(NearDuplicateFinder.Verification.SIGNATURE), docs, truth, truthJ);
        // text-dedup's optimal_param with equal weights for 0.8 at 112 permutations (9 x 12): reported, see OptimalParam
        OptimalParam.BandsRows equal = OptimalParam.optimal(THRESHOLD, 112, 0.5, 0.5);
        assertEquals(new OptimalParam.BandsRows(9, 12), equal);
        Metrics optimal = evaluate("optimal_param equal weights 9x12, exact verification",
                base.withParams(new MinHashParams(112, equal.bands(), equal.rows(), 5, MinHashParams.DEFAULT_SEED)),
                docs, truth, truthJ);
        // Kindling's rule for --threshold (false negatives weighted 0.95) gives the default shape at 0.8
        assertEquals(base.params(), NearDuplicateFinder.Config.forThreshold(THRESHOLD).params());

        Metrics m = exact;
        assertTrue(m.precision >= 0.95, m.name + " precision " + m.precision);
        assertTrue(m.recall >= 0.95, m.name + " recall " + m.recall);
        assertTrue(m.clusterPrecision >= 0.95, m.name + " cluster precision " + m.clusterPrecision);
        assertTrue(m.clusterRecall >= 0.95, m.name + " cluster recall " + m.clusterRecall);
        assertEquals(1.0, exact.precision, "exact verification accepts no pair below the threshold");
        // Signatures alone (112 values, standard error 0.04 at J=0.8) blur the threshold: reported,
        // held to a looser bar; equal-weight optimal_param's 9 x 12 loses pairs just above 0.8 at the LSH stage.
        // Their precision is one draw of that noise over the ~100 non-duplicates within 0.04 below the threshold:
        // on benchmark seeds 1, 2, 3 and 5 it was 0.943, 0.939, 0.923, 0.933 with punctuation deleted and 0.948, 0.941,
        // 0.908, 0.899 with punctuation as a space (datatrove's simplify_text), which moves no pair across 0.8.
        assertTrue(sig.precision >= 0.88 && sig.recall >= 0.95, "signature verification " + sig);
        assertTrue(optimal.recall >= 0.9 && optimal.precision == 1.0, "optimal_param " + optimal);
    }

    /** Brute force and LSH agree on a small set: every LSH edge is a true pair, nearly all found. */
    @Test
    void lshMatchesBruteForceOnSmallSet() {
        List<Document> docs = build(60, 120, 9);
        Set<String> truth = NearDuplicateFinder.allPairsAbove(docs, 5, NormalizeOptions.NEAR, THRESHOLD);
        var cfg = new NearDuplicateFinder.Config(MinHashParams.DEFAULT, NormalizeOptions.NEAR, THRESHOLD,
                NearDuplicateFinder.Verification.EXACT);
        var result = new NearDuplicateFinder(cfg).find(docs);
        Set<String> found = result.edgePairs();
        assertTrue(truth.containsAll(found), "edges not in brute force: " + minus(found, truth));
        assertTrue(found.size() >= truth.size() - 2, "found " + found.size() + " of " + truth.size());
        // the representative is the smallest id of its cluster, and representatives are never duplicates
        for (Document d : docs) {
            String rep = result.clusterId(d.id());
            assertTrue(rep.compareTo(d.id()) <= 0);
            assertEquals(null, result.duplicateOf(rep));
        }
    }

    /**
     * {@code --threshold T} picks bands and rows by {@link MinHashParams#forThreshold} (false negatives
     * weighted 0.95): recall and precision hold at other thresholds too, measured against brute force.
     */
    @Test
    void kindlingShapesHoldAtOtherThresholds() {
        List<Document> docs = build(300, 300, 11);
        for (double t : new double[] {0.7, 0.85, 0.9}) {
            Set<String> truth = NearDuplicateFinder.allPairsAbove(docs, 5, NormalizeOptions.NEAR, t);
            var cfg = new NearDuplicateFinder.Config(MinHashParams.forThreshold(t, 112, 5, MinHashParams.DEFAULT_SEED),
                    NormalizeOptions.NEAR, t, NearDuplicateFinder.Verification.EXACT);
            Metrics m = evaluate("threshold " + t, cfg, docs, truth, exactSimilarities(docs, truth));
            assertTrue(truth.size() >= 150, "duplicates at " + t + ": " + truth.size());
            assertEquals(1.0, m.precision, "verified edges at " + t);
            assertTrue(m.recall >= 0.95, "recall at " + t + ": " + m);
        }
    }

    record Metrics(String name, double precision, double recall, double clusterPrecision, double clusterRecall) {}

    static Metrics evaluate(String name, NearDuplicateFinder.Config cfg, List<Document> docs, Set<String> truth,
                            Map<String, Double> truthJ) {
        long t0 = System.nanoTime();
        var result = new NearDuplicateFinder(cfg).find(docs);
        double secs = (System.nanoTime() - t0) / 1e9;
        Set<String> edges = result.edgePairs();
        int tp = 0;
        for (String e : edges) {
            if (truth.contains(e)) {
                tp++;
            }
        }
        // pairs put in one cluster (what dedup acts on)
        Map<String, List<String>> clusters = new HashMap<>();
        for (Document d : docs) {
            clusters.computeIfAbsent(result.clusterId(d.id()), k -> new ArrayList<>()).add(d.id());
        }
        Set<String> clusterPairs = new HashSet<>();
        for (List<String> members : clusters.values()) {
            members.sort(null);
            for (int i = 0; i < members.size(); i++) {
                for (int j = i + 1; j < members.size(); j++) {
                    clusterPairs.add(members.get(i) + "\t" + members.get(j));
                }
            }
        }
        int ctp = 0;
        for (String p : clusterPairs) {
            if (truth.contains(p)) {
                ctp++;
            }
        }
        Metrics m = new Metrics(name, edges.isEmpty() ? 1 : (double) tp / edges.size(), (double) tp / truth.size(),
                clusterPairs.isEmpty() ? 1 : (double) ctp / clusterPairs.size(), (double) ctp / truth.size());
        // recall per similarity band of the true pairs
        StringBuilder perLevel = new StringBuilder();
        for (double lo : new double[] {0.8, 0.85, 0.9, 0.95}) {
            int all = 0;
            int hit = 0;
            for (String p : truth) {
                double j = truthJ.get(p);
                if (j >= lo && j < lo + 0.05 || lo == 0.95 && j >= 0.95) {
                    all++;
                    if (edges.contains(p)) {
                        hit++;
                    }
                }
            }
            perLevel.append(String.format(Locale.ROOT, " J[%.2f,%.2f):%d/%d", lo, lo + 0.05, hit, all));
        }
        System.out.printf(Locale.ROOT, "%-40s bands=%dx%d precision=%.4f recall=%.4f cluster-precision=%.4f "
                        + "cluster-recall=%.4f candidates=%d edges=%d %.2fs%n   recall by similarity:%s%n",
                name, cfg.params().bands(), cfg.params().rows(), m.precision, m.recall, m.clusterPrecision,
                m.clusterRecall, result.candidates(), edges.size(), secs, perLevel);
        return m;
    }

    static Map<String, Double> exactSimilarities(List<Document> docs, Set<String> pairs) {
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        Map<String, long[]> sets = new HashMap<>();
        for (Document d : docs) {
            sets.put(d.id(), sh.shingleSet(d.text()));
        }
        Map<String, Double> out = new HashMap<>();
        for (String p : pairs) {
            String[] ab = p.split("\t");
            out.put(p, Jaccard.of(sets.get(ab[0]), sets.get(ab[1])));
        }
        return out;
    }

    /** Base documents from both corpora plus one duplicate and one non-duplicate variant of each. */
    static List<Document> build(int bases, int words, long seed) {
        return NearDuplicateCorpus.build(NearDuplicateCorpus.wordPool(SharedData.require("corpus")), bases, words, seed);
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.removeAll(b);
        return s;
    }
}
