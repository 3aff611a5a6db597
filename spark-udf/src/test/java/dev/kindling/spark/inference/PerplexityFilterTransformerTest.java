package dev.kindling.spark.inference;

import static dev.kindling.spark.stage.SavedStages.assertSameStage;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.io.Columns;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PerplexityFilter as the Spark ML Transformer the other stages are: typed params that a ParamMap gives (as
 * CrossValidator and {@code transform(df, paramMap)} do), {@code copy}, {@code transformSchema}, a stage of a
 * {@link Pipeline}, savable alone and in a saved PipelineModel. It was a pipeline stage of the CLI's alone, run from a
 * notebook as {@code apply(df, new StageContext(...))}.
 */
class PerplexityFilterTransformerTest {
    private static final StructType DOCS = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
    @TempDir Path tmp;

    private static Score score() {
        return new Score().setModel(Stories.model().toString()).setThreads(2);
    }

    @Test
    void itsSchemaIsTheScoresAndAReasonAndAThresholdIsRequired() {
        StructType out = new PerplexityFilter(score()).setMaxPerplexity(60).transformSchema(DOCS);
        // the reason first, as transform adds it before the Score's columns (itRunsInASparkPipeline... compares the two)
        assertEquals(List.of("id", "text", Columns.REASON, "logprob", "perplexity", "n_tokens", "error"), List.of(out.fieldNames()));
        assertEquals(DataTypes.StringType, out.apply(Columns.REASON).dataType());
        KindlingException none = assertThrows(KindlingException.class, () -> new PerplexityFilter(score()).transformSchema(DOCS));
        assertTrue(none.getMessage().contains("give a maximum perplexity or a fraction to keep"), none.getMessage());
        KindlingException noText = assertThrows(KindlingException.class,
                () -> new PerplexityFilter(score()).setKeepFraction(0.5).transformSchema(new StructType().add("body", DataTypes.StringType)));
        assertTrue(noText.getMessage().contains("text"), noText.getMessage());
        KindlingException notString = assertThrows(KindlingException.class, () -> new PerplexityFilter(score()).setMaxPerplexity(60)
                .transformSchema(DOCS.add(Columns.REASON, DataTypes.IntegerType)));
        assertTrue(notString.getMessage().contains("column '" + Columns.REASON + "' is int"), notString.getMessage());
    }

    @Test
    void aParamMapGivesTheThresholdsAndIsCheckedLikeTheSetters() {
        PerplexityFilter filter = new PerplexityFilter(score()).setMaxPerplexity(60);
        PerplexityFilter copy = filter.copy(new ParamMap().put(filter.maxPerplexity().w(5.0)));
        assertEquals(filter.uid(), copy.uid());
        assertEquals(5.0, copy.getMaxPerplexity());
        assertEquals(60.0, filter.getMaxPerplexity());
        assertTrue(Double.isNaN(copy.getKeepFraction()));
        assertEquals(Stories.model().toString(), copy.getScore().getModel());
        KindlingException out = assertThrows(KindlingException.class, () -> new ParamMap().put(filter.keepFraction().w(1.5)));
        assertTrue(out.getMessage().contains("keepFraction") && out.getMessage().contains("(0, 1]"), out.getMessage());
        assertTrue(filter.explainParams().contains("maxPerplexity"), filter.explainParams());
    }

    /**
     * Also saved and loaded: in a fitted Pipeline (PipelineModel.load) and alone (PerplexityFilter.load), with its
     * thresholds and its Score's params, giving the same rows; it was not savable (a Pipeline holding it refused to save:
     * UnsupportedOperationException, a non-writable stage).
     */
    /**
     * keepFraction's threshold is the ⌈F × n⌉-th smallest perplexity, F as written (0.7 of 10 is 7), the same for any
     * partitioning or row order: Spark's approxQuantile, at relative error 0.001, gave 5,000 scores' median as the
     * 2,496th, 2,498th or 2,500th of them as their partitions and order went.
     */
    @Test
    void keepFractionsThresholdIsTheExactRankWhateverThePartitioning() {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("perplexity", DataTypes.DoubleType);
        java.util.Random random = new java.util.Random(5);
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            rows.add(org.apache.spark.sql.RowFactory.create(Math.exp(random.nextGaussian())));
        }
        List<Double> sorted = new java.util.ArrayList<>(rows.stream().map(r -> r.getDouble(0)).toList());
        java.util.Collections.sort(sorted);
        for (int partitions : new int[] {1, 7}) {
            List<Row> shuffled = new java.util.ArrayList<>(rows);
            java.util.Collections.shuffle(shuffled, new java.util.Random(partitions));
            Dataset<Row> scores = spark.createDataFrame(shuffled, schema).repartition(partitions);
            assertEquals(sorted.get(2499), PerplexityFilter.threshold(scores, "perplexity", 0.5), "median, partitions " + partitions);
        }
        Dataset<Row> ten = spark.createDataFrame(rows.subList(0, 10), schema);
        List<Double> firstTen = new java.util.ArrayList<>(rows.subList(0, 10).stream().map(r -> r.getDouble(0)).toList());
        java.util.Collections.sort(firstTen);
        assertEquals(firstTen.get(6), PerplexityFilter.threshold(ten, "perplexity", 0.7), "7 of 10 (0.7 * 10 is 7.000000000000001)");
        assertEquals(firstTen.get(0), PerplexityFilter.threshold(ten, "perplexity", 0.01), "at least the first");
        assertEquals(Double.POSITIVE_INFINITY, PerplexityFilter.threshold(ten.limit(0), "perplexity", 0.5), "none scored");
    }

    /** A column named like the score's metric columns ({@code _kindling_row_errors}), which the filter replaced and dropped, is refused. */
    @Test
    void aColumnNamedLikeAMetricColumnIsRefused() {
        KindlingException metric = assertThrows(KindlingException.class,
                () -> new PerplexityFilter(score()).setMaxPerplexity(60).transformSchema(DOCS.add("_kindling_row_errors", DataTypes.LongType)));
        assertTrue(metric.getMessage().startsWith("perplexity: the input has a column '_kindling_row_errors'"), metric.getMessage());
    }

    /** An input reason column in another case ({@code Reason}) keeps its name, as transformSchema declares (withColumn renamed it). */
    @Test
    void aReasonColumnKeepsItsCase() {
        Dataset<Row> in = ScoreJudgeEmbedTest.texts(TestSpark.session(), Stories.prompts(2))
                .withColumn("Reason", org.apache.spark.sql.functions.lit(null).cast(DataTypes.StringType));
        PerplexityFilter filter = new PerplexityFilter(score()).setMaxPerplexity(60);
        assertEquals(filter.transformSchema(in.schema()), filter.transform(in).schema());
    }

    @Test
    void itRunsInASparkPipelineAndWithAParamMapAndLoadsBackSaved() throws Exception {
        List<String> texts = new java.util.ArrayList<>(Stories.prompts(10));
        texts.add("zq xv kjw plo qqq zzz");
        Dataset<Row> in = ScoreJudgeEmbedTest.texts(TestSpark.session(), texts);
        Score score = score();
        PerplexityFilter filter = new PerplexityFilter(score).setMaxPerplexity(60);
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {filter}).fit(in);
        String savedModel = tmp.resolve("model").toString();
        model.write().save(savedModel);
        PipelineModel loaded = PipelineModel.load(savedModel);
        assertSameStage(filter, loaded.stages()[0]);
        // the schema a Pipeline declares is the one its run gives: transformSchema put the reason last, transform before the
        // Score's columns, so a table made from the declared schema took the reasons by position into logprob
        assertEquals(model.transformSchema(in.schema()), model.transform(in).schema());
        List<Row> rows = model.transform(in).orderBy("id").collectAsList();
        assertEquals(rows, loaded.transform(in).orderBy("id").collectAsList());
        Map<String, Row> out = new HashMap<>();
        for (Row r : rows) {
            out.put(r.getString(0), r);
        }
        assertEquals(texts.size(), out.size());
        for (Row r : out.values()) {
            double ppl = r.getDouble(r.fieldIndex("perplexity"));
            assertEquals(ppl > 60 ? "perplexity:too_high" : null, r.getString(r.fieldIndex(Columns.REASON)), r.toString());
        }
        assertEquals("perplexity:too_high", out.get("t10").getString(out.get("t10").fieldIndex(Columns.REASON)));
        // a ParamMap's threshold, through Transformer.transform(df, paramMap): everything above a perplexity of 1 goes
        // (and one thread, a Score param: the filter's copy scores with a copy of the Score, whose counters the caller's Score
        // then reports, where it kept its own last run's)
        InferenceMetrics before = score.metrics();
        long rejected = filter.transform(in, new ParamMap().put(filter.maxPerplexity().w(1.0)).put(score.threads().w(1)))
                .filter(col(Columns.REASON).equalTo("perplexity:too_high")).count();
        assertEquals(texts.size(), rejected);
        assertNotSame(before, score.metrics());
        assertEquals(texts.size(), score.metrics().rows());
        assertEquals(2, score.getThreads());
        // and through the fitted Pipeline, which runs its copy of the filter (PipelineModel.copy(paramMap)): the caller's
        // Score reports that run too, where it kept the run above's
        before = score.metrics();
        assertEquals(out.values().stream().filter(r -> !r.isNullAt(r.fieldIndex(Columns.REASON))).count(),
                model.transform(in, new ParamMap().put(score.threads().w(1)))
                        .filter(col(Columns.REASON).equalTo("perplexity:too_high")).count());
        assertNotSame(before, score.metrics());
        assertEquals(texts.size(), score.metrics().rows());
        // saved alone: the same params, Score and rows back (the pipeline ran this filter)
        String saved = tmp.resolve("filter").toString();
        filter.write().save(saved);
        PerplexityFilter back = PerplexityFilter.load(saved);
        assertSameStage(filter, back);
        assertEquals(rows, back.transform(in).orderBy("id").collectAsList());
    }
}
