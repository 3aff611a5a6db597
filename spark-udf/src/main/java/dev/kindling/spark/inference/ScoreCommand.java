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
            description = "Keep the fraction F of documents with the lowest perplexity (approximate quantile), reject the rest.")
    Double keepFraction;

    @Mixin
    PipelineOptions pipeline;

    @Override
    protected void validate() {
        if (job.output == null) {
            throw KindlingException.usage("score needs --output");
        }
        job.checkInputAndOutput();
        if (maxPerplexity != null && keepFraction != null) {
            throw KindlingException.usage("give --max-perplexity or --keep-fraction, not both");
        }
        engine.spec();
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        Score score = engine.applyTo(new Score()).setInputCol(job.textColumn).setLongTexts(longTexts);
        PipelineStage stage;
        if (maxPerplexity != null) {
            stage = new PerplexityFilter(score).setMaxPerplexity(maxPerplexity);
        } else if (keepFraction != null) {
            stage = new PerplexityFilter(score).setKeepFraction(keepFraction);
        } else {
            stage = new InferenceStage("score", score).reportTotal(score.getCountCol(), "scored tokens");
        }
        InferenceProgress.attach(run, score::metrics);
        run.runPipeline(run.readInput(), List.of(stage), out, pipeline);
        return 0;
    }
}
