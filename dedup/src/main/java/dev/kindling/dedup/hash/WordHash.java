package dev.kindling.dedup.hash;

/**
 * The fast 64-bit hash used for words and shingles: FNV-1a (64-bit) over the UTF-8 bytes of a word,
 * fed one code point at a time so no byte array or String is made, then MurmurHash3's
 * {@code fmix64} finaliser (FNV-1a alone leaves the high bits weak for short words, and MinHash
 * orders by the high bits).
 *
 * <p>A shingle of n words is {@link #combine combined} from its word hashes (order-sensitive), so
 * a document's shingles cost one multiply-xor per word instead of hashing n words again.
 *
 * <pre>{@code
 * long h = WordHash.START;
 * for (int i = 0; i < word.length(); ) { int cp = word.codePointAt(i); h = WordHash.update(h, cp); i += Character.charCount(cp); }
 * long wordHash = WordHash.finish(h);
 * }</pre>
 */
public final class WordHash {
    /** FNV-1a 64-bit offset basis. */
    public static final long START = 0xcbf29ce484222325L;
    /** FNV 64-bit prime. */
    public static final long PRIME = 0x100000001b3L;
    private static final long COMBINE = 0x9E3779B97F4A7C15L;

    private WordHash() {}

    /** Feeds one byte (FNV-1a step). */
    public static long updateByte(long h, int b) {
        return (h ^ (b & 0xFF)) * PRIME;
    }

    /** Feeds the UTF-8 encoding of one code point. */
    public static long update(long h, int cp) {
        if (cp < 0x80) {
            return (h ^ cp) * PRIME;
        } else if (cp < 0x800) {
            h = (h ^ (0xC0 | (cp >>> 6))) * PRIME;
            return (h ^ (0x80 | (cp & 0x3F))) * PRIME;
        } else if (cp < 0x10000) {
            h = (h ^ (0xE0 | (cp >>> 12))) * PRIME;
            h = (h ^ (0x80 | ((cp >>> 6) & 0x3F))) * PRIME;
            return (h ^ (0x80 | (cp & 0x3F))) * PRIME;
        } else {
            h = (h ^ (0xF0 | (cp >>> 18))) * PRIME;
            h = (h ^ (0x80 | ((cp >>> 12) & 0x3F))) * PRIME;
            h = (h ^ (0x80 | ((cp >>> 6) & 0x3F))) * PRIME;
            return (h ^ (0x80 | (cp & 0x3F))) * PRIME;
        }
    }

    /** Plain FNV-1a 64 of a string's UTF-8 bytes (no finaliser): the published test vectors apply. */
    public static long fnv1a64(CharSequence s) {
        long h = START;
        for (int i = 0; i < s.length(); ) {
            int cp = Character.codePointAt(s, i);
            h = update(h, cp);
            i += Character.charCount(cp);
        }
        return h;
    }

    /** Finishes a word hash. */
    public static long finish(long fnvState) {
        return MurmurHash3.fmix64(fnvState);
    }

    /** The word hash of a whole string: {@code finish(fnv1a64(utf8(s)))}. */
    public static long of(CharSequence s) {
        return finish(fnv1a64(s));
    }

    /**
     * Hash of the sequence {@code ring[from], ..., ring[from+n-1]} read from a ring buffer whose
     * capacity is a power of two ({@code mask} = capacity - 1; indices wrap). Order matters; the
     * length is mixed in. A plain array is a ring whose mask covers it.
     */
    public static long combine(long[] ring, int from, int n, int mask) {
        long s = n;
        for (int k = 0; k < n; k++) {
            s = (s ^ ring[(from + k) & mask]) * COMBINE;
            s = Long.rotateLeft(s, 29);
        }
        return MurmurHash3.fmix64(s);
    }
}
