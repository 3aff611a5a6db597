package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Near dedup against a saved index reads the texts (and ids) of the earlier documents in a candidate pair, not the
 * index's whole text column: a run read and decompressed every earlier text to shingle the two or three in a pair,
 * so that a month's new documents against years of corpus read all of it again.
 */
class IndexTextPagesTest {
    @TempDir Path tmp;

    @Test
    void onlyThePagesHoldingTheEarlierDocumentsInAPairAreRead() throws Exception {
        int n = 6_000;
        Map<String, String> earlierDocs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            earlierDocs.put(String.format("e%05d", i), AgainstEarlierCorpusTest.words(40_000 + i));
        }
        Map<String, String> newDocs = new LinkedHashMap<>();
        newDocs.put("n1", AgainstEarlierCorpusTest.changed(earlierDocs.get("e00100"), 50, "changed"));
        newDocs.put("n2", AgainstEarlierCorpusTest.changed(earlierDocs.get("e05000"), 150, "other"));
        newDocs.put("n3", AgainstEarlierCorpusTest.words(1));
        Path earlier = tmp.resolve("earlier/part-0.jsonl");
        AgainstIndexTest.write(earlier, earlierDocs);
        Path index = tmp.resolve("index");
        SparkSession spark = TestSpark.session();
        EarlierCorpus corpus = EarlierCorpus.read(spark, List.of(earlier.toString()), "id", "text", "test");
        EarlierIndex.write(spark, corpus, List.of(new MinHashDedup()), index.toString(), earlier.toString());

        String group = "kindling-index-text-pages-test";
        java.util.Set<Integer> stages = ConcurrentHashMap.newKeySet();
        Map<Integer, AtomicLong> readByStage = new ConcurrentHashMap<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart e) {
                if (e.properties() != null && group.equals(e.properties().getProperty("spark.jobGroup.id"))) {
                    for (Object id : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
                        stages.add((Integer) id);
                    }
                }
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                if (stages.contains(e.stageId()) && e.taskMetrics() != null) {
                    readByStage.computeIfAbsent(e.stageId(), k -> new AtomicLong()).addAndGet(e.taskMetrics().inputMetrics().recordsRead());
                }
            }
        };
        Map<String, String> got;
        spark.sparkContext().listenerBus().waitUntilEmpty();
        spark.sparkContext().addSparkListener(listener);
        spark.sparkContext().setJobGroup(group, "against an index", false);
        try {
            got = AgainstEarlierCorpusTest.verdicts(new MinHashDedup().setClusterColumns(true).setAgainstIndexPaths(new String[] {index.toString()})
                    .transform(AgainstEarlierCorpusTest.frame(newDocs, 2)));
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().clearJobGroup();
            spark.sparkContext().removeSparkListener(listener);
        }
        assertEquals(Map.of("n1", "minhash_dedup:near_duplicate_of_earlier | e00100 | e00100",
                "n2", "minhash_dedup:near_duplicate_of_earlier | e05000 | e05000", "n3", "null | null | n3"), got);
        // the band keys of every earlier document, read once to find those sharing a bucket with a new one; every other
        // read of the index (the texts to shingle, the ids to name) the rows of the two pages that hold the two documents
        // in a pair (and the new documents, where a stage reads those too). A run read all n rows for each
        List<Long> reads = readByStage.values().stream().map(AtomicLong::get).sorted(java.util.Comparator.reverseOrder()).toList();
        assertEquals(n, reads.get(0), "rows read by each stage, most first: " + reads);
        assertTrue(reads.get(1) <= 2L * EarlierIndex.TEXT_PAGE_ROWS + newDocs.size(), "rows read by each stage, most first: " + reads);
    }
}
