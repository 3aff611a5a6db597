package dev.kindling.spark.curate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kindling_quality_reason parses its filters argument once per distinct string and keeps the chain. With a column of
 * filter strings (one per row, say) the map grew by every distinct string for the life of the executor; it now keeps
 * the {@value CurationFunctions#FILTER_CHAINS} most recently used chains. No Spark needed: the function itself.
 */
class CurationFunctionsCacheTest {

    @Test
    void filterChainsAreKeptForTheMostRecentlyUsedStringsOnly() {
        assertEquals(64, CurationFunctions.FILTER_CHAINS);
        // "c4 ", "c4  "...: distinct strings, one filter; a one-word text is dropped by c4
        String expected = CurationFunctions.qualityReason("hello", "c4");
        assertTrue(expected != null && expected.startsWith("c4:"), expected);
        for (int i = 1; i <= 1000; i++) {
            assertEquals(expected, CurationFunctions.qualityReason("hello", "c4" + " ".repeat(i)), "filters with " + i + " spaces");
            assertEquals(expected, CurationFunctions.qualityReason("hello", "c4"), "filters 'c4' after " + i + " others");
            int cached = CurationFunctions.cachedFilterStrings().size();
            assertTrue(cached <= CurationFunctions.FILTER_CHAINS, cached + " filter chains cached after " + (i + 1)
                    + " distinct strings, expected at most " + CurationFunctions.FILTER_CHAINS);
        }
        List<String> cached = CurationFunctions.cachedFilterStrings();
        assertEquals(CurationFunctions.FILTER_CHAINS, cached.size());
        assertTrue(cached.contains("c4"), "'c4', used with every row, was dropped: " + cached.size() + " others kept");
        assertTrue(cached.contains("c4" + " ".repeat(1000)), "the newest string was not kept");
        assertFalse(cached.contains("c4" + " ".repeat(1000 - CurationFunctions.FILTER_CHAINS + 1)),
                "a string unused for " + CurationFunctions.FILTER_CHAINS + " others is still kept");
        assertTrue(cached.contains("c4" + " ".repeat(1000 - CurationFunctions.FILTER_CHAINS + 2)));
    }
}
