package dev.kindling.spark.dedup.bench;

import static org.apache.spark.sql.functions.col;

import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.graphx.Graph;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.reflect.ClassTag;

/**
 * What a Spark user has today for near dedup: Spark MLlib's {@link MinHashLSH} (5 hash tables),
 * {@code approxSimilarityJoin} of the dataset with itself at Jaccard distance 0.2 (exact distances
 * of the candidate pairs), then GraphX's connected components on the similar pairs. The join keeps
 * distances strictly below its threshold, so it is given the next double above {@code 1 - threshold}:
 * the truth and Kindling count a pair at exactly the threshold (J 0.8: 40 of 50 shingles shared) as similar.
 *
 * <p>To measure against the same truth, the features are Kindling's shingles (word 5-grams of the
 * NEAR-normalised text) as binary sparse vectors of size 2^30 (MLlib's MinHash needs indices below
 * its prime 2038074743); two shingles sharing an index would merge, which at 2^30 changes no
 * similarity measurably. Features are cached, as the model is fitted and joined on them.
 */
final class MllibBaseline {
    static final int DIM = 1 << 30;

    private MllibBaseline() {}

    /** The outcome: (id, component) per document that has a similar pair, the join's pairs, phase times. */
    record Result(Dataset<Row> clusters, long documents, long joinPairs, Map<String, Long> phaseMillis) {}

    static Result run(SparkSession spark, Dataset<Row> docs, String idColumn, String textColumn, double threshold, long seed) {
        Map<String, Long> phases = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        UserDefinedFunction features = functions.udf((UDF1<String, Vector>) MllibBaseline::features, SQLDataTypes.VectorType());
        Dataset<Row> withIds = docs.select(col(idColumn).as("id"), col(textColumn).as("text"))
                .withColumn("vid", functions.monotonically_increasing_id());
        Dataset<Row> feat = withIds.withColumn("features", features.apply(col("text")))
                .where(col("features").isNotNull())
                .select("vid", "id", "features")
                .persist(StorageLevel.MEMORY_AND_DISK());
        long n = feat.count();
        phases.put("features", ms(t0));
        long t1 = System.nanoTime();
        MinHashLSHModel model = new MinHashLSH().setNumHashTables(5).setInputCol("features").setOutputCol("hashes")
                .setSeed(seed).fit(feat);
        Dataset<Row> pairs = model.approxSimilarityJoin(feat, feat, Math.nextUp(1 - threshold), "distance").toDF()
                .select(col("datasetA.vid").as("a"), col("datasetB.vid").as("b"))
                .where(col("a").lt(col("b")))
                .persist(StorageLevel.MEMORY_AND_DISK());
        long joinPairs = pairs.count();
        phases.put("lsh_join", ms(t1));
        long t2 = System.nanoTime();
        JavaRDD<Tuple2<Object, Object>> edges = pairs.javaRDD().map(r -> new Tuple2<>(r.getLong(0), r.getLong(1)));
        ClassTag<Object> tag = scala.reflect.ClassTag$.MODULE$.apply(Object.class);
        Graph<Object, Object> graph = Graph.fromEdgeTuples(edges.rdd(), (Object) 0, scala.Option.empty(),
                StorageLevel.MEMORY_ONLY(), StorageLevel.MEMORY_ONLY(), tag);
        Graph<Object, Object> cc = org.apache.spark.graphx.lib.ConnectedComponents.run(graph, tag, tag);
        RDD<Row> labels = cc.vertices().toJavaRDD().map(t -> RowFactory.create((Long) t._1(), (Long) t._2())).rdd();
        StructType schema = new StructType().add("vid", DataTypes.LongType).add("component", DataTypes.LongType);
        Dataset<Row> clusters = spark.createDataFrame(labels, schema).join(feat.select("vid", "id"), "vid")
                .select("id", "component").persist(StorageLevel.MEMORY_AND_DISK());
        clusters.count();
        phases.put("components", ms(t2));
        feat.unpersist(false);
        pairs.unpersist(false);
        return new Result(clusters, n, joinPairs, phases);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static final ThreadLocal<Shingler> SHINGLER = ThreadLocal.withInitial(() -> new Shingler(5, NormalizeOptions.NEAR));

    static Vector features(String text) {
        if (text == null) {
            return null;
        }
        long[] set = SHINGLER.get().shingleSet(text);
        if (set.length == 0) {
            return null;   // MinHashLSH rejects vectors without a non-zero entry
        }
        int[] idx = new int[set.length];
        for (int i = 0; i < set.length; i++) {
            idx[i] = (int) Math.floorMod(set[i], (long) DIM);
        }
        Arrays.sort(idx);
        int w = 0;
        for (int i = 0; i < idx.length; i++) {
            if (i == 0 || idx[i] != idx[i - 1]) {
                idx[w++] = idx[i];
            }
        }
        idx = Arrays.copyOf(idx, w);
        double[] ones = new double[w];
        Arrays.fill(ones, 1.0);
        return Vectors.sparse(DIM, idx, ones);
    }
}
