package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.io.OnError;
import dev.kindling.spark.io.ReadOptions;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The corpus published before, that a dedup stage compares the new documents with ({@code kindling dedup --against},
 * the stages' {@code againstPaths} or {@code setAgainst}): a new document that duplicates one of its documents is
 * dropped naming it, and its own documents are never output. Read from files, it is read as {@code --input} is
 * ({@link DatasetReader}: JSON Lines, Parquet or text, local or {@code s3a://}, the same id and text columns, ids made
 * where it has none; the format from the file names), with two differences:
 * <ul>
 *   <li>a row the reader cannot read fails the run, whatever {@code --on-error} says: skipped, the new documents it
 *       duplicates would be kept, and nothing would say so;</li>
 *   <li>rows that take no part: those the reader sets aside (no text, an empty one), and those an earlier Kindling run
 *       rejected, written with {@code --keep-rejected} or {@code --keep-duplicates} (a {@code reason}, which the reader
 *       renames {@code input_reason}): they were not published, and a duplicate among them is a copy of a kept row,
 *       which is matched in its place.</li>
 * </ul>
 *
 * @param docs  the rows that take part, with the id and text columns
 * @param label how messages name it: the option and its paths ({@code --against /data/2026-11})
 * @param columnsKnown false for JSON Lines in which no object has a field (an empty file): it has no schema, so a
 *              column it lacks is not a mistake ({@link #requiring})
 */
public record EarlierCorpus(Dataset<Row> docs, String idColumn, String textColumn, String label, boolean columnsKnown) {
    /** An earlier Kindling output's reason column, as the reader renames it ({@link DatasetReader#userColumn}). */
    static final String EARLIER_REASON = DatasetReader.userColumn(Columns.REASON);

    /** An earlier corpus whose columns are known (made by the stages, or read from an index). */
    public EarlierCorpus(Dataset<Row> docs, String idColumn, String textColumn, String label) {
        this(docs, idColumn, textColumn, label, true);
    }

    /**
     * Checks that each of {@code paths} exists and has a format its file names tell, before any Spark job: a usage error
     * naming {@code option} and the path.
     */
    public static DataFormat check(Configuration conf, List<String> paths, String option) {
        if (paths.isEmpty()) {
            throw KindlingException.usage(option + " needs at least one path");
        }
        java.util.Map<DataFormat, String> formats = new java.util.LinkedHashMap<>();
        for (String p : paths) {
            if (p == null || p.isBlank()) {
                throw KindlingException.usage(option + " needs a path, got '" + p + "'");
            }
            dev.kindling.spark.io.LocalPaths.requireHadoopPath(option, p);
            try {
                formats.putIfAbsent(DataFormat.inferFromNames(p, conf, ONE_FORMAT, NAMED_FORMAT), p);
            } catch (KindlingException e) {
                throw named(e, p, option);
            }
        }
        if (formats.size() > 1) {
            // one reader reads every path (the reader's own message sent the user to --input-format)
            List<String> examples = new java.util.ArrayList<>();
            formats.forEach((f, p) -> examples.add(p + " (" + f.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")"));
            throw KindlingException.usage(option + " " + String.join(",", paths) + " mixes formats: " + String.join(", ", examples)
                    + "; " + ONE_FORMAT);
        }
        return formats.keySet().iterator().next();
    }

    /**
     * What to do when the earlier corpus's file names tell more than one format: it has no format option, and the
     * messages written for --input had the user pass --input-format, which applies to --input only.
     */
    static final String ONE_FORMAT = "the earlier corpus is read in the one format its file names tell (--input-format applies "
            + "to --input only): give it files of one format (kindling convert writes one from another)";

    /** {@link #ONE_FORMAT} when its file names tell none. */
    static final String NAMED_FORMAT = "the earlier corpus's format is told by its file names (--input-format applies to --input "
            + "only): name them .jsonl, .parquet or .txt";

    /** Reads {@code paths} (see the class comment); errors name {@code option} and the path. */
    public static EarlierCorpus read(SparkSession spark, List<String> paths, String idColumn, String textColumn, String option) {
        DataFormat format = check(spark.sparkContext().hadoopConfiguration(), paths, option);
        String joined = String.join(",", paths);
        DatasetReader.Input read;
        try {
            // OnError.FAIL: its check stays below the filters of() adds (text not null, no reason), so an unreadable row
            // fails the run rather than being dropped unseen
            read = DatasetReader.readInput(spark, new ReadOptions(paths, null, idColumn, textColumn, OnError.FAIL));
        } catch (KindlingException e) {
            throw named(e, joined, option);
        }
        EarlierCorpus earlier = of(read.rows(), idColumn, textColumn, option + " " + joined);
        // JSON Lines' columns are those its objects have: with none seen, there is no schema to hold the column
        boolean columnsKnown = format != DataFormat.JSONL || read.seenRows();
        return new EarlierCorpus(earlier.docs(), earlier.idColumn(), earlier.textColumn(), earlier.label(), columnsKnown);
    }

    /**
     * This corpus with the column {@code name} (an {@code --exact-column}'s, which its documents are matched by), or a usage
     * error naming {@code label} and the column when it has none. A corpus whose columns are not known (JSON Lines with no
     * field, an empty file: no earlier documents) gets it as a column of nulls, which match nothing: "has no column" was
     * said of a corpus that has no rows.
     */
    public EarlierCorpus requiring(String name, String label) {
        if (!columnsKnown && Columns.resolve(docs.schema(), name, label) == null) {
            return new EarlierCorpus(docs.withColumn(name, lit(null).cast(DataTypes.StringType)), idColumn, textColumn, this.label,
                    false);
        }
        require(docs, name, label);
        return this;
    }

    /**
     * The earlier corpus a dedup stage {@code stage} compares with, or null for none: the one the CLI read ({@code
     * given}), else its {@code setAgainst} DataFrame ({@code frame}, its columns found now, as the stage runs), else its
     * {@code againstPaths} read.
     */
    static EarlierCorpus forStage(EarlierCorpus given, Dataset<Row> frame, String[] paths, dev.kindling.spark.stage.StageContext ctx,
            String stage) {
        if (given != null) {
            return given;
        }
        if (frame != null) {
            return of(frame, ctx.idColumn(), ctx.textColumn(), stage + ": the earlier corpus");
        }
        return paths.length == 0 ? null : read(ctx.spark(), List.of(paths), ctx.idColumn(), ctx.textColumn(), stage + ": againstPaths");
    }

    /**
     * An earlier corpus already read ({@code docs}, with {@code idColumn} and {@code textColumn}); rows with a
     * {@code reason} (the reader's) or an {@code input_reason} (an earlier run's) take no part.
     */
    public static EarlierCorpus of(Dataset<Row> docs, String idColumn, String textColumn, String label) {
        String id = require(docs, idColumn, label);
        String text = require(docs, textColumn, label);
        if (!Columns.isString(docs.schema().apply(text).dataType())) { // a collated string (Spark 4) is a string
            throw KindlingException.usage(label + ": column '" + textColumn + "' is " + docs.schema().apply(text).dataType().simpleString()
                    + ", expected a string");
        }
        Dataset<Row> taking = docs.where(Columns.named(text).isNotNull());
        for (String rejected : new String[] {Columns.REASON, EARLIER_REASON}) {
            String found = Columns.resolve(docs.schema(), rejected, label);
            if (found != null && Columns.isString(docs.schema().apply(found).dataType())) {
                taking = taking.where(Columns.named(found).isNull());
            }
        }
        return new EarlierCorpus(taking, id, text, label, true);
    }

    /** The name of {@code docs}'s column Spark reads for {@code name}; a usage error naming the column and {@code label}. */
    static String require(Dataset<Row> docs, String name, String label) {
        String found = Columns.resolve(docs.schema(), name, label);
        if (found == null) {
            throw KindlingException.usage(label + " has no column '" + name + "' (columns: "
                    + String.join(", ", Columns.userColumns(docs.schema())) + ")");
        }
        return found;
    }

    /**
     * The earlier document's id as {@code type} (the new documents' id column's: {@code cluster_id} and
     * {@code duplicate_of} hold ids of both). A null id, or one that does not convert, fails the job naming it, rather
     * than leaving a new document dropped without the row it duplicates, or kept because its twin had no id to name.
     * Evaluated where the id is read: exact dedup's verdict reads it; near dedup checks that it is not null as it makes
     * the earlier documents' entries (and a saved index's), and converts it only with cluster columns.
     */
    Column idAs(DataType type) {
        Column id = Columns.named(idColumn);
        // try_cast: under ANSI mode (Spark 4's default) a cast fails on its own, as CAST_INVALID_INPUT naming no option
        Column converted = docs.schema().apply(idColumn).dataType().equals(type) ? id : id.try_cast(type);
        return when(id.isNull(), raise_error(lit(label + ": a document has a null id (column '" + idColumn + "'), which "
                        + "duplicate_of would name; give each one")))
                .when(converted.isNull(), raise_error(concat(lit(label + ": id '"), id.cast(DataTypes.StringType),
                        lit("' (column '" + idColumn + "') is not a " + type.simpleString() + ", the new documents' id type, "
                                + "which duplicate_of would hold"))))
                .otherwise(converted);
    }

    /** The reader's "input P ..." as "OPTION P ...": the path the user gave under that option, not --input. */
    private static KindlingException named(KindlingException e, String path, String option) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        String prefix = "input " + path;
        String said = m.startsWith(prefix) ? option + " " + path + m.substring(prefix.length()) : option + " " + path + ": " + m;
        return new KindlingException(e.exitCode(), said, e);
    }
}
