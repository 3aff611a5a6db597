package dev.kindling.spark.io;

/** Column names Kindling adds to datasets. */
public final class Columns {
    private Columns() {}

    /**
     * A reference to the column named {@code name}, whatever characters the name holds: {@code functions.col("a.b")}
     * reads field {@code b} of a struct {@code a}, so a user's column {@code a.b} (or one with a backtick) is quoted.
     */
    public static org.apache.spark.sql.Column named(String name) {
        return org.apache.spark.sql.functions.col("`" + name.replace("`", "``") + "`");
    }

    /**
     * Whether Spark takes {@code a} and {@code b} for the same column: regardless of case unless
     * {@code spark.sql.caseSensitive} is set (the session's, or the default where there is none).
     */
    public static boolean sameName(String a, String b) {
        return caseSensitive() ? a.equals(b) : a.equalsIgnoreCase(b);
    }

    /** Whether {@code spark.sql.caseSensitive} is set (the session's, or the default where there is none). */
    public static boolean caseSensitive() {
        return org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis();
    }

    /** Whether {@code columns} holds one Spark takes for {@code name} ({@link #sameName}). */
    public static boolean contains(String[] columns, String name) {
        for (String c : columns) {
            if (sameName(c, name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The prefixes of the columns Kindling's stages add and drop again: the curation stages' working columns
     * ({@code _kd_filter}, {@code _kd_pii_email}) and the CLI's metric columns ({@link DatasetReader#METRIC_PREFIX},
     * {@code _kindling_row_errors}). A stage's withColumn replaces an input column of such a name and its drop removes it.
     */
    public static final java.util.List<String> RESERVED_PREFIXES = java.util.List.of("_kd_", DatasetReader.METRIC_PREFIX);

    /** The prefix of {@link #RESERVED_PREFIXES} that {@code name} starts with, compared as {@link #sameName}; else null. */
    public static String reservedPrefix(String name) {
        for (String p : RESERVED_PREFIXES) {
            if (name.length() >= p.length() && sameName(name.substring(0, p.length()), p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Refuses a column of {@code schema} named with a {@link #reservedPrefix}, the error starting with {@code input} (what
     * the schema is: {@code "quality: the input"}, {@code "input docs.jsonl"}): a stage would replace it with a column of
     * its own and then drop it, without a word.
     */
    public static void refuseReserved(org.apache.spark.sql.types.StructType schema, String input) {
        for (String f : schema.fieldNames()) {
            if (reservedPrefix(f) != null) {
                throw dev.kindling.spark.KindlingException.usage(input + " has a column '" + f + "', a name Kindling keeps for the "
                        + "columns its stages add and drop (" + String.join("..., ", RESERVED_PREFIXES) + "...): rename it");
            }
        }
    }

    /**
     * The name of the field of {@code schema} that Spark reads for {@code name} (as {@link #sameName}: {@code "TEXT"}
     * finds {@code text} unless {@code spark.sql.caseSensitive} is set), or null when there is none. Two fields that
     * both match are refused naming {@code who}, as Spark refuses a reference to either as ambiguous.
     */
    public static String resolve(org.apache.spark.sql.types.StructType schema, String name, String who) {
        String found = null;
        for (String f : schema.fieldNames()) {
            if (sameName(f, name)) {
                if (found != null) {
                    throw dev.kindling.spark.KindlingException.usage(who + ": column '" + name + "' is ambiguous: the input has '"
                            + found + "' and '" + f + "' (Spark matches names regardless of case unless spark.sql.caseSensitive is set)");
                }
                found = f;
            }
        }
        return found;
    }

    /**
     * The field of {@code schema} that {@link #resolve} finds for {@code name}; a usage error naming {@code who} and the
     * input's columns when there is none.
     */
    public static org.apache.spark.sql.types.StructField require(org.apache.spark.sql.types.StructType schema, String name, String who) {
        return require(schema, name, who, null);
    }

    /**
     * As {@link #require(org.apache.spark.sql.types.StructType, String, String)}, the error also naming {@code param},
     * where the name came from (a stage's param such as {@code textCol}), when not null: {@code minhash_dedup: the input
     * has no column 'body', given as textCol (columns: id, text)}.
     */
    public static org.apache.spark.sql.types.StructField require(org.apache.spark.sql.types.StructType schema, String name, String who,
            String param) {
        String found = resolve(schema, name, who);
        if (found == null) {
            throw dev.kindling.spark.KindlingException.usage(who + ": the input has no column '" + name + "'"
                    + (param == null ? "" : ", given as " + param) + " (columns: " + String.join(", ", userColumns(schema)) + ")");
        }
        return schema.apply(found);
    }

    /**
     * The columns of {@code schema} but those the reader adds to every row (reason, source_file, ..., error): an error
     * listing the input's columns listed these too, which the user's file never had.
     */
    public static java.util.List<String> userColumns(org.apache.spark.sql.types.StructType schema) {
        return java.util.Arrays.stream(schema.fieldNames()).filter(f -> !READER_COLUMNS.contains(f)).toList();
    }

    /**
     * Whether {@code type} holds strings: Spark's {@code STRING} with any collation ({@code STRING COLLATE UTF8_LCASE}, a
     * table's collated column) is a string as much as the default one, and its values are the same Java strings; a check
     * against {@code DataTypes.StringType} refused it as "not a string".
     */
    public static boolean isString(org.apache.spark.sql.types.DataType type) {
        return type instanceof org.apache.spark.sql.types.StringType;
    }

    /** {@code type} with every string in it (an array's elements, a map's keys and values, a struct's fields) uncollated. */
    public static org.apache.spark.sql.types.DataType withoutCollation(org.apache.spark.sql.types.DataType type) {
        if (isString(type)) {
            return org.apache.spark.sql.types.DataTypes.StringType;
        }
        if (type instanceof org.apache.spark.sql.types.ArrayType a) {
            return org.apache.spark.sql.types.DataTypes.createArrayType(withoutCollation(a.elementType()), a.containsNull());
        }
        if (type instanceof org.apache.spark.sql.types.MapType m) {
            return org.apache.spark.sql.types.DataTypes.createMapType(withoutCollation(m.keyType()), withoutCollation(m.valueType()),
                    m.valueContainsNull());
        }
        if (type instanceof org.apache.spark.sql.types.StructType s) {
            org.apache.spark.sql.types.StructType out = new org.apache.spark.sql.types.StructType();
            for (org.apache.spark.sql.types.StructField f : s.fields()) {
                out = out.add(f.name(), withoutCollation(f.dataType()), f.nullable(), f.metadata());
            }
            return out;
        }
        return type;
    }

    /** The index in {@code schema} of the field {@link #resolve} finds for {@code name}, or -1. */
    public static int indexOf(org.apache.spark.sql.types.StructType schema, String name, String who) {
        String f = resolve(schema, name, who);
        return f == null ? -1 : schema.fieldIndex(f);
    }

    /**
     * {@code out} with the metadata its columns had in {@code input} (ML attributes, comments): a column rewritten with
     * {@code withColumn} and every column that went through {@code mapPartitions} lose theirs, though the stage's
     * transformSchema declares them kept. Returns {@code out} itself when nothing was lost.
     */
    public static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> withMetadataOf(org.apache.spark.sql.types.StructType input,
            org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> out) {
        java.util.List<String> names = java.util.Arrays.asList(input.fieldNames());
        org.apache.spark.sql.types.StructField[] fields = out.schema().fields();
        if (java.util.Arrays.stream(fields).map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).distinct().count() < fields.length) {
            // a name given twice (after a join) cannot be selected by name: the frame stays as it is, metadata and all
            return out;
        }
        org.apache.spark.sql.Column[] cols = new org.apache.spark.sql.Column[fields.length];
        boolean lost = false;
        for (int i = 0; i < fields.length; i++) {
            int at = names.indexOf(fields[i].name());
            org.apache.spark.sql.types.Metadata had = at < 0 ? null : input.fields()[at].metadata();
            if (had != null && !had.equals(fields[i].metadata())) {
                cols[i] = named(fields[i].name()).as(fields[i].name(), had);
                lost = true;
            } else {
                cols[i] = named(fields[i].name());
            }
        }
        return lost ? out.select(cols) : out;
    }

    /**
     * Why a row was rejected, as {@code "<stage>:<why>"} (e.g. {@code read:malformed_json},
     * {@code exact_dedup:duplicate}); null while the row is kept. Every stage only looks at rows whose
     * reason is still null, so the first stage to reject a row is the one that is counted.
     */
    public static final String REASON = "reason";
    /** Where an input row came from: file path. */
    public static final String SOURCE_FILE = "source_file";
    /** Byte offset of the row's line in its (uncompressed) file; row index for Parquet. */
    public static final String SOURCE_OFFSET = "source_offset";
    /** 1-based line number when known (always for files read in one split). */
    public static final String SOURCE_LINE = "source_line";
    /** The raw input line of a row that could not be parsed. */
    public static final String RAW = "raw";
    /** A human-readable description of a row-level error. */
    public static final String ERROR = "error";
    /** The columns the reader adds to every row, in their output order. */
    public static final java.util.List<String> READER_COLUMNS = java.util.List.of(REASON, SOURCE_FILE, SOURCE_OFFSET, SOURCE_LINE,
            RAW, ERROR);

    /**
     * With chat messages read from JSON Lines ({@link ReadOptions#messages}), each row's messages as their JSON text, the
     * keys of every object in the row's own order (null where the row was rejected): the messages column's structs hold
     * every key of the file in one order (that of first appearance) and a null for each key a message lacks, while
     * transformers hands the chat template the dicts of {@code json.loads}, in the row's order, a {@code null} as None
     * and a missing key not at all, which a template printing {@code arguments | tojson}, iterating {@code .items()} or
     * asking {@code is defined} shows.
     */
    public static final String MESSAGES_JSON = "_messages_json";
    /** With {@code --keep-duplicates}: the id of the representative of the row's duplicate cluster (its own id when it is one). */
    public static final String CLUSTER_ID = "cluster_id";
    /** With {@code --keep-duplicates}: the id of the row this one duplicates (null for kept rows). */
    public static final String DUPLICATE_OF = "duplicate_of";
}
