package dev.kindling.dedup.minhash;

import dev.kindling.dedup.normalize.NormalizeOptions;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * MinHash signatures of texts: shingle ({@link Shingler}), then keep, per permutation, the minimum
 * permuted shingle hash ({@link MinHashKernel}).
 *
 * <p>A text with fewer than n words has no shingles ({@link Shingler}); its signature is all {@link Long#MAX_VALUE}
 * ({@link #isEmpty}) and it takes no part in near dedup (exact dedup still sees it).
 *
 * <p>Not thread-safe (it owns a {@link Shingler}); make one per thread — they are cheap and two
 * made with equal params give equal signatures.
 *
 * <pre>{@code
 * MinHasher mh = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR);
 * long[] s1 = mh.signature(textA), s2 = mh.signature(textB);
 * double j = MinHasher.estimateJaccard(s1, s2);
 * }</pre>
 */
public final class MinHasher {
    private final MinHashParams params;
    private final Shingler shingler;
    private final Kernel kernel;
    private final long[] a;
    private final long[] b;
    private final long[] mins;
    private final Shingler.Sink update = this::update;

    /**
     * Which permutation kernel computes the signatures (all give identical signatures). The default is
     * {@link #defaultKernel()}.
     */
    public enum Kernel {
        /** Vector API at the platform's preferred width (the default where 64-bit lane multiply is native: AVX-512) */
        VECTOR,
        /** Vector API at 256 bits (refused where the preferred width is narrower: it would run boxed) */
        VECTOR_256,
        /** plain Java loops: the oracle */
        SCALAR
    }

    /**
     * Whether the Vector API is there. It is an incubator module, resolved only in a JVM started with
     * {@code --add-modules jdk.incubator.vector} (the kindling script and spark-submit add it; an application that only
     * depends on this library may not), and without it the Vector kernels cannot even load.
     */
    public static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** With the {@link #defaultKernel()} (every kernel gives the same signatures). */
    public MinHasher(MinHashParams params, NormalizeOptions options) {
        this(params, options, defaultKernel());
    }

    public MinHasher(MinHashParams params, NormalizeOptions options, Kernel kernel) {
        if (kernel != Kernel.SCALAR && !VECTOR_API) {
            throw new IllegalStateException("the " + kernel + " MinHash kernel needs the Vector API: start the JVM with "
                    + "--add-modules jdk.incubator.vector, or use Kernel.SCALAR (the same signatures, slower)");
        }
        if (kernel == Kernel.VECTOR_256 && KernelChoice.cpu().preferredBits() < 256) {
            throw new IllegalStateException("the VECTOR_256 MinHash kernel needs 256-bit vectors, but this JVM's preferred "
                    + "vector for longs is " + KernelChoice.cpu().preferredBits() + " bits (-XX:MaxVectorSize or the CPU): "
                    + "its 256-bit vectors would run as objects, many times slower; use Kernel.VECTOR or Kernel.SCALAR");
        }
        this.params = params;
        this.shingler = new Shingler(params.ngram(), options);
        this.kernel = kernel;
        long[][] ab = coefficients(params.numPerm(), params.seed());
        this.a = ab[0];
        this.b = ab[1];
        this.mins = new long[params.numPerm()];
    }

    /**
     * The kernel a MinHasher gets when none is named: {@code -Dkindling.minhash.kernel=vector|vector256|scalar} when set
     * (or {@code auto}), else {@link Kernel#VECTOR} where the CPU has 64-bit lane multiply and min at 256 bits or
     * wider (AVX-512, SVE) and {@link Kernel#SCALAR} elsewhere (AVX2, NEON, 128-bit vectors, no Vector API), where the
     * scalar loop is the faster one ({@link KernelChoice}).
     *
     * @throws IllegalArgumentException when the property names no kernel
     */
    public static Kernel defaultKernel() {
        return KernelChoice.choose(System.getProperty(KernelChoice.PROPERTY), KernelChoice.cpu());
    }

    /**
     * A kernel by name, as {@code -Dkindling.minhash.kernel} and the benchmarks spell it: {@code vector},
     * {@code vector256} (or {@code vector_256}) or {@code scalar}, in any case.
     *
     * @param where what gave the name, for the error (e.g. {@code -Dkindling.minhash.kernel})
     */
    public static Kernel parseKernel(String name, String where) {
        return switch (name.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "vector" -> Kernel.VECTOR;
            case "vector256", "vector_256" -> Kernel.VECTOR_256;
            case "scalar" -> Kernel.SCALAR;
            default -> throw new IllegalArgumentException(where + "=" + name
                    + ": expected vector, vector256 or scalar (the MinHash kernel)");
        };
    }

    /** The kernel this MinHasher computes with. */
    public Kernel kernel() {
        return kernel;
    }

    /** The permutation coefficients {a (odd), b} for a seed: the same on every executor. */
    public static long[][] coefficients(int numPerm, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] a = new long[numPerm];
        long[] b = new long[numPerm];
        for (int i = 0; i < numPerm; i++) {
            a[i] = r.nextLong() | 1L;
            b[i] = r.nextLong();
        }
        return new long[][] {a, b};
    }

    public MinHashParams params() {
        return params;
    }

    public Shingler shingler() {
        return shingler;
    }

    /**
     * The signature of {@code text} (a fresh array of {@code numPerm} values). The shingles go to the kernel a
     * {@link Shingler#BLOCK} at a time, so a long text needs no array of all its shingle hashes.
     */
    public long[] signature(String text) {
        Arrays.fill(mins, Long.MAX_VALUE);
        shingler.shingle(text, update);
        return mins.clone();
    }

    /** The signature of the first {@code count} shingle hashes in {@code hashes}. */
    public long[] signatureOf(long[] hashes, int count) {
        Arrays.fill(mins, Long.MAX_VALUE);
        switch (kernel) {
            case VECTOR -> MinHashKernel.updateVector(a, b, mins, params.numPerm(), hashes, count);
            case VECTOR_256 -> MinHashKernel.updateVector256(a, b, mins, params.numPerm(), hashes, count);
            case SCALAR -> ScalarKernel.update(a, b, mins, params.numPerm(), hashes, count);
        }
        return mins.clone();
    }

    /** Folds one block of shingle hashes into {@link #mins}. */
    private void update(long[] hashes, int count) {
        switch (kernel) {
            case VECTOR -> MinHashKernel.updateVector(a, b, mins, params.numPerm(), hashes, 0, count);
            case VECTOR_256 -> MinHashKernel.updateVector256(a, b, mins, params.numPerm(), hashes, 0, count);
            case SCALAR -> ScalarKernel.update(a, b, mins, params.numPerm(), hashes, count);
        }
    }

    /** True for the signature of a text without shingles. */
    public static boolean isEmpty(long[] signature) {
        for (long v : signature) {
            if (v != Long.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    /**
     * Fraction of positions where two signatures agree: an unbiased estimate of the Jaccard
     * similarity of the two shingle sets. Empty signatures are similar to nothing (0).
     */
    public static double estimateJaccard(long[] s1, long[] s2) {
        if (s1.length != s2.length) {
            throw new IllegalArgumentException("signatures of different lengths: " + s1.length + " vs " + s2.length
                    + " (made with different numPerm)");
        }
        if (isEmpty(s1) || isEmpty(s2)) {
            return 0.0;
        }
        int eq = 0;
        for (int i = 0; i < s1.length; i++) {
            if (s1[i] == s2[i]) {
                eq++;
            }
        }
        return (double) eq / s1.length;
    }
}
