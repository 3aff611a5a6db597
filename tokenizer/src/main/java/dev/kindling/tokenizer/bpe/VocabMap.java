package dev.kindling.tokenizer.bpe;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Vocabulary string to id, in an open-addressing table with cached hashes. Besides plain lookups it
 * finds the id of a concatenation {@code a + b.substring(from)} without building the string
 * (Java's string hash is polynomial, so the hash of a concatenation follows from the parts), which
 * is what loading 500k merges spends its time on. Later puts of an existing key win, as in a
 * {@link HashMap}. Read-only after loading.
 */
public final class VocabMap {
    private String[] keys;
    private int[] hashes;
    private int[] ids;
    private int size;
    private int maxId = -1;

    public VocabMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        keys = new String[cap];
        hashes = new int[cap];
        ids = new int[cap];
    }

    public static VocabMap of(Map<String, Integer> m) {
        VocabMap v = new VocabMap(m.size());
        m.forEach(v::put);
        return v;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16) ^ (h >>> 7);
    }

    public void put(String key, int id) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int h = key.hashCode();
        int mask = keys.length - 1;
        int i = spread(h) & mask;
        while (keys[i] != null) {
            if (hashes[i] == h && keys[i].equals(key)) {
                ids[i] = id;
                maxId = Math.max(maxId, id);
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        hashes[i] = h;
        ids[i] = id;
        size++;
        maxId = Math.max(maxId, id);
    }

    private void grow() {
        String[] ok = keys;
        int[] oi = ids;
        keys = new String[ok.length * 2];
        hashes = new int[ok.length * 2];
        ids = new int[ok.length * 2];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != null) {
                put(ok[i], oi[i]);
            }
        }
    }

    /** The id of {@code key}, or -1. */
    public int get(String key) {
        int h = key.hashCode();
        int mask = keys.length - 1;
        int i = spread(h) & mask;
        while (true) {
            String k = keys[i];
            if (k == null) {
                return -1;
            }
            if (hashes[i] == h && k.equals(key)) {
                return ids[i];
            }
            i = (i + 1) & mask;
        }
    }

    /** The id of {@code a + b.substring(from)}, or -1, without building that string. */
    public int getConcat(String a, String b, int from) {
        return getConcat(a, b, from, b.length());
    }

    /** The id of {@code a + b.subSequence(from, to)}, or -1, without building that string. */
    public int getConcat(String a, CharSequence b, int from, int to) {
        int h = a.hashCode();
        for (int j = from; j < to; j++) {
            h = 31 * h + b.charAt(j);
        }
        int len = a.length() + to - from;
        int mask = keys.length - 1;
        int i = spread(h) & mask;
        while (true) {
            String k = keys[i];
            if (k == null) {
                return -1;
            }
            if (hashes[i] == h && k.length() == len && k.startsWith(a) && regionMatches(k, a.length(), b, from, to)) {
                return ids[i];
            }
            i = (i + 1) & mask;
        }
    }

    private static boolean regionMatches(String k, int at, CharSequence b, int from, int to) {
        if (b instanceof String s) {
            return k.regionMatches(at, s, from, to - from);
        }
        for (int j = from; j < to; j++, at++) {
            if (k.charAt(at) != b.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return size;
    }

    /** Takes the ids below {@code limit} as the vocabulary's, where the largest put is below it (ids with no string). */
    public void coverIds(int limit) {
        maxId = Math.max(maxId, limit - 1);
    }

    /** The largest id + 1. */
    public int idLimit() {
        return maxId + 1;
    }

    /** Strings by id (null where no string has that id; a duplicated string keeps its last id). */
    public String[] byId() {
        String[] out = new String[idLimit()];
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                out[ids[i]] = keys[i];
            }
        }
        return out;
    }

    public Map<String, Integer> toMap() {
        Map<String, Integer> m = new HashMap<>(size * 2);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                m.put(keys[i], ids[i]);
            }
        }
        return m;
    }

    /** Calls {@code f} for every entry. */
    public void forEach(java.util.function.ObjIntConsumer<String> f) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                f.accept(keys[i], ids[i]);
            }
        }
    }

    @Override
    public String toString() {
        return "VocabMap(" + size + " entries, " + Arrays.toString(new int[] {keys.length}) + " slots)";
    }
}
