package dev.kindling.spark.inference;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineStage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindling score}: log-probability and perplexity of every document under a model
 * ({@link Score}); optionally a CCNet-style perplexity filter ({@link PerplexityFilter}).
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score every document with a model (GGUF, llama2.c or Hugging Face checkpoint): adds logprob (sum of token log-probabilities), perplexity and "
                + "n_tokens (tokens predicted), and error for a row that failed.",
                "--max-perplexity X or --keep-fraction F reject the least likely documents as perplexity:too_high "
                        + "(CCNet-style filtering; --rejected writes them aside)."})
public final class ScoreCommand extends SparkCommand {
    @Mixin
    EngineCliOptions engine;

    @Option(names = "--long-texts", defaultValue = "chunk", paramLabel = "MODE",
            description = "Texts longer than the context: chunk (score window by window, default), truncate, error.")
    String longTexts;

    @Option(names = "--max-perplexity", paramLabel = "X", description = "Reject documents with a perplexity above X.")
    Double maxPerplexity;

    @Option(names = "--keep-fraction", paramLabel = "F",
            description = "Keep the fraction F of documents with the lowest perplexity (those up to the ceil(F x n)-th lowest of the n scored, ties kept), reject the rest.")
    Double keepFraction;

    @Option(names = "--column-prefix", paramLabel = "P",
            description = "Name the outputs P + logprob, perplexity and n_tokens: to score a dataset that has them already (a second model's scores beside the first's).")
    String columnPrefix;

    @Option(names = "--split-special-tokens",
            description = "Read text that spells a special token (</s>) as text, as llama.cpp's perplexity does, not as that token (Hugging Face's tokenizer(text), the default).")
    boolean splitSpecialTokens;

    @Mixin
    PipelineOptions pipeline;

    /** Refused in {@link #validate} with where long texts are handled instead ({@code --truncate-prompts} cuts generate's prompts). */
    @Override
    protected java.util.Set<String> hiddenInheritedOptions() {
        return java.util.Set.of("--truncate-prompts");
    }

    @Override
    protected void validate() {
        if (job.output == null) {
            throw KindlingException.usage("score needs --output");
        }
        job.checkInputAndOutput();
        if (maxPerplexity != null && keepFraction != null) {
            throw KindlingException.usage("give --max-perplexity or --keep-fraction, not both");
        }
        // each refusal names the option as typed (they named the stage's params: "Score(kindlingScore_...).longTexts
        // must be ...", "perplexity: the maximum must be > 0")
        String mode = longTexts.strip().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("chunk", "truncate", "error").contains(mode)) {
            throw KindlingException.usage("--long-texts must be chunk, truncate or error, got " + longTexts);
        }
        longTexts = mode; // any case, as --device and --kv-cache-type take it
        if (maxPerplexity != null && !(maxPerplexity > 0)) {
            throw KindlingException.usage("--max-perplexity must be a number > 0, got " + SamplingCliOptions.typed(maxPerplexity));
        }
        if (keepFraction != null && !(keepFraction > 0 && keepFraction <= 1)) {
            throw KindlingException.usage("--keep-fraction must be in (0, 1], got " + SamplingCliOptions.typed(keepFraction));
        }
        if (columnPrefix != null && columnPrefix.isBlank()) {
            throw KindlingException.usage("--column-prefix must not be empty");
        }
        if (columnPrefix != null && (columnPrefix.contains(".") || columnPrefix.contains("`"))) {
            // Spark reads a dot as a struct field's path and a backtick as quoting: the run failed with its analysis error
            throw KindlingException.usage("--column-prefix must not hold '.' or '`', got " + columnPrefix + " (use _ as in second_)");
        }
        if (engine.truncatePrompts) {
            // an engine option the score stage never reads: accepted, it did nothing
            throw KindlingException.usage("--truncate-prompts cuts generate's prompts; score reads texts: for those longer than the"
                    + " context give --long-texts truncate (the first window) or chunk (every window, the default)");
        }
        engine.spec(job.conf);
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        Score score = engine.applyTo(new Score()).setInputCol(job.textColumn).setLongTexts(longTexts)
                .setSplitSpecialTokens(splitSpecialTokens);
        if (columnPrefix != null) {
            score.setLogprobCol(columnPrefix + "logprob").setPerplexityCol(columnPrefix + "perplexity").setCountCol(columnPrefix + "n_tokens");
        }
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> input = run.readInput();
        for (String c : List.of(score.getLogprobCol(), score.getPerplexityCol(), score.getCountCol())) {
            if (dev.kindling.spark.io.Columns.contains(input.columns(), c)) {
                // the stage said "Score(kindlingScore_703ed2e4eac9): output column 'logprob' already exists", naming no way out
                throw KindlingException.usage("the input already has a column '" + c + "', which score writes (an earlier score's"
                        + " output?): " + (columnPrefix == null ? "give --column-prefix to name the new ones apart (--column-prefix"
                        + " second_ writes second_logprob, second_perplexity and second_n_tokens)" : "give another --column-prefix"));
            }
        }
        PipelineStage stage;
        if (maxPerplexity != null) {
            stage = new PerplexityFilter(score).setMaxPerplexity(maxPerplexity);
        } else if (keepFraction != null) {
            stage = new PerplexityFilter(score).setKeepFraction(keepFraction);
        } else {
            stage = new InferenceStage("score", score).reportTotal(score.getCountCol(), "scored tokens");
        }
        InferenceProgress.attach(run, score::metrics);
        // without a threshold only the reader rejects, and a rejected row's scores are null: --rejected holds the input's
        // columns, as filter's. With one they stay: a perplexity:too_high row's perplexity is why it was rejected
        java.util.Set<String> keptOnly = maxPerplexity != null || keepFraction != null ? java.util.Set.of()
                : java.util.Set.of(score.getLogprobCol(), score.getPerplexityCol(), score.getCountCol());
        run.runPipeline(input, List.of(stage), out, pipeline, java.util.Set.of(), keptOnly);
        return 0;
    }
}
