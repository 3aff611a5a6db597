package dev.kindling.spark.cli;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.OnError;
import dev.kindling.spark.io.ReadOptions;
import dev.kindling.spark.io.WriteOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every Spark subcommand shares (a picocli mixin): where Spark runs, what it reads,
 * where it writes, and what happens to bad rows.
 */
public class SparkJobOptions {
    /** What is read: for a command that makes up its own input (a benchmark), these do nothing. */
    public static final Set<String> INPUT_OPTIONS = Set.of("--input", "--input-format", "--id-column", "--text-column");
    /** What happens to unreadable input rows: for a command that reads its input by other means, these do nothing. */
    public static final Set<String> BAD_ROW_OPTIONS = Set.of("--on-error", "--quarantine");
    /** Where and how the output is written: for a command that writes none (a benchmark), these do nothing. */
    public static final Set<String> OUTPUT_OPTIONS = Set.of("--output", "--format", "--compression", "--overwrite");

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL",
            description = "Spark master (default: ${DEFAULT-VALUE}; under spark-submit the submitted master wins; yarn and k8s://... "
                    + "only through spark-submit).")
    public String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "Spark or Hadoop setting, repeatable, e.g. --conf spark.hadoop.fs.s3a.endpoint=http://minio:9000")
    public Map<String, String> conf = new LinkedHashMap<>();

    // a comma inside a glob's braces (in/part-{1,2}.jsonl) is the glob's: split there, the halves were two broken paths
    @Option(names = {"-i", "--input"}, split = ",(?![^{}]*\\})", splitSynopsisLabel = ",", paramLabel = "PATH",
            description = "Input files, directories or globs (local or s3a://; {a,b} alternatives too); repeatable or comma-separated.")
    public List<String> input = new ArrayList<>();

    @Option(names = "--input-format", paramLabel = "FORMAT",
            description = "jsonl, parquet, text-lines (a document per line) or text-files (a document per file); "
                    + "default: from the file names.")
    public String inputFormat;

    /** The key of {@code --output}'s help, which a command writing elsewhere replaces ({@link SparkCommand#outputHelp}). */
    public static final String OUTPUT_HELP_KEY = "output";

    @Option(names = {"-o", "--output"}, paramLabel = "PATH", descriptionKey = OUTPUT_HELP_KEY, description = "Output directory (local or s3a://).")
    public String output;

    /** The key of {@code --format}'s help, which a command writing other formats replaces ({@link SparkCommand#formatHelp}). */
    public static final String FORMAT_HELP_KEY = "format";

    @Option(names = "--format", paramLabel = "FORMAT", descriptionKey = FORMAT_HELP_KEY,
            description = "Output format: jsonl or parquet (default: parquet when the output name ends in .parquet, else jsonl).")
    public String format;

    @Option(names = "--compression", paramLabel = "CODEC", description = "Output compression. JSON Lines: none, gzip, bzip2, deflate, lz4 or snappy; Parquet: none, snappy, gzip, zstd, "
                    + "lz4 or lz4_raw.")
    public String compression;

    @Option(names = "--overwrite", description = "Replace an existing output (otherwise an existing output is an error).")
    public boolean overwrite;

    @Option(names = "--id-column", defaultValue = "id", paramLabel = "NAME",
            description = "Id column (default: ${DEFAULT-VALUE}); rows without one get a stable id from their text and position.")
    public String idColumn;

    @Option(names = "--text-column", defaultValue = "text", paramLabel = "NAME", description = "Text column (default: ${DEFAULT-VALUE}).")
    public String textColumn;
    /** The option that named {@link #textColumn}, for the reader's message when the input lacks it (generate sets its own). */
    public String textColumnOption = "--text-column";

    /** The key of {@code --on-error}'s help, which a command with another default replaces ({@link SparkCommand#onErrorHelp}). */
    public static final String ON_ERROR_HELP_KEY = "on-error";

    @Option(names = "--on-error", defaultValue = "fail", paramLabel = "POLICY", descriptionKey = ON_ERROR_HELP_KEY,
            description = "Unreadable input rows: fail (stop, naming file and line), skip (drop and count) or quarantine "
                    + "(write them aside to --quarantine). Default: ${DEFAULT-VALUE}.")
    public String onError;

    @Option(names = "--quarantine", paramLabel = "PATH",
            description = "Where --on-error quarantine writes bad rows (default: <output>.quarantine).")
    public String quarantine;

    @Option(names = {"-v", "--verbose"}, description = "Spark's INFO logs and full stack traces.")
    public boolean verbose;

    @Option(names = "--no-progress", description = "No progress bar on the terminal.")
    public boolean noProgress;

    /** Set by a command whose text column is chat messages ({@code generate --messages-column}), not a string. */
    public boolean textColumnHoldsMessages;

    /** The command this mixin belongs to (null where the options are made in code). */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** Whether {@code --id-column} was given: an input without that column is then an error, not one of generated ids. */
    boolean idColumnGiven() {
        return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
                && mixee.commandLine().getParseResult().hasMatchedOption("--id-column");
    }

    public OnError onErrorPolicy() {
        return OnError.parse(onError);
    }

    public ReadOptions readOptions() {
        if (input.isEmpty()) {
            throw KindlingException.usage("missing --input");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String i : input) {
            if (!seen.add(i)) {
                // Spark reads a path given twice twice: every row of it came out twice, as if duplicated in the data
                throw KindlingException.usage("input " + i + " is given twice; every row of it would be read twice");
            }
        }
        DataFormat f = inputFormat == null ? null : DataFormat.named(inputFormat);
        if (inputFormat != null && f == null) {
            throw KindlingException.usage("--input-format must be jsonl, parquet, text-lines or text-files, not " + inputFormat);
        }
        ReadOptions o = new ReadOptions(input, f, idColumn, textColumn, onErrorPolicy(), textColumnHoldsMessages, idColumnGiven(),
                textColumnOption);
        // names equal but for case are checked by the reader, under the session's spark.sql.caseSensitive
        o.requireDistinctColumns(String::equals);
        return o;
    }

    /**
     * Checks, before Spark starts, what {@link #readOptions} and {@link #writeOptions()} refuse: a missing --input or
     * --output, an unknown --on-error, format or codec was reported only once the session had started (a minute or more
     * on a busy host).
     */
    public void checkInputAndOutput() {
        readOptions();
        writeOptions();
    }

    /** The output, or a usage error when it is missing. */
    public WriteOptions writeOptions() {
        if (output == null) {
            throw KindlingException.usage("missing --output");
        }
        return writeOptions(output);
    }

    public WriteOptions writeOptions(String path) {
        DataFormat f;
        if (format != null) {
            f = DataFormat.named(format);
        } else {
            f = DataFormat.fromName(path) == DataFormat.PARQUET ? DataFormat.PARQUET : DataFormat.JSONL;
        }
        // an unknown name and a format only read are one error, naming what an output can be (the reader's four formats
        // were listed for "--format xyz")
        if (f != DataFormat.JSONL && f != DataFormat.PARQUET) {
            throw KindlingException.usage("--format must be jsonl or parquet, not " + format);
        }
        return new WriteOptions(path, f, overwrite, compression);
    }

    /** Where quarantined rows go with {@code --on-error quarantine}, else null. */
    public String quarantinePath(String outputPath) {
        if (onErrorPolicy() != OnError.QUARANTINE) {
            return null;
        }
        if (quarantine != null) {
            return quarantine;
        }
        if (outputPath == null) {
            throw KindlingException.usage("--on-error quarantine needs --quarantine PATH (or --output)");
        }
        return stripSlash(outputPath) + ".quarantine";
    }

    static String stripSlash(String p) {
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
