package dev.kindling.dedup.minhash;

/** Exact Jaccard similarity of two sorted, distinct shingle-hash sets ({@link Shingler#shingleSet}). */
public final class Jaccard {
    private Jaccard() {}

    /** |A ∩ B| / |A ∪ B|; two empty sets are similar to nothing (0), like empty signatures. */
    public static double of(long[] a, long[] b) {
        if (a.length == 0 || b.length == 0) {
            return 0.0;
        }
        int i = 0;
        int j = 0;
        int inter = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                inter++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return (double) inter / (a.length + b.length - inter);
    }
}
