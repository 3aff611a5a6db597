package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.curate.Lineage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Graphs that stress the large-star/small-star rounds: a path of 2,000 vertices whose ids are shuffled
 * (no help from id order), the same path with increasing ids, a star of 3,000 leaves around its largest
 * vertex, 1,000 disjoint pairs, self loops and every edge repeated and reversed. Labels must equal a
 * union-find's, the rounds stay logarithmic-ish, and the path that finishes a small graph on the driver gives the same
 * labels and counts.
 */
class ConnectedComponentsAdversarialTest {
    @Test
    void adversarialGraphsMatchUnionFind() {
        List<long[]> edges = new ArrayList<>();
        Random r = new Random(7);
        List<Long> ids = new ArrayList<>();
        for (long v = 0; v < 2000; v++) {
            ids.add(1_000_000 + v);
        }
        Collections.shuffle(ids, r);
        for (int i = 0; i + 1 < ids.size(); i++) {      // a path through shuffled ids
            edges.add(new long[] {ids.get(i), ids.get(i + 1)});
        }
        for (long v = 2_000_000; v < 2_001_999; v++) {   // a path with increasing ids
            edges.add(new long[] {v, v + 1});
        }
        for (long v = 3_000_000; v < 3_003_000; v++) {   // a star centred on its largest vertex
            edges.add(new long[] {3_003_000, v});
        }
        for (long v = 4_000_000; v < 4_002_000; v += 2) { // disjoint pairs
            edges.add(new long[] {v + 1, v});
        }
        int n = edges.size();
        for (int i = 0; i < n; i += 7) {                  // repeats, reversed repeats, self loops
            long[] e = edges.get(i);
            edges.add(new long[] {e[1], e[0]});
            edges.add(new long[] {e[0], e[1]});
            edges.add(new long[] {e[0], e[0]});
        }
        edges.add(new long[] {5_000_000, 5_000_000});      // a vertex with only a self loop: no label
        Collections.shuffle(edges, r);
        Map<Long, Long> expected = ConnectedComponentsTest.unionFindRoots(edges);
        Dataset<Row> df = Lineage.cut(ConnectedComponentsTest.frame(edges).repartition(3));
        long t0 = System.nanoTime();
        ConnectedComponents.Result result = ConnectedComponents.run(df, Long.MAX_VALUE, -1, ConnectedComponents.MAX_ROUNDS);
        Map<Long, Long> got = ConnectedComponentsTest.labels(result);
        System.out.println("adversarial connected components: " + result.rounds() + " rounds, " + result.vertices()
                + " vertices, " + result.roots() + " components, " + result.edges() + " edges, "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertEquals(expected, got);
        assertEquals(expected.size(), result.vertices());
        assertEquals(1 + 1 + 1 + 1000, result.roots());
        assertEquals(1999 + 1999 + 3000 + 1000, result.edges());
        ConnectedComponentsTest.sameOnTheDriver(df, edges.size(), result);
        assertTrue(result.rounds() <= 30, "rounds: " + result.rounds());
    }
}
