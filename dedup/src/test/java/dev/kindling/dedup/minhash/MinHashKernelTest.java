package dev.kindling.dedup.minhash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.normalize.NormalizeOptions;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinHashKernelTest {

    /** The Vector API kernels (preferred width and 256-bit) agree bit for bit with the scalar twin. */
    @Test
    void vectorKernelsMatchScalarTwin() {
        SplittableRandom r = new SplittableRandom(7);
        for (int numPerm : new int[] {1, 7, 8, 112, 130}) {
            long[][] ab = MinHasher.coefficients(numPerm, 99);
            for (int count : new int[] {0, 1, 3, 7, 8, 9, 15, 16, 17, 100, 1001}) {
                long[] hashes = r.longs(count).toArray();
                long[] s = fresh(numPerm);
                long[] v = fresh(numPerm);
                long[] v256 = fresh(numPerm);
                MinHashKernel.updateScalar(ab[0], ab[1], s, numPerm, hashes, count);
                MinHashKernel.updateVector(ab[0], ab[1], v, numPerm, hashes, count);
                MinHashKernel.updateVector256(ab[0], ab[1], v256, numPerm, hashes, count);
                assertArrayEquals(s, v, "preferred, numPerm " + numPerm + " count " + count);
                assertArrayEquals(s, v256, "256-bit, numPerm " + numPerm + " count " + count);
            }
        }
        System.out.println("preferred species: " + MinHashKernel.PREFERRED);
    }

    @Test
    void signaturesAgreeAcrossKernelsOnText() {
        String text = "It was the best of times, it was the worst of times, it was the age of wisdom, "
                + "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity.";
        long[] v = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, MinHasher.Kernel.VECTOR).signature(text);
        long[] v256 = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, MinHasher.Kernel.VECTOR_256).signature(text);
        long[] s = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, MinHasher.Kernel.SCALAR).signature(text);
        assertArrayEquals(s, v);
        assertArrayEquals(s, v256);
        assertEquals(112, s.length);
        assertTrue(MinHasher.isEmpty(new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).signature(" \n ")));
    }

    /**
     * Signatures go through the kernels a {@link Shingler#BLOCK} of shingles at a time: texts with 0, 1, BLOCK - 1,
     * BLOCK, BLOCK + 1 and 5000 shingles get, with every kernel, the scalar oracle's signature over all their shingles
     * at once, and the blocks handed over are the shingles of {@link Shingler#shingle(String)} in order.
     */
    @Test
    void blockBoundariesGiveTheOraclesSignature() {
        assertEquals(1024, Shingler.BLOCK);
        MinHashParams params = MinHashParams.DEFAULT;
        long[][] ab = MinHasher.coefficients(params.numPerm(), params.seed());
        Shingler shingler = new Shingler(params.ngram(), NormalizeOptions.NEAR);
        for (int shingles : new int[] {0, 1, 1023, 1024, 1025, 5000}) {
            String text = words(shingles + params.ngram() - 1, shingles);
            int count = shingler.shingle(text);
            assertEquals(shingles, count, "shingles of the text made for " + shingles);
            long[] all = Arrays.copyOf(shingler.buffer(), count);
            long[] oracle = fresh(params.numPerm());
            MinHashKernel.updateScalar(ab[0], ab[1], oracle, params.numPerm(), all, count);

            long[] streamed = new long[count];
            int[] at = {0};
            int[] calls = {0};
            int returned = shingler.shingle(text, (hashes, n) -> {
                assertTrue(n > 0 && n <= Shingler.BLOCK, "block of " + n);
                assertTrue(n == Shingler.BLOCK || at[0] + n == count, "only the last block may be short: " + n + " at " + at[0]);
                System.arraycopy(hashes, 0, streamed, at[0], n);
                at[0] += n;
                calls[0]++;
            });
            assertEquals(count, returned);
            assertEquals((count + Shingler.BLOCK - 1) / Shingler.BLOCK, calls[0], "blocks for " + count + " shingles");
            assertArrayEquals(all, streamed, "blocks of " + count + " shingles");

            for (MinHasher.Kernel kernel : MinHasher.Kernel.values()) {
                MinHasher hasher = new MinHasher(params, NormalizeOptions.NEAR, kernel);
                assertArrayEquals(oracle, hasher.signature(text), kernel + ", " + count + " shingles");
                assertArrayEquals(oracle, hasher.signatureOf(all, count), kernel + " signatureOf, " + count + " shingles");
            }
            long[] v = fresh(params.numPerm());
            long[] v256 = fresh(params.numPerm());
            MinHashKernel.updateVector(ab[0], ab[1], v, params.numPerm(), all, count);
            MinHashKernel.updateVector256(ab[0], ab[1], v256, params.numPerm(), all, count);
            assertArrayEquals(oracle, v, "preferred, " + count + " shingles");
            assertArrayEquals(oracle, v256, "256-bit, " + count + " shingles");
        }
    }

    /** {@code n} distinct words (seeded by {@code seed}), separated by spaces. */
    private static String words(int n, int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append("w").append(Long.toString(r.nextLong() >>> 1, 36));
        }
        return sb.toString();
    }

    private static long[] fresh(int n) {
        long[] m = new long[n];
        Arrays.fill(m, Long.MAX_VALUE);
        return m;
    }
}
