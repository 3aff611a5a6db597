package dev.kindling.dedup.lsh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every pair of sets whose exact Jaccard similarity reaches a threshold, without comparing all
 * pairs: the AllPairs algorithm (Bayardo, Ma, Srikant, "Scaling Up All Pairs Similarity Search",
 * WWW 2007) with prefix and size filtering. Exact, not approximate: it returns the same pairs as
 * comparing every pair with {@link dev.kindling.dedup.minhash.Jaccard#of} (the tests check this), so
 * it is the ground truth of the dedup benchmarks on inputs too large for brute force.
 *
 * <p>Tokens are ordered rarest first. Two sets x, y with J(x, y) ≥ t share at least
 * {@code ceil(t/(1+t) (|x|+|y|))} tokens, so each must share a token within its first
 * {@code |x| - ceil(t |x|) + 1} tokens (its prefix) with the other; sets are visited by increasing
 * size, each probes an inverted index of the prefixes seen so far (sets smaller than {@code t |x|}
 * skipped), and every candidate is verified exactly. Boilerplate tokens are frequent, so they sit at
 * the end of the order and rarely in a prefix.
 *
 * <pre>{@code
 * List<int[]> pairs = SimilarityJoin.pairs(shingleSets, 0.8);   // indices i < j into shingleSets
 * }</pre>
 */
public final class SimilarityJoin {
    private SimilarityJoin() {}

    /**
     * @param sets      sorted, distinct token sets ({@link dev.kindling.dedup.minhash.Shingler#shingleSet})
     * @param threshold Jaccard threshold in (0, 1]
     * @return pairs {@code {i, j}} with i &lt; j and J(sets[i], sets[j]) ≥ threshold, sorted
     */
    public static List<int[]> pairs(List<long[]> sets, double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }
        int n = sets.size();
        Map<Long, int[]> freq = new HashMap<>();
        for (long[] s : sets) {
            for (long t : s) {
                freq.computeIfAbsent(t, k -> new int[1])[0]++;
            }
        }
        // token -> rank, rarest first (ties by value, so the order is deterministic)
        long[][] byFreq = new long[freq.size()][];
        int k = 0;
        for (Map.Entry<Long, int[]> e : freq.entrySet()) {
            byFreq[k++] = new long[] {e.getValue()[0], e.getKey()};
        }
        Arrays.sort(byFreq, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        Map<Long, Integer> rank = new HashMap<>(byFreq.length * 2);
        for (int i = 0; i < byFreq.length; i++) {
            rank.put(byFreq[i][1], i);
        }
        int[][] ranked = new int[n][];
        for (int i = 0; i < n; i++) {
            long[] s = sets.get(i);
            int[] r = new int[s.length];
            for (int j = 0; j < s.length; j++) {
                r[j] = rank.get(s[j]);
            }
            Arrays.sort(r);
            ranked[i] = r;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> ranked[a].length != ranked[b].length
                ? Integer.compare(ranked[a].length, ranked[b].length) : Integer.compare(a, b));
        List<List<Integer>> index = new ArrayList<>(byFreq.length);
        for (int i = 0; i < byFreq.length; i++) {
            index.add(null);
        }
        int[] seenAt = new int[n];
        Arrays.fill(seenAt, -1);
        List<int[]> out = new ArrayList<>();
        for (int oi = 0; oi < n; oi++) {
            int x = order[oi];
            int[] rx = ranked[x];
            if (rx.length == 0) {
                continue;   // an empty set is similar to nothing
            }
            int prefix = rx.length - minOverlapSelf(threshold, rx.length) + 1;
            double minSize = threshold * rx.length - 1e-9;
            for (int p = 0; p < prefix; p++) {
                List<Integer> postings = index.get(rx[p]);
                if (postings == null) {
                    continue;
                }
                for (int y : postings) {
                    if (seenAt[y] == oi || ranked[y].length < minSize) {
                        continue;
                    }
                    seenAt[y] = oi;
                    if (jaccard(rx, ranked[y]) >= threshold) {
                        out.add(x < y ? new int[] {x, y} : new int[] {y, x});
                    }
                }
            }
            for (int p = 0; p < prefix; p++) {
                List<Integer> postings = index.get(rx[p]);
                if (postings == null) {
                    postings = new ArrayList<>(2);
                    index.set(rx[p], postings);
                }
                postings.add(x);
            }
        }
        out.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        return out;
    }

    /** {@code ceil(t * size)}, never more than the exact value (floating point kept on the safe side). */
    private static int minOverlapSelf(double t, int size) {
        return Math.max(1, (int) Math.ceil(t * size - 1e-9));
    }

    /** Same arithmetic as {@link dev.kindling.dedup.minhash.Jaccard#of}, on sorted rank arrays. */
    private static double jaccard(int[] a, int[] b) {
        int i = 0;
        int j = 0;
        int inter = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                inter++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return (double) inter / (a.length + b.length - inter);
    }
}
