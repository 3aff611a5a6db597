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
            description = "Comma-separated filters, run in this order (default: ${DEFAULT-VALUE}; none with --decontaminate).")
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

    // an input with a 'contaminated' column of its own was refused naming a curate config's flag_column, which filter
    // had no counterpart of: its user could only rename the input's column
    @Option(names = "--flag-column", paramLabel = "NAME", defaultValue = "contaminated",
            description = "With --flag-contaminated: the column it sets (default: ${DEFAULT-VALUE}).")
    String flagColumn;

    List<PipelineStage> stages() {
        List<PipelineStage> stages = new ArrayList<>();
        // the default filters are for a run that names none: 'filter --decontaminate mmlu.jsonl' also ran gopher, c4 and
        // fineweb, dropping most of an instruction set's rows and rewriting the texts c4 kept, where it asked for
        // decontamination alone (as the 'no filter given' error, which offers --decontaminate FILE, reads it)
        boolean filtersGiven = spec != null && spec.commandLine() != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--filters");
        String named = decontaminate != null && !filtersGiven ? "" : filters;
        for (String f : named.split(",")) {
            String name = f.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (name.equals("pii")) {
                stages.add(new PiiRedaction().setKinds(listOption("--pii-kinds", piiKinds, PiiRedaction::parseKinds)));
            } else if (name.equals("gopher") || QualityFilter.NAMES.contains(name)) {
                stages.addAll(QualityFilter.stagesFor(name));
            } else {
                throw KindlingException.usage("unknown filter '" + f + "' in --filters: expected gopher, gopher_quality, "
                        + "gopher_repetition, c4, fineweb or pii");
            }
        }
        if (decontaminate != null) {
            if (decontaminate.isBlank()) {
                throw KindlingException.usage("--decontaminate needs a benchmark file, got '" + decontaminate + "'");
            }
            if (flagColumn.isBlank()) {
                throw KindlingException.usage("--flag-column needs a column name, got '" + flagColumn + "'");
            }
            if (decontaminateNgram < 1) {
                throw KindlingException.usage("--decontaminate-ngram must be at least 1, got " + decontaminateNgram);
            }
            // checked before Spark starts, naming the option: a name Hadoop cannot parse failed with its URISyntaxException
            dev.kindling.spark.io.LocalPaths.requireHadoopPath("--decontaminate", decontaminate);
            Decontamination stage = new Decontamination().setBenchmark(decontaminate)
                    .setBenchmarkColumns(listOption("--decontaminate-columns", decontaminateColumns, null))
                    .setNgram(decontaminateNgram).setMode(flagContaminated ? "flag" : "drop").setFlagCol(flagColumn);
            requireLocalBenchmarkReadable(stage);
            stages.add(stage);
            if (!flagContaminated) {
                refuseUnless("--flag-contaminated", "", "--flag-column");
            }
        } else {
            // they configure a stage that is not run: the user who asked for --flag-contaminated got nothing flagged
            refuseUnless("--decontaminate FILE", "", "--decontaminate-columns", "--decontaminate-ngram", "--flag-contaminated",
                    "--flag-column");
        }
        if (stages.stream().noneMatch(s -> s instanceof PiiRedaction)) {
            refuseUnless("pii in --filters", "", "--pii-kinds");
        }
        if (stages.isEmpty()) {
            throw KindlingException.usage("no filter given (--filters gopher,c4,fineweb,pii or --decontaminate FILE)");
        }
        // a filter named twice (fineweb,c4,fineweb; gopher,gopher_quality) is a stage of its own, as in curate
        return dev.kindling.spark.curate.StageConfig.numberRepeats(stages);
    }

    /**
     * A local benchmark's glob and columns checked as {@link Decontamination#buildIndex} checks them, here before Spark
     * starts: {@code --decontaminate 'b[1].jsonl'} was refused once Spark had started, named "decontaminate: benchmark".
     */
    private void requireLocalBenchmarkReadable(Decontamination stage) {
        if (dev.kindling.spark.io.LocalPaths.localOrNull(decontaminate) != null) {
            try {
                dev.kindling.spark.io.DataFormat.matches(org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration()),
                        decontaminate, "--decontaminate " + decontaminate);
            } catch (java.io.IOException e) {
                return; // buildIndex reports what cannot be listed
            }
            stage.checkLocalBenchmarkColumns();
        }
    }

    /**
     * A comma-separated option's entries, trimmed, empty ones left out (as --filters does); a usage error naming the
     * option when none is left, or when {@code check} refuses them.
     */
    private static String[] listOption(String option, String value, java.util.function.Consumer<String[]> check) {
        String[] items = java.util.Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toArray(String[]::new);
        if (items.length == 0) {
            throw KindlingException.usage(option + " is empty");
        }
        if (check != null) {
            try {
                check.accept(items);
            } catch (KindlingException e) {
                throw KindlingException.usage(option + ": " + e.getMessage());
            }
        }
        return items;
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
