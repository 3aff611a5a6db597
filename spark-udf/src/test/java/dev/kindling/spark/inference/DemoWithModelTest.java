package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.RunReport;
import dev.kindling.spark.stage.StageContext;
import java.util.Set;
import dev.kindling.spark.demo.DemoPipeline;
import dev.kindling.spark.stage.PipelineStage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindling demo --model}: the perplexity filter and a generation stage after curation, accounted like the others. */
class DemoWithModelTest {
    @TempDir Path tmp;

    @Test
    void theModelAddsThePerplexityAndGenerationStages() {
        List<String> without = DemoPipeline.stages(new DemoPipeline.Settings(null, null, 42)).stream().map(PipelineStage::name).toList();
        List<String> with = DemoPipeline.stages(new DemoPipeline.Settings(null, Stories.model().toString(), 42)).stream()
                .map(PipelineStage::name).toList();
        assertTrue(!without.contains("perplexity") && !without.contains("generate"), without.toString());
        assertEquals(without, with.subList(0, without.size()), "the model stages come after curation and tokenization");
        assertEquals(List.of("perplexity", "opening", "generate"), with.subList(without.size(), with.size()));
        // the openings (the prompts' column) reject nothing: the accounting table showed them as a row with 0 dropped
        List<String> accounted = DemoPipeline.stages(new DemoPipeline.Settings(null, Stories.model().toString(), 42)).stream()
                .filter(PipelineStage::accounted).map(PipelineStage::name).toList();
        assertEquals(List.of("perplexity", "generate"), accounted.subList(without.size(), accounted.size()));
    }

    /**
     * The generation stage counts the tokens it generated, as the perplexity stage counts those it scored: the demo's
     * summary had no number for it. A row an earlier stage rejected is not run and adds nothing (its null continuation's
     * size is -1 to Spark).
     */
    @Test
    void theGenerationStageReportsTheTokensItGenerated(@TempDir Path out) {
        List<PipelineStage> stages = DemoPipeline.stages(new DemoPipeline.Settings(null, Stories.model().toString(), 42));
        List<PipelineStage> tail = stages.subList(stages.size() - 2, stages.size()); // opening, generate
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("reason", DataTypes.StringType);
        Dataset<Row> docs = TestSpark.session().createDataFrame(List.of(
                RowFactory.create("a", "Once upon a time, there was a little dog named Tom.", null),
                RowFactory.create("b", "Lily saw a big cat in the park.", null),
                RowFactory.create("c", "One day, Ben had a red ball.", "len:too_short")), schema);
        StageContext context = new StageContext(TestSpark.session(), "id", "text");
        for (PipelineStage s : tail) {
            docs = s.apply(docs, context);
        }
        List<String> order = new java.util.ArrayList<>(List.of("read"));
        tail.forEach(s -> order.add(s.name()));
        Path kept = out.resolve("kept");
        RunReport report = PipelineOutput.write(docs, context, new PipelineOutput.Targets(
                new WriteOptions(kept.toString(), DataFormat.JSONL, false, null), false, null, null), order, Set.of(), System.nanoTime());

        long generated = 0;
        for (Row r : TestSpark.session().read().json(kept.toString()).select("continuation.tokens").collectAsList()) {
            generated += r.getList(0).size();
        }
        assertTrue(generated > 0, "the kept rows got continuations");
        assertEquals(generated, report.metrics().get(DemoPipeline.GENERATED_TOKENS), report.metrics().toString());
        assertTrue(report.toTable().contains(DemoPipeline.GENERATED_TOKENS), report.toTable());
    }

    /**
     * The model stages' row errors advise what kindling demo can do, which sets no engine option: they advised the
     * stages' setters (setTruncatePrompts(true), setKvCacheType("f16")), which a demo user cannot call. A document's
     * 8-word opening is past a context of 8; a text of some 1,500 tokens, scored in chunks of the context (2,048), is past
     * a KV budget of 1 MiB (51 blocks of 16 positions at f32), given here to the demo's Score as no flag of the demo can.
     */
    @Test
    void theModelStagesAdviseWhatTheDemoCanDo(@TempDir Path dir) throws Exception {
        List<PipelineStage> stages = DemoPipeline.stages(new DemoPipeline.Settings(null, Stories.withContext(dir, 8).toString(), 42));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("reason", DataTypes.StringType);
        Dataset<Row> docs = TestSpark.session().createDataFrame(List.of(
                RowFactory.create("a", "Once upon a time, there was a little dog named Tom.", null)), schema);
        StageContext context = new StageContext(TestSpark.session(), "id", "text");
        for (PipelineStage s : stages.subList(stages.size() - 2, stages.size())) { // opening, generate
            docs = s.apply(docs, context);
        }
        String error = docs.select("error").first().getString(0);
        assertTrue(error != null && error.contains("but the context holds 8") && error.contains(DemoPipeline.LONG_PROMPT_ADVICE)
                && !error.contains("setTruncatePrompts"), String.valueOf(error));

        PerplexityFilter perplexity = (PerplexityFilter) DemoPipeline.stages(new DemoPipeline.Settings(null,
                Stories.model().toString(), 42)).stream().filter(s -> s.name().equals(PerplexityFilter.NAME)).findFirst().orElseThrow();
        String text = String.join(" ", Stories.prompts(150));
        String kv = perplexity.getScore().setKvBudgetMb(1).setThreads(1)
                .transform(TestSpark.session().createDataFrame(List.of(RowFactory.create("a", text, null)), schema))
                .select("error").first().getString(0);
        assertTrue(kv != null && kv.contains("KV budget holds 51") && kv.contains(DemoPipeline.KV_BUDGET_ADVICE)
                && !kv.contains("setKvCacheType"), String.valueOf(kv));
    }

    /** The whole demo twice (with and without a model): minutes on two busy cores. */
    @Test
    @Tag("slow")
    void demoScoresFiltersAndGenerates() throws Exception {
        Path out = tmp.resolve("demo");
        Cli.Result r = Cli.run("demo", "--no-progress", "--output", out.toString(), "--model", Stories.model().toString(),
                "--conf", "spark.kindling.unused=1");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("perplexity") && r.out().contains("too_high"), r.out());
        assertTrue(r.out().contains("generate"), r.out());
        JsonNode stats = new ObjectMapper().readTree(out.resolve("stats.json").toFile());
        long in = stats.get("documents_in").asLong();
        Dataset<Row> docs = TestSpark.session().read().json(out.resolve("documents").toString());
        long rejected = TestSpark.session().read().json(out.resolve("rejected").toString()).count();
        assertEquals(in, docs.count() + rejected, "nothing leaves without a trace");
        List<String> cols = List.of(docs.columns());
        assertTrue(cols.containsAll(List.of("perplexity", "logprob", "scored_tokens", "opening", "continuation", "error")), cols.toString());
        assertEquals(0, docs.filter("continuation IS NULL OR error IS NOT NULL").count(), "every kept document got a continuation");
        Cli.Result without = Cli.run("demo", "--no-progress");
        assertTrue(without.out().contains("no --model") && without.out().contains("stories260K"), without.out());
    }
}
