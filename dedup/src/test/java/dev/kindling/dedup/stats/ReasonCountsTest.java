package dev.kindling.dedup.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReasonCountsTest {
    @Test
    void countsConcurrentlyAndRendersJson() {
        ReasonCounts c = new ReasonCounts();
        IntStream.range(0, 10_000).parallel().forEach(i -> c.add("filter", i % 10 == 0 ? "gopher_short_doc" : "kept"));
        assertEquals(1000, c.get("filter", "gopher_short_doc"));
        assertEquals(10_000, c.total("filter"));
        ReasonCounts d = new ReasonCounts();
        d.add("dedup", "duplicate \"near\"", 3);
        d.merge(c);
        assertEquals("{\"dedup\":{\"duplicate \\\"near\\\"\":3},\"filter\":{\"gopher_short_doc\":1000,\"kept\":9000}}", d.toJson());
    }
}
