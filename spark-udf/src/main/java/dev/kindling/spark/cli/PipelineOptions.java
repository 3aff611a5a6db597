package dev.kindling.spark.cli;

import picocli.CommandLine.Option;

/** Options of commands that filter documents: where the accounting and the rejected rows go. */
public class PipelineOptions {
    /** {@code --stats}' help, also {@code pack}'s, which takes no other option of these. */
    public static final String STATS_HELP = "Write the run's accounting (documents in/kept/dropped by stage and reason, metrics) as JSON "
            + "(an existing file is an error without --overwrite).";

    @Option(names = "--stats", paramLabel = "FILE.json", description = STATS_HELP)
    public String stats;

    @Option(names = "--rejected", paramLabel = "PATH",
            description = "Write the rejected documents, with their reason, to PATH.")
    public String rejected;

    @Option(names = "--keep-rejected",
            description = "Keep rejected documents in the output, with a 'reason' column, instead of dropping them.")
    public boolean keepRejected;
}
