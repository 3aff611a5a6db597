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
    private long[] hashIds; // hash << 32 | id: a probe reads one array until the hash matches
    private int size;
    private int[] pow31 = {1};

    RawVocab(byte[] bytes, int expected) {
        this.b = bytes;
        int cap = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        spans = new long[cap];
        hashIds = new long[cap];
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
            if ((int) (hashIds[i] >>> 32) == h && Arrays.equals(b, s, e, b, from, to)) {
                hashIds[i] = (long) h << 32 | id;
                return;
            }
            i = (i + 1) & mask;
        }
        spans[i] = (long) from << 32 | to;
        hashIds[i] = (long) h << 32 | id;
        size++;
    }

    private void grow() {
        long[] os = spans;
        long[] oh = hashIds;
        spans = new long[os.length * 2];
        hashIds = new long[os.length * 2];
        size = 0;
        for (int i = 0; i < os.length; i++) {
            if (os[i] != 0) {
                insert((int) (os[i] >>> 32), (int) os[i], (int) (oh[i] >>> 32), (int) oh[i]);
            }
        }
    }

    /** The hash of {@code b[from, to)} (for {@link #get}). */
    int hash(int from, int to) {
        return hash(b, from, to, 0);
    }

    /** The id of the key {@code b[from, to)} with hash {@code h}, or -1. */
    int get(int from, int to, int h) {
        return find(from, to, to, to, h);
    }

    /**
     * The id of the key {@code b[aFrom, aTo)} followed by {@code b[bFrom, bTo)}, whose hashes are
     * {@code ha} and {@code hb}, or -1. The concatenation's hash follows from the parts' (polynomial hash).
     */
    int getConcat(int aFrom, int aTo, int ha, int bFrom, int bTo, int hb) {
        int lb = bTo - bFrom;
        if (lb >= pow31.length) {
            int[] p = Arrays.copyOf(pow31, Math.max(lb + 1, pow31.length * 2));
            for (int i = pow31.length; i < p.length; i++) {
                p[i] = p[i - 1] * 31;
            }
            pow31 = p;
        }
        return find(aFrom, aTo, bFrom, bTo, ha * pow31[lb] + hb);
    }

    private int find(int aFrom, int aTo, int bFrom, int bTo, int h) {
        int la = aTo - aFrom;
        int len = la + bTo - bFrom;
        int mask = spans.length - 1;
        int i = mix(h) & mask;
        while (true) {
            long hi = hashIds[i];
            if (hi == 0 && spans[i] == 0) {
                return -1;
            }
            if ((int) (hi >>> 32) == h) {
                int s = (int) (spans[i] >>> 32);
                int e = (int) spans[i];
                if (e - s == len && Arrays.equals(b, s, s + la, b, aFrom, aTo) && Arrays.equals(b, s + la, e, b, bFrom, bTo)) {
                    return (int) hi;
                }
            }
            i = (i + 1) & mask;
        }
    }
}
