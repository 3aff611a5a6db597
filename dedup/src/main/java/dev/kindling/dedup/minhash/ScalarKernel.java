package dev.kindling.dedup.minhash;

/**
 * The scalar twin of {@link MinHashKernel}'s Vector API kernels, in a class of its own: MinHashKernel cannot even be
 * loaded in a JVM started without {@code --add-modules jdk.incubator.vector}, and this one needs nothing.
 */
final class ScalarKernel {
    private ScalarKernel() {}

    /** {@code mins[i] = min(mins[i], min_s(a[i]*hashes[s] + b[i]))} for i &lt; numPerm. */
    static void update(long[] a, long[] b, long[] mins, int numPerm, long[] hashes, int count) {
        for (int i = 0; i < numPerm; i++) {
            long ai = a[i];
            long bi = b[i];
            long m = mins[i];
            for (int s = 0; s < count; s++) {
                long v = ai * hashes[s] + bi;
                if (v < m) {
                    m = v;
                }
            }
            mins[i] = m;
        }
    }
}
