package dev.kindling.dedup.minhash;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The permutation step of MinHash: for every permutation i and every shingle hash h, keep the
 * minimum of {@code a[i] * h + b[i]} (64-bit, wrapping; compared as signed longs).
 *
 * <p>With odd {@code a[i]}, {@code h -> a*h + b mod 2^64} is a bijection of the 64-bit hashes, and
 * the order is decided by the high bits, which depend on every bit of h (multiply-shift hashing).
 * The tests check that the resulting signatures estimate brute-force Jaccard within the binomial
 * error of a truly random permutation family.
 *
 * <p>The vector kernels run, per permutation, over the shingle hashes {@code lanes} at a time
 * (a broadcast multiply-add and a lane-wise min), then reduce the lanes. The species must be a
 * compile-time constant for the JIT to turn the Vector API into SIMD instructions, hence one entry
 * point per width instead of a species parameter. {@link #updateScalar} is their twin and the
 * oracle; all give bit-identical results. Which one a {@link MinHasher} uses by default is {@link KernelChoice}'s:
 * the vector kernels only pay where 64-bit lanes multiply and compare natively (AVX-512), and
 * {@link #updateVector256} is refused where the preferred species is narrower than 256 bits.
 *
 * <p>The vector kernels work on a block of shingles per call ({@link Shingler#BLOCK}, 8 KB of hashes, which stay in
 * L1 while every permutation runs over them) instead of a whole text's: a 10 MB document's 1.7 million hashes
 * used to go through one call, so the JIT could only compile that call's loop on stack replacement, and on
 * JDK 17 the replaced loop kept every vector as an object (3.4 GB allocated and 1.6 s of CPU for the first
 * signature of such a document, and as much again for the second). Called once per block, the kernel is compiled
 * as a whole method after a few blocks, and allocates nothing from then on ({@code MinHashKernelColdStartTest},
 * {@code MinHashFirstCallBench}).
 */
public final class MinHashKernel {
    private MinHashKernel() {}

    /** The platform's preferred width for longs (512 bits on AVX-512 machines). */
    public static final VectorSpecies<Long> PREFERRED = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> S256 = LongVector.SPECIES_256;

    /** Scalar twin: {@code mins[i] = min(mins[i], min_s(a[i]*hashes[s] + b[i]))} for i &lt; numPerm. */
    public static void updateScalar(long[] a, long[] b, long[] mins, int numPerm, long[] hashes, int count) {
        ScalarKernel.update(a, b, mins, numPerm, hashes, count);
    }

    /** Vector kernel at the preferred width, over {@code hashes[0..count)} a {@link Shingler#BLOCK} at a time. */
    public static void updateVector(long[] a, long[] b, long[] mins, int numPerm, long[] hashes, int count) {
        for (int from = 0; from < count; from += Shingler.BLOCK) {
            updateVector(a, b, mins, numPerm, hashes, from, Math.min(count, from + Shingler.BLOCK));
        }
    }

    /** Vector kernel at the preferred width over {@code hashes[from..to)} (meant for a block, not a whole text). */
    public static void updateVector(long[] a, long[] b, long[] mins, int numPerm, long[] hashes, int from, int to) {
        int lanes = PREFERRED.length();
        int full = from + (to - from) / lanes * lanes;
        for (int i = 0; i < numPerm; i++) {
            long ai = a[i];
            long bi = b[i];
            LongVector acc = LongVector.broadcast(PREFERRED, Long.MAX_VALUE);
            for (int s = from; s < full; s += lanes) {
                acc = acc.min(LongVector.fromArray(PREFERRED, hashes, s).mul(ai).add(bi));
            }
            long m = Math.min(mins[i], acc.reduceLanes(VectorOperators.MIN));
            for (int s = full; s < to; s++) {
                m = Math.min(m, ai * hashes[s] + bi);
            }
            mins[i] = m;
        }
    }

    /**
     * Vector kernel at 256 bits (the AVX2 shape; tested on every machine), over {@code hashes[0..count)}
     * a {@link Shingler#BLOCK} at a time.
     */
    public static void updateVector256(long[] a, long[] b, long[] mins, int numPerm, long[] hashes, int count) {
        for (int from = 0; from < count; from += Shingler.BLOCK) {
            updateVector256(a, b, mins, numPerm, hashes, from, Math.min(count, from + Shingler.BLOCK));
        }
    }

    /** Vector kernel at 256 bits over {@code hashes[from..to)} (meant for a block, not a whole text). */
    public static void updateVector256(long[] a, long[] b, long[] mins, int numPerm, long[] hashes, int from, int to) {
        int lanes = S256.length();
        int full = from + (to - from) / lanes * lanes;
        for (int i = 0; i < numPerm; i++) {
            long ai = a[i];
            long bi = b[i];
            LongVector acc = LongVector.broadcast(S256, Long.MAX_VALUE);
            for (int s = from; s < full; s += lanes) {
                acc = acc.min(LongVector.fromArray(S256, hashes, s).mul(ai).add(bi));
            }
            long m = Math.min(mins[i], acc.reduceLanes(VectorOperators.MIN));
            for (int s = full; s < to; s++) {
                m = Math.min(m, ai * hashes[s] + bi);
            }
            mins[i] = m;
        }
    }
}
