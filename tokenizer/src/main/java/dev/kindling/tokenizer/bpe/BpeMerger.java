package dev.kindling.tokenizer.bpe;

/**
 * The BPE merge loop shared by every BPE-like vocabulary (Hugging Face BPE, tiktoken, llama.cpp's
 * SPM and BPE, llama2.c): repeatedly merge the adjacent pair with the lowest rank, the leftmost one
 * when ranks tie, until no adjacent pair is in the {@link PairTable}.
 *
 * <p>Two implementations of that one rule: a scan over a small array for short words (most
 * pre-tokens), and a binary heap of {@code (rank, position)} over a linked list for long ones, so a
 * 10 MB word costs O(n log n), not O(n^2). Both give identical results (tested against each other).
 * All work arrays live in a per-thread {@link Workspace}; nothing is allocated per word.
 */
public final class BpeMerger {
    /** Words up to this many symbols use the array scan; longer ones the heap. */
    public static final int SCAN_LIMIT = 40;

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
        return n <= SCAN_LIMIT ? mergeScan(ids, n, ws) : mergeHeap(ids, n, ws);
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
