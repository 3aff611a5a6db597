package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.demo.SampleCorpus;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * Same input in another row order, on 1, 3 and 17 input partitions and (paired differently) 1, 3 and
 * 17 shuffle partitions: exact (text, then a URL column), near and sentence dedup give the same kept
 * ids, reasons, cluster ids and texts.
 */
class PartitionInvarianceTest {
    @Test
    void sameOutputWhateverThePartitioning() {
        List<Document> docs = new ArrayList<>(DedupTestData.benchmark(40, 120, 21));
        for (SampleCorpus.Doc d : SampleCorpus.load().documents(42)) {
            if (d.id() != null && d.text() != null) {
                docs.add(new Document(d.id(), d.text()));
            }
        }
        // ids repeated on purpose: ordering falls back to the text hash
        docs.add(new Document("doc-0001", "a different text under a repeated id, long enough to have shingles"));
        Map<String, String> urls = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            // every 7th document shares one of three URLs: URL duplicates across text and near-duplicate clusters
            urls.put(docs.get(i).id(), "https://example.org/" + (i % 7 == 0 ? "shared-" + i % 3 : String.valueOf(i)));
        }
        SparkSession spark = TestSpark.session();
        String before = spark.conf().get("spark.sql.shuffle.partitions");
        String first = null;
        try {
            int[][] partitionings = {{1, 17}, {3, 1}, {17, 3}};   // {input, shuffle}
            for (int[] pq : partitionings) {
                int p = pq[0];
                spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(pq[1]));
                List<Document> shuffled = new ArrayList<>(docs);
                Collections.shuffle(shuffled, new Random(p));
                Dataset<Row> in = DedupTestData.frame(shuffled, p)
                        .withColumn("url", functions.udf((UDF1<String, String>) urls::get, DataTypes.StringType).apply(functions.col("id")))
                        .withColumn("reason", functions.lit(null).cast(DataTypes.StringType));
                assertEquals(p, in.rdd().getNumPartitions());
                List<PipelineStage> stages = List.of(new ExactDedup().setClusterColumns(true),
                        new ExactDedup().setColumn("url").setClusterColumns(true),
                        new MinHashDedup().setClusterColumns(true), new SentenceDedupStage());
                StageContext ctx = new StageContext(spark, "id", "text");
                Dataset<Row> out = in;
                for (PipelineStage s : stages) {
                    out = s.apply(out, ctx);
                }
                List<Row> rows = out.select("id", "reason", "cluster_id", "duplicate_of", "text")
                        .orderBy("id", "text").collectAsList();
                assertEquals(docs.size(), rows.size());
                String s = rows.toString();
                if (first == null) {
                    assertTrue(s.contains("minhash_dedup:near_duplicate") && s.contains("exact_dedup:duplicate")
                            && s.contains("exact_dedup_url:duplicate") && s.contains("sentence_dedup:too_short"),
                            "every stage acts on this input");
                } else {
                    assertEquals(first, s, "partitions " + Arrays.toString(pq));
                }
                first = s;
            }
        } finally {
            spark.conf().set("spark.sql.shuffle.partitions", before);
        }
    }
}
