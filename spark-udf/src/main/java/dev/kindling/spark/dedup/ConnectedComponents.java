package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kindling.dedup.lsh.UnionFind;
import dev.kindling.spark.curate.Lineage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connected components of a graph of 64-bit vertex ids: the smallest vertex of each component is its root.
 *
 * <p>A small graph, of at most {@link #DRIVER_MAX_EDGES} distinct edges, is finished on the driver: its edges are
 * collected (packed, 16 bytes an edge), joined by a {@link UnionFind} there, and the labels come back as a local
 * DataFrame. A round of the distributed algorithm below is a few Spark jobs whatever the graph's size, and a small run
 * (a notebook's sample, a daily batch) spent most of its jobs on them. When the caller knows a bound on the edges' rows
 * ({@link #run(Dataset, long)}) within it, they are read once, to the driver, without counting them first.
 *
 * <p>A larger graph stays distributed: the alternating large-star / small-star algorithm of Kiveris, Lattanzi,
 * Mirrokni, Rastogi and Vassilvitskii ("Connected Components in MapReduce and Beyond", SoCC 2014), each step a DataFrame
 * window aggregation, each round's edges materialised with lineage cut ({@link Lineage}). Then nothing is collected to
 * the driver and no vertex's neighbourhood is held in memory (window partitions spill), so the memory needed does not
 * grow with the largest component.
 *
 * <p>Edges are kept oriented {@code (hi, lo)}, {@code hi > lo}.
 * <ul>
 *   <li>large-star: for each vertex u with m = min(u, neighbours of u), every neighbour v &gt; u is
 *       linked to m;</li>
 *   <li>small-star: for each vertex u with m = min(u, neighbours of u that are &lt; u), u and each
 *       such neighbour are linked to m.</li>
 * </ul>
 * Both steps keep the components and shrink the distances to the component minimum; the rounds
 * stop when the edges form stars (every vertex with an edge points to exactly one vertex, which has
 * none of its own): then each star is a component and its centre is the component's smallest vertex.
 * The result is a set, so it does not depend on partitioning, nor on which of the two found it.
 *
 * <pre>{@code
 * Dataset<Row> labels = ConnectedComponents.run(edges.select("a", "b")).labels();   // (vertex, root)
 * }</pre>
 */
public final class ConnectedComponents {
    /** Output column: a vertex that has at least one edge. */
    public static final String VERTEX = "vertex";
    /** Output column: the smallest vertex of its component. */
    public static final String ROOT = "root";
    /**
     * The most distinct edges whose components are found on the driver: 250,000 edges are 4 MB there as pairs of longs,
     * and their labels (at most 500,000 rows) fewer than the stages broadcast to their final joins in any case.
     */
    public static final long DRIVER_MAX_EDGES = 250_000;
    /** The most rounds of the distributed algorithm. */
    static final int MAX_ROUNDS = 200;

    private static final Logger LOG = LoggerFactory.getLogger(ConnectedComponents.class);
    private static final String HI = "hi";
    private static final String LO = "lo";
    private static final StructType LABELS = new StructType().add(VERTEX, DataTypes.LongType, false)
            .add(ROOT, DataTypes.LongType, false);

    private ConnectedComponents() {}

    /**
     * What a run did.
     *
     * @param labels   {@code (vertex, root)} for every vertex with an edge (derived from the final,
     *                 materialised edges; a local DataFrame when found on the driver)
     * @param rounds   large-star/small-star rounds it took (0 when the edges were stars already, or on the driver)
     * @param edges    distinct undirected edges of the input (self loops left out)
     * @param vertices vertices with at least one edge
     * @param roots    components (of two vertices or more)
     * @param onDriver whether the graph was small enough ({@link #DRIVER_MAX_EDGES}) to be finished on the driver
     */
    public record Result(Dataset<Row> labels, int rounds, long edges, long vertices, long roots, boolean onDriver) {}

    /**
     * @param edges two long columns (any names, in that order; int, short and byte ids are widened): undirected edges;
     *              self loops, repeats and nulls are ignored. Pass a materialised dataset: it is read once or twice.
     */
    public static Result run(Dataset<Row> edges) {
        return run(edges, Long.MAX_VALUE);
    }

    /**
     * As {@link #run(Dataset)}, where the caller knows that {@code edges} has at most {@code atMostRows} rows (repeats and
     * self loops included; {@code Long.MAX_VALUE}: no bound): within {@link #DRIVER_MAX_EDGES}, {@code edges} is read
     * once, straight to the driver, and need not be materialised.
     */
    public static Result run(Dataset<Row> edges, long atMostRows) {
        return run(edges, atMostRows, DRIVER_MAX_EDGES, MAX_ROUNDS);
    }

    /** {@code driverMaxEdges}: the most distinct edges finished on the driver (a negative number: none, even no edges). */
    static Result run(Dataset<Row> edges, long atMostRows, long driverMaxEdges, int maxRounds) {
        Column a = vertexColumn(edges, 0);
        Column b = vertexColumn(edges, 1);
        if (atMostRows <= driverMaxEdges) {
            return onDriver(edges.select(a, b));
        }
        Dataset<Row> e = edges.where(a.notEqual(b))
                .select(greatest(a, b).as(HI), least(a, b).as(LO))
                .distinct();
        Shape shape = shape(e);
        if (shape.edges <= driverMaxEdges) {
            return onDriver(e);
        }
        long inputEdges = shape.edges;
        int rounds = 0;
        while (!shape.stars()) {
            if (rounds == maxRounds) {
                throw new IllegalStateException("connected components did not converge in " + maxRounds + " rounds");
            }
            e = Lineage.cut(smallStar(largeStar(e)));
            shape = shape(e);
            rounds++;
        }
        Dataset<Row> labels = e.select(col(HI).as(VERTEX), col(LO).as(ROOT))
                .union(e.select(col(LO).as(VERTEX), col(LO).as(ROOT)).distinct());
        return new Result(labels, rounds, inputEdges, shape.leaves + shape.centres, shape.centres, false);
    }

    /**
     * Column {@code i} of {@code edges} as a long: an int, short or byte id is widened (the driver reads longs, where the
     * rounds took any number, and an int column failed there with a ClassCastException in a task); another type is refused,
     * naming the column.
     */
    private static Column vertexColumn(Dataset<Row> edges, int i) {
        org.apache.spark.sql.types.StructField f = edges.schema().fields()[i];
        org.apache.spark.sql.types.DataType t = f.dataType();
        if (!(t.equals(DataTypes.LongType) || t.equals(DataTypes.IntegerType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType))) {
            throw new IllegalArgumentException("connected components: edge column '" + f.name() + "' is " + t.simpleString()
                    + ", not a vertex id (long, int, short or byte)");
        }
        return col(edges.columns()[i]).cast(DataTypes.LongType);
    }

    /**
     * The components of {@code pairs} (two long columns) found on the driver: the pairs come packed, a byte array per
     * partition; the vertices are numbered in increasing order, so {@link UnionFind}'s root, its set's smallest number,
     * is the component's smallest vertex, as the rounds find it.
     */
    private static Result onDriver(Dataset<Row> pairs) {
        long[] ends = endpoints(pairs);
        int m = ends.length / 2;
        long[] vertices = ends.clone();
        Arrays.sort(vertices);
        int n = 0;
        for (int i = 0; i < vertices.length; i++) {
            if (n == 0 || vertices[i] != vertices[n - 1]) {
                vertices[n++] = vertices[i];
            }
        }
        UnionFind uf = new UnionFind(n);
        long[] distinct = new long[m];   // each edge as (higher number << 32 | lower number)
        for (int i = 0; i < m; i++) {
            int a = Arrays.binarySearch(vertices, 0, n, ends[2 * i]);
            int b = Arrays.binarySearch(vertices, 0, n, ends[2 * i + 1]);
            uf.union(a, b);
            distinct[i] = (long) Math.max(a, b) << 32 | Math.min(a, b);
        }
        Arrays.sort(distinct);
        long edges = 0;
        for (int i = 0; i < m; i++) {
            if (i == 0 || distinct[i] != distinct[i - 1]) {
                edges++;
            }
        }
        List<Row> labels = new ArrayList<>(n);
        long roots = 0;
        for (int i = 0; i < n; i++) {
            int r = uf.find(i);
            if (r == i) {
                roots++;
            }
            labels.add(RowFactory.create(vertices[i], vertices[r]));
        }
        LOG.info("connected components of {} edges found on the driver: {} components of {} vertices", edges, roots, n);
        return new Result(pairs.sparkSession().createDataFrame(labels, LABELS), 0, edges, n, roots, true);
    }

    /** The pairs' two ends, one after the other: (a, b, a, b, ...), self loops and nulls left out. */
    private static long[] endpoints(Dataset<Row> pairs) {
        List<byte[]> packed = pairs.mapPartitions(new PackEdges(), Encoders.BINARY()).collectAsList();
        long longs = 0;
        for (byte[] b : packed) {
            longs += b.length / 8;
        }
        if (longs > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(longs / 2 + " edges are too many to be joined on the driver");
        }
        long[] ends = new long[(int) longs];
        int k = 0;
        for (byte[] b : packed) {
            long[] part = MinHashDedup.unpack(b);
            System.arraycopy(part, 0, ends, k, part.length);
            k += part.length;
        }
        return ends;
    }

    /** (a, b) rows → one array of a partition's edges, little-endian (a, b) longs; self loops and nulls left out. */
    static final class PackEdges implements MapPartitionsFunction<Row, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<byte[]> call(Iterator<Row> in) {
            long[] buf = new long[256];
            int k = 0;
            while (in.hasNext()) {
                Row r = in.next();
                if (r.isNullAt(0) || r.isNullAt(1) || r.getLong(0) == r.getLong(1)) {
                    continue;
                }
                if (k == buf.length) {
                    buf = Arrays.copyOf(buf, 2 * buf.length);
                }
                buf[k++] = r.getLong(0);
                buf[k++] = r.getLong(1);
            }
            if (k == 0) {
                return java.util.Collections.emptyIterator();
            }
            return List.of(MinHashDedup.pack(Arrays.copyOf(buf, k))).iterator();
        }
    }

    static Dataset<Row> largeStar(Dataset<Row> e) {
        Dataset<Row> both = e.select(col(HI).as("u"), col(LO).as("v")).union(e.select(col(LO).as("u"), col(HI).as("v")));
        WindowSpec byU = Window.partitionBy("u");
        return both.withColumn("m", least(col("u"), min("v").over(byU)))
                .where(col("v").gt(col("u")))
                .select(col("v").as(HI), col("m").as(LO))
                .distinct();
    }

    static Dataset<Row> smallStar(Dataset<Row> e) {
        // for u = hi, the neighbours below u are exactly the lo's of u's edges
        Dataset<Row> w = e.withColumn("m", min(LO).over(Window.partitionBy(HI)));
        Dataset<Row> centre = w.select(col(HI), col("m").as(LO));
        Dataset<Row> leaves = w.where(col(LO).notEqual(col("m"))).select(col(LO).as(HI), col("m").as(LO));
        return centre.union(leaves).distinct();
    }

    /**
     * One aggregation over the edges: how many there are, and whether they form stars — every vertex
     * with an edge points to exactly one vertex, and no pointed-to vertex points anywhere (then each
     * star is a component and its centre, the smallest vertex, is the root).
     */
    record Shape(long edges, long violations, long leaves, long centres) {
        boolean stars() {
            return violations == 0;
        }
    }

    static Shape shape(Dataset<Row> e) {
        Dataset<Row> roles = e.select(col(HI).as("n"), lit(1).as("out"), lit(0).as("in"))
                .union(e.select(col(LO).as("n"), lit(0).as("out"), lit(1).as("in")));
        Dataset<Row> perVertex = roles.groupBy("n").agg(sum("out").as("outs"), max("in").as("ins"));
        Column outs = col("outs");
        Column ins = col("ins");
        Row r = perVertex.agg(
                functions.coalesce(sum(outs), lit(0L)),
                sum(when(outs.gt(1).or(outs.geq(1).and(ins.equalTo(1))), 1).otherwise(0)),
                sum(when(outs.equalTo(1).and(ins.equalTo(0)), 1).otherwise(0)),
                sum(when(outs.equalTo(0), 1).otherwise(0))).first();
        return new Shape(r.getLong(0), r.isNullAt(1) ? 0 : r.getLong(1), r.isNullAt(2) ? 0 : r.getLong(2),
                r.isNullAt(3) ? 0 : r.getLong(3));
    }
}
