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

    private static long[] fresh(int n) {
        long[] m = new long[n];
        Arrays.fill(m, Long.MAX_VALUE);
        return m;
    }
}
