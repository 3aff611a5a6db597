package dev.kindling.dedup.lsh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.bench.NearDuplicateCorpus;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Recall when every bucket of the duplicates is large ({@link NearDuplicateCorpus#copiesAmongQuotingPages}): the 40
 * copies share each of their buckets (46 to 162 members) with some of the 400 quoting pages, whose ids come first. A star
 * on each bucket's first member paired every copy with a quoting page only, verification refused those pairs, and all
 * 40 copies were kept (found by an adversarial pass, on Moby-Dick's text).
 */
class LargeBucketRecallTest {
    @Test
    void copiesWhoseBucketsAreLargeAreFound() {
        List<Document> docs = NearDuplicateCorpus.copiesAmongQuotingPages(3);
        NearDuplicateFinder.Result r = new NearDuplicateFinder(NearDuplicateFinder.Config.defaults(0.8)).find(docs);
        for (int i = 1; i < 40; i++) {
            assertEquals("c00", r.duplicateOf(String.format("c%02d", i)), "c" + i);
        }
        assertEquals(39, r.duplicates());
        // no quoting page is similar enough to the page or to another: none is a duplicate
        for (int i = 0; i < 400; i++) {
            assertEquals(null, r.duplicateOf(String.format("a%03d", i)));
        }
    }
}
