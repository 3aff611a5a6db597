package dev.kindling.tokenizer.hf;

import java.util.Arrays;

/**
 * The vocabulary keys as byte ranges of the tokenizer.json buffer ({@code "token"} without escapes),
 * hashed over their raw UTF-8 bytes, so that merges can be resolved to ids by comparing bytes
 * (vectorised {@link Arrays#equals(byte[], int, int, byte[], int, int)}) instead of building 3
 * Strings per merge. Used only while loading. A miss is not an answer: keys written with escapes
 * are not here, so a miss sends the caller to the String path ({@link dev.kindling.tokenizer.bpe.VocabMap}).
 */
final class RawVocab {
    private final byte[] b;
    private long[] spans; // start << 32 | end, 0 = empty (no key starts at byte 0: the buffer starts with '{')
    private int[] hashes;
    private int[] ids;
    private int size;

    RawVocab(byte[] bytes, int expected) {
        this.b = bytes;
        int cap = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        spans = new long[cap];
        hashes = new int[cap];
        ids = new int[cap];
    }

    static int hash(byte[] b, int from, int to, int h) {
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        return h;
    }

    private static int mix(int h) {
        return (h ^ (h >>> 16)) * 0x45D9F3B;
    }

    /** Adds key {@code b[from, to)} with {@code id}; a later duplicate wins, as in the String map. */
    void put(int from, int to, int id) {
        if ((size + 1) * 2 > spans.length) {
            grow();
        }
        insert(from, to, hash(b, from, to, 0), id);
    }

    private void insert(int from, int to, int h, int id) {
        int mask = spans.length - 1;
        int i = mix(h) & mask;
        while (spans[i] != 0) {
            int s = (int) (spans[i] >>> 32);
            int e = (int) spans[i];
            if (hashes[i] == h && Arrays.equals(b, s, e, b, from, to)) {
                ids[i] = id;
                return;
            }
            i = (i + 1) & mask;
        }
        spans[i] = (long) from << 32 | to;
        hashes[i] = h;
        ids[i] = id;
        size++;
    }

    private void grow() {
        long[] os = spans;
        int[] oh = hashes;
        int[] oi = ids;
        spans = new long[os.length * 2];
        hashes = new int[os.length * 2];
        ids = new int[os.length * 2];
        size = 0;
        for (int i = 0; i < os.length; i++) {
            if (os[i] != 0) {
                insert((int) (os[i] >>> 32), (int) os[i], oh[i], oi[i]);
            }
        }
    }

    /** The id of the key {@code b[aFrom, aTo)} followed by {@code b[bFrom, bTo)} (bFrom = bTo for one range), or -1. */
    int get(int aFrom, int aTo, int bFrom, int bTo) {
        int h = hash(b, bFrom, bTo, hash(b, aFrom, aTo, 0));
        int la = aTo - aFrom;
        int len = la + bTo - bFrom;
        int mask = spans.length - 1;
        int i = mix(h) & mask;
        while (spans[i] != 0) {
            int s = (int) (spans[i] >>> 32);
            int e = (int) spans[i];
            if (hashes[i] == h && e - s == len && Arrays.equals(b, s, s + la, b, aFrom, aTo)
                    && Arrays.equals(b, s + la, e, b, bFrom, bTo)) {
                return ids[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }
}
