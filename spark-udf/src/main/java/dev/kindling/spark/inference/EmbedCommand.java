package dev.kindling.spark.inference;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.WriteOptions;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindling embed}: a vector per document ({@link Embed}: the mean of the model's final hidden states over the
 * text's tokens), for a laptop's JSON Lines as for a cluster's Parquet; the SQL function and the stage did it only from
 * code.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embed every document with a model (GGUF, llama2.c or Hugging Face checkpoint): adds embedding "
                + "(array of floats: the mean over the text's tokens of the final hidden state after the last norm) and error "
                + "for a row that failed."})
public final class EmbedCommand extends SparkCommand {
    @Mixin
    EngineCliOptions engine;

    @Option(names = "--normalize", description = "Scale each vector to unit L2 norm (for cosine similarity as a dot product).")
    boolean normalize;

    @Option(names = "--truncate", description = "Texts longer than the context: embed their first context-length tokens "
            + "(sentence-transformers' max_seq_length) instead of failing the row.")
    boolean truncate;

    @Option(names = "--column", defaultValue = "embedding", paramLabel = "NAME",
            description = "The output column (default: ${DEFAULT-VALUE}).")
    String column;

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
            throw KindlingException.usage("embed needs --output");
        }
        job.checkInputAndOutput();
        if (column.isBlank()) {
            throw KindlingException.usage("--column must not be empty");
        }
        if (column.equalsIgnoreCase(dev.kindling.spark.io.Columns.ERROR)) {
            throw KindlingException.usage("--column " + column + " is the name of the rows' error column; give another");
        }
        if (engine.truncatePrompts) {
            // an engine option the embed stage never reads
            throw KindlingException.usage("--truncate-prompts cuts generate's prompts; embed reads texts: for those longer than the"
                    + " context give --truncate (their first context-length tokens)");
        }
        engine.spec(job.conf);
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        Embed embed = engine.applyTo(new Embed()).setInputCol(job.textColumn).setOutputCol(column).setNormalize(normalize)
                .setTruncate(truncate);
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> input = run.readInput();
        if (dev.kindling.spark.io.Columns.contains(input.columns(), column)) {
            throw KindlingException.usage("the input already has a column '" + column + "', which embed writes: give --column"
                    + " to name the new one apart (--column embedding_2)");
        }
        InferenceProgress.attach(run, embed::metrics);
        // only the reader rejects: a rejected row's embedding is null, and --rejected holds the input's columns, as filter's
        run.runPipeline(input, List.of(new InferenceStage("embed", embed)), out, pipeline, java.util.Set.of(), java.util.Set.of(column));
        return 0;
    }
}
