package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.cli.Cli;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Memory stays bounded: near dedup of 1,000,000 generated short documents (a third sharing a
 * boilerplate line, a tenth near copies) completes in the test JVM's heap (-Xmx3g) on local[2].
 * Slow (minutes): {@code mvn test -Dkindling.excludedGroups=none -Dgroups=slow}.
 */
@Tag("slow")
class MemoryBenchmarkTest {
    @Test
    void millionShortDocumentsInTheDefaultHeap() throws Exception {
        Cli.Result r = Cli.run("bench", "dedup", "--memory", "1000000", "--no-progress");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = new ObjectMapper().readTree(r.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());
        System.out.println("memory benchmark: " + j);
        assertEquals(1_000_000, j.get("documents").asLong());
        assertEquals(1_000_000, j.get("documents_kept").asLong() + j.get("documents_dropped").asLong());
        assertTrue(j.get("documents_dropped").asLong() > 50_000, "the generated near and exact copies are found: " + j);
        assertTrue(j.get("peak_heap_used_mb").asDouble() <= j.get("max_heap_mb").asDouble());
    }
}
