package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.Score;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stages' params as Spark ML's tools use them: CrossValidator and ParamGridBuilder give values through a
 * {@link ParamMap} and {@code copy}, and a saved stage is loaded through its reader (Spark's format), none of them through the
 * setters. A value out of range is refused wherever it is given, naming the stage, the param and what it takes.
 */
class StageParamsTest {
    @TempDir Path tmp;

    private static final StructType DOCS = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);

    private static void refused(String expected, Executable e) {
        KindlingException x = assertThrows(KindlingException.class, e);
        assertTrue(x.getMessage().contains(expected), x.getMessage());
        assertEquals(KindlingException.USAGE, x.exitCode());
    }

    /** Every param of the inference stages has its getter, as Spark ML's stages have (Embed had none). */
    @Test
    void everyInferenceParamHasAGetter() throws Exception {
        for (org.apache.spark.ml.param.Params stage : java.util.List.<org.apache.spark.ml.param.Params>of(
                new Generate().setModel("m.gguf").setStop("x").setStopTokenIds(new int[] {1, 2}), new Score().setModel("m.gguf"),
                new dev.kindling.spark.inference.Embed().setModel("m.gguf"), new Judge().setModel("m.gguf"))) {
            for (org.apache.spark.ml.param.Param<?> param : stage.params()) {
                if (!stage.isDefined(param)) {
                    continue;
                }
                String getter = "get" + Character.toUpperCase(param.name().charAt(0)) + param.name().substring(1);
                Object got = stage.getClass().getMethod(getter).invoke(stage);
                Object value = stage.getOrDefault(param);
                assertTrue(value instanceof Object[] a ? java.util.Arrays.equals(a, (Object[]) got)
                        : value instanceof int[] ids ? java.util.Arrays.equals(ids, (int[]) got) : value.equals(got),
                        stage.getClass().getSimpleName() + "." + getter + "() = " + got + ", the param holds " + value);
            }
        }
    }

    /**
     * A string that holds half a character (an unpaired surrogate) is refused by every string param of every stage: it is
     * not text, and Spark's save wrote it as '?', so the stage loaded back differed from the one saved, in silence (a
     * stop string "a\uD800b" failed every row before the save and became "a?b" after it). A stop string holding U+FFFD,
     * which the engine refuses in every row, is refused when set.
     */
    @Test
    void halfACharacterIsRefusedByEveryStringParam() {
        java.util.List<org.apache.spark.ml.param.Params> stages = java.util.List.of(new TokenizerTransformer(), new ExactDedup(),
                new MinHashDedup(), new SentenceDedupStage(), new QualityFilter(), new PiiRedaction(), new Decontamination(),
                new Generate(), new Score(), new dev.kindling.spark.inference.Embed(), new Judge());
        int checked = 0;
        for (org.apache.spark.ml.param.Params stage : stages) {
            for (org.apache.spark.ml.param.Param<?> param : stage.params()) {
                @SuppressWarnings("unchecked")
                org.apache.spark.ml.param.Param<Object> p = (org.apache.spark.ml.param.Param<Object>) param;
                Object half;
                if (param instanceof org.apache.spark.ml.param.StringArrayParam) {
                    half = new String[] {"ok", "a\uD800b"};
                } else if (param.getClass() == org.apache.spark.ml.param.Param.class) { // the stages' Param<String>s
                    half = "a\uD800b";
                } else {
                    continue;
                }
                String where = dev.kindling.spark.stage.ParamChecks.who(stage) + "." + param.name();
                refused(where + " holds an unpaired surrogate", () -> new ParamMap().put(p, half));
                checked++;
            }
        }
        assertTrue(checked > 30, checked + " string params");
        Generate g = new Generate();
        refused("Generate(" + g.uid() + ").stop: stop string 0 holds U+FFFD", () -> g.setStop("x\uFFFDy"));
        refused("Generate(" + g.uid() + ").stop holds an unpaired surrogate, half of a character (a string cut inside an emoji?), "
                + "at index 0 of element 1", () -> g.setStop("ok", "\uDC00"));
        refused("Generate(" + g.uid() + ").systemPrompt holds an unpaired surrogate, half of a character (a string cut inside an "
                + "emoji?), at index 3", () -> g.setSystemPrompt("Be \uDC00 brief"));
        g.setStop("\uD83D\uDE00", "\n\n"); // a whole emoji is text
    }

    /**
     * A column param set to null or blank is refused when set, naming it: null reached Spark's save as a bare
     * NullPointerException and transform as "no column 'null'". Params whose empty value means none take "" and null.
     */
    @Test
    void columnParamsAreNeverNullOrBlank() {
        TokenizerTransformer t = new TokenizerTransformer();
        String tok = "TokenizerTransformer(" + t.uid() + ").";
        refused(tok + "inputCol must be a column name, got null", () -> t.setInputCol(null));
        refused(tok + "outputCol must be a column name, got ' '", () -> t.setOutputCol(" "));
        refused(tok + "tokenizer must be a tokenizer path, got null", () -> t.setTokenizer(null));
        t.setCountCol(null);
        assertEquals("", t.getCountCol());
        ExactDedup e = new ExactDedup();
        refused("ExactDedup(" + e.uid() + ").idCol must be a column name, got null", () -> e.setIdCol(null));
        refused("ExactDedup(" + e.uid() + ").textCol must be a column name, got ''", () -> e.setTextCol(""));
        Generate g = new Generate();
        refused("Generate(" + g.uid() + ").promptCol must be a column name, got null", () -> g.setPromptCol(null));
        refused("Generate(" + g.uid() + ").errorCol must be a column name, got null", () -> g.setErrorCol(null));
        Score s = new Score();
        refused("Score(" + s.uid() + ").inputCol must be a column name, got null", () -> s.setInputCol(null));
        // through a ParamMap too, as CrossValidator gives values
        Judge j = new Judge();
        refused("Judge(" + j.uid() + ").responseCol must be a column name, got null",
                () -> j.copy(new ParamMap().put(j.responseCol(), (String) null)));
        // the params left without a check took null and failed later with a bare NullPointerException (transform, save)
        refused("Judge(" + j.uid() + ").rubric must be a built-in rubric's name or a template file, got null", () -> j.setRubric(null));
        refused("Judge(" + j.uid() + ").rubric must be", () -> j.copy(new ParamMap().put(j.rubric(), " ")));
        refused("Judge(" + j.uid() + ").minRating must be a number, got null", () -> j.copy(new ParamMap().put(j.minRating(), null)));
        refused("Generate(" + g.uid() + ").messagesCol must be a column name, or empty for none, got null",
                () -> g.copy(new ParamMap().put(g.messagesCol(), (String) null)));
        refused("Generate(" + g.uid() + ").systemPrompt must be", () -> g.copy(new ParamMap().put(g.systemPrompt(), (String) null)));
        refused("Generate(" + g.uid() + ").seed must be a number, got null", () -> g.copy(new ParamMap().put(g.seed(), null)));
        refused("ExactDedup(" + e.uid() + ").column must be a column name, or empty for none, got null",
                () -> e.copy(new ParamMap().put(e.column(), (String) null)));
        PiiRedaction pii = new PiiRedaction();
        refused("PiiRedaction(" + pii.uid() + ").countsCol must be", () -> pii.copy(new ParamMap().put(pii.countsCol(), (String) null)));
        MinHashDedup m = new MinHashDedup();
        refused("MinHashDedup(" + m.uid() + ").seed must be a number, got null", () -> m.copy(new ParamMap().put(m.seed(), null)));
        g.copy(new ParamMap().put(g.messagesCol(), "")); // empty still means none
    }

    /**
     * Refused by a setter and in a ParamMap (before: accepted, and found only by transformSchema, a task or never), naming
     * the stage by its class and uid (a pipeline may hold two stages of one class), the param and what it takes.
     */
    @Test
    void outOfRangeValuesAreRefusedWhenSet() {
        Generate g = new Generate();
        String gen = "Generate(" + g.uid() + ").";
        refused(gen + "maxTokens must be >= 0, got -1", () -> g.setMaxTokens(-1));
        refused(gen + "temperature must be a finite number >= 0, got -0.5", () -> g.setTemperature(-0.5));
        refused(gen + "n must be in 1..1024, got 0", () -> g.setN(0));
        refused(gen + "logprobs must be -1 (none), or 0 to 100, got 101", () -> g.setLogprobs(101));
        refused(gen + "topP must be in (0, 1], got 1.5", () -> g.setTopP(1.5));
        refused(gen + "topK must be >= 0 (or -1: off), got -2", () -> g.setTopK(-2));
        refused(gen + "minP must be in [0, 1], got 2.0", () -> g.setMinP(2));
        refused(gen + "repetitionPenalty must be a finite number > 0, got 0.0", () -> g.setRepetitionPenalty(0));
        refused(gen + "threads must be", () -> g.setThreads(-1));
        refused(gen + "maxSequences must be >= 1, got 0", () -> g.setMaxSequences(0));
        refused(gen + "maxInFlight must be >= 0", () -> g.setMaxInFlight(-1));
        refused(gen + "device must be auto, cpu or cuda, got 'gpu'", () -> g.setDevice("gpu"));
        // any case, as kvCacheType takes F16: the executors' engine gets the name as the engine spells it
        assertEquals("cpu", new Generate().setModel("m.gguf").setDevice(" CPU").engineSpec().device());
        assertEquals("cuda", new Generate().setModel("m.gguf").setDevice("Cuda").engineSpec().device());
        refused(gen + "frequencyPenalty must be a finite number in [-2, 2], got 5.0", () -> g.setFrequencyPenalty(5));
        refused(gen + "kvBudgetMb must be >= 0, got -5", () -> g.setKvBudgetMb(-5));
        Judge j = new Judge();
        refused("Judge(" + j.uid() + ").maxTokens must be >= 0, got -1", () -> j.setMaxTokens(-1));
        refused("Judge(" + j.uid() + ").method must be auto or logprobs, got 'bogus'", () -> j.setMethod("bogus"));
        Score sc = new Score();
        refused("Score(" + sc.uid() + ").longTexts must be chunk, truncate or error, got 'bogus'", () -> sc.setLongTexts("bogus"));
        MinHashDedup m = new MinHashDedup();
        String mh = "MinHashDedup(" + m.uid() + ").";
        refused(mh + "numPerm must be in [1, 8192], got 0", () -> m.setNumPerm(0));
        refused(mh + "numPerm must be in [1, 8192], got 8193", () -> m.setNumPerm(8193));
        refused(mh + "ngram must be >= 1, got 0", () -> m.setNgram(0));
        refused(mh + "bands must be >= 0", () -> m.setBands(-1));
        refused(mh + "rows must be >= 0", () -> m.setRows(-1));
        refused(mh + "threshold must be in (0, 1), got 1.5", () -> m.setThreshold(1.5));
        refused(mh + "allPairsMaxBucket must be >= 1, got 0", () -> m.setAllPairsMaxBucket(0));
        refused(mh + "normalize: unknown normalisation 'bogus'", () -> m.setNormalize("bogus"));
        // the values the setters refuse are refused in a ParamMap too
        refused(gen + "stop: stop string 1 is empty", () -> new ParamMap().put(g.stop(), new String[] {"\n", ""}));
        refused(gen + "frequencyPenalty must be a finite number in [-2, 2], got 5.0", () -> new ParamMap().put(g.frequencyPenalty(), 5.0));
        refused(gen + "kvBudgetMb must be >= 0", () -> new ParamMap().put(g.kvBudgetMb(), -5));
        refused(gen + "chat: chat must be on, off or auto, not maybe", () -> new ParamMap().put(g.chat(), "maybe"));
        refused(mh + "threshold must be in (0, 1), got 1.5", () -> new ParamMap().put(m.threshold(), 1.5));
        refused(mh + "allPairsMaxBucket must be >= 1, got 0", () -> new ParamMap().put(m.allPairsMaxBucket(), 0));
        refused(mh + "normalize: unknown normalisation 'bogus'", () -> new ParamMap().put(m.normalize(), "bogus"));
        SentenceDedupStage s = new SentenceDedupStage();
        String sd = "SentenceDedupStage(" + s.uid() + ").";
        refused(sd + "spanSentences must be >= 1, got 0", () -> s.setSpanSentences(0));
        refused(sd + "minDocWords must be >= 0, got -1", () -> s.setMinDocWords(-1));
        refused(sd + "minNumSentences must be >= 0, got -1", () -> s.setMinNumSentences(-1));
        refused(sd + "spanSentences must be >= 1, got 0", () -> new ParamMap().put(s.spanSentences(), 0));
        refused(sd + "minDocWords must be >= 0, got -1", () -> new ParamMap().put(s.minDocWords(), -1));
        ExactDedup e = new ExactDedup();
        refused("ExactDedup(" + e.uid() + ").normalize: unknown normalisation 'bogus'", () -> e.setNormalize("bogus"));
        refused("ExactDedup(" + e.uid() + ").normalize: unknown normalisation 'bogus'", () -> new ParamMap().put(e.normalize(), "bogus"));
        QualityFilter q = new QualityFilter();
        refused("QualityFilter(" + q.uid() + ").filter must be gopher_quality, gopher_repetition, c4 or fineweb, got 'bogus'",
                () -> new ParamMap().put(q.filter(), "bogus"));
        PiiRedaction pii = new PiiRedaction();
        refused("PiiRedaction(" + pii.uid() + ").kinds: unknown PII kind 'bogus'", () -> pii.setKinds(new String[] {"bogus"}));
        refused("PiiRedaction(" + pii.uid() + ").kinds: unknown PII kind 'bogus'", () -> new ParamMap().put(pii.kinds(), new String[] {"bogus"}));
        Decontamination d = new Decontamination();
        String dc = "Decontamination(" + d.uid() + ").";
        refused(dc + "ngram must be >= 1, got 0", () -> d.setNgram(0));
        refused(dc + "mode must be drop or flag, got 'bogus'", () -> d.setMode("bogus"));
        refused(dc + "ngram must be >= 1, got 0", () -> new ParamMap().put(d.ngram(), 0));
        refused(dc + "mode must be drop or flag, got 'bogus'", () -> new ParamMap().put(d.mode(), "bogus"));
        assertEquals("flag", d.setMode("FLAG").getMode(), "the mode is taken in any case");
        // the setters as a ParamMap: they said "perplexity: the maximum must be > 0", naming no stage or param
        dev.kindling.spark.inference.PerplexityFilter f = new dev.kindling.spark.inference.PerplexityFilter(new Score());
        String pf = "PerplexityFilter(" + f.uid() + ").";
        refused(pf + "maxPerplexity must be > 0, got -1.0", () -> f.setMaxPerplexity(-1));
        refused(pf + "maxPerplexity must be > 0, got NaN", () -> f.setMaxPerplexity(Double.NaN));
        refused(pf + "keepFraction must be in (0, 1], got 1.5", () -> f.setKeepFraction(1.5));
        refused(pf + "keepFraction must be in (0, 1], got 1.5", () -> new ParamMap().put(f.keepFraction(), 1.5));
    }

    /**
     * {@code getParam(name)} is a {@code Param<Object>}, so Java's types do not stop a value of another type given through
     * it (by name, as reflective, Scala or grid-building code does): a checked param refuses it as it refuses a value out
     * of range, naming the stage, the param, what it takes and the type given, where it threw a bare ClassCastException.
     */
    @Test
    void aValueOfAnotherTypeIsRefusedNamingTheParam() {
        Score sc = new Score();
        refused("Score(" + sc.uid() + ").threads must be 0 (the executor's cores) to", () -> sc.set(sc.getParam("threads"), "4"));
        refused("got '4' of type String", () -> sc.set(sc.getParam("threads"), "4"));
        refused("Score(" + sc.uid() + ").model must be a path, got 4 of type Integer",
                () -> sc.set(sc.getParam("model"), 4));
        MinHashDedup m = new MinHashDedup();
        refused("MinHashDedup(" + m.uid() + ").threshold must be in (0, 1), got 1 of type Integer",
                () -> new ParamMap().put(m.getParam("threshold"), 1));
        refused("MinHashDedup(" + m.uid() + ").textCol must be a column name, got 7 of type Integer", () -> m.set(m.getParam("textCol"), 7));
    }

    /**
     * Every boolean param of every stage refuses null and a value that is no boolean, when given, naming the stage and the
     * param: Spark's BooleanParam takes any value, so a null through a ParamMap was accepted and failed later, a
     * NullPointerException in the getter, transform or save (ExactDedup's clusterColumns, Generate's truncatePrompts, ...).
     */
    @Test
    void everyBooleanParamRefusesNullAndANonBoolean() {
        Generate teacher = new Generate();
        java.util.List<org.apache.spark.ml.param.Params> stages = java.util.List.of(new TokenizerTransformer(), new ExactDedup(),
                new MinHashDedup(), new Generate(), new Score(), new dev.kindling.spark.inference.Embed(), new Judge(),
                new dev.kindling.spark.distill.Sft(teacher, "t"), new dev.kindling.spark.distill.Dpo(teacher, new Judge(), "t"));
        int checked = 0;
        for (org.apache.spark.ml.param.Params stage : stages) {
            for (org.apache.spark.ml.param.Param<?> param : stage.params()) {
                if (!(param instanceof org.apache.spark.ml.param.BooleanParam)) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                org.apache.spark.ml.param.Param<Object> p = (org.apache.spark.ml.param.Param<Object>) param;
                String where = dev.kindling.spark.stage.ParamChecks.who(stage) + "." + param.name();
                refused(where + " must be true or false, got null", () -> stage.copy(new ParamMap().put(p, null)));
                refused(where + " must be true or false, got 'yes' of type String", () -> stage.set(p, "yes"));
                stage.copy(new ParamMap().put(p, true)); // a boolean is taken
                checked++;
            }
        }
        assertTrue(checked >= 14, checked + " boolean params");
    }

    /**
     * minRating and maxRating are one rule, checked together in transformSchema (so either may be set first): an empty or
     * backwards scale, or one with more ratings than a judge is asked for (each rating is a continuation scored for every
     * row: 0..1000 would score 1,001 of them per row; MIN_VALUE..MAX_VALUE overflowed the count (to 0: an
     * index error in the tasks), is refused naming the stage and both params.
     */
    @Test
    void judgeRatingScaleIsCheckedAsAPair() throws Exception {
        Path template = tmp.resolve("scale.txt");
        Files.writeString(template, "Rate the answer to {instruction}: {response}\nAnswer as Rating: N");
        StructType qa = new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType);
        Judge backwards = new Judge().setModel("m.gguf").setRubric(template.toString()).setMaxRating(1).setMinRating(5);
        refused("Judge(" + backwards.uid() + "): minRating (5) must be below maxRating (1)", () -> backwards.transformSchema(qa));
        Judge flat = new Judge().setModel("m.gguf").setRubric(template.toString()).setMinRating(3).setMaxRating(3);
        refused("Judge(" + flat.uid() + "): minRating (3) must be below maxRating (3)", () -> flat.transformSchema(qa));
        Judge wide = new Judge().setModel("m.gguf").setRubric(template.toString()).setMinRating(0).setMaxRating(1000);
        refused("Judge(" + wide.uid() + "): the scale minRating..maxRating (0..1000) has 1001 ratings; at most 101",
                () -> wide.transformSchema(qa));
        Judge extreme = new Judge().setModel("m.gguf").setRubric(template.toString()).setMinRating(Integer.MIN_VALUE)
                .setMaxRating(Integer.MAX_VALUE);
        refused("has 4294967296 ratings; at most 101", () -> extreme.transformSchema(qa));
        // 0..100 (101 ratings) and a scale below zero are scales a template may ask for
        new Judge().setModel("m.gguf").setRubric(template.toString()).setMinRating(0).setMaxRating(100).transformSchema(qa);
        new Judge().setModel("m.gguf").setRubric(template.toString()).setMinRating(-2).setMaxRating(2).transformSchema(qa);
        // a built-in rubric on another scale is refused as before, naming the stage
        Judge builtIn = new Judge().setModel("m.gguf").setMinRating(1).setMaxRating(10);
        refused("Judge(" + builtIn.uid() + "): rubric helpfulness is a built-in 1 to 5 scale", () -> builtIn.transformSchema(qa));
    }

    /** A saved stage whose metadata holds a value out of range does not load (it ran with it, or failed in a task). */
    @Test
    void loadingRefusesAnOutOfRangeValue() throws Exception {
        TestSpark.session();
        Path saved = tmp.resolve("sentences");
        SentenceDedupStage stage = new SentenceDedupStage().setSpanSentences(4);
        stage.write().save(saved.toString());
        Path metadata;
        try (Stream<Path> files = Files.list(saved.resolve("metadata"))) {
            metadata = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        String json = Files.readString(metadata);
        assertTrue(json.contains("\"spanSentences\":4"), json);
        Files.writeString(metadata, json.replace("\"spanSentences\":4", "\"spanSentences\":0"));
        Files.deleteIfExists(metadata.resolveSibling("." + metadata.getFileName() + ".crc"));
        refused("SentenceDedupStage(" + stage.uid() + ").spanSentences must be >= 1, got 0", () -> SentenceDedupStage.load(saved.toString()));
    }

    /** copy(ParamMap) gives the stage's own type (as Spark's stages do), with the uid and the extra values. */
    @Test
    void copyKeepsTheTypeTheUidAndAppliesTheExtraParams() {
        Generate g = new Generate().setModel("m.gguf").setMaxTokens(16);
        Generate hot = g.copy(new ParamMap().put(g.temperature(), 0.7));
        assertEquals(g.uid(), hot.uid());
        assertEquals(0.7, (double) hot.getOrDefault(hot.temperature()));
        assertEquals(16, (int) hot.getOrDefault(hot.maxTokens()));
        assertEquals(0.0, (double) g.getOrDefault(g.temperature()), "the original keeps its value");
        MinHashDedup m = new MinHashDedup();
        MinHashDedup loose = m.copy(new ParamMap().put(m.threshold(), 0.6));
        assertEquals(0.6, loose.getThreshold());
        // what CrossValidator does with a grid: one copy per ParamMap
        ParamMap[] grid = new ParamGridBuilder().addGrid(g.temperature(), new double[] {0.0, 0.9})
                .addGrid(g.stop(), scala.jdk.javaapi.CollectionConverters.asScala(java.util.List.of(new String[] {"\n"}, new String[0])))
                .build();
        assertEquals(4, grid.length);
        for (ParamMap pm : grid) {
            Generate c = g.copy(pm);
            assertEquals(pm.apply(g.temperature()), c.getOrDefault(c.temperature()));
            assertArrayEquals(pm.apply(g.stop()), c.getOrDefault(c.stop()));
        }
    }

    /**
     * A copy holds the stages it was made from weakly: a loop {@code s = s.copy(paramMap)} kept every earlier copy alive
     * through the link each held to its original (about 10 KB a copy of a Generate), none of which the caller could
     * reach. A copy of a copy still reports its run to the original the caller holds once the copy between them is gone.
     */
    @Test
    void aCopyKeepsNoStageItWasMadeFromAliveAndReportsToTheOnesHeld() throws Exception {
        String model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf").toString();
        Score original = new Score().setModel(model);
        Score middle = original.copy(new ParamMap());
        Score copy = middle.copy(new ParamMap());
        dev.kindling.spark.distill.Sft sft = new dev.kindling.spark.distill.Sft(new Generate().setModel(model), "teacher");
        dev.kindling.spark.distill.Sft sftCopy = sft.copy(new ParamMap());
        java.lang.ref.WeakReference<Score> middleGone = new java.lang.ref.WeakReference<>(middle);
        java.lang.ref.WeakReference<dev.kindling.spark.distill.Sft> sftGone = new java.lang.ref.WeakReference<>(sft);
        middle = null;
        sft = null;
        for (int i = 0; i < 50 && (middleGone.get() != null || sftGone.get() != null); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(middleGone.get() == null, "the Score copied from is collected");
        assertTrue(sftGone.get() == null, "the Sft copied from is collected");
        // transform registers the run's counters (no job runs: nothing reads the result)
        copy.transform(TestSpark.session().range(1).selectExpr("'Once' AS text"));
        assertTrue(copy.metrics() != null && copy.metrics() == original.metrics(), "the original reports its copy's copy's run");
        assertEquals("teacher", sftCopy.getModelName());
    }

    /**
     * getScore() and getTeacher() (as getJudge()) give copies of the held stages' settings, whose metrics() count their own
     * runs only: the holder's runs are its scoreMetrics() and teacherMetrics() (Dpo's judgeMetrics()), a loaded filter's
     * too, whose Score was reached only through getScore(), though README said a PerplexityFilter's Score's metrics()
     * count its runs.
     */
    @Test
    void theHeldStagesCopiesCountTheirOwnRunsAndTheHoldersAccessorsItsRuns() throws Exception {
        String model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf").toString();
        // its Score reached only through the filter, as a loaded filter's is
        dev.kindling.spark.inference.PerplexityFilter filter = new dev.kindling.spark.inference.PerplexityFilter(
                new Score().setModel(model)).setMaxPerplexity(100);
        dev.kindling.spark.distill.Sft sft = new dev.kindling.spark.distill.Sft(new Generate().setModel(model), "teacher");
        assertTrue(filter.scoreMetrics() == null && sft.teacherMetrics() == null, "none before a run");
        // transform registers the run's counters (no job runs: nothing reads the result)
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> docs = TestSpark.session().range(1).selectExpr("'Once' AS text",
                "'Once' AS prompt");
        filter.transform(docs);
        sft.transform(docs);
        assertTrue(filter.scoreMetrics() != null, "the filter's run");
        assertTrue(sft.teacherMetrics() != null, "the Sft's run");
        assertTrue(filter.getScore().metrics() == null, "a copy of the filter's Score counts its own runs");
        assertTrue(sft.getTeacher().metrics() == null, "a copy of the Sft's teacher counts its own runs");
    }

    /**
     * truncatePrompts is the engine's option for Generate's prompts: Score and Embed never read it, so it was accepted and
     * changed nothing (a long text was still scored in chunks, or failed its embedding row), where {@code kindling score}
     * and {@code kindling embed} refuse {@code --truncate-prompts}. They refuse it too, naming their own way to cut a text.
     */
    @Test
    void scoreAndEmbedRefuseTruncatePromptsNamingTheirOwnParam() {
        Score score = new Score().setModel("m.gguf").setTruncatePrompts(true);
        refused("Score(" + score.uid() + "): truncatePrompts is set, but it cuts Generate's prompts and Score reads texts: for "
                + "those longer than the context set longTexts to truncate", () -> score.transformSchema(DOCS));
        dev.kindling.spark.inference.Embed embed = new dev.kindling.spark.inference.Embed().setModel("m.gguf").setTruncatePrompts(true);
        refused("Embed(" + embed.uid() + "): truncatePrompts is set, but it cuts Generate's prompts and Embed reads texts: to "
                + "embed the first context-length tokens of those longer than the context, setTruncate(true)",
                () -> embed.transformSchema(DOCS));
        // their own params are the way, and a loaded or copied stage is checked the same
        new Score().setModel("m.gguf").setLongTexts("truncate").transformSchema(DOCS);
        new dev.kindling.spark.inference.Embed().setModel("m.gguf").setTruncate(true).transformSchema(DOCS);
        Score plain = new Score().setModel("m.gguf");
        refused("truncatePrompts is set", () -> plain.copy(new ParamMap().put(plain.truncatePrompts().w(true))).transformSchema(DOCS));
    }

    /**
     * explainParams says what the tokenizer param takes: it listed file kinds only, while the transformer also reads a
     * folder holding a tokenizer.json and the built-in byte-level tokenizer (the tour's), which a user could not learn there.
     */
    @Test
    void tokenizerParamSaysEverythingItTakes() {
        TokenizerTransformer tokenize = new TokenizerTransformer();
        String explained = tokenize.explainParam(tokenize.tokenizer());
        assertTrue(explained.contains("or a folder holding one") && explained.contains("byte-level"), explained);
    }

    /** A tokenizer transformer without a tokenizer fails when its schema is checked (Pipeline.transformSchema), not later. */
    @Test
    void tokenizerIsRequiredByTransformSchema() {
        refused("set the tokenizer path", () -> new TokenizerTransformer().transformSchema(DOCS));
    }

    /**
     * The setters check one value each; a rule between params is checked in transformSchema. So any order of the setters
     * gives the same stage, and a combination that is wrong is refused there, whichever order made it.
     */
    @Test
    void settersMayBeCalledInAnyOrder() {
        StructType docs = DOCS.add("prompt", DataTypes.StringType);
        // bands x rows must fit in numPerm when it is set: 20 x 8 needs 160 (unset, numPerm is bands x rows)
        MinHashDedup bandsFirst = new MinHashDedup().setBands(20).setRows(8).setNumPerm(160);
        MinHashDedup permFirst = new MinHashDedup().setNumPerm(160).setRows(8).setBands(20);
        sameStage(bandsFirst, permFirst, docs);
        assertEquals(20, bandsFirst.minHashParams().bands());
        assertEquals(160, new MinHashDedup().setBands(20).setRows(8).minHashParams().numPerm());
        MinHashDedup tooMany = new MinHashDedup().setBands(20).setRows(8).setNumPerm(112);
        refused("MinHashDedup(" + tooMany.uid() + "): bands x rows must fit in numPerm", () -> tooMany.transformSchema(docs));
        MinHashDedup half = new MinHashDedup().setBands(20);
        refused("MinHashDedup(" + half.uid() + "): set both bands and rows, or neither", () -> half.transformSchema(docs));
        // flagCol is read with mode flag only
        sameStage(new Decontamination().setBenchmark("b.jsonl").setFlagCol("hit").setMode("flag"),
                new Decontamination().setBenchmark("b.jsonl").setMode("flag").setFlagCol("hit"), docs);
        // a system prompt needs chat on
        sameStage(new Generate().setModel("m.gguf").setSystemPrompt("Be brief.").setChat("on"),
                new Generate().setModel("m.gguf").setChat("on").setSystemPrompt("Be brief."), docs);
        refused("a system prompt is set, but chat is off",
                () -> new Generate().setModel("m.gguf").setSystemPrompt("Be brief.").transformSchema(docs));
        // the column to compare and its normalisation
        sameStage(new ExactDedup().setNormalize("none").setColumn("prompt"), new ExactDedup().setColumn("prompt").setNormalize("none"),
                docs);
        sameStage(new PiiRedaction().setCountsCol("pii").setKinds(new String[] {"email"}),
                new PiiRedaction().setKinds(new String[] {"email"}).setCountsCol("pii"), docs);
        sameStage(new SentenceDedupStage().setMinNumSentences(0).setSpanSentences(2).setMinDocWords(0),
                new SentenceDedupStage().setMinDocWords(0).setSpanSentences(2).setMinNumSentences(0), docs);
    }

    /** {@code a} and {@code b} (one stage set in two orders) hold the same values and check {@code schema} alike. */
    private static void sameStage(org.apache.spark.ml.Transformer a, org.apache.spark.ml.Transformer b, StructType schema) {
        assertEquals(a.getClass(), b.getClass());
        for (org.apache.spark.ml.param.Param<?> p : a.params()) {
            Object x = a.isDefined(p) ? a.getOrDefault(p) : null;
            org.apache.spark.ml.param.Param<?> q = b.getParam(p.name());
            Object y = b.isDefined(q) ? b.getOrDefault(q) : null;
            assertTrue(java.util.Objects.deepEquals(x, y), a.getClass().getSimpleName() + "." + p.name() + ": " + x + " and " + y);
        }
        assertEquals(a.transformSchema(schema), b.transformSchema(schema));
    }
}
