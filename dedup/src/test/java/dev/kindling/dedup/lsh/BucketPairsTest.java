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
}
