package dev.kindling.tokenizer.bpe;

/**
 * A per-thread cache from a piece of text (up to {@link #MAX_KEY} chars) to its token ids, so a
 * word seen before costs one hash lookup. Keys and values live in flat pools; when full, the cache
 * starts over (results never depend on it). Not thread-safe: one per thread and model.
 */
public final class WordCache {
    public static final int MAX_KEY = 64;
    private static final int SLOTS = 1 << 15;
    private static final int MAX_ENTRIES = SLOTS / 2;

    private final int[] hashes = new int[SLOTS];
    private final int[] keyOff = new int[SLOTS];
    private final int[] keyLen = new int[SLOTS]; // 0 = empty
    private final int[] valOff = new int[SLOTS];
    private final int[] valLen = new int[SLOTS];
    private char[] keys = new char[1 << 18];
    private int[] vals = new int[1 << 17];
    private int keysUsed;
    private int valsUsed;
    private int entries;

    public static int hash(CharSequence t, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + t.charAt(i);
        }
        return h ^ (h >>> 15) ^ (h << 7);
    }

    /** The slot holding {@code t[from, to)}, or -1. */
    public int find(CharSequence t, int from, int to, int hash) {
        int len = to - from;
        int i = hash & (SLOTS - 1);
        while (true) {
            int kl = keyLen[i];
            if (kl == 0) {
                return -1;
            }
            if (kl == len && hashes[i] == hash && same(t, from, keyOff[i], len)) {
                return i;
            }
            i = (i + 1) & (SLOTS - 1);
        }
    }

    private boolean same(CharSequence t, int from, int off, int len) {
        char[] k = keys;
        for (int j = 0; j < len; j++) {
            if (k[off + j] != t.charAt(from + j)) {
                return false;
            }
        }
        return true;
    }

    /** Appends the ids cached in {@code slot} to {@code out}. */
    public void appendTo(int slot, IntBuffer out) {
        out.add(vals, valOff[slot], valLen[slot]);
    }

    public void put(CharSequence t, int from, int to, int hash, int[] ids, int off, int n) {
        int len = to - from;
        if (len == 0 || len > MAX_KEY) {
            return;
        }
        if (entries >= MAX_ENTRIES || keysUsed + len > keys.length || valsUsed + n > vals.length) {
            if (n > vals.length / 4) {
                return;
            }
            clear();
        }
        int i = hash & (SLOTS - 1);
        while (keyLen[i] != 0) {
            i = (i + 1) & (SLOTS - 1);
        }
        for (int j = 0; j < len; j++) {
            keys[keysUsed + j] = t.charAt(from + j);
        }
        System.arraycopy(ids, off, vals, valsUsed, n);
        hashes[i] = hash;
        keyOff[i] = keysUsed;
        keyLen[i] = len;
        valOff[i] = valsUsed;
        valLen[i] = n;
        keysUsed += len;
        valsUsed += n;
        entries++;
    }

    public void clear() {
        java.util.Arrays.fill(keyLen, 0);
        keysUsed = 0;
        valsUsed = 0;
        entries = 0;
    }
}
