package dev.kindling.dedup.filter;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A document's words as ids of a per-document dictionary, and the two n-gram measures of Gopher's
 * repetition rules computed on them without building an n-gram string: datatrove keys its counter
 * and set with {@code " ".join(words[i:i+n])} (top n-grams) and {@code "".join(words[i:i+n])}
 * (duplicated n-grams), which on a 10 MB document is millions of strings per n.
 *
 * <p>An n-gram here is a window of word positions, keyed by a polynomial hash (mod 2<sup>61</sup>-1)
 * of exactly the characters datatrove's string would hold, separator included. Two windows with
 * the same hash count as the same n-gram only if those strings are equal: same word ids, or, when
 * the ids differ (a hash collision, or words that concatenate alike: "ab"+"c" and "a"+"bc"), the
 * strings built and compared. The result is that of the string version, never an estimate.
 */
final class WordNGrams {
    private static final long P = (1L << 61) - 1;
    private static final long BASE = 0x0BD5_9E1F_3A27_C6D1L % P;
    private static final byte STARTS_LOW = 1;
    private static final byte ENDS_HIGH = 2;
    private static final byte EMPTY = 4;

    private final Map<String, Integer> dictionary = new HashMap<>();
    private String[] words = new String[256];
    private int[] cpLen = new int[256];
    private byte[] edges = new byte[256];   // STARTS_LOW | ENDS_HIGH | EMPTY: how a word joins its neighbours
    private long[] hash = new long[256];
    private long[] pow = new long[256];
    private int[] ids = new int[1024];
    private int size;
    private final Table table = new Table();

    /** Appends the next word of the document. */
    void add(String word) {
        Integer known = dictionary.get(word);
        int id;
        if (known != null) {
            id = known;
        } else {
            id = dictionary.size();
            dictionary.put(word, id);
            if (id == words.length) {
                int cap = id * 2;
                words = Arrays.copyOf(words, cap);
                cpLen = Arrays.copyOf(cpLen, cap);
                edges = Arrays.copyOf(edges, cap);
                hash = Arrays.copyOf(hash, cap);
                pow = Arrays.copyOf(pow, cap);
            }
            long h = 0;
            long p = 1;
            for (int i = 0; i < word.length(); i++) {
                h = add(mul(h, BASE), word.charAt(i) + 1);
                p = mul(p, BASE);
            }
            words[id] = word;
            cpLen[id] = TextStats.len(word);
            edges[id] = word.isEmpty() ? EMPTY
                    : (byte) ((Character.isLowSurrogate(word.charAt(0)) ? STARTS_LOW : 0)
                            | (Character.isHighSurrogate(word.charAt(word.length() - 1)) ? ENDS_HIGH : 0));
            hash[id] = h;
            pow[id] = p;
        }
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
    }

    int size() {
        return size;
    }

    /**
     * datatrove's {@code find_top_duplicate(get_n_grams(words, n))}: length of the most common
     * space-joined n-gram times its count, the first seen winning a tie (as {@code Counter.most_common}).
     */
    long topDuplicate(int n) {
        if (size < n) {
            return 0;
        }
        table.reset(n, true);
        for (int i = 0; i + n <= size; i++) {
            int e = table.findOrAdd(i);   // may grow table.count
            table.count[e]++;
        }
        int best = -1;
        int bestCount = 0;
        for (int e = 0; e < table.entries; e++) {
            if (table.count[e] > bestCount) {
                best = e;
                bestCount = table.count[e];
            }
        }
        if (best < 0) {
            return 0;
        }
        long len = n - 1;
        for (int k = table.pos[best]; k < table.pos[best] + n; k++) {
            len += cpLen[ids[k]];
        }
        return len * bestCount;
    }

    /**
     * datatrove's {@code find_all_duplicate(words, n)}: characters of the concatenated n-grams that
     * repeat an earlier one, skipping n words after each repeat.
     */
    long allDuplicate(int n) {
        table.reset(n, false);
        long repeated = 0;
        int idx = 0;
        while (idx < size - n + 1) {
            table.findOrAdd(idx);
            if (table.added) {
                idx++;
            } else {
                repeated += concatenatedLength(idx, n);
                idx += n;
            }
        }
        return repeated;
    }

    /**
     * {@code len("".join(words[start:start+n]))} without building it: the words' code point counts, less one
     * wherever a word ending in a high surrogate meets (across empty words) one starting with a low surrogate,
     * the two lone halves becoming one code point.
     */
    private long concatenatedLength(int start, int n) {
        long len = 0;
        boolean pendingHigh = false;
        for (int k = start; k < start + n; k++) {
            int id = ids[k];
            byte e = edges[id];
            if (e == EMPTY) {
                continue;
            }
            len += cpLen[id];
            if (pendingHigh && (e & STARTS_LOW) != 0) {
                len--;
            }
            pendingHigh = (e & ENDS_HIGH) != 0;
        }
        return len;
    }

    private long windowHash(int start, int n, boolean spaced) {
        long h = 0;
        for (int k = start; k < start + n; k++) {
            if (spaced && k > start) {
                h = add(mul(h, BASE), ' ' + 1);
            }
            int id = ids[k];
            h = add(mul(h, pow[id]), hash[id]);
        }
        return h;
    }

    private boolean sameGram(int a, int b, int n, boolean spaced) {
        if (Arrays.equals(ids, a, a + n, ids, b, b + n)) {
            return true;
        }
        return joined(a, n, spaced).equals(joined(b, n, spaced));
    }

    /** datatrove's n-gram string; built for hash ties only. */
    private String joined(int start, int n, boolean spaced) {
        StringBuilder sb = new StringBuilder();
        for (int k = start; k < start + n; k++) {
            if (spaced && k > start) {
                sb.append(' ');
            }
            sb.append(words[ids[k]]);
        }
        return sb.toString();
    }

    private static long mul(long a, long b) {
        long lo = a * b;
        long hi = Math.multiplyHigh(a, b);
        long r = (lo & P) + ((lo >>> 61) | (hi << 3));
        return r >= P ? r - P : r;
    }

    private static long add(long a, long b) {
        long r = a + b;
        return r >= P ? r - P : r;
    }

    /**
     * Distinct n-grams of one pass, in order of first occurrence: {@code pos} of their first window
     * and {@code count}; an open-addressing index from hash to entry, grown at half full. A slot
     * keeps 32 bits of the hash (8 bytes a slot, not 12); growing recomputes the rest from the words.
     */
    private final class Table {
        int[] keys = new int[1024];
        int[] slots = new int[1024];   // entry + 1; 0 = empty
        int[] pos = new int[512];
        int[] count = new int[512];
        int entries;
        boolean added;
        private int n;
        private boolean spaced;

        void reset(int n, boolean spaced) {
            this.n = n;
            this.spaced = spaced;
            Arrays.fill(slots, 0);
            Arrays.fill(count, 0, entries, 0);
            entries = 0;
        }

        int findOrAdd(int start) {
            long h = windowHash(start, n, spaced);
            int mask = slots.length - 1;
            int s = slot(h, mask);
            while (slots[s] != 0) {
                int e = slots[s] - 1;
                if (keys[s] == (int) h && sameGram(pos[e], start, n, spaced)) {
                    added = false;
                    return e;
                }
                s = (s + 1) & mask;
            }
            added = true;
            if (entries == pos.length) {
                pos = Arrays.copyOf(pos, entries * 2);
                count = Arrays.copyOf(count, entries * 2);
            }
            int e = entries++;
            pos[e] = start;
            keys[s] = (int) h;
            slots[s] = e + 1;
            if (entries * 2 > slots.length) {
                grow();
            }
            return e;
        }

        private void grow() {
            int[] oldKeys = keys;
            int[] oldSlots = slots;
            keys = new int[oldKeys.length * 2];
            slots = new int[oldSlots.length * 2];
            int mask = slots.length - 1;
            for (int i = 0; i < oldSlots.length; i++) {
                if (oldSlots[i] != 0) {
                    int s = slot(windowHash(pos[oldSlots[i] - 1], n, spaced), mask);
                    while (slots[s] != 0) {
                        s = (s + 1) & mask;
                    }
                    keys[s] = oldKeys[i];
                    slots[s] = oldSlots[i];
                }
            }
        }

        private int slot(long h, int mask) {
            return (int) ((h * 0x9E37_79B9_7F4A_7C15L) >>> 32) & mask;
        }
    }
}
