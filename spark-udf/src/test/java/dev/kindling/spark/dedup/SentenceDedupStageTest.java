package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.sentence.SentenceDedup;
import dev.kindling.spark.demo.SampleCorpus;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class SentenceDedupStageTest {
    /** The Spark stage gives every document the outcome of the in-memory reference. */
    @Test
    void sameOutcomesAsTheInMemoryReference() {
        List<Document> docs = new ArrayList<>();
        for (SampleCorpus.Doc d : SampleCorpus.load().documents(42)) {
            if (d.id() != null && d.text() != null) {
                docs.add(new Document(d.id(), d.text()));
            }
        }
        Map<String, SentenceDedup.Outcome> expected = new SentenceDedup().run(docs);
        List<Row> out = new SentenceDedupStage().transform(DedupTestData.frame(docs, 3)).collectAsList();
        assertEquals(docs.size(), out.size());
        int changed = 0;
        int dropped = 0;
        for (Row r : out) {
            String id = r.getAs("id");
            SentenceDedup.Outcome e = expected.get(id);
            String reason = r.getAs(Columns.REASON);
            if (e.keep()) {
                assertEquals(null, reason, id);
                assertEquals(e.text(), (String) r.getAs("text"), id);
                changed += e.removedSentences() > 0 ? 1 : 0;
            } else {
                assertEquals(SentenceDedupStage.reason(e.reason()), reason, id);
                dropped++;
            }
        }
        assertTrue(changed > 5 && dropped > 5, "the sample repeats sentences: changed " + changed + ", dropped " + dropped);

        // the removed-sentences metric counts the dropped documents' sentences too (it counted only the kept ones')
        StageContext ctx = new StageContext(dev.kindling.spark.TestSpark.session(), "id", "text");
        SentenceDedupStage stage = new SentenceDedupStage();
        org.apache.spark.sql.Dataset<Row> applied = stage.apply(DedupTestData.frame(docs, 3)
                .withColumn(Columns.REASON, org.apache.spark.sql.functions.lit(null).cast("string")), ctx);
        String metricColumn = ctx.metricColumns().keySet().iterator().next();
        long removed = applied.agg(org.apache.spark.sql.functions.sum(metricColumn)).first().getLong(0);
        assertEquals(expected.values().stream().mapToLong(SentenceDedup.Outcome::removedSentences).sum(), removed);
    }
}
