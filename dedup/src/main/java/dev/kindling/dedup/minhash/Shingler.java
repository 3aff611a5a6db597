package dev.kindling.dedup.minhash;

import dev.kindling.dedup.hash.WordHash;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.dedup.text.Scripts;
import java.util.Arrays;

/**
 * Turns a text into the 64-bit hashes of its word n-grams ("shingles"), the set MinHash and Jaccard
 * work on.
 *
 * <p>Words are the white-space separated tokens of the {@linkplain TextNormalizer normalised} text,
 * except that every character of a script written without spaces (Chinese, Japanese, Thai...) is a
 * token of its own, so such text is shingled as character n-grams. Each word is hashed once
 * ({@link WordHash}) while it is read; a shingle's hash combines the last n word hashes from a ring
 * buffer, so no String is made per word or per shingle.
 *
 * <p>A text with fewer than n words gives no shingle, as in datatrove's {@code MinhashDedupSignature} (its
 * n-grams of a shorter word list are none, and a document without shingles gets no signature): a single
 * shingle of all its words would make near dedup an exact match of the normalised text, which for a few
 * words mostly matches texts that differ only in their numbers ("Page 1", "page 2!"). Exact dedup still
 * sees short texts.
 *
 * <p>{@link #shingle(String)} keeps all of a text's shingle hashes (what {@link #shingleSet} needs);
 * {@link #shingle(String, Sink)} hands them over a {@link #BLOCK} at a time, so a 10 MB document needs one 8 KB
 * block instead of 1.7 million hashes at once (MinHash signatures use it).
 *
 * <p>Not thread-safe: it reuses its buffers. Use one per thread.
 *
 * <pre>{@code
 * Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
 * long[] set = sh.shingleSet("the quick brown fox jumps over the lazy dog");   // sorted, distinct
 * }</pre>
 */
public final class Shingler {
    /** Shingle hashes per block handed to a {@link Sink} (the last block of a text may be shorter). */
    public static final int BLOCK = 1024;

    /** Receives a text's shingle hashes, in text order, a block at a time. */
    @FunctionalInterface
    public interface Sink {
        /** {@code hashes[0..count)} are the next shingles; the array is reused for the next block. */
        void accept(long[] hashes, int count);
    }

    private final int n;
    private final NormalizeOptions options;
    private final long[] ring;
    private final int mask;
    private final long[] block = new long[BLOCK];
    private long[] all = new long[256];
    // where emit writes: `all` (growing) for shingle(String), `block` (flushed to sink when full) for shingle(String, Sink)
    private long[] out;
    private Sink sink;
    private int flushed;
    private int count;

    public Shingler(int n, NormalizeOptions options) {
        if (n < 1) {
            throw new IllegalArgumentException("n-gram size must be at least 1, got " + n);
        }
        this.n = n;
        this.options = options;
        int cap = Integer.highestOneBit(Math.max(1, n - 1)) << 1;
        this.ring = new long[cap];
        this.mask = cap - 1;
    }

    public int ngram() {
        return n;
    }

    public NormalizeOptions options() {
        return options;
    }

    /**
     * Computes the shingle hashes of {@code text} into an internal buffer (duplicates included, in
     * text order) and returns how many there are; read them with {@link #buffer()}.
     */
    public int shingle(String text) {
        out = all;
        sink = null;
        scan(text);
        all = out;
        return count;
    }

    /**
     * Computes the shingle hashes of {@code text} and hands them to {@code sink} in text order, {@link #BLOCK} at a
     * time (the last block may be shorter; a text without shingles makes no call); returns how many there are.
     * {@link #buffer()} is left as the last {@link #shingle(String)} filled it.
     */
    public int shingle(String text, Sink sink) {
        out = block;
        this.sink = sink;
        flushed = 0;
        try {
            scan(text);
            if (count > 0) {
                sink.accept(block, count);
            }
            return flushed + count;
        } finally {
            this.sink = null;
        }
    }

    private void scan(String text) {
        String s = TextNormalizer.normalize(text, options);
        count = 0;
        int words = 0;
        long h = WordHash.START;
        boolean inWord = false;
        for (int i = 0, len = s.length(); i < len; ) {
            int cp = s.charAt(i);
            if (cp < 128) {
                i++;
                if (cp == ' ' || (cp <= ' ' && Character.isWhitespace(cp))) {
                    if (inWord) {
                        words = endWord(h, words);
                        inWord = false;
                    }
                    continue;
                }
            } else {
                cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                    if (inWord) {
                        words = endWord(h, words);
                        inWord = false;
                    }
                    continue;
                }
                if (Scripts.isUnspaced(cp)) {
                    if (inWord) {
                        words = endWord(h, words);
                        inWord = false;
                    }
                    words = endWord(WordHash.update(WordHash.START, cp), words);
                    continue;
                }
            }
            if (!inWord) {
                h = WordHash.START;
                inWord = true;
            }
            h = WordHash.update(h, cp);
        }
        if (inWord) {
            endWord(h, words);
        }
    }

    private int endWord(long fnvState, int words) {
        ring[words & mask] = WordHash.finish(fnvState);
        words++;
        if (words >= n) {
            emit(WordHash.combine(ring, words - n, n, mask));
        }
        return words;
    }

    private void emit(long shingle) {
        if (count == out.length) {
            full();
        }
        out[count++] = shingle;
    }

    private void full() {
        if (sink == null) {
            out = Arrays.copyOf(out, out.length * 2);
        } else {
            sink.accept(out, count);
            flushed += count;
            count = 0;
        }
    }

    /** The buffer filled by the last {@link #shingle(String)} call (valid up to its return value). */
    public long[] buffer() {
        return all;
    }

    /** The sorted, distinct shingle hashes of {@code text} (a fresh array). */
    public long[] shingleSet(String text) {
        int c = shingle(text);
        long[] set = Arrays.copyOf(all, c);
        Arrays.sort(set);
        int w = 0;
        for (int i = 0; i < set.length; i++) {
            if (i == 0 || set[i] != set[i - 1]) {
                set[w++] = set[i];
            }
        }
        return Arrays.copyOf(set, w);
    }
}
