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
