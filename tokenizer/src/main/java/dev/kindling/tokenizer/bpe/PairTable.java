package dev.kindling.tokenizer.bpe;

/**
 * The merge table of a BPE vocabulary: {@code (left id, right id) -> (rank, merged id)}, in a
 * primitive open-addressing table keyed by the id pair packed in a {@code long} (no boxing, no
 * per-lookup allocation). Lower rank = merged first.
 *
 * <p>Built once per vocabulary by {@link Builder}; read-only and thread-safe afterwards.
 */
public final class PairTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private final int shift;
    private final int size;
    private final int maxRank;
    private final boolean monotone;

    private PairTable(long[] keys, int[] ranks, int[] results, int size) {
        this.keys = keys;
        this.ranks = ranks;
        this.results = results;
        this.mask = keys.length - 1;
        this.shift = 64 - Integer.numberOfTrailingZeros(keys.length);
        this.size = size;
        int max = -1;
        int maxId = -1;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY) {
                max = Math.max(max, ranks[i]);
                maxId = Math.max(maxId, Math.max(results[i], Math.max((int) (keys[i] >>> 32), (int) keys[i])));
            }
        }
        this.maxRank = max;
        // monotone: every merge that uses a merged token ranks after the merge that made it (true for
        // BPE merge lists in training order); then new pairs never outrank the pair just merged
        int[] made = new int[maxId + 1];
        java.util.Arrays.fill(made, -1);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != EMPTY && (made[results[i]] < 0 || ranks[i] < made[results[i]])) {
                made[results[i]] = ranks[i];
            }
        }
        boolean mono = true;
        for (int i = 0; i < keys.length && mono; i++) {
            if (keys[i] != EMPTY) {
                int l = (int) (keys[i] >>> 32);
                int r = (int) keys[i];
                mono = ranks[i] > made[l] && ranks[i] > made[r];
            }
        }
        this.monotone = mono && max >= 0;
    }

    /** The largest rank (-1 when empty). */
    public int maxRank() {
        return maxRank;
    }

    /**
     * Whether every pair ranks strictly after the pairs that produced its two sides, so a merge never
     * creates a pair that ranks before (or with) the one just merged.
     */
    public boolean monotone() {
        return monotone;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int home(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** The slot holding {@code (left, right)}, or -1 when the pair never merges. */
    public int find(int left, int right) {
        if ((left | right) < 0) {
            return -1;
        }
        long k = key(left, right);
        int i = home(k);
        while (true) {
            long kk = keys[i];
            if (kk == k) {
                return i;
            }
            if (kk == EMPTY) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    public int rankAt(int slot) {
        return ranks[slot];
    }

    public int resultAt(int slot) {
        return results[slot];
    }

    /** Rank of the pair, or {@link Integer#MAX_VALUE} when it never merges. */
    public int rank(int left, int right) {
        int s = find(left, right);
        return s < 0 ? Integer.MAX_VALUE : ranks[s];
    }

    public int size() {
        return size;
    }

    /** What to keep when a pair is added twice. */
    public enum OnDuplicate {
        /** The later entry replaces the earlier (Hugging Face builds its merge map this way). */
        LAST_WINS,
        /** The entry with the lower rank stays. */
        LOWEST_RANK
    }

    /** Collects pairs, then builds the table. */
    public static final class Builder {
        private long[] keys;
        private int[] ranks;
        private int[] results;
        private int size;
        private final OnDuplicate onDuplicate;

        public Builder(int expected, OnDuplicate onDuplicate) {
            this.onDuplicate = onDuplicate;
            allocate(capacityFor(Math.max(16, expected)));
        }

        private static int capacityFor(int n) {
            int cap = Integer.highestOneBit(Math.max(16, n) * 2 - 1) << 1; // load factor <= 0.5
            if (cap < 0 || cap > (1 << 30)) {
                throw new IllegalArgumentException("too many merges: " + n);
            }
            return cap;
        }

        private void allocate(int cap) {
            keys = new long[cap];
            java.util.Arrays.fill(keys, EMPTY);
            ranks = new int[cap];
            results = new int[cap];
        }

        public Builder put(int left, int right, int rank, int result) {
            if (left < 0 || right < 0) {
                throw new IllegalArgumentException("negative id in merge (" + left + ", " + right + ")");
            }
            if ((size + 1) * 2 > keys.length) {
                long[] ok = keys;
                int[] or = ranks;
                int[] ores = results;
                allocate(keys.length * 2);
                size = 0;
                for (int i = 0; i < ok.length; i++) {
                    if (ok[i] != EMPTY) {
                        insert(ok[i], or[i], ores[i]);
                    }
                }
            }
            insert(key(left, right), rank, result);
            return this;
        }

        private void insert(long k, int rank, int result) {
            int mask = keys.length - 1;
            int shift = 64 - Integer.numberOfTrailingZeros(keys.length);
            int i = (int) ((k * 0x9E3779B97F4A7C15L) >>> shift);
            while (true) {
                if (keys[i] == EMPTY) {
                    keys[i] = k;
                    ranks[i] = rank;
                    results[i] = result;
                    size++;
                    return;
                }
                if (keys[i] == k) {
                    if (onDuplicate == OnDuplicate.LAST_WINS || rank < ranks[i]) {
                        ranks[i] = rank;
                        results[i] = result;
                    }
                    return;
                }
                i = (i + 1) & mask;
            }
        }

        public int size() {
            return size;
        }

        public PairTable build() {
            return new PairTable(keys, ranks, results, size);
        }
    }
}
