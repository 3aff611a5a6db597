package dev.kindling.dedup.lsh;

import dev.kindling.dedup.hash.MurmurHash3;

/**
 * Band keys of a MinHash signature: band j covers signature positions {@code [j*rows, (j+1)*rows)};
 * two documents are LSH candidates when any band key agrees. A key is a 64-bit hash of the band's
 * values and its index, so keys of different bands never need to be kept apart by the caller
 * (a false match needs a 64-bit collision).
 */
public final class LshBands {
    private LshBands() {}

    /** The key of band {@code band}. */
    public static long bandKey(long[] signature, int band, int rows) {
        long h = 0x51_7c_c1_b7_27_22_0a_95L ^ band;
        int from = band * rows;
        for (int k = 0; k < rows; k++) {
            h = MurmurHash3.fmix64(h ^ signature[from + k]) + k;
        }
        return MurmurHash3.fmix64(h ^ band);
    }

    /** All band keys of a signature. */
    public static long[] bandKeys(long[] signature, int bands, int rows) {
        if ((long) bands * rows > signature.length) {
            throw new IllegalArgumentException("signature of " + signature.length + " values has no room for "
                    + bands + " bands x " + rows + " rows");
        }
        long[] keys = new long[bands];
        for (int j = 0; j < bands; j++) {
            keys[j] = bandKey(signature, j, rows);
        }
        return keys;
    }

    /**
     * The order key of a document in its bucket of band {@code band} ({@link BucketPairs}): its key of the next band
     * (cyclic), 0 with one band.
     */
    public static long orderKey(long[] bandKeys, int band) {
        return bandKeys.length == 1 ? 0 : bandKeys[(band + 1) % bandKeys.length];
    }
}
