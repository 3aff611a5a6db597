package dev.kindling.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The heap merge and the scan merge are the same rule: identical output on random tables and words. */
class BpeMergerTest {
    @Test
    void heapEqualsScan() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            int alphabet = 3 + rnd.nextInt(6);
            PairTable.Builder b = new PairTable.Builder(64, PairTable.OnDuplicate.LOWEST_RANK);
            int next = alphabet;
            int merges = 5 + rnd.nextInt(40);
            for (int r = 0; r < merges; r++) {
                // ranks may tie (as SentencePiece scores do)
                b.put(rnd.nextInt(next), rnd.nextInt(next), rnd.nextInt(merges / 2 + 1), next++);
            }
            BpeMerger m = new BpeMerger(b.build());
            Workspace ws = new Workspace();
            for (int w = 0; w < 20; w++) {
                int n = 1 + rnd.nextInt(120);
                int[] word = new int[n];
                for (int i = 0; i < n; i++) {
                    word[i] = rnd.nextInt(alphabet);
                }
                int[] a = word.clone();
                int[] h = word.clone();
                int[] k = word.clone();
                int na = m.mergeScan(a, n, ws);
                int nh = m.mergeHeap(h, n, ws);
                int nk = m.mergeBuckets(k, n);
                assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(h, nh), "trial " + trial + " word " + Arrays.toString(word));
                assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(k, nk), "buckets: trial " + trial + " word " + Arrays.toString(word));
            }
        }
    }

    @Test
    void bucketsEqualScanOnMonotoneTables() {
        Random rnd = new Random(43);
        for (int trial = 0; trial < 200; trial++) {
            int alphabet = 2 + rnd.nextInt(5);
            PairTable.Builder b = new PairTable.Builder(64, PairTable.OnDuplicate.LOWEST_RANK);
            int next = alphabet;
            int merges = 3 + rnd.nextInt(60);
            for (int r = 0; r < merges; r++) {
                // like BPE training: merge two existing tokens into a new one, ranks in order
                b.put(rnd.nextInt(next), rnd.nextInt(next), r, next++);
            }
            PairTable t = b.build();
            assertTrue(t.monotone());
            BpeMerger m = new BpeMerger(t);
            Workspace ws = new Workspace();
            for (int w = 0; w < 10; w++) {
                int n = 1 + rnd.nextInt(300);
                int[] word = new int[n];
                for (int i = 0; i < n; i++) {
                    word[i] = rnd.nextInt(alphabet);
                }
                int[] a = word.clone();
                int[] k = word.clone();
                int na = m.mergeScan(a, n, ws);
                int nk = m.mergeBuckets(k, n);
                assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(k, nk), "trial " + trial + " word " + Arrays.toString(word));
            }
        }
    }
}
