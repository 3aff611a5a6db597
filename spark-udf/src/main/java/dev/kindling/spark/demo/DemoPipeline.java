package dev.kindling.spark.demo;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.stage.PipelineStage;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * The stages {@code kindling demo} runs over the sample corpus, in order. Every pipeline stage
 * Kindling has is added here, so the demo always shows all of them working together.
 */
public final class DemoPipeline {
    private DemoPipeline() {}

    /**
     * Settings the demo's stages may use.
     *
     * @param benchmark a benchmark file for decontamination, or null to leave that stage out
     */
    public record Settings(String tokenizer, String model, long seed, String benchmark) {
        public Settings(String tokenizer, String model, long seed) {
            this(tokenizer, model, seed, null);
        }
    }

    /** The words of a document's opening, the generation stage's prompt. */
    private static final int OPENING_WORDS = 8;

    /** The metric the generation stage reports: the tokens it generated, over every row it ran on. */
    public static final String GENERATED_TOKENS = "generated tokens";

    /**
     * What the generation stage's row error advises for a prompt longer than the context: the demo's prompts are its own and
     * it has no flag to cut them, where the stage's own advice named setTruncatePrompts(true), which a demo user cannot call.
     */
    public static final String LONG_PROMPT_ADVICE = "the demo's prompts are each document's first " + OPENING_WORDS
            + " words and it cuts none (kindling demo has no --truncate-prompts): use a --model of a longer context";
    /** What the model stages' row errors advise for a sequence past the KV budget: the demo sets neither type nor budget. */
    public static final String KV_BUDGET_ADVICE = "kindling demo has no --kv-cache-type or --kv-budget-mb (its engine keeps "
            + "f32 and the default budget), so raise the budget: " + dev.kindling.spark.inference.EngineCliOptions.DEFAULT_KV_BUDGET;

    public static List<PipelineStage> stages(Settings settings) {
        List<PipelineStage> stages = new ArrayList<>();
        // curation: cheap exact dedup first, quality filters, PII redaction (its counts cover every
        // document it saw, also those a later stage drops), near and sentence dedup on what is
        // left, then decontamination against the sample benchmark
        stages.add(new ExactDedup());
        stages.add(new ExactDedup().setColumn("url"));
        stages.addAll(QualityFilter.stagesFor("gopher,c4,fineweb"));
        stages.add(new PiiRedaction());
        stages.add(new MinHashDedup());
        stages.add(new SentenceDedupStage());
        if (settings.benchmark() != null) {
            stages.add(new Decontamination().setBenchmark(settings.benchmark()));
        }
        // token counts (n_tokens) and the token total: the given tokenizer, else the model's vocabulary,
        // else the built-in byte-level one (one token per UTF-8 byte)
        String tokenizer = settings.tokenizer() != null ? settings.tokenizer()
                : settings.model() != null ? settings.model() : dev.kindling.spark.tokenize.ExecutorTokenizers.BYTE_LEVEL;
        stages.add(new dev.kindling.spark.tokenize.TokenizeStage(tokenizer, false, false));
        if (settings.model() != null) {
            // model stages: CCNet-style perplexity filtering (drop the tenth the model finds least
            // likely), then a short continuation of each kept document's opening words
            stages.add(new dev.kindling.spark.inference.PerplexityFilter(new dev.kindling.spark.inference.Score()
                    .setModel(settings.model()).setCountCol("scored_tokens").adviseOnKvBudget(KV_BUDGET_ADVICE))
                    .setKeepFraction(0.9));
            stages.add(dev.kindling.spark.inference.Openings.stage("opening", OPENING_WORDS));
            // its tokens counted as the other stages' are: the ids each row generated (a row that was not run, or failed, has
            // a null continuation, whose size Spark gives as -1)
            Column continuation = col("continuation");
            stages.add(new dev.kindling.spark.inference.InferenceStage("generate", new dev.kindling.spark.inference.Generate()
                    .setModel(settings.model()).setPromptCol("opening").setOutputCol("continuation").setMaxTokens(16)
                    .setTemperature(0.8).setSeed(settings.seed()).adviseOnLongPrompts(LONG_PROMPT_ADVICE)
                    .adviseOnKvBudget(KV_BUDGET_ADVICE))
                    .reportTotal("generated_tokens", when(continuation.isNotNull(), size(continuation.getField("tokens"))),
                            GENERATED_TOKENS));
        }
        return stages;
    }
}
