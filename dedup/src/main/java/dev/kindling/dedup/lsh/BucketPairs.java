package dev.kindling.dedup.lsh;

/**
 * The candidate pairs of LSH buckets, with memory bounded whatever a bucket's size.
 *
 * <p>Documents sharing a band key form a bucket. A bucket of at most {@code allPairsMax} members
 * yields all its pairs; a larger one (a boilerplate shingle shared by a third of a corpus makes
 * buckets of millions) yields a star: every member paired with the bucket's smallest member only,
 * so a bucket of k documents costs k - 1 pairs instead of k²/2, and at most {@code allPairsMax}
 * members are ever held. Without verification, stars and all pairs give the same connected
 * components. With verification, a pair inside a huge bucket is only compared when it also shares
 * another band (or the bucket minimum is similar to both); at 14 x 8 a pair at Jaccard 0.8 shares
 * one given band with probability 0.17, so a pair of a huge bucket is still found through its other
 * 13 bands with probability 0.91 (1 - 0.83^13).
 *
 * <p>Used by the in-memory {@link NearDuplicateFinder} and by the Spark stage (which streams each
 * bucket, sorted by member, through one instance), so both produce the same candidate pairs.
 *
 * <pre>{@code
 * BucketPairs pairs = new BucketPairs(BucketPairs.DEFAULT_ALL_PAIRS_MAX, (a, b) -> out.add(a, b));
 * for (long m : sortedMembers) pairs.add(m);
 * pairs.finish();
 * }</pre>
 */
public final class BucketPairs {
    /** Buckets up to this size yield all their pairs (at most 496 per bucket). */
    public static final int DEFAULT_ALL_PAIRS_MAX = 32;

    /** Receives pairs {@code (a, b)} with {@code a < b}. */
    @FunctionalInterface
    public interface Sink {
        void pair(long a, long b);
    }

    private final int allPairsMax;
    private final Sink sink;
    private final long[] buffer;
    private int size;
    private boolean star;
    private long first;
    private long last;

    public BucketPairs(int allPairsMax, Sink sink) {
        if (allPairsMax < 1) {
            throw new IllegalArgumentException("allPairsMax must be at least 1, got " + allPairsMax);
        }
        this.allPairsMax = allPairsMax;
        this.sink = sink;
        this.buffer = new long[allPairsMax];
    }

    /**
     * Adds the next member of the current bucket. Members must come in increasing order; a repeat of
     * the previous member is ignored.
     */
    public void add(long member) {
        if (size > 0 || star) {
            if (member == last) {
                return;
            }
            if (member < last) {
                throw new IllegalArgumentException("bucket members must come in increasing order: " + member
                        + " after " + last);
            }
        }
        last = member;
        if (star) {
            sink.pair(first, member);
        } else if (size < allPairsMax) {
            buffer[size++] = member;
        } else {
            star = true;
            first = buffer[0];
            for (int i = 1; i < size; i++) {
                sink.pair(first, buffer[i]);
            }
            sink.pair(first, member);
            size = 0;
        }
    }

    /** Ends the current bucket (emitting its pairs if it stayed small) and starts the next. */
    public void finish() {
        if (!star) {
            for (int i = 0; i < size; i++) {
                for (int j = i + 1; j < size; j++) {
                    sink.pair(buffer[i], buffer[j]);
                }
            }
        }
        size = 0;
        star = false;
    }
}
