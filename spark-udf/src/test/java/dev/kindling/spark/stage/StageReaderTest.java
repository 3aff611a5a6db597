package dev.kindling.spark.stage;

import static dev.kindling.spark.stage.SavedStages.assertSameStage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.distill.Dpo;
import dev.kindling.spark.distill.Sft;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.inference.Embed;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.PerplexityFilter;
import dev.kindling.spark.inference.Score;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLWritable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved stages load through {@link StageReader}: alone ({@code load}) and in a Pipeline ({@code Pipeline.load} calls each
 * class's {@code read()}). A param the class does not have fails the load naming the stage, the path and the param when
 * it was set, and is skipped when it was a saved default; everything else loads as Spark's reader loads it.
 */
class StageReaderTest {
    @TempDir Path tmp;

    /** One of every Kindling stage that Spark ML can save, each with some params set (and the stages it holds). */
    private static List<PipelineStage> everyStage() {
        return List.of(
                new ExactDedup().setColumn("prompt").setNormalize("none"),
                new MinHashDedup().setThreshold(0.7).setBands(10).setRows(4).setClusterColumns(true),
                new SentenceDedupStage().setSpanSentences(2),
                new QualityFilter().setFilter("c4"),
                new PiiRedaction().setCountsCol("pii").setKinds(new String[] {"email", "ipv4"}),
                new Decontamination().setBenchmark("/data/bench.jsonl").setMode("flag").setFlagCol("hit"),
                new TokenizerTransformer().setTokenizer("/models/tokenizer.json").setCountCol("tokens"),
                new Generate().setModel("/models/m.gguf").setMaxTokens(7).setStop("\n\n", "END"),
                new Score().setModel("/models/m.gguf"),
                new Embed().setModel("/models/m.gguf"),
                new Judge().setModel("/models/m.gguf").setMinRating(1).setMaxRating(5),
                new PerplexityFilter(new Score().setModel("/models/m.gguf").setInputCol("body").setThreads(2)).setKeepFraction(0.5),
                new Sft(new Generate().setModel("/models/t.gguf").setMaxTokens(9).setSeed(3), "teacher").setPromptCol("q")
                        .setDropTruncated(true),
                new Dpo(new Generate().setModel("/models/t.gguf").setN(3).setTemperature(0.9),
                        new Judge().setModel("/models/j.gguf").setMethod("logprobs"), "t").setSystemPrompt("Be brief."));
    }

    /**
     * Every stage saves and loads back through its own {@code load} and through {@code Pipeline.load} (in a PipelineModel
     * the Pipeline holds), with its class,
     * uid, set params and defaults; the list above holds every savable stage class there is (a new one must be added).
     */
    @Test
    void everyStageLoadsBackAloneAndInAPipeline() throws Exception {
        TestSpark.session();
        List<PipelineStage> stages = everyStage();
        assertEquals(savableStageClasses(), stages.stream().map(s -> s.getClass().getName()).collect(Collectors.toCollection(TreeSet::new)),
                "every savable stage is in everyStage()");
        for (PipelineStage stage : stages) {
            Path saved = tmp.resolve(stage.getClass().getSimpleName());
            ((MLWritable) stage).write().save(saved.toString());
            assertTrue(stage.getClass().getMethod("read").invoke(null) instanceof StageReader, stage.getClass() + ".read()");
            Params back = (Params) stage.getClass().getMethod("load", String.class).invoke(null, saved.toString());
            assertSameStage(stage, back);
        }
        // in a PipelineModel held by a Pipeline: the stages that hold others (PerplexityFilter, Sft, Dpo) two composites deep,
        // each level read by its class's read() (Spark's loadParamsInstance), the held stages by the holder's
        Path pipeline = tmp.resolve("pipeline");
        PipelineModel fitted = new PipelineModel("fitted", stages.stream().map(s -> (org.apache.spark.ml.Transformer) s)
                .toArray(org.apache.spark.ml.Transformer[]::new));
        new Pipeline().setStages(new PipelineStage[] {fitted}).write().save(pipeline.toString());
        PipelineStage[] back = ((PipelineModel) Pipeline.load(pipeline.toString()).getStages()[0]).stages();
        assertEquals(stages.size(), back.length);
        for (int i = 0; i < back.length; i++) {
            assertSameStage(stages.get(i), back[i]);
        }
    }

    /**
     * Every stage's {@code copy(extra)} keeps its uid, params and defaults and takes {@code extra}'s values, and a stage that
     * holds others passes {@code extra} on to them, as Spark's Pipeline and OneVsRest do (a ParamGridBuilder over a held
     * Score's or teacher's params): PerplexityFilter, Sft and Dpo copied them over the same held stages, their values lost.
     */
    @Test
    void everyStageCopiesItsParamsAndPassesExtraOnToTheStagesItHolds() {
        for (PipelineStage stage : everyStage()) {
            assertSameStage(stage, stage.copy(ParamMap.empty()));
            @SuppressWarnings("unchecked")
            org.apache.spark.ml.param.Param<Object> someParam = (org.apache.spark.ml.param.Param<Object>) java.util.Arrays.stream(stage.params())
                    .filter(p -> p.name().endsWith("Col") && !stage.isSet(p)).findFirst().orElse(null);
            if (someParam == null) {
                continue; // PerplexityFilter's are thresholds: below
            }
            PipelineStage copied = stage.copy(new ParamMap().put(someParam, "other_col"));
            assertEquals("other_col", copied.getOrDefault(copied.getParam(someParam.name())), stage + "." + someParam.name());
        }
        Score score = new Score().setModel("/models/m.gguf");
        PerplexityFilter filter = new PerplexityFilter(score).setMaxPerplexity(5);
        PerplexityFilter tuned = filter.copy(new ParamMap().put(score.threads().w(3)).put(filter.maxPerplexity().w(7.0)));
        assertEquals(3, tuned.getScore().getOrDefault(tuned.getScore().threads()));
        assertEquals(7.0, tuned.getMaxPerplexity());
        assertEquals(0, filter.getScore().getOrDefault(filter.getScore().threads()), "the caller's Score is not changed");
        Generate teacher = new Generate().setModel("/models/t.gguf").setN(2);
        Judge judge = new Judge().setModel("/models/j.gguf");
        Dpo dpo = new Dpo(teacher, judge, "t");
        Dpo dpoTuned = dpo.copy(new ParamMap().put(teacher.temperature().w(0.5)).put(judge.maxTokens().w(9)));
        assertEquals(0.5, dpoTuned.getTeacher().getOrDefault(dpoTuned.getTeacher().temperature()));
        assertEquals(9, dpoTuned.getJudge().getOrDefault(dpoTuned.getJudge().maxTokens()));
        Sft sft = new Sft(teacher, "t");
        assertEquals(0.5, sft.copy(new ParamMap().put(teacher.temperature().w(0.5))).getTeacher().getOrDefault(teacher.temperature()));
    }

    /** A param set in the saved stage that the class does not have fails the load naming stage, path and param. */
    @Test
    void aSetParamTheClassDoesNotHaveNamesTheStageThePathAndTheParam() throws Exception {
        TestSpark.session();
        MinHashDedup stage = new MinHashDedup().setThreshold(0.7);
        Path saved = tmp.resolve("minhash");
        stage.write().save(saved.toString());
        edit(saved, "\"paramMap\":{", "\"paramMap\":{\"clusterCols\":true,");
        KindlingException e = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertEquals("MinHashDedup(" + stage.uid() + ") saved at " + saved + " sets param clusterCols, which MinHashDedup does "
                + "not have (renamed or removed in this version of Kindling, or a hand-edited file?); its params: againstIndexPaths, "
                + "againstPaths, allPairsMaxBucket, bands, clusterColumns, idCol, ngram, normalize, numPerm, rows, seed, textCol, threshold, verify", e.getMessage());
        assertEquals(KindlingException.USAGE, e.exitCode());

        // in a saved Pipeline, the stage's own folder is named
        Generate g = new Generate().setModel("/models/m.gguf");
        Path pipeline = tmp.resolve("pipeline");
        new Pipeline().setStages(new PipelineStage[] {new ExactDedup(), g}).write().save(pipeline.toString());
        Path stageDir = pipeline.resolve("stages").resolve("1_" + g.uid());
        edit(stageDir, "\"paramMap\":{", "\"paramMap\":{\"maxNewTokens\":16,\"beam\":2,");
        KindlingException p = assertThrows(KindlingException.class, () -> Pipeline.load(pipeline.toString()));
        assertTrue(p.getMessage().startsWith("Generate(" + g.uid() + ") saved at " + stageDir + " sets params maxNewTokens, beam, "
                + "which Generate does not have"), p.getMessage());
        assertTrue(p.getMessage().contains("maxTokens"), p.getMessage());
    }

    /** A saved default the class does not have (one another version wrote) is skipped: the stage loads with its own. */
    @Test
    void aSavedDefaultTheClassDoesNotHaveIsSkipped() throws Exception {
        TestSpark.session();
        SentenceDedupStage stage = new SentenceDedupStage().setSpanSentences(2);
        Path saved = tmp.resolve("sentences");
        stage.write().save(saved.toString());
        edit(saved, "\"defaultParamMap\":{", "\"defaultParamMap\":{\"minSentenceChars\":10,");
        SentenceDedupStage back = SentenceDedupStage.load(saved.toString());
        assertSameStage(stage, back);
        assertEquals(2, back.getOrDefault(back.spanSentences()));
    }

    /** A saved stage of another class is refused naming the path and both classes (it was a ClassCastException). */
    @Test
    void aSavedStageOfAnotherClassIsRefused() throws Exception {
        TestSpark.session();
        Path saved = tmp.resolve("exact");
        new ExactDedup().write().save(saved.toString());
        KindlingException e = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertEquals("MinHashDedup.load: " + saved + " holds a saved dev.kindling.spark.dedup.ExactDedup, not a "
                + "dev.kindling.spark.dedup.MinHashDedup", e.getMessage());
    }

    /**
     * Saved metadata that cannot be read (cut short, emptied, its class left out) or a param saved as a value it cannot hold
     * (a string for a double, null for a boolean) fails the load naming the path, and the stage and param where there is
     * one, alone and as a held stage: Spark's reader said what its JSON parser found ("Unexpected end-of-input", "head of
     * empty array", "Cannot decode JString(x) to Double"), naming no path, and read a boolean's null as false.
     */
    @Test
    void corruptedMetadataOrAValueOfAnotherTypeNamesThePath() throws Exception {
        TestSpark.session();
        MinHashDedup stage = new MinHashDedup().setThreshold(0.7).setClusterColumns(true);
        Path saved = tmp.resolve("minhash");
        stage.write().save(saved.toString());
        Path metadata = metadataFile(saved);
        String json = Files.readString(metadata);
        String unreadable = "MinHashDedup.load: " + saved + " holds no saved stage that can be read: its metadata, "
                + saved.resolve("metadata") + ", is not the one JSON line Spark ML writes (cut short or edited?): ";
        Files.writeString(metadata, json.substring(0, json.length() / 2));
        KindlingException cut = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertTrue(cut.getMessage().startsWith(unreadable + "Unexpected end-of-input"), cut.getMessage());
        Files.writeString(metadata, "");
        KindlingException empty = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertEquals(unreadable + "it holds no line", empty.getMessage());
        Files.writeString(metadata, json.replace("\"class\":", "\"klass\":"));
        KindlingException noClass = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertTrue(noClass.getMessage().startsWith(unreadable), noClass.getMessage());
        String who = "MinHashDedup(" + stage.uid() + ") saved at " + saved + ": ";
        Files.writeString(metadata, json.replace("\"threshold\":0.7", "\"threshold\":\"x\""));
        KindlingException string = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertEquals(who + "param threshold is saved as \"x\", which it cannot hold (a hand-edited file?): Cannot decode JString(x) to Double.",
                string.getMessage());
        Files.writeString(metadata, json.replace("\"clusterColumns\":true", "\"clusterColumns\":null"));
        KindlingException nul = assertThrows(KindlingException.class, () -> MinHashDedup.load(saved.toString()));
        assertEquals(who + "param clusterColumns is saved as null, which it cannot hold (a hand-edited file?): null is no value of it",
                nul.getMessage());
        assertEquals(KindlingException.USAGE, nul.exitCode());

        // a held stage's (Sft's teacher): named as the holder's
        Sft sft = new Sft(new Generate().setModel("/models/t.gguf").setMaxTokens(9), "t");
        Path sftSaved = tmp.resolve("sft");
        sft.write().save(sftSaved.toString());
        Files.writeString(metadataFile(sftSaved.resolve("teacher")), "");
        KindlingException held = assertThrows(KindlingException.class, () -> Sft.load(sftSaved.toString()));
        assertTrue(held.getMessage().startsWith("Sft(" + sft.uid() + ") saved at " + sftSaved + ": its teacher: " + sftSaved.resolve("teacher")
                + " holds no saved stage that can be read"), held.getMessage());
    }

    /** The one part file of a saved stage's metadata, its checksum removed so that it may be rewritten. */
    private static Path metadataFile(Path saved) throws IOException {
        Path metadata;
        try (Stream<Path> files = Files.list(saved.resolve("metadata"))) {
            metadata = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        Files.deleteIfExists(metadata.resolveSibling("." + metadata.getFileName() + ".crc"));
        return metadata;
    }

    /**
     * A stage that holds others (PerplexityFilter, Sft, Dpo) loads them from its sub-directories: one that is missing, or
     * holds a stage of another class, fails the load naming the stage, its path and the sub-directory, alone and in a
     * saved Pipeline (Spark's reader said PATH_NOT_FOUND of a metadata directory, or failed a cast).
     */
    @Test
    void aHeldStageThatIsMissingOrOfAnotherClassNamesThePath() throws Exception {
        TestSpark.session();
        Dpo dpo = new Dpo(new Generate().setModel("/models/t.gguf").setN(2), new Judge().setModel("/models/j.gguf"), "t");
        Path saved = tmp.resolve("dpo");
        dpo.write().save(saved.toString());
        assertEquals(Set.of("metadata", "teacher", "judge"), names(saved));
        delete(saved.resolve("judge"));
        KindlingException missing = assertThrows(KindlingException.class, () -> Dpo.load(saved.toString()));
        assertEquals("Dpo(" + dpo.uid() + ") saved at " + saved + ": its judge (a dev.kindling.spark.inference.Judge) is not "
                + "there: no saved stage at " + saved.resolve("judge") + " (the stage saves it in that sub-directory)", missing.getMessage());
        assertEquals(KindlingException.USAGE, missing.exitCode());

        PerplexityFilter filter = new PerplexityFilter(new Score().setModel("/models/m.gguf")).setMaxPerplexity(60);
        Path pipeline = tmp.resolve("pipeline");
        new Pipeline().setStages(new PipelineStage[] {new ExactDedup(), filter}).write().save(pipeline.toString());
        Path score = pipeline.resolve("stages").resolve("1_" + filter.uid()).resolve("score");
        delete(score);
        new Judge().setModel("/models/m.gguf").write().save(score.toString());
        KindlingException other = assertThrows(KindlingException.class, () -> Pipeline.load(pipeline.toString()));
        assertEquals("PerplexityFilter(" + filter.uid() + ") saved at " + score.getParent() + ": its score: " + score
                + " holds a saved dev.kindling.spark.inference.Judge, not a dev.kindling.spark.inference.Score", other.getMessage());
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).collect(Collectors.toSet());
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Replaces {@code from} by {@code to} in the saved stage's metadata (a text file of one JSON line). */
    private static void edit(Path saved, String from, String to) throws IOException {
        Path metadata;
        try (Stream<Path> files = Files.list(saved.resolve("metadata"))) {
            metadata = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        String json = Files.readString(metadata);
        assertTrue(json.contains(from), json);
        Files.writeString(metadata, json.replace(from, to));
        Files.deleteIfExists(metadata.resolveSibling("." + metadata.getFileName() + ".crc"));
    }

    /** The concrete classes of Kindling's main code that Spark ML can save (read from its compiled classes). */
    private static Set<String> savableStageClasses() throws Exception {
        Path classes = Path.of(StageReader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, StageReader.class.getClassLoader());
                if (MLWritable.class.isAssignableFrom(c) && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())) {
                    out.add(name);
                }
            }
        }
        return out;
    }
}
