package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.lsh.NearDuplicateFinder;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.spark.io.Columns;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class MinHashDedupTest {

    /**
     * The Spark stage computes exactly what the in-memory reference computes, and only true pairs, whether its graph's
     * components are found on the driver (as a graph this small is) or by the distributed rounds.
     */
    @Test
    void sameClustersAsTheInMemoryReferenceAndBruteForce() {
        List<Document> docs = DedupTestData.benchmark(60, 120, 9);
        var reference = new NearDuplicateFinder(NearDuplicateFinder.Config.defaults(0.8)).find(docs);
        Set<String> truth = NearDuplicateFinder.allPairsAbove(docs, 5, NormalizeOptions.NEAR, 0.8);
        for (long driverMax : new long[] {ConnectedComponents.DRIVER_MAX_EDGES, -1}) {
            var stage = new MinHashDedup().setClusterColumns(true).setComponentsDriverMaxEdges(driverMax);
            Map<String, Row> out = new HashMap<>();
            org.apache.spark.sql.Dataset<Row> transformed = stage.transform(DedupTestData.frame(docs, 3));
            List<String> jobs = dev.kindling.spark.TestSpark.jobsOf(() -> transformed.collectAsList().forEach(r -> out.put(r.getAs("id"), r)));
            if (driverMax >= 0) {
                // the labels found on the driver reach the rows without a job of their own: the roots' ids, then the rows
                // (it was four: the labels, the roots and the roots' ids broadcast, each in a job, then the rows)
                assertEquals(2, jobs.size(), "Spark jobs of reading the output: " + jobs);
            }
            assertEquals(docs.size(), out.size());
            int duplicates = 0;
            for (Document d : docs) {
                Row r = out.get(d.id());
                String dupOf = r.getAs(Columns.DUPLICATE_OF);
                assertEquals(reference.duplicateOf(d.id()), dupOf, d.id());
                assertEquals(reference.clusterId(d.id()), (String) r.getAs(Columns.CLUSTER_ID), d.id());
                if (dupOf != null) {
                    duplicates++;
                    assertEquals("minhash_dedup:near_duplicate", (String) r.getAs(Columns.REASON));
                    assertTrue(truth.contains(dupOf + "\t" + d.id()) || sameClusterByTruth(dupOf, d.id(), truth),
                            d.id() + " is not similar to " + dupOf);
                } else {
                    assertEquals(null, (String) r.getAs(Columns.REASON));
                }
            }
            assertEquals(reference.duplicates(), duplicates);
            assertTrue(duplicates >= truth.size() - 2, duplicates + " duplicates, " + truth.size() + " true pairs");
            var run = stage.lastRun();
            System.out.println("minhash run: " + run);
            assertEquals(driverMax >= 0, run.componentsOnDriver());
            assertEquals(14, run.params().bands());
            assertEquals(reference.edges().size(), run.similarPairs());
            assertEquals(reference.candidates(), run.candidatePairs());
            assertEquals(duplicates, run.duplicates());
        }
    }

    /**
     * Duplicates whose every bucket is large (NearDuplicateCorpus.copiesAmongQuotingPages): the stage finds the 39, as
     * the in-memory reference does, where a star on each bucket's first member (a quoting page) had kept them all.
     */
    @Test
    void duplicatesWhoseBucketsAreAllLargeAreFound() {
        List<Document> docs = dev.kindling.dedup.bench.NearDuplicateCorpus.copiesAmongQuotingPages(3);
        var stage = new MinHashDedup().setClusterColumns(true);
        var reference = new NearDuplicateFinder(NearDuplicateFinder.Config.defaults(0.8)).find(docs);
        int duplicates = 0;
        for (Row r : stage.transform(DedupTestData.frame(docs, 3)).collectAsList()) {
            String id = r.getAs("id");
            assertEquals(reference.duplicateOf(id), (String) r.getAs(Columns.DUPLICATE_OF), id);
            assertEquals(id.startsWith("c") && !id.equals("c00") ? "c00" : null, (String) r.getAs(Columns.DUPLICATE_OF), id);
            duplicates += r.getAs(Columns.DUPLICATE_OF) == null ? 0 : 1;
        }
        assertEquals(39, duplicates);
        assertEquals(reference.candidates(), stage.lastRun().candidatePairs());
    }

    /** Distinct words {@code prefix + letters(i)} (letters: near normalisation turns every number into 0). */
    private static String words(String prefix, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(prefix).append((char) ('a' + i / 26)).append((char) ('a' + i % 26)).append(' ');
        }
        return sb.toString();
    }

    /**
     * Five copies of one text meet in all 14 bands, and a near copy meets it in most: every pair is
     * counted once (10 + 5 candidate pairs, not one per shared band), and the reasons add up to the
     * input (kept + near duplicates = rows; duplicates = clustered documents - clusters).
     */
    @Test
    void pairsSharingSeveralBandsAreCountedOnce() {
        String base = words("w", 0, 100);
        List<Document> docs = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            docs.add(new Document("copy-" + i, base));
        }
        docs.add(new Document("near", base.replace("wbx ", "changed ")));         // word 49: J = 91/101
        docs.add(new Document("other", words("x", 0, 100)));
        for (boolean verify : new boolean[] {true, false}) {
            MinHashDedup stage = new MinHashDedup().setVerify(verify);
            dev.kindling.spark.stage.StageContext ctx = new dev.kindling.spark.stage.StageContext(
                    dev.kindling.spark.TestSpark.session(), "id", "text");
            List<Row> out = stage.apply(DedupTestData.frame(docs, 3).withColumn(Columns.REASON,
                    org.apache.spark.sql.functions.lit(null).cast("string")), ctx).collectAsList();
            var run = stage.lastRun();
            long dropped = out.stream().filter(r -> r.getAs(Columns.REASON) != null).count();
            long kept = out.size() - dropped;
            assertEquals(docs.size(), kept + dropped);
            assertEquals(5, dropped, "verify " + verify);
            assertEquals(15, run.candidatePairs(), "verify " + verify);
            assertEquals(15, run.similarPairs());
            assertEquals(6, run.clusteredDocuments());
            assertEquals(dropped, run.duplicates());
            assertEquals(7, run.documents());
            assertEquals(Map.of("minhash_dedup_documents_compared", 7L, "minhash_dedup_candidate_pairs", 15L,
                    "minhash_dedup_similar_pairs", 15L, "minhash_dedup_clusters", 1L), ctx.values());
        }
        // texts shorter than the n-gram (100 words, 200) have no shingle and are compared with nothing: the count says so
        dev.kindling.spark.stage.StageContext ctx = new dev.kindling.spark.stage.StageContext(dev.kindling.spark.TestSpark.session(), "id", "text");
        new MinHashDedup().setNgram(200).apply(DedupTestData.frame(docs, 3).withColumn(Columns.REASON,
                org.apache.spark.sql.functions.lit(null).cast("string")), ctx).collectAsList();
        assertEquals(0L, ctx.values().get("minhash_dedup_documents_compared"));
    }

    /**
     * "Duplicates at Jaccard >= threshold": a pair at exactly the threshold (8 shared 5-grams of 10) is one,
     * a pair just below (8 of 11) is not. 112 bands of one row make both pairs candidates, so only the
     * verification decides.
     */
    @Test
    void theThresholdIsInclusive() {
        List<Document> docs = List.of(
                new Document("a", words("w", 0, 13)),                  // 9 shingles
                new Document("b", words("w", 0, 12) + "bend"),         // shares 8 of them: J = 8 / 10
                new Document("c", words("y", 0, 13)),
                new Document("d", words("y", 0, 12) + "dx dy"));       // 10 shingles, shares 8: J = 8 / 11
        MinHashDedup stage = new MinHashDedup().setThreshold(0.8).setBands(112).setRows(1).setClusterColumns(true);
        Map<String, Row> out = new HashMap<>();
        for (Row r : stage.transform(DedupTestData.frame(docs, 2)).collectAsList()) {
            out.put(r.getAs("id"), r);
        }
        assertEquals(2, stage.lastRun().candidatePairs());
        assertEquals("a", (String) out.get("b").getAs(Columns.DUPLICATE_OF));
        assertEquals(null, (String) out.get("d").getAs(Columns.REASON));
    }

    private static boolean sameClusterByTruth(String a, String b, Set<String> truth) {
        Set<String> seen = new HashSet<>(Set.of(a));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (String p : truth) {
                String[] ab = p.split("\t");
                if (seen.contains(ab[0]) != seen.contains(ab[1])) {
                    seen.add(ab[0]);
                    seen.add(ab[1]);
                    grew = true;
                }
            }
        }
        return seen.contains(b);
    }

    /**
     * A signature stage Spark runs again counts its documents once: a fetch failure in the stage after it (what an
     * executor's loss makes on a cluster, here thrown by the first attempt of that stage's first task) has Spark drop
     * the shuffle output and run the signatures' partitions a second time, which a LongAccumulator beside them counts
     * twice; the documents signed (minhash_dedup_documents_compared) count once.
     */
    @Test
    void aSignatureStageRunAgainCountsItsDocumentsOnce() throws Exception {
        org.apache.spark.sql.SparkSession spark = dev.kindling.spark.TestSpark.session();
        List<Document> docs = DedupTestData.benchmark(6, 40, 5);
        org.apache.spark.sql.Dataset<Row> texts = DedupTestData.frame(docs, 3)
                .select(org.apache.spark.sql.functions.monotonically_increasing_id(), org.apache.spark.sql.functions.col("text"));
        org.apache.spark.util.LongAccumulator attempts = spark.sparkContext().longAccumulator("test rows read");
        dev.kindling.spark.stage.TaskCount signed = new dev.kindling.spark.stage.TaskCount();
        spark.sparkContext().register(signed, "test documents signed");
        MinHashDedup.BandKeys keys = new MinHashDedup.BandKeys(new MinHashDedup().minHashParams(), NormalizeOptions.NEAR, signed);
        org.apache.spark.api.java.JavaPairRDD<Long, Integer> buckets = texts.javaRDD()
                .map(r -> {
                    attempts.add(1);
                    return r;
                })
                .mapPartitions(keys::call)
                .mapToPair(r -> new scala.Tuple2<>(r.getLong(0), 1))
                .partitionBy(new org.apache.spark.HashPartitioner(2));
        int shuffle = ((org.apache.spark.ShuffleDependency<?, ?, ?>) buckets.rdd().dependencies().head()).shuffleId();
        long n = buckets.mapPartitionsWithIndex((i, rows) -> {
            if (i == 0 && org.apache.spark.TaskContext.get().stageAttemptNumber() == 0) {
                // the outputs dropped here (local mode: the driver's tracker), and the failure blamed on an executor that is
                // not there: naming this JVM's block manager had the driver drop it until a heartbeat, so a later test's task
                // result too big to send directly was lost (CliTest.aTwentyMillionCharacterTextIsADocument: TaskResultLost)
                ((org.apache.spark.MapOutputTrackerMaster) org.apache.spark.SparkEnv.get().mapOutputTracker())
                        .unregisterAllMapAndMergeOutput(shuffle);
                throw new org.apache.spark.shuffle.FetchFailedException(
                        org.apache.spark.storage.BlockManagerId.apply("lost-executor", "localhost", 1, scala.Option.empty()),
                        shuffle, 0L, 0, i, "shuffle output lost (test)", null);
            }
            return rows;
        }, false).count();
        assertTrue(n > 0);
        assertTrue(attempts.value() > docs.size(), attempts.value() + " rows read: the stage did not run again");
        assertEquals(docs.size(), signed.value());
    }
}
