package dev.kindling.dedup.lsh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BucketPairsTest {
    @Test
    void smallBucketsGiveAllPairsLargeOnesAStar() {
        List<String> out = new ArrayList<>();
        BucketPairs p = new BucketPairs(3, (a, b) -> out.add(a + "-" + b));
        for (long m : new long[] {1, 4, 9}) {
            p.add(m);
        }
        p.finish();
        assertEquals(List.of("1-4", "1-9", "4-9"), out);
        out.clear();
        for (long m : new long[] {2, 3, 5, 7, 7, 11}) {   // 5 distinct members > 3: star on 2; the repeat is ignored
            p.add(m);
        }
        p.finish();
        assertEquals(List.of("2-3", "2-5", "2-7", "2-11"), out);
        out.clear();
        p.add(8);   // a bucket of one has no pair, and the star state does not leak into it
        p.finish();
        assertEquals(List.of(), out);
        p.add(5);
        assertThrows(IllegalArgumentException.class, () -> p.add(4));
    }

    /**
     * With neighbours, a member of a large bucket is paired with the star's centre and the members just before it in
     * (order key, member) order: members sharing an order key (the next band) sit together whatever their ids.
     */
    @Test
    void largeBucketsPairNeighboursInOrderKeyOrder() {
        List<String> out = new ArrayList<>();
        BucketPairs p = new BucketPairs(3, 1, (a, b) -> out.add(a + "-" + b));
        long[][] members = {{1, 2}, {1, 9}, {5, 3}, {5, 4}, {5, 7}};
        for (long[] m : members) {
            p.add(m[0], m[1]);
        }
        p.finish();
        // star on 2 (the first), and each with the one before it: 9-3 and 3-4 and 4-7 (9 after 2 is the star's pair)
        assertEquals(List.of("2-9", "2-3", "3-9", "2-4", "3-4", "2-7", "4-7"), out);
        out.clear();
        BucketPairs small = new BucketPairs(8, 1, (a, b) -> out.add(a + "-" + b));
        for (long[] m : members) {
            small.add(m[0], m[1]);
        }
        small.finish();
        assertEquals(10, out.size()); // a small bucket: all pairs, each (smaller, larger)
        assertEquals(true, out.contains("3-9") && out.contains("2-7"));
        small.add(4, 1);
        small.add(4, 1); // a repeat is ignored
        assertThrows(IllegalArgumentException.class, () -> small.add(3, 100)); // the order key goes first
        assertThrows(IllegalArgumentException.class, () -> small.add(4, 0));
    }
}
