package dev.kindling.spark.curate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.sql.KindlingFunctions;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stages as Spark ML Transformers (params, save/load, a Pipeline) and the SQL functions. */
class CurationApiTest {
    @TempDir Path tmp;

    private static final String A = "the quick brown fox jumps over the lazy dog near the river bank today";
    private static final String B = "The quick brown fox jumps over the lazy dog near the river bank today!";

    private static Dataset<Row> docs() {
        StructType schema = new StructType().add("doc", DataTypes.StringType).add("content", DataTypes.StringType);
        return TestSpark.session().createDataFrame(List.of(
                RowFactory.create("2", A), RowFactory.create("1", B), RowFactory.create("3", "write to jane.doe@example.com please")),
                schema);
    }

    @Test
    void transformersSaveLoadAndRunInAPipeline() throws Exception {
        MinHashDedup m = new MinHashDedup().setThreshold(0.7).setNumPerm(128).setIdCol("doc").setTextCol("content")
                .setClusterColumns(true);
        m.write().overwrite().save(tmp.resolve("minhash").toString());
        MinHashDedup loaded = MinHashDedup.load(tmp.resolve("minhash").toString());
        assertEquals(m.uid(), loaded.uid());
        assertEquals(0.7, loaded.getThreshold());
        assertEquals(m.minHashParams(), loaded.minHashParams());
        assertEquals("doc", loaded.getIdCol());

        Pipeline p = new Pipeline().setStages(new org.apache.spark.ml.PipelineStage[] {
            new ExactDedup().setIdCol("doc").setTextCol("content"),
            new PiiRedaction().setIdCol("doc").setTextCol("content").setCountsCol("pii"),
            loaded});
        PipelineModel model = p.fit(docs());
        model.write().overwrite().save(tmp.resolve("pipeline").toString());
        List<Row> out = PipelineModel.load(tmp.resolve("pipeline").toString()).transform(docs()).orderBy("doc").collectAsList();
        assertEquals(3, out.size());
        assertEquals(null, (String) out.get(0).getAs("reason"));                           // "1": smallest id keeps
        assertEquals("minhash_dedup:near_duplicate", (String) out.get(1).getAs("reason"));  // "2": punctuation and case only
        assertEquals("1", (String) out.get(1).getAs("duplicate_of"));
        assertEquals("write to <EMAIL> please", (String) out.get(2).getAs("content"));
        assertTrue(new QualityFilter().setFilter("c4").explainParams().contains("filter"));
    }

    @Test
    void explainParamsWritesArrayValuesAsJson() {
        // Spark's own explainParam prints an array param's value as its identity ([Ljava.lang.String;@5f2c)
        String pii = new PiiRedaction().setKinds(new String[] {"email"}).explainParams();
        assertTrue(pii.contains("kinds: what to redact: email, ipv4, ipv6, phone (default: [\"email\",\"ipv4\",\"ipv6\",\"phone\"], "
                + "current: [\"email\"])"), pii);
        String generate = new dev.kindling.spark.inference.Generate().setStop(new String[] {"\n\n", "END"}).explainParams();
        assertTrue(generate.contains("current: [\"\\n\\n\",\"END\"]"), generate);
        assertFalse(pii.contains("[Ljava") || generate.contains("[Ljava"), pii + generate);
        // a param of another stage is refused, as Spark refuses it
        assertThrows(IllegalArgumentException.class, () -> new PiiRedaction().explainParam(new QualityFilter().filter()));
    }

    private static String messages(Throwable e) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        return chain.toString();
    }

    /** A misspelt constant filter list or mode failed in the task, once per row, without naming the SQL function. */
    @Test
    void badConstantArgumentsFailAtAnalysisNamingTheFunction() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        docs().createOrReplaceTempView("curation_bad_args");
        // spark.sql analyses the query: no action is run, so no task is started
        String filters = messages(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_quality_reason(content, 'gopher,nope') FROM curation_bad_args")));
        assertTrue(filters.contains("kindling_quality_reason: argument 2 (filters) 'gopher,nope': unknown filter 'nope': expected"),
                filters);
        // no filter at all kept every row, NULL texts too
        for (String none : List.of("''", "','", "' '")) {
            String empty = messages(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> spark.sql("SELECT kindling_quality_reason(content, " + none + ") FROM curation_bad_args")));
            assertTrue(empty.contains("kindling_quality_reason: argument 2 (filters)") && empty.contains("no filter named"), empty);
        }
        String mode = messages(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> spark.table("curation_bad_args").selectExpr("kindling_normalize(content, 'nearly')")));
        assertTrue(mode.contains("kindling_normalize: argument 2 (mode) 'nearly': unknown normalisation 'nearly': expected none, "
                + "exact or near"), mode);
        // a column of filter names is only known per row: it fails in the task, still naming the function
        String perRow = messages(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_quality_reason(content, doc) FROM curation_bad_args").collect()));
        assertTrue(perRow.contains("kindling_quality_reason: argument 2 (filters) '"), perRow);
        // NULL filters fail as the query is analysed too: their NULL read as kept
        String nullFilters = messages(assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_quality_reason(content, CAST(NULL AS STRING)) FROM curation_bad_args")));
        assertTrue(nullFilters.contains("kindling_quality_reason: argument 2 (filters) is NULL: give the filters to apply"),
                nullFilters);
        // good constants, a NULL constant where NULL has an answer and a constant expression still work
        assertEquals("hello world 0", spark.sql("SELECT kindling_normalize('Hello World 42', concat('ne', 'ar'))").first().getString(0));
        assertEquals("gopher_quality:gopher_short_doc", spark.sql("SELECT kindling_quality_reason('x', ' gopher_quality ')")
                .first().getString(0));
    }

    @Test
    void sqlFunctions() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        docs().createOrReplaceTempView("curation_docs");
        Row r = spark.sql("SELECT kindling_jaccard(a.content, b.content), kindling_text_hash(a.content) = kindling_text_hash(lower(a.content)), "
                + "size(kindling_minhash(a.content)), kindling_quality_reason(a.content, 'gopher_quality,c4'), "
                + "kindling_redact_pii('mail jane.doe@example.com'), kindling_normalize('Ｈéllo,  World 42', 'near') "
                + "FROM curation_docs a JOIN curation_docs b ON a.doc = '2' AND b.doc = '1'").first();
        assertEquals(1.0, r.getDouble(0), "same shingles after NEAR normalisation");
        assertTrue(r.getBoolean(1), "exact-dedup hash is case-insensitive");
        assertEquals(112, r.getInt(2));
        assertEquals("gopher_quality:gopher_short_doc", r.getString(3));
        assertEquals("mail <EMAIL>", r.getString(4));
        assertEquals("hello world 0", r.getString(5));
        // the README's example: punctuation is a space, a number keeps one decimal separator at most (datatrove)
        assertEquals("ago never 0 0", spark.sql("SELECT kindling_normalize('Ago\u2014never, 1,000,000!', 'near')").first().getString(0));
        assertTrue(spark.sql("SELECT kindling_normalize('x', CAST(NULL AS STRING))").first().isNullAt(0), "NULL mode: NULL, as SQL does");
        // a wrong argument type names the function (it was a bare ClassCastException inside the task)
        Exception wrong = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_text_hash(123)").collect());
        String chain = "";
        for (Throwable t = wrong; t != null; t = t.getCause()) {
            chain += t.getMessage() + "\n";
        }
        assertTrue(chain.contains("kindling_text_hash: argument 1 (text) is INT, expected STRING"), chain);
        List<Long> sig = spark.sql("SELECT kindling_minhash('" + A + "')").first().getList(0);
        long[] expected = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).signature(A);
        assertEquals(expected[0], sig.get(0));
        assertEquals(expected[111], sig.get(111));
    }

    /**
     * A column of the input named like a stage's working columns ({@code _kd_filter}, {@code _kd_pii}, {@code _kd_exact_key})
     * or the metric columns ({@code _kindling_row_errors}) is refused naming it, before any job: the stage replaced it with
     * its own and dropped it, so the column was gone from the output, in silence. The prefix is compared as Spark compares
     * names: {@code _KD_pii} is the stages' {@code _kd_pii} unless {@code spark.sql.caseSensitive} is set, and then a
     * column of its own, which they keep.
     */
    @Test
    void anInputColumnNamedLikeAWorkingColumnIsRefused() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> docs = spark.sql("SELECT '1' AS id, 'a few words of text here' AS text, 'mine' AS _kd_filter, 7 AS _KD_pii");
        for (dev.kindling.spark.curate.CurationStage<?> stage : List.of(new QualityFilter(), new PiiRedaction(), new ExactDedup(),
                new MinHashDedup())) {
            dev.kindling.spark.KindlingException e = assertThrows(dev.kindling.spark.KindlingException.class, () -> stage.transform(docs));
            assertTrue(e.getMessage().startsWith(stage.name() + ": the input has a column '_kd_filter', a name Kindling keeps for "
                    + "the columns its stages add and drop (_kd_..., _kindling_...)"), e.getMessage());
        }
        Dataset<Row> upperOnly = docs.drop("_kd_filter");
        dev.kindling.spark.KindlingException upper = assertThrows(dev.kindling.spark.KindlingException.class,
                () -> new PiiRedaction().transform(upperOnly));
        assertTrue(upper.getMessage().contains("has a column '_KD_pii'"), upper.getMessage());
        Dataset<Row> metric = docs.drop("_kd_filter", "_KD_pii").withColumn("_kindling_row_errors", org.apache.spark.sql.functions.lit(3L));
        dev.kindling.spark.KindlingException m = assertThrows(dev.kindling.spark.KindlingException.class,
                () -> new QualityFilter().transform(metric));
        assertTrue(m.getMessage().contains("has a column '_kindling_row_errors'"), m.getMessage());
        spark.conf().set("spark.sql.caseSensitive", "true");
        try {
            Row kept = new PiiRedaction().transform(upperOnly).first();
            assertEquals(7, kept.getInt(kept.fieldIndex("_KD_pii")));
        } finally {
            spark.conf().unset("spark.sql.caseSensitive");
        }
        // the same input without them runs
        assertEquals(1, new QualityFilter().transform(docs.drop("_kd_filter", "_KD_pii")).count());
    }

    /**
     * An input reason column in another case ({@code Reason}) keeps its name, as transformSchema declares: the stages'
     * withColumn("reason") renamed it to reason.
     */
    @Test
    void aReasonColumnKeepsItsCase() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType).add("Reason", DataTypes.StringType);
        Dataset<Row> docs = TestSpark.session().createDataFrame(List.of(RowFactory.create("1", "a few words of text here", null)), schema);
        for (dev.kindling.spark.curate.CurationStage<?> stage : List.of(new QualityFilter(), new PiiRedaction(), new ExactDedup())) {
            Dataset<Row> out = stage.transform(docs);
            assertEquals(stage.transformSchema(docs.schema()), out.schema(), stage.name());
            assertTrue(List.of(out.columns()).contains("Reason"), stage.name() + ": " + List.of(out.columns()));
        }
    }

    /**
     * A NULL text: the SQL function gives the reason the stages reject it for (the first filter's null_text), where it
     * gave NULL, which reads as kept.
     */
    @Test
    void qualityReasonOfNullTextIsTheStagesReason() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        StructType schema = new StructType().add("doc", DataTypes.StringType).add("content", DataTypes.StringType);
        Dataset<Row> nullText = spark.createDataFrame(List.of(RowFactory.create("1", null)), schema);
        for (String filters : List.of("gopher,c4", "C4", "fineweb")) {
            Dataset<Row> d = nullText;
            for (QualityFilter f : QualityFilter.stagesFor(filters)) {
                d = f.setIdCol("doc").setTextCol("content").transform(d);
            }
            String stage = d.first().getAs("reason");
            Row sql = spark.sql("SELECT kindling_quality_reason(CAST(NULL AS STRING), '" + filters + "')").first();
            assertEquals(stage, sql.getString(0), filters);
        }
        assertEquals("gopher_repetition:null_text", spark.sql("SELECT kindling_quality_reason(CAST(NULL AS STRING), 'gopher')")
                .first().getString(0));
    }

    /**
     * NULL filters: the function gave NULL, which reads as kept, so a row whose filters column was NULL passed unchecked.
     * It fails naming the function and the argument, in the task for a column (a constant fails at analysis, above).
     */
    @Test
    void qualityReasonOfNullFiltersFails() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        StructType schema = new StructType().add("content", DataTypes.StringType).add("filters", DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create("x", "gopher"), RowFactory.create("x", null)), schema)
                .createOrReplaceTempView("curation_null_filters");
        String perRow = messages(assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_quality_reason(content, filters) FROM curation_null_filters").collect()));
        assertTrue(perRow.contains("kindling_quality_reason: argument 2 (filters) is NULL: give the filters to apply, e.g. "
                + "'gopher,c4' (a NULL answer would read as kept)"), perRow);
        // the function itself, as a task calls it
        dev.kindling.spark.KindlingException direct = assertThrows(dev.kindling.spark.KindlingException.class,
                () -> CurationFunctions.qualityReason("x", null));
        assertEquals(dev.kindling.spark.KindlingException.USAGE, direct.exitCode());
    }
}
