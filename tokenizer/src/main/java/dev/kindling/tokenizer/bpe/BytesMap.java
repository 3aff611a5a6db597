package dev.kindling.tokenizer.bpe;

import java.util.Arrays;

/** A read-only open-addressing map from byte strings to ids (the vocabulary keyed by raw bytes). */
public final class BytesMap {
    private final byte[] pool;
    private final int[] off;
    private final int[] len;
    private final int[] slotId; // -1 = empty
    private final int mask;

    private BytesMap(byte[] pool, int[] off, int[] len, int[] slotId) {
        this.pool = pool;
        this.off = off;
        this.len = len;
        this.slotId = slotId;
        this.mask = slotId.length - 1;
    }

    /** Maps {@code tokens[id]} to {@code id} for every non-null entry; a duplicate keeps the lowest id. */
    public static BytesMap of(byte[][] tokens) {
        int total = 0;
        int count = 0;
        for (byte[] t : tokens) {
            if (t != null) {
                total += t.length;
                count++;
            }
        }
        byte[] pool = new byte[total];
        int[] off = new int[tokens.length];
        int[] len = new int[tokens.length];
        int cap = Integer.highestOneBit(Math.max(16, count) * 2 - 1) << 1;
        int[] slots = new int[cap];
        Arrays.fill(slots, -1);
        int p = 0;
        for (int id = 0; id < tokens.length; id++) {
            byte[] t = tokens[id];
            if (t == null) {
                continue;
            }
            System.arraycopy(t, 0, pool, p, t.length);
            off[id] = p;
            len[id] = t.length;
            p += t.length;
            int i = hash(pool, off[id], t.length) & (cap - 1);
            boolean dup = false;
            while (slots[i] >= 0) {
                int o = slots[i];
                if (len[o] == t.length && Arrays.equals(pool, off[o], off[o] + len[o], pool, off[id], off[id] + t.length)) {
                    dup = true;
                    break;
                }
                i = (i + 1) & (cap - 1);
            }
            if (!dup) {
                slots[i] = id;
            }
        }
        return new BytesMap(pool, off, len, slots);
    }

    static int hash(byte[] b, int from, int n) {
        int h = 0x811C9DC5;
        for (int i = 0; i < n; i++) {
            h = (h ^ (b[from + i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /** The id of {@code b[from, from + n)}, or -1. */
    public int get(byte[] b, int from, int n) {
        int i = hash(b, from, n) & mask;
        while (true) {
            int id = slotId[i];
            if (id < 0) {
                return -1;
            }
            if (len[id] == n && Arrays.equals(pool, off[id], off[id] + n, b, from, from + n)) {
                return id;
            }
            i = (i + 1) & mask;
        }
    }
}
