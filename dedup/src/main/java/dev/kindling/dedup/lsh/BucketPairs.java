package dev.kindling.dedup.lsh;

/**
 * The candidate pairs of LSH buckets, with memory bounded whatever a bucket's size.
 *
 * <p>Documents sharing a band key form a bucket. A bucket of at most {@code allPairsMax} members
 * yields all its pairs; a larger one (a boilerplate shingle shared by a third of a corpus makes
 * buckets of millions) yields a star: every member paired with the bucket's first member, so a
 * bucket of k documents costs k - 1 pairs instead of k²/2, and at most {@code allPairsMax} members
 * are ever held. Without verification, stars and all pairs give the same connected components.
 *
 * <p>With verification a star alone loses pairs: a pair of a large bucket was compared only when
 * the star's centre was similar to both, so 40 copies of a page sharing their buckets with 200
 * longer pages that quote it (Jaccard 0.72), whose ids came first, were all kept, every star
 * centred on a page the copies were not similar to. So, given {@code neighbours} > 0, each member
 * of a large bucket is also paired with the {@code neighbours} members before it, the members
 * coming sorted by an order key: the document's key of the next band. Members that share that band
 * too (near duplicates share many) are then next to each other, and a group of them is linked
 * whatever else the bucket holds. A large bucket costs k x (1 + neighbours) pairs.
 *
 * <p>Used by the in-memory {@link NearDuplicateFinder} and by the Spark stage (which streams each
 * bucket, sorted by order key and member, through one instance), so both produce the same
 * candidate pairs.
 *
 * <pre>{@code
 * BucketPairs pairs = new BucketPairs(BucketPairs.DEFAULT_ALL_PAIRS_MAX, BucketPairs.DEFAULT_NEIGHBOURS, (a, b) -> out.add(a, b));
 * for (long[] m : sortedMembers) pairs.add(m[0], m[1]);   // (order key, member)
 * pairs.finish();
 * }</pre>
 */
public final class BucketPairs {
    /** Buckets up to this size yield all their pairs (at most 496 per bucket). */
    public static final int DEFAULT_ALL_PAIRS_MAX = 32;

    /** With verification: the members before it that a member of a large bucket is paired with, beside the star's centre. */
    public static final int DEFAULT_NEIGHBOURS = 8;

    /** Receives pairs {@code (a, b)} with {@code a < b}. */
    @FunctionalInterface
    public interface Sink {
        void pair(long a, long b);
    }

    private final int allPairsMax;
    private final int neighbours;
    private final Sink sink;
    private final long[] buffer;
    private int size;
    private boolean star;
    private long first;
    /** The last {@code neighbours} members of a large bucket, a ring ({@code added} members so far). */
    private final long[] recent;
    private long added;
    private long lastOrder;
    private long last;

    /** Stars only: what the stage without verification uses. */
    public BucketPairs(int allPairsMax, Sink sink) {
        this(allPairsMax, 0, sink);
    }

    public BucketPairs(int allPairsMax, int neighbours, Sink sink) {
        if (allPairsMax < 1) {
            throw new IllegalArgumentException("allPairsMax must be at least 1, got " + allPairsMax);
        }
        if (neighbours < 0) {
            throw new IllegalArgumentException("neighbours must be at least 0, got " + neighbours);
        }
        this.allPairsMax = allPairsMax;
        this.neighbours = neighbours;
        this.sink = sink;
        this.buffer = new long[allPairsMax];
        this.recent = new long[Math.max(1, neighbours)];
    }

    /** {@link #add(long, long)} with no order key: members in increasing order. */
    public void add(long member) {
        add(0, member);
    }

    /**
     * Adds the next member of the current bucket. Members must come in increasing (order key, member) order; a repeat of
     * the previous one is ignored.
     */
    public void add(long orderKey, long member) {
        if (size > 0 || star) {
            if (orderKey == lastOrder && member == last) {
                return;
            }
            if (orderKey < lastOrder || (orderKey == lastOrder && member < last)) {
                throw new IllegalArgumentException("bucket members must come in increasing (order key, member) order: ("
                        + orderKey + ", " + member + ") after (" + lastOrder + ", " + last + ")");
            }
        }
        lastOrder = orderKey;
        last = member;
        if (star) {
            starMember(member);
        } else if (size < allPairsMax) {
            buffer[size++] = member;
        } else {
            star = true;
            first = buffer[0];
            added = 0;
            remember(first);
            for (int i = 1; i < size; i++) {
                starMember(buffer[i]);
            }
            starMember(member);
            size = 0;
        }
    }

    private void starMember(long member) {
        emit(first, member);
        if (neighbours > 0) {
            for (long back = 1; back <= Math.min(neighbours, added); back++) {
                long before = recent[(int) ((added - back) % neighbours)];
                if (before != first) {
                    emit(before, member);
                }
            }
            remember(member);
        }
    }

    private void remember(long member) {
        if (neighbours > 0) {
            recent[(int) (added % neighbours)] = member;
            added++;
        }
    }

    private void emit(long a, long b) {
        if (a != b) {
            sink.pair(Math.min(a, b), Math.max(a, b));
        }
    }

    /** Ends the current bucket (emitting its pairs if it stayed small) and starts the next. */
    public void finish() {
        if (!star) {
            for (int i = 0; i < size; i++) {
                for (int j = i + 1; j < size; j++) {
                    emit(buffer[i], buffer[j]);
                }
            }
        }
        size = 0;
        star = false;
        added = 0;
    }
}
