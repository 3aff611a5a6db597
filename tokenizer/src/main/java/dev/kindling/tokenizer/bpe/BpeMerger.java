package dev.kindling.tokenizer.bpe;

/**
 * The BPE merge loop shared by every BPE-like vocabulary (Hugging Face BPE, tiktoken, llama.cpp's
 * SPM and BPE, llama2.c): repeatedly merge the adjacent pair with the lowest rank, the leftmost one
 * when ranks tie, until no adjacent pair is in the {@link PairTable}.
 *
 * <p>Three implementations of that one rule, all giving identical results (tested against each
 * other): a scan over a small array for short words (most pre-tokens); a binary heap of
 * {@code (rank, position)} over a linked list for long ones, O(n log n); and for very long words
 * (a 10 MB document without spaces) a bucket queue indexed by rank ({@link #mergeBuckets}): ranks
 * are visited in increasing order and, within a rank, positions left to right, which bounds the
 * work per merge to a few array accesses instead of heap operations over a huge heap.
 * All work arrays live in a per-thread {@link Workspace}; nothing is allocated per word.
 */
public final class BpeMerger {
    /** Words up to this many symbols use the array scan; longer ones the heap. */
    public static final int SCAN_LIMIT = 40;
    /** Words longer than this use the rank buckets when the table allows it. */
    public static final int BUCKET_LIMIT = 1 << 15;

    private final PairTable pairs;

    public BpeMerger(PairTable pairs) {
        this.pairs = pairs;
    }

    public PairTable pairs() {
        return pairs;
    }

    /**
     * Merges {@code ids[0, n)} in place and returns the new length. Negative ids never merge (used
     * for symbols outside the vocabulary).
     */
    public int merge(int[] ids, int n, Workspace ws) {
        if (n < 2) {
            return n;
        }
        if (n <= SCAN_LIMIT) {
            return mergeScan(ids, n, ws);
        }
        if (n > BUCKET_LIMIT) {
            return mergeBuckets(ids, n);
        }
        return mergeHeap(ids, n, ws);
    }

    /**
     * The bucket-queue variant (public for tests); allocates its own arrays. Pairs are kept in one
     * bucket per rank; buckets are visited in rank order and each is sorted by position. A merge that
     * creates a pair ranking at or before the bucket being processed (possible when the merge list
     * is not in training order) puts it on a small heap that is served first whenever it holds the
     * smaller {@code (rank, position)}, so the order is always exactly "lowest rank, leftmost".
     */
    public int mergeBuckets(int[] ids, int n) {
        if (n < 2) {
            return n;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        int[][] bucket = new int[pairs.maxRank() + 1][]; // positions per rank; [0] holds the count
        long[] pending = new long[16];
        int ps = 0;
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        for (int i = 0; i + 1 < n; i++) {
            int r = pairs.rank(ids[i], ids[i + 1]);
            if (r != Integer.MAX_VALUE) {
                addTo(bucket, r, i);
            }
        }
        int[] batch = null;
        int m = 0;
        int k = 0;
        int r = -1;
        while (true) {
            while (k == m && r < bucket.length) { // take the next non-empty bucket
                r++;
                if (r >= bucket.length) {
                    break;
                }
                if (bucket[r] == null) {
                    continue;
                }
                batch = bucket[r];
                bucket[r] = null;
                m = batch[0] + 1;
                k = 1;
                java.util.Arrays.sort(batch, 1, m);
            }
            boolean haveBatch = k < m;
            if (!haveBatch && ps == 0) {
                break;
            }
            int pos;
            int rank;
            if (ps > 0 && (!haveBatch || pending[0] < (((long) r << 32) | batch[k]))) {
                pos = (int) pending[0];
                rank = (int) (pending[0] >>> 32);
                ps = pop(pending, ps);
            } else {
                pos = batch[k++];
                rank = r;
            }
            if (prev[pos] == -2) {
                continue;
            }
            int right = next[pos];
            if (right < 0) {
                continue;
            }
            int s = pairs.find(ids[pos], ids[right]);
            if (s < 0 || pairs.rankAt(s) != rank) {
                continue; // stale
            }
            ids[pos] = pairs.resultAt(s);
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            prev[right] = -2;
            int before = prev[pos];
            for (int side = 0; side < 2; side++) {
                int a = side == 0 ? before : pos;
                if (a < 0 || next[a] < 0) {
                    continue;
                }
                int nr = pairs.rank(ids[a], ids[next[a]]);
                if (nr == Integer.MAX_VALUE) {
                    continue;
                }
                if (nr > r) {
                    addTo(bucket, nr, a);
                } else {
                    if (ps == pending.length) {
                        pending = java.util.Arrays.copyOf(pending, ps * 2);
                    }
                    ps = push(pending, ps, ((long) nr << 32) | a);
                }
            }
        }
        int out = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            ids[out++] = ids[i];
        }
        return out;
    }

    private static void addTo(int[][] bucket, int r, int pos) {
        int[] b = bucket[r];
        if (b == null) {
            b = new int[4];
            bucket[r] = b;
        } else if (b[0] + 1 == b.length) {
            b = java.util.Arrays.copyOf(b, b.length * 2);
            bucket[r] = b;
        }
        b[++b[0]] = pos;
    }

    /** The O(n^2) variant (public for tests). */
    public int mergeScan(int[] ids, int n, Workspace ws) {
        int[] rank = ws.ints(0, n);
        int[] res = ws.ints(1, n);
        for (int i = 0; i + 1 < n; i++) {
            int s = pairs.find(ids[i], ids[i + 1]);
            if (s < 0) {
                rank[i] = Integer.MAX_VALUE;
            } else {
                rank[i] = pairs.rankAt(s);
                res[i] = pairs.resultAt(s);
            }
        }
        while (n > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (rank[i] < best) {
                    best = rank[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            ids[at] = res[at];
            int tail = n - at - 2;
            if (tail > 0) {
                System.arraycopy(ids, at + 2, ids, at + 1, tail);
                System.arraycopy(rank, at + 2, rank, at + 1, tail);
                System.arraycopy(res, at + 2, res, at + 1, tail);
            }
            n--;
            if (at > 0) {
                int s = pairs.find(ids[at - 1], ids[at]);
                rank[at - 1] = s < 0 ? Integer.MAX_VALUE : pairs.rankAt(s);
                if (s >= 0) {
                    res[at - 1] = pairs.resultAt(s);
                }
            }
            if (at + 1 < n) {
                int s = pairs.find(ids[at], ids[at + 1]);
                rank[at] = s < 0 ? Integer.MAX_VALUE : pairs.rankAt(s);
                if (s >= 0) {
                    res[at] = pairs.resultAt(s);
                }
            }
        }
        return n;
    }

    /** The O(n log n) variant (public for tests). */
    public int mergeHeap(int[] ids, int n, Workspace ws) {
        int[] next = ws.ints(0, n);
        int[] prev = ws.ints(1, n);
        long[] heap = ws.longs(3 * n + 1);
        int hs = 0;
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        for (int i = 0; i + 1 < n; i++) {
            int s = pairs.find(ids[i], ids[i + 1]);
            if (s >= 0) {
                hs = push(heap, hs, ((long) pairs.rankAt(s) << 32) | i);
            }
        }
        // a removed symbol is marked by prev == -2
        while (hs > 0) {
            long top = heap[0];
            hs = pop(heap, hs);
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (prev[pos] == -2) {
                continue;
            }
            int right = next[pos];
            if (right < 0) {
                continue;
            }
            int s = pairs.find(ids[pos], ids[right]);
            if (s < 0 || pairs.rankAt(s) != rank) {
                continue; // stale: one side changed since this entry was pushed
            }
            ids[pos] = pairs.resultAt(s);
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            prev[right] = -2;
            int before = prev[pos];
            if (before >= 0) {
                int t = pairs.find(ids[before], ids[pos]);
                if (t >= 0) {
                    hs = push(heap, hs, ((long) pairs.rankAt(t) << 32) | before);
                }
            }
            if (after >= 0) {
                int t = pairs.find(ids[pos], ids[after]);
                if (t >= 0) {
                    hs = push(heap, hs, ((long) pairs.rankAt(t) << 32) | pos);
                }
            }
        }
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            ids[m++] = ids[i];
        }
        return m;
    }

    private static int push(long[] heap, int size, long v) {
        int i = size;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (heap[p] <= v) {
                break;
            }
            heap[i] = heap[p];
            i = p;
        }
        heap[i] = v;
        return size + 1;
    }

    private static int pop(long[] heap, int size) {
        size--;
        long v = heap[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < size && heap[c + 1] < heap[c]) {
                c++;
            }
            if (v <= heap[c]) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        if (size > 0) {
            heap[i] = v;
        }
        return size;
    }
}
