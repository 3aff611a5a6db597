package dev.kindling.dedup.decontam;

import dev.kindling.dedup.hash.WordHash;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import java.util.Arrays;

/**
 * Decontamination: the word 13-grams of a benchmark (GPT-3's rule, Brown et al. 2020, appendix C),
 * and a check whether a training document shares any of them.
 *
 * <p>Words are the white-space tokens of the {@link NormalizeOptions#NEAR}-normalised text (as near dedup and sentence
 * dedup use it), as datatrove's {@code simplify_text} makes it (case, accents and numbers do not hide a match, and
 * punctuation separates words:
 * {@code "ago—never"} and {@code "ago -- never"} are the same two words). N-grams are kept as 64-bit hashes in an
 * open-addressing set (8 bytes per n-gram); a false match needs a 64-bit collision. Benchmark items
 * shorter than n words cannot be indexed and are counted in {@link #skippedItems()}.
 *
 * <pre>{@code
 * NgramIndex idx = NgramIndex.build(benchmarkTexts, 13);
 * if (idx.firstMatch(doc) >= 0) { ... contaminated ... }
 * }</pre>
 */
public final class NgramIndex implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final int n;
    private long[] table;
    private int size;
    private boolean hasZero;
    private int items;
    private int skipped;

    private NgramIndex(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n-gram size must be at least 1, got " + n);
        }
        this.n = n;
        this.table = new long[1024];
    }

    /** Indexes every n-gram of every benchmark item. */
    public static NgramIndex build(Iterable<String> benchmarkItems, int n) {
        NgramIndex idx = new NgramIndex(n);
        for (String item : benchmarkItems) {
            long[] grams = idx.ngrams(item);
            idx.items++;
            if (grams.length == 0) {
                idx.skipped++;
            }
            for (long g : grams) {
                idx.add(g);
            }
        }
        return idx;
    }

    public int n() {
        return n;
    }

    /** Distinct n-grams held. */
    public int size() {
        return size + (hasZero ? 1 : 0);
    }

    public int items() {
        return items;
    }

    /** Benchmark items shorter than n words (not indexed). */
    public int skippedItems() {
        return skipped;
    }

    /** Word index of the first n-gram of {@code text} found in the index, or -1. */
    public int firstMatch(String text) {
        long[] grams = ngrams(text);
        for (int i = 0; i < grams.length; i++) {
            if (contains(grams[i])) {
                return i;
            }
        }
        return -1;
    }

    /** How many of the text's n-grams (with repeats) are in the index. */
    public int matches(String text) {
        int c = 0;
        for (long g : ngrams(text)) {
            if (contains(g)) {
                c++;
            }
        }
        return c;
    }

    long[] ngrams(String text) {
        String s = TextNormalizer.normalize(text, NormalizeOptions.NEAR);
        if (s.isEmpty()) {
            return new long[0];
        }
        String[] words = s.split(" ");
        if (words.length < n) {
            return new long[0];
        }
        long[] wh = new long[words.length];
        for (int i = 0; i < words.length; i++) {
            wh[i] = WordHash.of(words[i]);
        }
        int mask = Integer.highestOneBit(Math.max(1, words.length - 1)) * 2 - 1;
        long[] ring = Arrays.copyOf(wh, mask + 1);
        long[] out = new long[words.length - n + 1];
        for (int i = 0; i < out.length; i++) {
            out[i] = WordHash.combine(ring, i, n, mask);
        }
        return out;
    }

    private void add(long key) {
        if (key == 0) {
            hasZero = true;
            return;
        }
        if ((size + 1) * 2 > table.length) {
            long[] old = table;
            table = new long[old.length * 2];
            size = 0;
            for (long k : old) {
                if (k != 0) {
                    insert(k);
                }
            }
        }
        insert(key);
    }

    private void insert(long key) {
        int mask = table.length - 1;
        int i = (int) (key ^ (key >>> 32)) & mask;
        while (table[i] != 0) {
            if (table[i] == key) {
                return;
            }
            i = (i + 1) & mask;
        }
        table[i] = key;
        size++;
    }

    private boolean contains(long key) {
        if (key == 0) {
            return hasZero;
        }
        int mask = table.length - 1;
        int i = (int) (key ^ (key >>> 32)) & mask;
        while (table[i] != 0) {
            if (table[i] == key) {
                return true;
            }
            i = (i + 1) & mask;
        }
        return false;
    }
}
