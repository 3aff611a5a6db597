package dev.kindling.spark.inference;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.ScoreResult;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.sql.KindlingFunctions;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Score, the perplexity filter, Judge and Embed on stories260K, against the engine alone. */
class ScoreJudgeEmbedTest {
    @TempDir static Path tmp;
    static Engine engine;

    @BeforeAll
    static void open() {
        engine = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    static Dataset<Row> texts(SparkSession spark, List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create("t" + i, texts.get(i)));
        }
        return spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)).repartition(2);
    }

    static String longText() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 900; i++) {
            sb.append(Stories.prompts(300).get(i % 300)).append(' ');
        }
        return sb.toString();
    }

    /** Prompt tokens the engine computes for one request per text, all cancelled as soon as they are submitted. */
    static long promptTokensAfterCancelling(Engine e, List<String> texts,
            java.util.function.Function<String, java.util.concurrent.CompletableFuture<?>> submit) throws InterruptedException {
        long before = e.stats().promptTokens;
        List<java.util.concurrent.CompletableFuture<?>> started = new ArrayList<>();
        for (String t : texts) {
            started.add(submit.apply(t));
        }
        for (java.util.concurrent.CompletableFuture<?> f : started) {
            f.cancel(true);
        }
        long steps = -1;
        while (steps != e.stats().steps) { // until the engine is idle (it is warm: a step takes milliseconds)
            steps = e.stats().steps;
            Thread.sleep(500);
        }
        return e.stats().promptTokens - before;
    }

    @Test
    void cancellingScoreEmbedAndJudgeRowsStopsTheirEngineWork() throws Exception {
        // what a killed task's window does on close(): Score, Embed and Judge derive their futures with thenApply or
        // thenCompose, whose cancellation did not reach the engine (all 40 texts were scored, ~1,900 prompt tokens)
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(1).withMaxSequences(1))) {
            List<String> texts = new ArrayList<>();
            for (String p : Stories.prompts(40)) {
                texts.add(p + " " + p + " " + p);
            }
            e.score(texts.subList(0, 2));
            e.embed(texts.subList(0, 2));
            // each text is ~48 tokens (a judge prompt several times that); one sequence at a time, so the engine is at
            // most a request or two in when the rest are cancelled
            long score = promptTokensAfterCancelling(e, texts, t -> Score.submit(e, t, "chunk"));
            assertTrue(score < 400, "score: " + score);
            long embed = promptTokensAfterCancelling(e, texts, t -> Embed.submit(e, t, false, false));
            assertTrue(embed < 400, "embed: " + embed);
            Rubric rubric = Rubric.load("helpfulness");
            long judge = promptTokensAfterCancelling(e, texts, t -> Judging.submit(e, rubric, t, t, "auto", 32));
            assertTrue(judge < 2_000, "judge: " + judge);
        }
    }

    @Test
    void scoresAreTheEnginesIncludingLongTextsInChunks() throws Exception {
        SparkSession spark = TestSpark.session();
        // a copy of the model with a context of 64, so that a long text is a few hundred tokens
        Path model = Stories.withContext(tmp, 64);
        List<String> texts = new ArrayList<>(Stories.prompts(30));
        texts.add("zq xv kjw plo qqq zzz");
        String longText = longText();
        texts.add(longText);
        texts.add("");
        Map<String, Row> got = new HashMap<>();
        // in a fitted PipelineModel, its threads given as a ParamMap: Spark runs a copy of the Score (PipelineModel.copy),
        // whose counters the caller's Score reports, where they stayed null (its own last run's); its settings stay its own
        Score score = new Score().setModel(model.toString());
        Dataset<Row> in = texts(spark, texts);
        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {score}).fit(in);
        for (Row r : pipeline.transform(in, new ParamMap().put(score.threads().w(2))).collectAsList()) {
            got.put(r.getString(0), r);
        }
        assertNotNull(score.metrics(), "the pipeline's run");
        assertEquals(texts.size(), score.metrics().rows());
        assertEquals(0, score.getThreads());
        Engine engine = Engine.open(model, EngineOptions.defaults().withThreads(2));
        List<ScoreResult> alone = engine.score(texts.subList(0, 31));
        for (int i = 0; i < 31; i++) {
            Row r = got.get("t" + i);
            assertNull(r.get(5));
            assertEquals(alone.get(i).logprob(), r.getDouble(2), 1e-6, "logprob of " + texts.get(i));
            assertEquals(alone.get(i).perplexity(), r.getDouble(3), 1e-6);
            assertEquals(alone.get(i).logprobs().length, r.getInt(4));
        }
        assertTrue(got.get("t30").getDouble(3) > 3 * got.get("t0").getDouble(3), "gibberish is less likely than a story opening");
        // the long text: windows of the context (2048), each after the first starting from BOS again
        int[] ids = engine.encode(longText);
        assertTrue(ids.length > 64 * 3, "a text over three contexts: " + ids.length);
        double lp = 0;
        int n = 0;
        for (int start = 1; start < ids.length; start += 63) {
            int[] w = new int[Math.min(63, ids.length - start) + 1];
            w[0] = ids[0];
            System.arraycopy(ids, start, w, 1, w.length - 1);
            ScoreResult s = engine.scoreTokens(List.of(w)).get(0);
            lp += s.logprob();
            n += s.logprobs().length;
        }
        engine.close();
        Row lr = got.get("t31");
        assertEquals(ids.length - 1, lr.getInt(4));
        assertEquals(n, lr.getInt(4));
        assertEquals(lp, lr.getDouble(2), 1e-4);
        // the empty text: nothing to predict
        Row empty = got.get("t32");
        assertEquals(0, empty.getInt(4));
        assertNull(empty.get(3));
        // long texts as errors, or truncated
        Row err = new Score().setModel(model.toString()).setThreads(2).setLongTexts("error")
                .transform(texts(spark, List.of(longText))).first();
        // the model's name first, as every other row error of the engine's
        assertTrue(err.getString(5).startsWith("score: " + model.getFileName() + ": the text has "), err.toString());
        Row cut = new Score().setModel(model.toString()).setThreads(2).setLongTexts("truncate")
                .transform(texts(spark, List.of(longText))).first();
        assertEquals(63, cut.getInt(4));
    }

    @Test
    void scoredTokensCountEveryDocumentTheFilterScoredAsTheTaskLogDoes() throws Exception {
        // kindling demo --model logged "score ... done: 211 rows, 87,126 tokens" while its stats said "scored tokens"
        // 79,324: the log counted every text's tokens with BOS, the stats the predicted tokens of the 190 documents
        // the filter then kept, not of the 211 it scored
        SparkSession spark = TestSpark.session();
        Path model = Stories.withContext(tmp, 64);
        List<String> texts = new ArrayList<>(Stories.prompts(12));
        texts.add(longText());
        texts.add(longText().substring(400));
        texts.add("zq xv kjw plo qqq zzz");
        texts.add("qwx vbn zzk jjj ppp");
        Dataset<Row> in = texts(spark, texts).withColumn(Columns.REASON, org.apache.spark.sql.functions
                .when(col("id").equalTo("t0"), "read:empty_text").otherwise(org.apache.spark.sql.functions.lit(null).cast(DataTypes.StringType)));
        long predicted = 0;
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            for (String t : texts.subList(1, texts.size())) {
                predicted += e.encode(t).length - 1; // every token after BOS, the long texts' in windows of the context
            }
        }
        Score score = new Score().setModel(model.toString()).setThreads(2).setCountCol("scored_tokens");
        StageContext ctx = new StageContext(spark, "id", "text");
        Dataset<Row> out = new PerplexityFilter(score).setKeepFraction(0.5).apply(in, ctx);
        dev.kindling.spark.stage.RunReport report = dev.kindling.spark.stage.PipelineOutput.write(out, ctx,
                new dev.kindling.spark.stage.PipelineOutput.Targets(null, false, null, null), List.of("read", "perplexity"),
                java.util.Set.of(), System.nanoTime());
        assertEquals("perplexity", report.stages().get(1).stage());
        assertTrue(report.stages().get(1).droppedTotal() >= 5, "the filter rejected some of what it scored: " + report);
        assertEquals(predicted, report.metrics().get("scored tokens"), report.metrics().toString());
        assertEquals(predicted, score.metrics().promptTokens(), "the task log's tokens");
        // the threshold the fraction came to, as measured (it was a count of thousandths, which overflowed past 9.2e15):
        // every kept document at or under it, every one rejected as too_high over it
        double threshold = report.measures().get("perplexity threshold");
        for (Row r : out.filter(col("perplexity").isNotNull()).collectAsList()) {
            String reason = r.getString(r.fieldIndex(Columns.REASON));
            if (reason == null || reason.equals("perplexity:too_high")) {
                assertEquals(reason != null, r.getDouble(r.fieldIndex("perplexity")) > threshold, r.toString());
            }
        }
        assertTrue(report.toTable().contains("perplexity threshold " + String.format(java.util.Locale.ROOT, "%,.3f", threshold)),
                report.toTable());
        assertEquals(threshold, ((Number) ((Map<?, ?>) report.toJsonMap().get("metrics")).get("perplexity threshold")).doubleValue());
    }

    @Test
    void perplexityFilterRejectsWithAReason() {
        SparkSession spark = TestSpark.session();
        List<String> texts = new ArrayList<>(Stories.prompts(20));
        texts.add("zq xv kjw plo qqq zzz");
        texts.add("qwx vbn zzk jjj ppp");
        Dataset<Row> in = texts(spark, texts).withColumn(Columns.REASON, org.apache.spark.sql.functions.lit(null).cast(DataTypes.StringType));
        Score score = new Score().setModel(Stories.model().toString()).setThreads(2);
        StageContext ctx = new StageContext(spark, "id", "text");
        Map<String, Row> out = new HashMap<>();
        for (Row r : new PerplexityFilter(score).setMaxPerplexity(60).apply(in, ctx).collectAsList()) {
            out.put(r.getString(0), r);
        }
        for (Row r : out.values()) {
            double ppl = r.getDouble(r.fieldIndex("perplexity"));
            String reason = r.getString(r.fieldIndex(Columns.REASON));
            assertEquals(ppl > 60 ? "perplexity:too_high" : null, reason, r.toString());
        }
        assertEquals("perplexity:too_high", out.get("t20").getString(out.get("t20").fieldIndex(Columns.REASON)));
        assertTrue(ctx.keptInOutput().contains("error"));
        // from an empty cache, so that the check below can fail: compared with the state before, it passed whenever an
        // earlier test of this JVM's shared session had left anything cached
        spark.catalog().clearCache();
        long rejected = new PerplexityFilter(new Score().setModel(Stories.model().toString()).setThreads(2)).setKeepFraction(0.5)
                .apply(in, new StageContext(spark, "id", "text")).filter(col(Columns.REASON).isNotNull()).count();
        assertTrue(rejected >= 9 && rejected <= 13, "about half rejected: " + rejected);
        // the scores the quantile and the output share were persisted and never unpersisted: cached for the session's life
        assertTrue(spark.sharedState().cacheManager().isEmpty(), "keepFraction left a Dataset cached");
        assertThrows(KindlingException.class, () -> new PerplexityFilter(score).apply(in, ctx));
        // outside a pipeline: an input without reason gets one, and the rows carry no working columns (apply left
        // _kindling_* columns in, and failed without reason with Spark's UNRESOLVED_COLUMN)
        Dataset<Row> plain = new PerplexityFilter(new Score().setModel(Stories.model().toString()).setThreads(2))
                .setMaxPerplexity(60).transform(in.drop(Columns.REASON));
        assertEquals(java.util.Arrays.asList(in.columns()).stream().filter(c -> !c.equals(Columns.REASON)).toList(),
                java.util.Arrays.asList(plain.columns()).subList(0, in.columns().length - 1));
        assertTrue(java.util.Arrays.stream(plain.columns()).noneMatch(c -> c.startsWith("_")), java.util.Arrays.toString(plain.columns()));
        assertEquals(out.values().stream().filter(r -> r.get(r.fieldIndex(Columns.REASON)) != null).count(),
                plain.filter(col(Columns.REASON).isNotNull()).count());

        // the caller's Score is left as it was given, and each call scores its own text column: the first call's column
        // was set on it (and skipRejected turned on), so the filter applied to a pipeline whose text is another column
        // scored the first one's, in silence
        Score mine = new Score().setModel(Stories.model().toString()).setThreads(2).setSkipRejected(false);
        PerplexityFilter reused = new PerplexityFilter(mine).setMaxPerplexity(60);
        Dataset<Row> titled = in.withColumn("body", col("text")).withColumn("text", org.apache.spark.sql.functions.lit("zq xv kjw plo qqq zzz"));
        assertEquals(texts.size(), reused.apply(titled, new StageContext(spark, "id", "text")).filter(col(Columns.REASON).isNotNull()).count());
        assertTrue(!mine.isSet(mine.inputCol()) && !mine.getSkipRejected(), mine.explainParams());
        Map<String, String> onBody = new HashMap<>();
        for (Row r : reused.apply(titled, new StageContext(spark, "id", "body")).collectAsList()) {
            onBody.put(r.getString(0), r.getString(r.fieldIndex(Columns.REASON)));
        }
        for (Row r : out.values()) {
            assertEquals(r.getString(r.fieldIndex(Columns.REASON)), onBody.get(r.getString(0)), r.toString());
        }
    }

    /**
     * Text that spells a special token is that token by default (Hugging Face's tokenizer(text)), and text with
     * splitSpecialTokens (llama.cpp's perplexity): the score is the engine's for the ids each reading gives.
     */
    @Test
    void specialTokensSpelledInATextAreTokensOrText() {
        SparkSession spark = TestSpark.session();
        String text = "Once upon a time </s> there was <unk> a cat";
        dev.kindling.tokenizer.Tokenizer tok = engine.tokenizer().orElseThrow();
        int[] parsed = tok.encode(text, true, true);
        int[] asText = tok.encode(text, true, false);
        assertTrue(asText.length > parsed.length, java.util.Arrays.toString(parsed) + " " + java.util.Arrays.toString(asText));
        for (boolean split : new boolean[] {false, true}) {
            Row r = new Score().setModel(Stories.model().toString()).setThreads(2).setSplitSpecialTokens(split)
                    .transform(texts(spark, List.of(text))).collectAsList().get(0);
            var expected = engine.scoreTokens(List.of(split ? asText : parsed)).get(0);
            assertEquals(expected.logprobs().length, r.getInt(r.fieldIndex("n_tokens")), "split " + split);
            assertEquals(expected.logprob(), r.getDouble(r.fieldIndex("logprob")), 1e-6, "split " + split);
        }
    }

    @Test
    void embeddingsAreTheEnginesMeanPooledStates() {
        SparkSession spark = TestSpark.session();
        List<String> texts = Stories.prompts(5);
        List<Row> rows = new Embed().setModel(Stories.model().toString()).setThreads(2).setNormalize(true)
                .transform(texts(spark, texts).coalesce(1).sortWithinPartitions("id")).collectAsList();
        float[][] alone = engine.embed(texts);
        for (Row r : rows) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            List<Float> v = r.getList(2);
            assertEquals(64, v.size());
            float[] expect = Embed.unit(alone[i]);
            double norm = 0;
            for (int d = 0; d < 64; d++) {
                assertEquals(expect[d], v.get(d), 1e-6);
                norm += v.get(d) * v.get(d);
            }
            assertEquals(1.0, norm, 1e-5);
        }
    }

    @Test
    void everyCandidateGetsARatingFromTheJudge() throws Exception {
        SparkSession spark = TestSpark.session();
        // stories260K cannot follow a rubric: its answers hold no rating, so the probabilities decide
        List<Row> rows = List.of(RowFactory.create("Tell a story about a dog.", "Once upon a time, there was a dog named Max."),
                RowFactory.create("Tell a story about a cat.", "zq xv kjw plo"));
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("prompt", DataTypes.StringType)
                .add("completion", DataTypes.StringType)).coalesce(1);
        // a short rubric of our own (a template file) keeps the prompts small
        Path template = scaleTemplate(1, 5);
        Judge judge = new Judge().setModel(Stories.model().toString()).setThreads(2).setMaxTokens(8).setRubric(template.toString());
        List<Row> auto = judge.transform(in).collectAsList();
        Judge byProbabilities = new Judge().setModel(Stories.model().toString()).setThreads(2).setMethod("logprobs")
                .setRubric(template.toString());
        List<Row> probs = byProbabilities.transform(in).collectAsList();
        Rubric rubric = Rubric.load(template.toString());
        long ratingPasses = 0;
        long prompts = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row j = auto.get(i).getStruct(2);
            assertNull(auto.get(i).get(3));
            assertEquals("logprobs", j.getString(1), "no rating in the text " + j.getString(2));
            assertNotNull(j.getString(2));
            double rating = j.getDouble(0);
            assertTrue(rating >= 1 && rating <= 5 && rating == Math.rint(rating));
            List<Double> p = j.getList(3);
            assertEquals(5, p.size());
            assertEquals(1.0, p.stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
            assertEquals(p.indexOf(p.stream().max(Double::compare).orElseThrow()) + 1, (int) rating);
            Row jp = probs.get(i).getStruct(2);
            assertEquals(rating, jp.getDouble(0));
            assertEquals(p, jp.getList(3));
            assertNull(jp.get(2), "logprobs method writes no answer");
            // the probabilities are the engine's for "Rating: r" after the prompt, each continuation in full
            Judging.Request req = Judging.request(engine, rubric, rows.get(i).getString(0), rows.get(i).getString(1));
            prompts += req.prompt().length;
            ratingPasses += req.singlePass() ? req.prefix().length : Arrays.stream(req.continuations()).mapToLong(c -> c.length).sum();
            double[] lp = new double[5];
            for (int r = 0; r < 5; r++) {
                int[] c = req.continuations()[r];
                float[] l = engine.scoreTokens(List.of(c)).get(0).logprobs();
                for (int pos = req.divergeAt(); pos < c.length; pos++) {
                    lp[r] += l[pos - 1];
                }
            }
            double max = Arrays.stream(lp).max().orElseThrow();
            double sum = Arrays.stream(lp).map(x -> Math.exp(x - max)).sum();
            for (int r = 0; r < 5; r++) {
                assertEquals(Math.exp(lp[r] - max) / sum, p.get(r), 1e-4, "P(rating " + (r + 1) + ")");
            }
        }
        // the judges' counters: every token read (the prompt the judge answered, then the rating passes') and written
        // (its answers, at most 8 tokens each; none with logprobs), where the judge counted none
        assertEquals(List.of(prompts + ratingPasses, ratingPasses, 0L), List.of(judge.metrics().promptTokens(),
                byProbabilities.metrics().promptTokens(), byProbabilities.metrics().generatedTokens()));
        assertTrue(judge.metrics().generatedTokens() > 0 && judge.metrics().generatedTokens() <= 2 * 8, "" + judge.metrics().generatedTokens());
    }

    /** log P(continuation r | the tokens all continuations share), each continuation scored in full by the engine. */
    static double[] fullContinuations(Judging.Request req) {
        double[] lp = new double[req.continuations().length];
        for (int r = 0; r < lp.length; r++) {
            int[] c = req.continuations()[r];
            float[] l = engine.scoreTokens(List.of(c)).get(0).logprobs();
            for (int pos = req.divergeAt(); pos < c.length; pos++) {
                lp[r] += l[pos - 1];
            }
        }
        return lp;
    }

    static final String INSTRUCTION = "Tell a story.";
    static final String RESPONSE = "Once upon a time there was a dog.";

    /** A short rubric template file (short prompts) asking for a rating from {@code min} to {@code max}. */
    Path scaleTemplate(int min, int max) throws java.io.IOException {
        Path template = tmp.resolve("rubric-" + min + "-" + max + ".txt");
        java.nio.file.Files.writeString(template, "Rate the answer from " + min + " to " + max
                + ".\nQuestion: {instruction}\nAnswer: {response}\n");
        return template;
    }

    @Test
    void aRatingThatBeginsALongerOneIsNotCountedTwice() throws Exception {
        // stories260K's vocabulary spells "10" as "1" "0": P("Rating: 1") holds P("Rating: 10") too, so rating 1 took
        // rating 10's probability as well (10 could never be the most likely) and the scale's mass was counted twice
        Rubric rubric = Rubric.load(scaleTemplate(1, 10).toString(), 1, 10);
        String instruction = INSTRUCTION;
        String response = RESPONSE;
        Judging.Request req = Judging.request(engine, rubric, instruction, response);
        assertTrue(!req.singlePass() && req.continuations()[9].length == req.continuations()[0].length + 1, "1 0 after 1");
        double[] lp = fullContinuations(req);
        double[] p = new double[10];
        for (int r = 0; r < 10; r++) {
            p[r] = Math.exp(lp[r]);
        }
        p[0] -= p[9]; // "1" and then not "0"
        double sum = Arrays.stream(p).sum();
        Judging.Judgment j = Judging.submit(engine, rubric, instruction, response, "logprobs", 0).get();
        assertEquals(1.0, Arrays.stream(j.probabilities()).sum(), 1e-9);
        for (int r = 0; r < 10; r++) {
            assertEquals(p[r] / sum, j.probabilities()[r], 1e-4, "P(rating " + (r + 1) + ")");
        }
    }

    @Test
    void aSinglePassNeedsEveryRatingToEndAtTheTokenWhereTheyDiffer() throws Exception {
        // 6..10 in stories260K's vocabulary: "6" ... "9" and "1" "0" differ at one position, all distinct there, but 10
        // goes on: the single pass took P("1") (any number from 1) for P(10)
        Rubric rubric = Rubric.load(scaleTemplate(6, 10).toString(), 6, 10);
        String instruction = INSTRUCTION;
        String response = RESPONSE;
        Judging.Request req = Judging.request(engine, rubric, instruction, response);
        double[] lp = fullContinuations(req);
        double max = Arrays.stream(lp).max().orElseThrow();
        double sum = Arrays.stream(lp).map(x -> Math.exp(x - max)).sum();
        Judging.Judgment j = Judging.submit(engine, rubric, instruction, response, "logprobs", 0).get();
        for (int r = 0; r < 5; r++) {
            assertEquals(Math.exp(lp[r] - max) / sum, j.probabilities()[r], 1e-4, "P(rating " + (r + 6) + ")");
        }
    }

    @Test
    void arraysOfCandidatesAndRubrics() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("Tell a story.", new String[] {"A dog ran.", "zq xv", null})),
                new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.createArrayType(DataTypes.StringType)));
        Row r = new Judge().setModel(Stories.model().toString()).setThreads(2).setMethod("logprobs").setRubric("truthfulness")
                .transform(in).first();
        List<Row> js = r.getList(2);
        assertEquals(3, js.size());
        assertNotNull(js.get(0));
        assertNotNull(js.get(1));
        assertNull(js.get(2), "a null candidate has no judgment");
        for (String name : Rubric.BUILT_IN) {
            Rubric rb = Rubric.load(name);
            String filled = rb.fill("INSTR {response}", "RESP {instruction}");
            assertTrue(filled.contains("INSTR {response}") && filled.contains("RESP {instruction}") && filled.contains("Rating:"), name);
        }
        assertThrows(KindlingException.class, () -> Rubric.load("no-such-rubric"));
        // a built-in rubric asks for 1 to 5 whatever the stage's scale said: another scale is refused, not misread
        KindlingException e = assertThrows(KindlingException.class, () -> Rubric.load("honesty", 1, 10));
        assertTrue(e.getMessage().contains("built-in 1 to 5 scale"), e.getMessage());
    }

    /**
     * A judge prompt longer than the context is its row's error, and the advice is not the setting the Judge stage refuses
     * (it advised setTruncatePrompts(true), which transformSchema then refuses), nor, from kindling_judge, the option of
     * the generation functions, which kindling_judge does not take. By either method: with logprobs the row's error was
     * the engine's "the sequence has N tokens but the context holds 64", with no advice at all.
     */
    @Test
    void aJudgePromptPastTheContextDoesNotAdviseTheTruncationJudgeRefuses() throws Exception {
        SparkSession spark = TestSpark.session();
        String model = Stories.withContext(tmp, 64).toString();
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("Tell a story.", "A dog ran.")),
                new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType));
        for (String method : List.of("auto", "logprobs")) {
            Row r = new Judge().setModel(model).setThreads(2).setMethod(method).transform(in).select("error").first();
            String error = r.getString(0);
            assertTrue(error != null && error.contains("but the context holds 64"), method + ": " + error);
            assertTrue(!error.contains("setTruncatePrompts(true)") && error.contains(Judge.LONG_PROMPT_ADVICE), method + ": " + error);
        }
        KindlingFunctions.register(spark);
        String sql = spark.sql("SELECT kindling_judge('Tell a story.', 'A dog ran.', '" + model + "', 'helpfulness')")
                .first().getStruct(0).getString(4);
        assertTrue(sql != null && sql.contains("but the context holds 64"), String.valueOf(sql));
        assertTrue(!sql.contains("truncate_prompts") && sql.contains(Judge.LONG_PROMPT_ADVICE), sql);
    }

    /**
     * A judge prompt one token short of the context fits the written answer (one token), which holds no rating, and the
     * fallback then reads the probabilities after the prompt and "Rating:", past the context: the row's error advises as
     * a prompt too long to write an answer does, from the Judge stage and from kindling_judge (whose method is auto),
     * where it was the engine's "the sequence has N tokens", with no advice.
     */
    @Test
    void aFallbackPastTheContextAdvisesAsAPromptTooLong() throws Exception {
        SparkSession spark = TestSpark.session();
        Path small = Stories.withContext(tmp, 64);
        Path template = tmp.resolve("bare-rubric.txt");
        java.nio.file.Files.writeString(template, "{response}");
        Rubric rubric = Rubric.load(template.toString());
        String response;
        try (Engine e = Engine.open(small, EngineOptions.defaults().withThreads(1))) {
            StringBuilder words = new StringBuilder("Once");
            while (Judging.request(e, rubric, "", words.toString()).prompt().length < 63) {
                words.append(" upon");
            }
            response = words.toString();
            Judging.Request r = Judging.request(e, rubric, "", response);
            assertEquals(63, r.prompt().length, response);
            assertTrue(r.prefix().length > 64, "the fallback's prompt fits the context: " + r.prefix().length);
        }
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("", response)),
                new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType));
        String error = new Judge().setModel(small.toString()).setThreads(2).setRubric(template.toString()).transform(in)
                .select("error").first().getString(0);
        assertTrue(error != null && error.contains("but the context holds 64") && error.contains(Judge.LONG_PROMPT_ADVICE),
                String.valueOf(error));
        KindlingFunctions.register(spark);
        String sql = spark.sql("SELECT kindling_judge('', '" + response + "', '" + small + "', '" + template + "')")
                .first().getStruct(0).getString(4);
        assertTrue(sql != null && sql.contains("but the context holds 64") && sql.contains(Judge.LONG_PROMPT_ADVICE),
                String.valueOf(sql));
    }

    /**
     * README "Counted once, whatever Spark runs again": a model's counters, which the API reports as {@code metrics()},
     * count a cached partition again where its cached copy is lost (as with its executor) and the next output computes it
     * anew; a count made from the rows, as {@code scored tokens} is (a metric column the write sums), counts it once.
     */
    @Test
    void aLostCachedPartitionCountsAgainInTheModelsCountersAndOnceInTheRowsCount(@TempDir Path dir) {
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = texts(spark, List.of("Once upon a time", "The cat sat on the mat", "Lily went to the park"))
                .withColumn(Columns.REASON, org.apache.spark.sql.functions.lit(null).cast("string"));
        StageContext ctx = new StageContext(spark, "id", "text");
        Score score = new Score().setModel(Stories.model().toString()).setThreads(2);
        Dataset<Row> scored = new InferenceStage("score", score).reportTotal(score.getCountCol(), "scored tokens").apply(in, ctx);
        // computed and cached, as for a run's two outputs, then the cached copy lost
        java.util.Set<Integer> cachedBefore = new java.util.HashSet<>(
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().keySet());
        // unpersisted whatever fails: data left cached in the tests' session fails later tests' checks that none is
        try {
            scored.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
            assertEquals(3, scored.count());
            long once = score.metrics().promptTokens();
            assertEquals(3, score.metrics().rows());
            java.util.Set<Integer> cached = new java.util.HashSet<>(
                    org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().keySet());
            cached.removeAll(cachedBefore);
            assertTrue(!cached.isEmpty(), "nothing cached");
            cached.forEach(id -> org.apache.spark.SparkEnv.get().blockManager().master().removeRdd(id, true));

            dev.kindling.spark.stage.RunReport report = dev.kindling.spark.stage.PipelineOutput.write(scored, ctx,
                    new dev.kindling.spark.stage.PipelineOutput.Targets(new dev.kindling.spark.io.WriteOptions(dir.resolve("kept").toString(),
                            dev.kindling.spark.io.DataFormat.JSONL, false, null), false, dir.resolve("rejected").toString(), null),
                    List.of("read", "score"), java.util.Set.of(), System.nanoTime());
            // computed again once (the write's job), and read from the cache it filled again by the second output
            assertEquals(6, score.metrics().rows());
            assertEquals(2 * once, score.metrics().promptTokens());
            // read with the one field's type: no job to infer the schema
            long rowsTokens = spark.read().schema("n_tokens LONG").json(dir.resolve("kept").toString())
                    .agg(org.apache.spark.sql.functions.sum("n_tokens")).first().getLong(0);
            assertEquals(rowsTokens, report.metrics().get("scored tokens"), report.metrics().toString());
            assertTrue(spark.sharedState().cacheManager().isEmpty(), "left cached");
        } finally {
            scored.unpersist(true);
        }
    }
}
