package dev.kindling.spark.cli;

import dev.kindling.spark.io.WriteOptions;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code kindling convert}: reads documents in any supported format and writes them as JSON Lines
 * or Parquet, with ids filled in and unreadable rows handled by {@code --on-error}.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Read a dataset (JSON Lines, Parquet or text; local or s3a://) and write it as JSON Lines or Parquet.",
                "Fills missing ids, drops empty documents (counted), and handles unreadable rows per --on-error."})
public final class ConvertCommand extends SparkCommand {
    @Mixin
    PipelineOptions pipeline;

    @Override
    protected void validate() {
        job.checkInputAndOutput();
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        run.runPipeline(run.readInput(), List.of(), out, pipeline);
        return 0;
    }
}
