package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.curate.Lineage;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;

/**
 * Connected components of a graph of 64-bit vertex ids, distributed: the alternating large-star /
 * small-star algorithm of Kiveris, Lattanzi, Mirrokni, Rastogi and Vassilvitskii ("Connected
 * Components in MapReduce and Beyond", SoCC 2014), each step a DataFrame window aggregation, each
 * round's edges materialised with lineage cut ({@link Lineage}). Nothing is collected to the driver
 * and no vertex's neighbourhood is held in memory (window partitions spill), so the memory needed
 * does not grow with the largest component.
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
 * The result is a set, so it does not depend on partitioning.
 *
 * <pre>{@code
 * Dataset<Row> labels = ConnectedComponents.run(edges.select("a", "b"));   // (vertex, root)
 * }</pre>
 */
public final class ConnectedComponents {
    /** Output column: a vertex that has at least one edge. */
    public static final String VERTEX = "vertex";
    /** Output column: the smallest vertex of its component. */
    public static final String ROOT = "root";

    private static final String HI = "hi";
    private static final String LO = "lo";

    private ConnectedComponents() {}

    /**
     * What a run did.
     *
     * @param labels   {@code (vertex, root)} for every vertex with an edge (derived from the final,
     *                 materialised edges)
     * @param rounds   large-star/small-star rounds it took (0 when the edges were stars already)
     * @param edges    distinct undirected edges of the input (self loops left out)
     * @param vertices vertices with at least one edge
     * @param roots    components (of two vertices or more)
     */
    public record Result(Dataset<Row> labels, int rounds, long edges, long vertices, long roots) {}

    /**
     * @param edges two long columns (any names, in that order): undirected edges; self loops and
     *              repeats are ignored. Pass a materialised dataset: it is read once or twice.
     */
    public static Result run(Dataset<Row> edges, int maxRounds) {
        String[] c = edges.columns();
        Dataset<Row> e = edges.where(col(c[0]).notEqual(col(c[1])))
                .select(greatest(col(c[0]), col(c[1])).as(HI), least(col(c[0]), col(c[1])).as(LO))
                .distinct();
        Shape shape = shape(e);
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
        return new Result(labels, rounds, inputEdges, shape.leaves + shape.centres, shape.centres);
    }

    public static Result run(Dataset<Row> edges) {
        return run(edges, 200);
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
