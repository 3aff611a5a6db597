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
 * {@link ParamMap} and {@code copy}, and a saved stage is loaded through Spark's reader, none of them through the
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

    /** Refused by a setter and in a ParamMap (before: accepted, and found only by transformSchema, a task or never). */
    @Test
    void outOfRangeValuesAreRefusedWhenSet() {
        Generate g = new Generate();
        refused("generate: maxTokens must be >= 0, got -1", () -> g.setMaxTokens(-1));
        refused("generate: temperature must be a finite number >= 0, got -0.5", () -> g.setTemperature(-0.5));
        refused("generate: n must be >= 1, got 0", () -> g.setN(0));
        refused("generate: topP must be in (0, 1], got 1.5", () -> g.setTopP(1.5));
        refused("generate: topK must be >= 0 (or -1: off), got -2", () -> g.setTopK(-2));
        refused("generate: minP must be in [0, 1], got 2.0", () -> g.setMinP(2));
        refused("generate: repetitionPenalty must be a finite number > 0, got 0.0", () -> g.setRepetitionPenalty(0));
        refused("generate: threads must be", () -> g.setThreads(-1));
        refused("generate: maxSequences must be >= 1, got 0", () -> g.setMaxSequences(0));
        refused("generate: maxInFlight must be >= 0", () -> g.setMaxInFlight(-1));
        refused("generate: device must be auto, cpu or cuda, got 'gpu'", () -> g.setDevice("gpu"));
        refused("judge: maxTokens must be >= 0, got -1", () -> new Judge().setMaxTokens(-1));
        refused("judge: method must be auto or logprobs, got 'bogus'", () -> new Judge().setMethod("bogus"));
        refused("score: longTexts must be chunk, truncate or error, got 'bogus'", () -> new Score().setLongTexts("bogus"));
        refused("minhash_dedup: numPerm must be >= 1, got 0", () -> new MinHashDedup().setNumPerm(0));
        refused("minhash_dedup: ngram must be >= 1, got 0", () -> new MinHashDedup().setNgram(0));
        refused("minhash_dedup: bands must be >= 0", () -> new MinHashDedup().setBands(-1));
        refused("minhash_dedup: rows must be >= 0", () -> new MinHashDedup().setRows(-1));
        // the values the setters already refused are refused in a ParamMap too
        refused("generate: stop", () -> new ParamMap().put(g.stop(), new String[] {"\n", ""}));
        refused("generate: frequencyPenalty must be a finite number in [-2, 2], got 5.0", () -> new ParamMap().put(g.frequencyPenalty(), 5.0));
        refused("generate: kvBudgetMb must be >= 0", () -> new ParamMap().put(g.kvBudgetMb(), -5));
        refused("generate: chat must be on, off or auto", () -> new ParamMap().put(g.chat(), "maybe"));
        MinHashDedup m = new MinHashDedup();
        refused("minhash_dedup: threshold must be in (0, 1), got 1.5", () -> new ParamMap().put(m.threshold(), 1.5));
        refused("minhash_dedup: allPairsMaxBucket must be >= 1, got 0", () -> new ParamMap().put(m.allPairsMaxBucket(), 0));
        refused("minhash_dedup: unknown normalisation 'bogus'", () -> new ParamMap().put(m.normalize(), "bogus"));
        SentenceDedupStage s = new SentenceDedupStage();
        refused("sentence_dedup: spanSentences must be >= 1, got 0", () -> new ParamMap().put(s.spanSentences(), 0));
        refused("sentence_dedup: minDocWords must be >= 0, got -1", () -> new ParamMap().put(s.minDocWords(), -1));
        refused("exact_dedup: unknown normalisation 'bogus'", () -> new ParamMap().put(new ExactDedup().normalize(), "bogus"));
        refused("quality_filter: filter must be gopher_quality, gopher_repetition, c4 or fineweb, got 'bogus'", () -> new ParamMap().put(new QualityFilter().filter(), "bogus"));
        refused("pii: unknown PII kind 'bogus'", () -> new ParamMap().put(new PiiRedaction().kinds(), new String[] {"bogus"}));
        Decontamination d = new Decontamination();
        refused("decontaminate: ngram must be >= 1, got 0", () -> new ParamMap().put(d.ngram(), 0));
        refused("decontaminate: mode must be drop or flag, got 'bogus'", () -> new ParamMap().put(d.mode(), "bogus"));
    }

    /** A saved stage whose metadata holds a value out of range does not load (it ran with it, or failed in a task). */
    @Test
    void loadingRefusesAnOutOfRangeValue() throws Exception {
        TestSpark.session();
        Path saved = tmp.resolve("sentences");
        new SentenceDedupStage().setSpanSentences(4).write().save(saved.toString());
        Path metadata;
        try (Stream<Path> files = Files.list(saved.resolve("metadata"))) {
            metadata = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        String json = Files.readString(metadata);
        assertTrue(json.contains("\"spanSentences\":4"), json);
        Files.writeString(metadata, json.replace("\"spanSentences\":4", "\"spanSentences\":0"));
        Files.deleteIfExists(metadata.resolveSibling("." + metadata.getFileName() + ".crc"));
        refused("sentence_dedup: spanSentences must be >= 1, got 0", () -> SentenceDedupStage.load(saved.toString()));
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

    /** A tokenizer transformer without a tokenizer fails when its schema is checked (Pipeline.transformSchema), not later. */
    @Test
    void tokenizerIsRequiredByTransformSchema() {
        refused("set the tokenizer path", () -> new TokenizerTransformer().transformSchema(DOCS));
    }
}
