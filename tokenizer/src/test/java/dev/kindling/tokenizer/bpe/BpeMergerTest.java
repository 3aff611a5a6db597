package dev.kindling.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
                int na = m.mergeScan(a, n, ws);
                int nh = m.mergeHeap(h, n, ws);
                assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(h, nh), "trial " + trial + " word " + Arrays.toString(word));
            }
        }
    }
}
