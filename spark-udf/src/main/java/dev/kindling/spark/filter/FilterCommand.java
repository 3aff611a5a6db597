package dev.kindling.spark.filter;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineStage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kindling filter}: quality filters, PII redaction and decontamination, in the order given. */
@Command(name = "filter", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Apply document filters in the order given: gopher (gopher_repetition + gopher_quality), "
                + "gopher_quality, gopher_repetition, c4, fineweb (datatrove's defaults), pii (redaction), and "
                + "decontamination against a benchmark file (--decontaminate)."})
public final class FilterCommand extends SparkCommand {
    @Mixin
    PipelineOptions pipeline;

    @Option(names = "--filters", paramLabel = "LIST", defaultValue = "gopher,c4,fineweb",
            description = "Comma-separated filters, run in this order (default: ${DEFAULT-VALUE}).")
    String filters;

    @Option(names = "--pii-kinds", paramLabel = "LIST", defaultValue = "email,ipv4,ipv6,phone",
            description = "What the pii filter redacts (default: ${DEFAULT-VALUE}).")
    String piiKinds;

    @Option(names = "--decontaminate", paramLabel = "FILE",
            description = "Benchmark file (JSON Lines, Parquet or text): drop documents sharing a 13-gram with it (runs last).")
    String decontaminate;

    @Option(names = "--decontaminate-columns", paramLabel = "LIST", defaultValue = "text",
            description = "Text columns of the benchmark file (default: ${DEFAULT-VALUE}).")
    String decontaminateColumns;

    @Option(names = "--decontaminate-ngram", paramLabel = "N", defaultValue = "13", description = "n-gram size (default: ${DEFAULT-VALUE}).")
    int decontaminateNgram;

    @Option(names = "--flag-contaminated", description = "Keep contaminated documents, with contaminated = true, instead of dropping them.")
    boolean flagContaminated;

    List<PipelineStage> stages() {
        List<PipelineStage> stages = new ArrayList<>();
        for (String f : filters.split(",")) {
            String name = f.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (name.equals("pii")) {
                stages.add(new PiiRedaction().setKinds(piiKinds.split(",")));
            } else if (name.equals("gopher") || QualityFilter.NAMES.contains(name)) {
                stages.addAll(QualityFilter.stagesFor(name));
            } else {
                throw KindlingException.usage("unknown filter '" + f + "' in --filters: expected gopher, gopher_quality, "
                        + "gopher_repetition, c4, fineweb or pii");
            }
        }
        if (decontaminate != null) {
            stages.add(new Decontamination().setBenchmark(decontaminate).setBenchmarkColumns(decontaminateColumns.split(","))
                    .setNgram(decontaminateNgram).setMode(flagContaminated ? "flag" : "drop"));
        }
        if (stages.isEmpty()) {
            throw KindlingException.usage("no filter given (--filters gopher,c4,fineweb,pii or --decontaminate FILE)");
        }
        return stages;
    }

    @Override
    protected void validate() {
        stages();
        job.checkInputAndOutput();
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        run.runPipeline(run.readInput(), stages(), out, pipeline);
        return 0;
    }
}
