package dev.kindling.tokenizer.bpe;

import java.util.Arrays;

/** A primitive open-addressing set of longs (never containing -1). Read-only after building. */
public final class LongSet {
    private long[] keys;
    private int size;

    public LongSet(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
    }

    private static int hash(long k, int mask) {
        return (int) ((k * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }

    public void add(long k) {
        if ((size + 1) * 2 > keys.length) {
            long[] old = keys;
            keys = new long[old.length * 2];
            Arrays.fill(keys, -1L);
            size = 0;
            for (long o : old) {
                if (o != -1L) {
                    add(o);
                }
            }
        }
        int mask = keys.length - 1;
        int i = hash(k, mask);
        while (keys[i] != -1L) {
            if (keys[i] == k) {
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        size++;
    }

    public boolean contains(long k) {
        int mask = keys.length - 1;
        int i = hash(k, mask);
        while (true) {
            long kk = keys[i];
            if (kk == k) {
                return true;
            }
            if (kk == -1L) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    public int size() {
        return size;
    }
}
