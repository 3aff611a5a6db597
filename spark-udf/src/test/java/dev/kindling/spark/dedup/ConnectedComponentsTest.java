package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.lsh.UnionFind;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.curate.Lineage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest {
    private static final StructType EDGES = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType);

    /**
     * Against union-find: a long path (many rounds), a big star given backwards, a cycle, isolated
     * pairs and a random forest, spread over 1, 3 and 8 partitions: the same labels every time, from the rounds and
     * from the driver (given a bound on the rows, and counted first).
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
        for (int partitions : new int[] {1, 3, 8}) {
            Dataset<Row> df = frame(edges).repartition(partitions);
            ConnectedComponents.Result result = ConnectedComponents.run(df, Long.MAX_VALUE, -1, ConnectedComponents.MAX_ROUNDS);
            assertEquals(expected, labels(result), "partitions " + partitions);
            assertFalse(result.onDriver());
            assertTrue(result.rounds() >= 2, "the path needs several rounds: " + result.rounds());
            System.out.println("connected components: " + result.rounds() + " rounds, " + result.vertices() + " vertices, "
                    + result.roots() + " components, " + result.edges() + " edges");
            sameOnTheDriver(df, edges.size(), result);
        }
    }

    /**
     * The driver's union-find gives {@code distributed}'s labels and counts, read with the rows' bound and counted first
     * (the path a run without a bound takes), in one Spark job or two.
     */
    static void sameOnTheDriver(Dataset<Row> df, long rows, ConnectedComponents.Result distributed) {
        Map<Long, Long> expected = labels(distributed);
        for (long atMost : new long[] {rows, Long.MAX_VALUE}) {
            ConnectedComponents.Result[] onDriver = new ConnectedComponents.Result[1];
            List<String> jobs = TestSpark.jobsOf(() -> onDriver[0] = ConnectedComponents.run(df, atMost, rows, ConnectedComponents.MAX_ROUNDS));
            ConnectedComponents.Result d = onDriver[0];
            assertTrue(d.onDriver(), "at most " + atMost);
            assertEquals(0, d.rounds());
            assertEquals(expected, labels(d), "at most " + atMost);
            assertEquals(List.of(distributed.edges(), distributed.vertices(), distributed.roots()),
                    List.of(d.edges(), d.vertices(), d.roots()), "edges, vertices, roots; at most " + atMost);
            System.out.println("on the driver, at most " + atMost + " rows: " + jobs.size() + " Spark jobs " + jobs);
        }
    }

    @Test
    void emptyGraphHasNoLabels() {
        Dataset<Row> df = frame(List.of());
        for (long driverMax : new long[] {-1, 0}) {
            ConnectedComponents.Result result = ConnectedComponents.run(df, Long.MAX_VALUE, driverMax, ConnectedComponents.MAX_ROUNDS);
            assertEquals(driverMax == 0, result.onDriver());
            assertEquals(0, result.labels().count());
            assertEquals(0, result.rounds());
            assertEquals(List.of(0L, 0L, 0L), List.of(result.edges(), result.vertices(), result.roots()));
        }
    }

    /**
     * A small graph is finished on the driver: a path of 300 vertices (given with a repeat and a self loop), its rows'
     * bound known, takes one Spark job to collect its edges and none for its labels, where the large-star/small-star
     * rounds took some thirty (each round's edges materialised and counted).
     */
    @Test
    void aSmallGraphIsFinishedOnTheDriverInOneJob() {
        List<long[]> edges = new ArrayList<>();
        for (long v = 0; v < 299; v++) {
            edges.add(new long[] {(v * 7919) % 300, ((v + 1) * 7919) % 300});
        }
        edges.add(new long[] {7919 % 300, 0});        // a repeat, reversed
        edges.add(new long[] {5, 5});
        Dataset<Row> df = Lineage.cut(frame(edges).repartition(3));
        ConnectedComponents.Result[] result = new ConnectedComponents.Result[1];
        Map<Long, Long> got = new HashMap<>();
        List<String> jobs = TestSpark.jobsOf(() -> {
            result[0] = ConnectedComponents.run(df, edges.size());
            got.putAll(labels(result[0]));
        });
        assertEquals(unionFindRoots(edges), got);
        assertTrue(result[0].onDriver());
        assertTrue(jobs.size() <= 2, "Spark jobs: " + jobs);
        assertEquals(List.of(299L, 300L, 1L), List.of(result[0].edges(), result[0].vertices(), result[0].roots()));
    }

    /**
     * Int ids are widened, on the driver as in the rounds (the driver read longs, and an int column failed there with a
     * ClassCastException in a task), ids at Long.MIN_VALUE and Long.MAX_VALUE are vertices as any other, and a column of
     * another type is refused, naming it.
     */
    @Test
    void intIdsAreWidenedAndExtremeIdsAreVertices() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> ints = spark.createDataFrame(List.of(RowFactory.create(2, 1), RowFactory.create(3, 1), RowFactory.create(3, 3)),
                new StructType().add("x", DataTypes.IntegerType).add("y", DataTypes.IntegerType));
        Dataset<Row> extremes = frame(List.of(new long[] {Long.MAX_VALUE, 0}, new long[] {Long.MIN_VALUE, Long.MAX_VALUE},
                new long[] {-1, Long.MIN_VALUE + 1}));
        Map<Long, Long> extremeRoots = Map.of(Long.MAX_VALUE, Long.MIN_VALUE, 0L, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE,
                -1L, Long.MIN_VALUE + 1, Long.MIN_VALUE + 1, Long.MIN_VALUE + 1);
        // on the driver, its rows' bound known or the edges counted first, and in the rounds
        for (long[] bounds : new long[][] {{3, 3}, {Long.MAX_VALUE, 3}, {Long.MAX_VALUE, -1}}) {
            ConnectedComponents.Result result = ConnectedComponents.run(ints, bounds[0], bounds[1], ConnectedComponents.MAX_ROUNDS);
            assertEquals(Map.of(1L, 1L, 2L, 1L, 3L, 1L), labels(result), "at most " + bounds[1] + " on the driver");
            assertEquals(extremeRoots, labels(ConnectedComponents.run(extremes, bounds[0], bounds[1], ConnectedComponents.MAX_ROUNDS)));
        }
        IllegalArgumentException text = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConnectedComponents.run(ints.selectExpr("x", "cast(y as string) as y")));
        assertTrue(text.getMessage().contains("edge column 'y' is string"), text.getMessage());
    }

    /** The threshold counts distinct edges: two, given four times, go to the driver at two, not at one. */
    @Test
    void theThresholdCountsDistinctEdges() {
        Dataset<Row> df = frame(List.of(new long[] {2, 1}, new long[] {1, 2}, new long[] {3, 1}, new long[] {3, 1}, new long[] {3, 3}));
        for (long driverMax : new long[] {1, 2}) {
            ConnectedComponents.Result result = ConnectedComponents.run(df, Long.MAX_VALUE, driverMax, ConnectedComponents.MAX_ROUNDS);
            assertEquals(driverMax == 2, result.onDriver(), "at most " + driverMax + " on the driver");
            assertEquals(Map.of(1L, 1L, 2L, 1L, 3L, 1L), labels(result));
            assertEquals(List.of(2L, 3L, 1L), List.of(result.edges(), result.vertices(), result.roots()));
        }
    }

    static Dataset<Row> frame(List<long[]> edges) {
        List<Row> rows = new ArrayList<>();
        for (long[] e : edges) {
            rows.add(RowFactory.create(e[0], e[1]));
        }
        return TestSpark.session().createDataFrame(rows, EDGES);
    }

    /** A result's labels, vertex → root, each vertex once. */
    static Map<Long, Long> labels(ConnectedComponents.Result result) {
        Map<Long, Long> got = new HashMap<>();
        for (Row row : result.labels().collectAsList()) {
            assertNull(got.put(row.getLong(0), row.getLong(1)), "one label per vertex: " + row);
        }
        return got;
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
