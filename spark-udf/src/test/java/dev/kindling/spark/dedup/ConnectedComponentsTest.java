package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.lsh.UnionFind;
import dev.kindling.spark.TestSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {
    private static final StructType EDGES = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType);

    /**
     * Against union-find: a long path (many rounds), a big star given backwards, a cycle, isolated
     * pairs and a random forest, spread over 1, 3 and 8 partitions: the same labels every time.
     */
    @Test
    void sameComponentsAsUnionFindWhateverThePartitioning() {
        List<long[]> edges = new ArrayList<>();
        for (long v = 1000; v < 1024; v++) {          // a path 1000-1001-...-1024 given in a shuffled order
            edges.add(new long[] {v + 1, v});
        }
        java.util.Collections.shuffle(edges, new java.util.Random(3));
        for (long v = 2001; v < 2100; v++) {          // a star centred on the largest vertex
            edges.add(new long[] {2100, v});
        }
        edges.add(new long[] {3000, 3001});
        edges.add(new long[] {3001, 3002});
        edges.add(new long[] {3002, 3000});           // a cycle
        edges.add(new long[] {3002, 3002});           // a self loop (ignored)
        edges.add(new long[] {5, 9});
        edges.add(new long[] {9, 5});                 // a repeat, reversed
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 150; i++) {
            edges.add(new long[] {4000 + r.nextInt(250), 4000 + r.nextInt(250)});
        }
        Map<Long, Long> expected = unionFindRoots(edges);
        Map<Long, Long> first = null;
        for (int partitions : new int[] {1, 3, 8}) {
            List<Row> rows = new ArrayList<>();
            for (long[] e : edges) {
                rows.add(RowFactory.create(e[0], e[1]));
            }
            Dataset<Row> df = TestSpark.session().createDataFrame(rows, EDGES).repartition(partitions);
            ConnectedComponents.Result result = ConnectedComponents.run(df);
            Map<Long, Long> got = new HashMap<>();
            for (Row row : result.labels().collectAsList()) {
                got.put(row.getLong(0), row.getLong(1));
            }
            assertEquals(expected, got, "partitions " + partitions);
            assertTrue(result.rounds() >= 2, "the path needs several rounds: " + result.rounds());
            System.out.println("connected components: " + result.rounds() + " rounds, " + result.vertices() + " vertices, "
                    + result.roots() + " components, " + result.edges() + " edges");
            if (first != null) {
                assertEquals(first, got);
            }
            first = got;
        }
    }

    @Test
    void emptyGraphHasNoLabels() {
        Dataset<Row> df = TestSpark.session().createDataFrame(List.of(), EDGES);
        ConnectedComponents.Result result = ConnectedComponents.run(df);
        assertEquals(0, result.labels().count());
        assertEquals(0, result.rounds());
    }

    /** Vertex → smallest vertex of its component, for vertices with an edge other than a self loop. */
    static Map<Long, Long> unionFindRoots(List<long[]> edges) {
        Map<Long, Integer> index = new HashMap<>();
        List<Long> ids = new ArrayList<>();
        for (long[] e : edges) {
            for (long v : e) {
                if (!index.containsKey(v)) {
                    index.put(v, ids.size());
                    ids.add(v);
                }
            }
        }
        // union-find roots at the smallest index; map vertices to the smallest vertex of each set instead
        UnionFind uf = new UnionFind(ids.size());
        for (long[] e : edges) {
            uf.union(index.get(e[0]), index.get(e[1]));
        }
        Map<Integer, Long> min = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            min.merge(uf.find(i), ids.get(i), Math::min);
        }
        java.util.Set<Long> withEdge = new java.util.HashSet<>();
        for (long[] e : edges) {
            if (e[0] != e[1]) {
                withEdge.add(e[0]);
                withEdge.add(e[1]);
            }
        }
        Map<Long, Long> out = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            long v = ids.get(i);
            if (withEdge.contains(v)) {
                out.put(v, min.get(uf.find(i)));
            }
        }
        return out;
    }
}
