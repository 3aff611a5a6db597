package dev.kindling.spark.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.io.Columns;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ExactDedupTest {
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
            .add("url", DataTypes.StringType).add(Columns.REASON, DataTypes.StringType);

    private static Dataset<Row> docs(Object[]... rows) {
        return TestSpark.session().createDataFrame(Arrays.stream(rows).map(RowFactory::create).toList(), SCHEMA).repartition(3);
    }

    static String str(Row r, String column) {
        return r.getAs(column);
    }

    private static Map<String, Row> byId(Dataset<Row> df) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            out.put(r.getAs("id"), r);
        }
        return out;
    }

    @Test
    void keepsTheSmallestIdOfEachNormalisedGroup() {
        Dataset<Row> in = docs(
                new Object[] {"c", "Hello  World", "u1", null},
                new Object[] {"a", "hello world", "u2", null},
                new Object[] {"b", "HELLO\u00A0WORLD", "u1", null},         // NFKC + case fold + white space: same
                new Object[] {"d", "hello, world", "u3", null},            // punctuation differs under exact normalisation
                new Object[] {"0", "hello world", "u4", "read:bad"},       // already rejected: not looked at
                new Object[] {"e", null, "u5", null});                      // no text: takes no part
        Map<String, Row> out = byId(new ExactDedup().setClusterColumns(true).transform(in));
        assertEquals(null, str(out.get("a"), Columns.REASON));
        assertEquals("exact_dedup:duplicate", str(out.get("b"), Columns.REASON));
        assertEquals("exact_dedup:duplicate", str(out.get("c"), Columns.REASON));
        assertEquals(null, str(out.get("d"), Columns.REASON));
        assertEquals("read:bad", str(out.get("0"), Columns.REASON));
        assertEquals(null, str(out.get("e"), Columns.REASON));
        assertEquals("a", str(out.get("c"), Columns.DUPLICATE_OF));
        assertEquals("a", str(out.get("b"), Columns.CLUSTER_ID));
        assertEquals("a", str(out.get("a"), Columns.CLUSTER_ID));
        assertEquals(null, str(out.get("a"), Columns.DUPLICATE_OF));

        Map<String, Row> byUrl = byId(new ExactDedup().setColumn("url").transform(in));
        assertEquals("exact_dedup_url:duplicate", str(byUrl.get("c"), Columns.REASON));
        assertEquals(null, str(byUrl.get("b"), Columns.REASON));
        assertEquals(List.of("id", "text", "url", Columns.REASON), Arrays.asList(new ExactDedup().transform(in).columns()));
    }

    /**
     * A text that normalises to nothing (emoji or punctuation only under near, white space only) is compared as it is: the
     * empty key made every such text one group, so of "🎉🎉", "!!!" and "???" one was kept (found by an audit of
     * examples/airflow/pipeline.yaml's exact_dedup: {normalize: near}).
     */
    @Test
    void aTextThatNormalisesToNothingIsComparedAsItIs() {
        Dataset<Row> in = docs(
                new Object[] {"a", "\uD83C\uDF89\uD83C\uDF89", "u1", null},
                new Object[] {"b", "!!!", "u2", null},
                new Object[] {"c", "???", "u3", null},
                new Object[] {"d", "!!!", "u4", null},       // the same text as b: its duplicate
                new Object[] {"e", "hello", "u5", null},
                new Object[] {"f", "Hello!", "u6", null},     // near: hello
                new Object[] {"g", " ", "u7", null},
                new Object[] {"h", "\t", "u8", null});
        Map<String, Row> out = byId(new ExactDedup().setNormalize("near").setClusterColumns(true).transform(in));
        for (String kept : List.of("a", "b", "c", "e", "g", "h")) {
            assertEquals(null, str(out.get(kept), Columns.REASON), kept);
        }
        assertEquals("exact_dedup:duplicate", str(out.get("d"), Columns.REASON));
        assertEquals("b", str(out.get("d"), Columns.DUPLICATE_OF));
        assertEquals("exact_dedup:duplicate", str(out.get("f"), Columns.REASON));
        // the SQL function makes the same key
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        dev.kindling.spark.curate.CurationFunctions.register(spark);
        List<Row> hashes = spark.sql("SELECT kindling_text_hash(' '), kindling_text_hash('\t'), kindling_text_hash('')").collectAsList();
        assertEquals(3, new java.util.HashSet<>(List.of(hashes.get(0).get(0), hashes.get(0).get(1), hashes.get(0).get(2))).size());
    }

    /**
     * A column of arrays, structs or bytes is compared by value: Spark's cast to a string, which the key was made of, read
     * ["a, b"] and ["a", "b"] alike, a null field and "null" alike, and bytes as UTF-8 with every invalid one as U+FFFD,
     * so different values were dropped as duplicates (found by an adversarial pass).
     */
    @Test
    void arraysStructsAndBytesAreComparedByValue() {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        Dataset<Row> in = spark.sql("SELECT * FROM VALUES "
                + "('a', 't', array('a', 'b'), named_struct('k', 'q', 'v', CAST(NULL AS STRING)), X'FF'), "
                + "('b', 't', array('a, b'), named_struct('k', 'q', 'v', 'null'), X'FE'), "
                + "('c', 't', array('a', 'b'), named_struct('k', 'q', 'v', CAST(NULL AS STRING)), X'FF') "
                + "AS docs(id, text, tags, meta, raw)");
        for (String column : List.of("tags", "meta", "raw")) {
            Map<String, Row> out = byId(new ExactDedup().setColumn(column).transform(in));
            assertEquals(null, str(out.get("a"), Columns.REASON), column);
            assertEquals(null, str(out.get("b"), Columns.REASON), column);
            assertEquals("exact_dedup_" + column + ":duplicate", str(out.get("c"), Columns.REASON), column);
        }
    }

    @Test
    void numberLikeStringIdsOrderAsText() {
        // as the README says: the id column's own type orders, and "10" < "11" < "9" as strings
        Map<String, Row> out = byId(new ExactDedup().transform(docs(
                new Object[] {"9", "same text", "u1", null},
                new Object[] {"11", "same text", "u2", null},
                new Object[] {"10", "same text", "u3", null})));
        assertEquals(null, str(out.get("10"), Columns.REASON));
        assertEquals("exact_dedup:duplicate", str(out.get("9"), Columns.REASON));
        assertEquals("exact_dedup:duplicate", str(out.get("11"), Columns.REASON));
    }

    /**
     * Text dedup, then URL dedup, with cluster columns: "c" is a text copy of "b", and "b" a URL
     * duplicate of "a". "c" must follow "b" into a's cluster, as rows follow their representative into
     * a near-duplicate cluster: cluster_id always names a kept row.
     */
    @Test
    void rowsOfAnEarlierStageFollowTheirRepresentative() {
        Dataset<Row> in = docs(
                new Object[] {"a", "first text", "u1", null},
                new Object[] {"b", "second text", "u1", null},      // same URL as a
                new Object[] {"c", "Second  Text", "u2", null},     // same text as b
                new Object[] {"d", "third text", "u3", null});
        Dataset<Row> byText = new ExactDedup().setClusterColumns(true).transform(in);
        Map<String, Row> out = byId(new ExactDedup().setColumn("url").setClusterColumns(true).transform(byText));
        assertEquals("exact_dedup:duplicate", str(out.get("c"), Columns.REASON));
        assertEquals("exact_dedup_url:duplicate", str(out.get("b"), Columns.REASON));
        for (String id : List.of("a", "b", "c")) {
            assertEquals("a", str(out.get(id), Columns.CLUSTER_ID), id);
        }
        assertEquals("a", str(out.get("b"), Columns.DUPLICATE_OF));
        assertEquals("a", str(out.get("c"), Columns.DUPLICATE_OF));
        assertEquals(null, str(out.get("a"), Columns.DUPLICATE_OF));
        assertEquals("d", str(out.get("d"), Columns.CLUSTER_ID));
        assertEquals(null, str(out.get("d"), Columns.DUPLICATE_OF));
    }

    /**
     * Rows that share id and text but differ in another column (the same document crawled under two
     * URLs) tie on id and text: the row kept must still not depend on the row order or partitioning.
     */
    @Test
    void rowsTiedOnIdAndTextKeepTheSameRowWhateverThePartitioning() {
        // a column name with a dot, and a map (which Spark cannot hash) beside it
        StructType schema = SCHEMA.add("crawl.date", DataTypes.StringType)
                .add("tags", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 24; i++) {
            rows.add(RowFactory.create("same-id", "the same text", "https://example.org/" + i, null, "2026-01-" + (i % 3),
                    scala.collection.immutable.Map$.MODULE$.<String, String>empty()));
        }
        String first = null;
        for (int p : new int[] {1, 3, 17}) {
            java.util.Collections.shuffle(rows, new java.util.Random(p));
            Dataset<Row> in = TestSpark.session().createDataFrame(rows, schema).repartition(p);
            List<Row> kept = new ExactDedup().transform(in).where("reason IS NULL").drop("tags").collectAsList();
            assertEquals(1, kept.size());
            String s = kept.toString();
            if (first != null) {
                assertEquals(first, s, "partitions " + p);
            }
            first = s;
        }
    }

    /** Rows sharing an id are ordered by their text hash: the verdicts do not depend on partitioning. */
    @Test
    void duplicateIdsAreStillDeterministic() {
        Object[][] rows = new Object[40][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {"same-id", "text number " + (i % 7), "u", null};
        }
        String first = null;
        for (int p : new int[] {1, 3, 8}) {
            Dataset<Row> in = TestSpark.session().createDataFrame(Arrays.stream(rows).map(RowFactory::create).toList(), SCHEMA)
                    .repartition(p);
            List<Row> kept = new ExactDedup().transform(in).where("reason IS NULL").orderBy("text").collectAsList();
            assertEquals(7, kept.size());
            String s = kept.toString();
            if (first != null) {
                assertEquals(first, s);
            }
            first = s;
        }
    }

    /**
     * A document without an id among those a dedup stage looks at is refused, naming the stage and the column: ordered
     * first, it became the kept row of its group, and its duplicates were dropped with a null {@code duplicate_of}
     * (near dedup also gave them their own id as {@code cluster_id}). A row already rejected may lack one.
     */
    @Test
    void aDocumentWithoutAnIdIsRefused() {
        String text = "the quick brown fox jumps over the lazy dog. It sleeps. It wakes. It runs away again.";
        Dataset<Row> in = docs(new Object[] {"a", text, "u1", null}, new Object[] {null, text, "u2", null});
        List<org.apache.spark.ml.Transformer> stages = List.of(new ExactDedup().setClusterColumns(true),
                new MinHashDedup().setClusterColumns(true), new SentenceDedupStage());
        for (org.apache.spark.ml.Transformer stage : stages) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> stage.transform(in).collectAsList());
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            String name = ((dev.kindling.spark.stage.PipelineStage) stage).name();
            org.junit.jupiter.api.Assertions.assertTrue(messages.toString().contains(name
                    + ": a document has a null id (column 'id', text \"the quick brown fox"), messages.toString());
        }
        Map<String, Row> out = byId(new ExactDedup().setClusterColumns(true)
                .transform(docs(new Object[] {"a", text, "u1", null}, new Object[] {null, text, "u2", "read:bad"})));
        assertEquals(null, str(out.get("a"), Columns.REASON));
        assertEquals("read:bad", str(out.get(null), Columns.REASON));
    }
}
