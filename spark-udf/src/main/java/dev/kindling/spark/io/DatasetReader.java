package dev.kindling.spark.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads JSON Lines, Parquet and plain text into a DataFrame of documents.
 *
 * <p>The result has the input's columns, with {@code id} (a string) and {@code text} under the names
 * the options give, plus {@link Columns#REASON} (null for readable rows) and the row's source
 * ({@link Columns#SOURCE_FILE}, {@link Columns#SOURCE_OFFSET}, {@link Columns#SOURCE_LINE}) and, for
 * rows that could not be read, {@link Columns#RAW} and {@link Columns#ERROR}. Rows that cannot be read
 * are never silently lost: with {@link OnError#FAIL} the job stops at the first one naming file and
 * line; otherwise they carry one of {@link #READ_ERRORS} ({@code read:malformed_json}, {@code read:invalid_utf8},
 * {@code read:text_not_string}, ...) and are counted (and written aside with {@code quarantine}).
 * Documents with a null or blank text carry {@code read:null_text} / {@code read:empty_text}.
 *
 * <p>A missing or null id becomes a stable id: the first 24 hex digits of
 * SHA-256(file name, ':', source offset, ':', text), the same on every run over the same files.
 */
public final class DatasetReader {
    /** What a line that begins a JSON array adds to its error: the file is likely JSON, not JSON Lines. */
    static final String ARRAY_HINT = " (the line begins a JSON array: JSON Lines has one object per line, so a file of JSON "
            + "holding an array of them is not read as its objects; write them one per line, e.g. jq -c '.[]')";

    /**
     * Reasons for rows that could not be read (subject to {@code --on-error}). A text that is no JSON string, or messages
     * that are no array of objects, are among them: the row does not hold what the input's schema says, as a malformed
     * line does not, and Spark would hand it over altered (as its JSON text). As rejections of their own, they passed a
     * default run ({@code --on-error fail}) and stayed out of the quarantine, and an earlier corpus's such row was
     * dropped unseen.
     */
    public static final Set<String> READ_ERRORS = Set.of("read:malformed_json", "read:not_an_object", "read:invalid_utf8",
            "read:line_too_long", "read:text_not_string", "read:messages_not_array");
    static final String CORRUPT = "_corrupt_record";
    /** The reader's verdict on a JSON line, {reason, error}, before it becomes the reason and error columns. */
    private static final String VERDICT = "_read_verdict";
    /** Internal metric columns start with this, so that {@link #selectWithAccounting} keeps them. */
    public static final String METRIC_PREFIX = "_kindling_";
    /** The longest Parquet text read as a document, as the line readers' bound; tests lower it (package-private). */
    static int maxParquetTextBytes = LineSource.MAX_LINE_BYTES;
    /**
     * Jackson's 20M-character default (since 2.15) made a longer text field "malformed JSON": a whole book in one
     * document is valid input. The JVM's own string limit remains.
     */
    static final String MAX_STRING_LEN = String.valueOf(Integer.MAX_VALUE);
    /** How much of a non-UTF-8 file ({@code text-files}) its quarantined row's {@code raw} keeps. */
    static final int MAX_RAW_FILE_BYTES = 1 << 20;

    private DatasetReader() {}

    public static Dataset<Row> read(SparkSession spark, ReadOptions o) {
        return readInput(spark, o).rows();
    }

    /**
     * What {@link #readInput} read: the rows, and whether reading them already saw one ({@code seenRows}), so that the
     * input is known not to be empty without a pass over it.
     */
    public record Input(Dataset<Row> rows, boolean seenRows) {}

    /**
     * As {@link #read}, saying whether the reading itself saw a row: JSON Lines' schema inference reads every object line,
     * and each is a row of the result (a document, or a bad row to account for). {@code seenRows} false means the reader
     * does not know (other formats, or no object with a field), not that the input is empty.
     */
    public static Input readInput(SparkSession spark, ReadOptions o) {
        if (o.paths().isEmpty()) {
            throw KindlingException.usage("no input given (--input)");
        }
        o.requireDistinctColumns(Columns::sameName);
        DataFormat format = o.format();
        Set<DataFormat> formats = new LinkedHashSet<>();
        for (String p : o.paths()) {
            // checks existence; with --input-format given, an empty folder is an empty input (reported as such), not an
            // unknown format
            formats.add(DataFormat.infer(p, spark.sparkContext().hadoopConfiguration(), format));
        }
        if (formats.size() > 1) {
            throw KindlingException.usage("inputs mix formats " + formats + "; pass --input-format or read them separately");
        }
        format = formats.iterator().next();
        Input raw = switch (format) {
            case JSONL -> readJsonLines(spark, o.paths(), o.idColumn(), o.textColumn(), o.messages());
            case PARQUET -> new Input(readParquet(spark, o.paths()), false);
            case TEXT_LINES -> new Input(readTextLines(spark, o.paths(), o.textColumn()), false);
            case TEXT_FILES -> new Input(readTextFiles(spark, o.paths(), o.textColumn()), false);
        };
        return new Input(finish(raw.rows(), o, format == DataFormat.PARQUET), raw.seenRows());
    }

    /** The lines as rows, one per non-blank line; seenRows when the schema inference found an object line. */
    private static Input readJsonLines(SparkSession spark, List<String> paths, String idColumn, String textColumn,
            boolean messages) {
        Dataset<Row> lines = LineSource.readJsonLines(spark, paths)
                // blank lines separate nothing in JSON Lines; they are not documents (blank: JSON's white space only, tabs
                // included, as trim alone strips spaces only and a line of tabs was malformed_json)
                .filter(col("value").isNull().or(functions.trim(col("value"), " \t\r").notEqual("")));
        // after JSON's white space (a tab-led object was not_an_object)
        Column isObject = functions.ltrim(col("value"), " \t\r").startsWith("{");
        Dataset<String> objects = lines.filter(col(Columns.ERROR).isNull().and(isObject))
                .select("value").as(Encoders.STRING());
        StructType inferred = spark.read().option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
                .option("maxStringLen", MAX_STRING_LEN).json(objects).schema();
        StructType schema = new StructType();
        boolean caseSensitive = Columns.caseSensitive(); // as sameName, below, reads it
        Map<String, String> seen = new java.util.HashMap<>();
        for (StructField f : inferred.fields()) {
            if (f.name().equals(CORRUPT)) {
                continue;
            }
            String key = caseSensitive ? f.name() : f.name().toLowerCase(java.util.Locale.ROOT);
            String before = seen.putIfAbsent(key, f.name());
            if (Columns.sameName(f.name(), idColumn) && !f.dataType().equals(DataTypes.StringType)) {
                // read as a string, the parser keeps each id's own JSON text: inferred as a number, one float id made the
                // column a double, the integer 1 became "1.0" and two 23-digit ids one "1.2345678901234568E22"
                f = new StructField(f.name(), DataTypes.StringType, true, f.metadata());
            }
            if (before == null) {
                schema = schema.add(new StructField(f.name(), withoutRepeatedFields(f.dataType()), f.nullable(), f.metadata()));
            } else if (!before.equals(f.name())) {
                // Spark resolves column names regardless of case: the two could not be told apart by any later step
                Dataset<Row> objectLines = lines.filter(col(Columns.ERROR).isNull().and(isObject));
                throw KindlingException.usage("input " + String.join(",", paths) + " has fields '" + before + "' and '" + f.name()
                        + "', which differ only in case (" + lineWithKey(objectLines, before) + " gives '" + before + "', "
                        + lineWithKey(objectLines, f.name()) + " '" + f.name() + "'); rename one, or pass --conf "
                        + "spark.sql.caseSensitive=true");
            } // the same key twice in an object: one field (such a line is malformed, objectLineError)
        }
        // the field as the lines name it (--text-column TEXT reads "text", as Spark resolves names); finish renames it
        StructField textField = java.util.Arrays.stream(schema.fields()).filter(f -> Columns.sameName(f.name(), textColumn)).findFirst().orElse(null);
        String textKey = textField == null ? textColumn : textField.name();
        // chat messages: read as their JSON text (Spark's parser copies an array's text with the keys in the file's order),
        // then parsed with the type of the rows that hold messages. One row whose messages are a string, an object or a
        // number made Spark infer a string for every row, and the whole job failed on the column's type
        org.apache.spark.sql.types.ArrayType messagesType = null;
        UserDefinedFunction notMessages = null;
        if (messages && textField != null) {
            if (Arrays.stream(schema.fieldNames()).anyMatch(f -> Columns.sameName(f, Columns.MESSAGES_JSON))) {
                throw KindlingException.usage("input " + String.join(",", paths) + " has a field '" + Columns.MESSAGES_JSON
                        + "', the column that holds the messages' JSON text; rename it");
            }
            notMessages = functions.udf((UDF1<String, String>) line -> messagesNotArray(line, textKey), DataTypes.StringType);
            messagesType = isMessageArray(textField.dataType()) ? (org.apache.spark.sql.types.ArrayType) textField.dataType()
                    : messagesTypeOf(spark, objects.filter(notMessages.apply(col("value")).isNull()), textKey);
            if (messagesType == null && !objects.filter(notMessages.apply(col("value")).isNotNull()).isEmpty()) {
                // no row holds messages, and some hold something else: the column is not a messages column (a text prompt)
                throw KindlingException.usage("column '" + textKey + "' of " + String.join(",", paths) + " is "
                        + textField.dataType().simpleString() + ", expected chat messages: an array of {role, content} objects "
                        + "(no row holds any)");
            }
            if (messagesType == null) { // every row's messages are NULL (read:null_text)
                messagesType = DataTypes.createArrayType(new StructType().add("role", DataTypes.StringType, true)
                        .add("content", DataTypes.StringType, true), true);
            }
            // the messages column of the output holds the keys in the file's order, as Hugging Face datasets reads and
            // writes the same rows (pyarrow's order of first appearance), not sorted by name as Spark infers them
            messagesType = (org.apache.spark.sql.types.ArrayType) JsonKeyOrder.inFileOrder(messagesType,
                    lines.filter(col(Columns.ERROR).isNull().and(isObject)), textKey);
            StructType asText = new StructType();
            for (StructField f : schema.fields()) {
                asText = asText.add(f.name().equals(textKey) ? new StructField(f.name(), DataTypes.StringType, true, f.metadata()) : f);
            }
            schema = asText;
        }
        StructType withCorrupt = schema.add(CORRUPT, DataTypes.StringType, true);
        Column parsed = from_json(col("value"), withCorrupt,
                Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", CORRUPT, "maxStringLen", MAX_STRING_LEN));
        Dataset<Row> p = lines.withColumn("_parsed", when(col(Columns.ERROR).isNull().and(isObject), parsed));
        // a line that is JSON but not an object ([1, 2], "text", 7) is not_an_object; one that is no JSON at all (a stray
        // "not json") is malformed_json, as the README files it: both were not_an_object. Only such lines are parsed.
        UserDefinedFunction isJson = functions.udf((UDF1<String, Boolean>) DatasetReader::isOneJsonValue, DataTypes.BooleanType);
        Column notAnObject = functions.not(isObject).and(isJson.apply(col("value")));
        // a JSON array, pretty-printed ("[" alone on line 1) or on one line: a file of JSON, not JSON Lines
        Column array = functions.ltrim(col("value"), " \t\r").startsWith("[");
        // what the parser found, also for a line that does not begin an object ("not json", a byte order mark before the
        // object), which said "malformed JSON" alone
        Column malformed = functions.concat_ws(": ", lit("malformed JSON"), functions.udf((UDF1<String, String>) DatasetReader::whyMalformed,
                DataTypes.StringType).apply(col("value")));
        // the reason and its message, as one chain of conditions: each check (and its UDF) runs once per clean row. As two
        // chains, one for the reason and one for the error, every line's checks ran twice (afterObject 200 times for
        // 100 lines). A rejected row runs its own check once more, for the message.
        Column verdict = when(col(Columns.ERROR).isNotNull(), verdict(LineSource.reason(col(Columns.ERROR)), col(Columns.ERROR)))
                .when(notAnObject, verdict("read:not_an_object", when(array, lit("not a JSON object" + ARRAY_HINT))
                        .otherwise(lit("not a JSON object"))))
                .when(functions.not(isObject), verdict("read:malformed_json", when(array, lit("malformed JSON" + ARRAY_HINT))
                        .otherwise(malformed)))
                .when(col("_parsed." + CORRUPT).isNotNull().or(col("_parsed").isNull()), verdict("read:malformed_json", malformed));
        // "\ud800" alone parses, but Spark stores strings as UTF-8, which has no code for half a surrogate pair: it
        // would be written as '?', silently. Python's json.loads accepts it too and pyarrow then refuses the string.
        // Only lines with a \\uD800-\\uDFFF escape can hold one (the strict decode refused encoded surrogates): the scan
        // on every line with any escape (Python's json.dumps escapes all non-ASCII) cost ~9% of a convert.
        UserDefinedFunction surrogate = functions.udf((UDF1<String, String>) DatasetReader::unpairedSurrogate, DataTypes.StringType);
        Column unpaired = when(col("value").contains("\\ud").or(col("value").contains("\\uD")), surrogate.apply(col("value")));
        verdict = verdict.when(unpaired.isNotNull(), verdict("read:malformed_json", unpaired));
        // Spark's parser stops at the object's closing brace and ignores the rest of the line: the second object of
        // {"id":"a",...}{"id":"b",...} was dropped without a trace, and "{...} garbage" passed as a clean row. It keeps the
        // last value of a key given twice ({"id":1,"text":"a","text":"b"} was read as text "b"), the first lost unseen.
        // The scan reads the line's UTF-8 bytes (the structural characters are ASCII), not a decoded copy.
        UserDefinedFunction objectScan = functions.udf((UDF1<byte[], String>) DatasetReader::objectLineError, DataTypes.StringType);
        Column objectError = objectScan.apply(col("value").cast(DataTypes.BinaryType));
        verdict = verdict.when(objectError.isNotNull(), verdict("read:malformed_json", objectError));
        if (!messages && textField != null && textField.dataType().equals(DataTypes.StringType)) {
            // a text that is a number, object, array or boolean: Spark's reader hands it over as its JSON text ("12345",
            // "{\"a\":1}"), which would then be tokenized and scored as a document
            // (decided on the object's own top-level key: a nested {"meta": {"text": "x"}} must not vouch for it)
            UserDefinedFunction nonString = functions.udf((UDF1<String, Boolean>) line -> topLevelNotString(line, textKey),
                    DataTypes.BooleanType);
            // the parse is only asked for a text that looks like coerced JSON (what Spark writes for a number, object,
            // array or boolean starts like this): the check on every line cost ~8% of a plain convert
            Column parsedText = col("_parsed.`" + textKey.replace("`", "``") + "`");
            // (NaN and the infinities Spark writes quoted, as its JSON generator quotes non-numeric numbers: a negative
            // infinity is "-Infinity" with its quotes, which the first-character test does not see)
            Column coercedLooking = functions.substring(parsedText, 1, 1).isin("{", "[", "-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
                    .or(parsedText.isin("true", "false", "NaN", "Infinity", "+Infinity", "+INF", "INF", "\"NaN\"", "\"Infinity\"",
                            "\"-Infinity\""));
            Column notString = parsedText.isNotNull().and(coercedLooking).and(nonString.apply(col("value")));
            verdict = verdict.when(notString, verdict("read:text_not_string", lit("field '" + textKey + "' is not a JSON string")));
        }
        if (messagesType != null && !isMessageArray(textField.dataType())) {
            // a row whose messages are no array of objects is set aside naming what they are; the others go on (a chain's
            // condition is only reached when every one before it was false: no row rejected already gets here)
            Column notArray = notMessages.apply(col("value"));
            verdict = verdict.when(notArray.isNotNull(), verdict("read:messages_not_array", notArray));
        }
        if (messagesType != null && messagesType.elementType() instanceof StructType m && Arrays.asList(m.fieldNames()).contains("content")
                && m.apply("content").dataType().equals(DataTypes.StringType)) {
            // the same for the messages' content: where some are strings and others lists of parts (or numbers), Spark
            // reads every content as a string, a list as its JSON text, which the template then rendered as the words
            UserDefinedFunction contentNotString = functions.udf((UDF1<String, String>) line -> contentNotString(line, textKey),
                    DataTypes.StringType);
            Column contentError = contentNotString.apply(col("value"));
            verdict = verdict.when(contentError.isNotNull(), verdict("read:text_not_string", contentError));
        }
        // the verdict once per row, in a projection of its own: written into every field's condition below, the whole
        // reason tree (its UDF calls included) was copied once per field and three times in each, and analysing and
        // compiling that projection grew with the number of fields. Spark keeps the two projections apart, as merging
        // them would copy a costly expression again.
        Dataset<Row> judged = p.select(col("*"), verdict.as(VERDICT));
        Column reason = col(VERDICT + ".reason");
        List<Column> out = new ArrayList<>();
        // a row that parsed keeps its fields when rejected for its text's type (its id, to find it by); only unparsed
        // lines have none
        Column parsedRow = reason.isNull().or(reason.equalTo("read:text_not_string")).or(reason.equalTo("read:messages_not_array"));
        List<String> names = Arrays.asList(schema.fieldNames());
        for (StructField f : schema.fields()) {
            Column value = col("_parsed.`" + f.name().replace("`", "``") + "`");
            if (messagesType != null && f.name().equals(textKey)) {
                out.add(when(reason.isNull().or(reason.equalTo("read:text_not_string")),
                        from_json(value, messagesType, Map.of("maxStringLen", MAX_STRING_LEN))).as(userColumn(f.name(), names)));
                out.add(when(reason.isNull(), value).as(Columns.MESSAGES_JSON));
            } else if (Columns.sameName(f.name(), idColumn)) {
                // a line rejected after it parsed (more after its object, half a surrogate pair) keeps its id, which names it
                // in the quarantine and --rejected; a line that did not parse has none (the reader makes one), nor one that
                // gives the id twice: Spark's value is the last, which the line does not say is the id more than the first
                Column idTwice = col(VERDICT + ".error").startsWith("key '" + f.name() + "' given twice in " + TOP_OBJECT + ",");
                out.add(when(reason.isNull().or(functions.not(idTwice)), idAsWritten(value, f.name())).as(userColumn(f.name(), names)));
            } else {
                out.add(when(parsedRow, value).as(userColumn(f.name(), names)));
            }
        }
        out.add(reason.as(Columns.REASON));
        out.add(col(Columns.SOURCE_FILE));
        out.add(col(Columns.SOURCE_OFFSET));
        out.add(col(Columns.SOURCE_LINE));
        out.add(when(reason.isNotNull(), functions.coalesce(col("value"), col(Columns.RAW))).as(Columns.RAW));
        out.add(col(VERDICT + ".error").as(Columns.ERROR));
        // a field (or the corrupt-record column) was inferred only from an object line, which is a row of the result
        return new Input(judged.select(out.toArray(new Column[0])), inferred.fields().length > 0);
    }

    /**
     * Where a JSON line first gives the top-level key {@code key}, spelled so ("data.jsonl: line 3"): a field whose name
     * differs from another's only in case refused the whole input naming neither the file nor the line, one line of a
     * corpus of millions. One Spark job, run only for that error.
     */
    private static String lineWithKey(Dataset<Row> objectLines, String key) {
        UserDefinedFunction gives = functions.udf((UDF1<String, Boolean>) line -> hasTopLevelKey(line, key), DataTypes.BooleanType);
        List<Row> first = objectLines.filter(gives.apply(col("value"))).select(Columns.SOURCE_FILE, Columns.SOURCE_OFFSET,
                Columns.SOURCE_LINE).limit(1).collectAsList();
        if (first.isEmpty()) {
            return "a line"; // not found again (the input changed while read)
        }
        Row r = first.get(0);
        String where = BadInputException.describe(r.getString(0), r.isNullAt(1) ? null : r.getLong(1), r.isNullAt(2) ? null
                : r.getLong(2), "", false);
        return where.substring(0, where.length() - 2);
    }

    /** Whether the JSON object {@code line} has the top-level key {@code key} (its escapes read, as the parser reads them). */
    static boolean hasTopLevelKey(String line, String key) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            return toTopLevelField(p, key) != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * {@code type} with each nested object's fields once: Spark's inference gives a key that a line's nested object holds
     * twice two fields of one name ({"meta":{"lang":"en","lang":"fr"}} made meta a struct of lang and lang), and the output
     * written with it could not be read back ("The column `lang` already exists"). The line itself is malformed (its key
     * given twice); the field, as every other line gives it, stays.
     */
    static org.apache.spark.sql.types.DataType withoutRepeatedFields(org.apache.spark.sql.types.DataType type) {
        if (type instanceof StructType st) {
            StructType out = new StructType();
            Set<String> seen = new java.util.HashSet<>();
            for (StructField f : st.fields()) {
                if (seen.add(f.name())) {
                    out = out.add(new StructField(f.name(), withoutRepeatedFields(f.dataType()), f.nullable(), f.metadata()));
                }
            }
            return out;
        }
        if (type instanceof org.apache.spark.sql.types.ArrayType at) {
            return DataTypes.createArrayType(withoutRepeatedFields(at.elementType()), at.containsNull());
        }
        if (type instanceof org.apache.spark.sql.types.MapType mt) {
            return DataTypes.createMapType(mt.keyType(), withoutRepeatedFields(mt.valueType()), mt.valueContainsNull());
        }
        return type;
    }

    /** One branch of the JSON reader's verdict: the reason and the row's error message. */
    private static Column verdict(String reason, Column error) {
        return verdict(lit(reason), error);
    }

    private static Column verdict(Column reason, Column error) {
        return functions.struct(reason.as("reason"), error.as("error"));
    }

    private static Dataset<Row> readParquet(SparkSession spark, List<String> paths) {
        // Spark takes the schema of one file unless asked to merge: a column that only later files have (a dataset that
        // grew a field) was silently dropped. Merging reads every footer, as the JSON reader infers from every line; files
        // whose types conflict fail here, and since Spark's message names the two types only, the column and two files
        // that disagree are found and named.
        Dataset<Row> df;
        try {
            df = spark.read().option("recursiveFileLookup", "true").option("mergeSchema", "true")
                    .parquet(paths.toArray(new String[0]));
        } catch (Exception e) { // Scala's AnalysisException and SparkException, undeclared
            java.util.regex.Matcher dup = java.util.regex.Pattern.compile("\\[COLUMN_ALREADY_EXISTS] The column `([^`]*)`")
                    .matcher(String.valueOf(e.getMessage()));
            if (dup.find()) {
                // as the JSON reader says it: Spark's message named neither the input nor a way out
                throw KindlingException.usage("input " + String.join(",", paths) + " has columns named '" + dup.group(1)
                        + "' that differ only in case; rename one, or pass --conf spark.sql.caseSensitive=true");
            }
            String conflict = parquetTypeConflict(spark, paths);
            if (conflict == null) {
                throw e;
            }
            throw new BadInputException(conflict);
        }
        List<String> names = Arrays.asList(df.columns());
        for (String c : names) {
            String renamed = userColumn(c, names);
            if (!renamed.equals(c)) {
                df = df.withColumnRenamed(c, renamed);
            }
        }
        return df.withColumn(Columns.REASON, lit(null).cast(DataTypes.StringType))
                .withColumn(Columns.SOURCE_FILE, col("_metadata.file_path"))
                .withColumn(Columns.SOURCE_OFFSET, col("_metadata.row_index"))
                .withColumn(Columns.SOURCE_LINE, lit(null).cast(DataTypes.LongType))
                .withColumn(Columns.RAW, lit(null).cast(DataTypes.StringType))
                .withColumn(Columns.ERROR, lit(null).cast(DataTypes.StringType));
    }

    private static Dataset<Row> readTextLines(SparkSession spark, List<String> paths, String textColumn) {
        Dataset<Row> lines = LineSource.read(spark, paths);
        return lines.select(
                col("value").as(textColumn),
                LineSource.reason(col(Columns.ERROR)).as(Columns.REASON),
                col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET), col(Columns.SOURCE_LINE),
                col(Columns.RAW),
                col(Columns.ERROR));
    }

    private static Dataset<Row> readTextFiles(SparkSession spark, List<String> paths, String textColumn) {
        return readTextFiles(spark, paths, textColumn, LineSource.MAX_LINE_BYTES);
    }

    /**
     * {@link #readTextFiles} with a bound on a file's length (tests: a few bytes): a file over it is its row's error
     * ({@code read:line_too_long}, its bytes not read), as a line over 256 MiB is. Read whole, a 600 MB file ran the job out
     * of memory (exit 52, naming no file) and every other document went with it. The binary source skips the files its
     * length filter refuses without reading them.
     */
    static Dataset<Row> readTextFiles(SparkSession spark, List<String> paths, String textColumn, long maxFileBytes) {
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .load(paths.toArray(new String[0])).where(col("length").leq(maxFileBytes));
        UserDefinedFunction decode = functions.udf((UDF1<byte[], String>) DatasetReader::strictUtf8, DataTypes.StringType);
        // a stray binary (a PDF, an image) is not a document: its raw bytes are kept up to a bound, not a 1 GB JSON row
        UserDefinedFunction where = functions.udf((UDF1<byte[], String>) b -> "invalid UTF-8 at byte "
                + LineSource.firstInvalidUtf8(b, b.length) + " of the file" + compressedFileHint(b)
                + (b.length > MAX_RAW_FILE_BYTES ? " (raw holds its first " + MAX_RAW_FILE_BYTES + " of " + b.length + " bytes)" : ""),
                DataTypes.StringType);
        UserDefinedFunction latin1 = functions.udf((UDF1<byte[], String>) b -> LineSource.rawBytes(b, Math.min(b.length, MAX_RAW_FILE_BYTES)),
                DataTypes.StringType);
        Column text = decode.apply(col("content"));
        Column bad = text.isNull().and(col("content").isNotNull());
        Dataset<Row> docs = files.select(
                text.as(textColumn),
                when(bad, lit("read:invalid_utf8")).as(Columns.REASON),
                col("path").as(Columns.SOURCE_FILE),
                lit(0L).as(Columns.SOURCE_OFFSET),
                lit(1L).as(Columns.SOURCE_LINE),
                when(bad, latin1.apply(col("content"))).as(Columns.RAW),
                when(bad, where.apply(col("content"))).as(Columns.ERROR));
        // Spark's file scans skip 0-byte files; here each file is a document, so an empty one is an empty document
        // (counted as read:empty_text), not nothing
        List<Row> listed = new ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus f : inputFiles(spark, paths)) {
            if (f.getLen() == 0) {
                listed.add(org.apache.spark.sql.RowFactory.create("", null, f.getPath().toString(), 0L, 1L, null, null));
            } else if (f.getLen() > maxFileBytes) {
                listed.add(org.apache.spark.sql.RowFactory.create(null, "read:line_too_long", f.getPath().toString(), 0L, 1L, null,
                        "file of " + f.getLen() + " bytes, over the " + LineSource.describe(maxFileBytes) + " a document may hold"));
            }
        }
        return listed.isEmpty() ? docs : docs.unionByName(spark.createDataFrame(listed, docs.schema()));
    }

    /**
     * What a {@code text-files} file that is not UTF-8 adds to its error when its first bytes are a compressed stream's
     * magic number: text-files reads each file's bytes as they are, and a folder of {@code .txt.gz} documents failed as
     * "invalid UTF-8 at byte 1 of the file", which named no cause.
     */
    static String compressedFileHint(byte[] b) {
        String kind = startsWith(b, 0x1F, 0x8B) ? "gzip" : startsWith(b, 'B', 'Z', 'h') ? "bzip2"
                : startsWith(b, 0x28, 0xB5, 0x2F, 0xFD) ? "zstd" : startsWith(b, 0xFD, '7', 'z', 'X', 'Z', 0) ? "xz"
                : startsWith(b, 'P', 'K', 3, 4) ? "zip" : null;
        return kind == null ? "" : " (it starts as a " + kind + " stream: text-files reads each file's bytes as they are, so "
                + "decompress such files first)";
    }

    private static boolean startsWith(byte[] b, int... magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first top-level column whose type differs between two Parquet files of the input ("column id is bigint in
     * A but string in B"), or null when none does. Reads one footer per file; only run after a merge failed.
     */
    static String parquetTypeConflict(SparkSession spark, List<String> paths) {
        Map<String, org.apache.spark.sql.types.DataType> typeOf = new java.util.HashMap<>();
        Map<String, String> fileOf = new java.util.HashMap<>();
        for (org.apache.hadoop.fs.FileStatus st : inputFiles(spark, paths)) {
            String f = st.getPath().toString();
            if (!f.endsWith(".parquet")) {
                continue;
            }
            for (org.apache.spark.sql.types.StructField field : spark.read().parquet(f).schema().fields()) {
                org.apache.spark.sql.types.DataType seen = typeOf.putIfAbsent(field.name(), field.dataType());
                if (seen == null) {
                    fileOf.put(field.name(), f);
                } else if (!seen.equals(field.dataType())) {
                    return "Parquet files disagree on column " + field.name() + ": " + seen.simpleString() + " in "
                            + fileOf.get(field.name()) + " but " + field.dataType().simpleString() + " in " + f
                            + " (cast it in one of them, or read them separately)";
                }
            }
        }
        return null;
    }

    /** The bytes of the data files under {@code paths} ({@link #inputFiles}' files), listed, not read. */
    public static long inputBytes(SparkSession spark, List<String> paths) {
        long bytes = 0;
        for (org.apache.hadoop.fs.FileStatus f : inputFiles(spark, paths)) {
            bytes += f.getLen();
        }
        return bytes;
    }

    /** The data files under {@code paths} (globs and folders, recursively; not _hidden or .hidden). */
    private static List<org.apache.hadoop.fs.FileStatus> inputFiles(SparkSession spark, List<String> paths) {
        List<org.apache.hadoop.fs.FileStatus> out = new ArrayList<>();
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        try {
            for (String input : paths) {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(input);
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(conf);
                // checked as the readers will read it: a glob missing the file of its name was counted as its matches
                for (org.apache.hadoop.fs.FileStatus st : DataFormat.matches(fs, input, "input " + input)) {
                    // a file in a _ or . folder is hidden too, as Spark's readers skip it (an empty _tmp/zero.txt was
                    // counted as an empty document)
                    out.addAll(DataFormat.dataFiles(fs, st.getPath()));
                }
            }
        } catch (java.io.IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot list input " + paths + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Lenient where Spark's JSON reader is by default (single-quoted strings, NaN and Infinity): a line Spark reads must
     * be one this parser reads too, or its text's type goes unchecked.
     */
    static final com.fasterxml.jackson.core.JsonFactory JSON = com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_SINGLE_QUOTES)
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** {@link #JSON} as one shared mapper, for a value read as a tree (a rejected row's value, a benchmark's line). */
    public static final com.fasterxml.jackson.databind.ObjectMapper LENIENT_JSON = new com.fasterxml.jackson.databind.ObjectMapper(JSON);

    /**
     * What a JSON parser says is wrong with {@code line} and where ("Unexpected character ('}' ...) at character 12",
     * "Document nesting depth (1001) exceeds the maximum allowed (1000 ...)"), or null when it parses: a rejected line's
     * error said "malformed JSON" alone, of a stray control character and of valid JSON nested past the parser's limit,
     * and of a line of several values ({@code 1 2}), which the parser reads as a sequence without an error.
     */
    static String whyMalformed(String line) {
        try {
            java.util.function.Supplier<String> why = whyNotOneJsonValue(line);
            return why == null ? null : why.get();
        } catch (RuntimeException e) {
            // null says "no reason to give", never "well-formed": the reason is asked only of a line already judged
            // malformed, whose error is then "malformed JSON" alone
            return null;
        }
    }

    /** True when {@code line} is exactly one JSON value (of any type), surrounded by whitespace at most. */
    static boolean isOneJsonValue(String line) {
        return whyNotOneJsonValue(line) == null;
    }

    /**
     * The one walk of the parser over {@code line} that {@link #whyMalformed} and {@link #isOneJsonValue} share: null when
     * the line is exactly one JSON value, surrounded by whitespace at most; else why not (a second value after the first,
     * or the parser's error and where), built only when asked, so that isOneJsonValue never builds it and cannot fail
     * in it; the reason is null where none is given: the line holds no value at all, or reading it failed other than in
     * the parse (Jackson's parse errors all have a message).
     */
    private static java.util.function.Supplier<String> whyNotOneJsonValue(String line) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() == null) {
                return () -> null;
            }
            p.skipChildren();
            if (p.nextToken() != null) {
                int column = p.currentTokenLocation().getColumnNr();
                return () -> "a second JSON value at character " + character(line, column) + " (JSON Lines holds one object per line)";
            }
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return () -> parseError(line, e);
        } catch (java.io.IOException e) {
            return () -> null;
        }
    }

    /** The parser's error {@code e} over {@code line}, and where: the first line of its message, the character counted. */
    private static String parseError(String line, com.fasterxml.jackson.core.JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
        // Jackson's location of where the unclosed object or array began names a source it does not show ("[Source:
        // REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]"): the character is said
        m = START_MARKER.matcher(m).replaceAll(r -> "(opened at character " + character(line, Integer.parseInt(r.group(1))) + ")");
        int column = e.getLocation() != null ? e.getLocation().getColumnNr() : -1;
        String at = column > 0 ? " at character " + character(line, column) : "";
        if (m.startsWith("Unexpected end-of-input")) {
            // a line that ends inside its object: "{" alone on line 1 of a pretty-printed file, or a line cut short
            at += UNCLOSED_HINT;
        } else if (column == 1 && m.startsWith("Unexpected character ('\uFEFF'")) {
            // only a mark that leads the line is a file's, joined on by cat (the hint's sed removes that one only)
            at += BOM_HINT;
        }
        return m + at;
    }

    /**
     * Jackson's column (UTF-16 units from 1) as the character the messages count (code points from 1, as "more after its
     * object" counts them: an emoji is one).
     */
    private static int character(String line, int column) {
        return line.codePointCount(0, Math.min(Math.max(column - 1, 0), line.length())) + 1;
    }

    private static final java.util.regex.Pattern START_MARKER = java.util.regex.Pattern.compile(
            "\\(start marker at \\[Source: .*?; line: \\d+, column: (\\d+)]\\)");

    /** What a line with a byte order mark adds to its error: the mark is invisible, and only a file's start may hold one. */
    static final String BOM_HINT = " (a byte order mark, U+FEFF, which only a file's start may hold: files joined after the "
            + "first, as cat joins them, keep theirs; remove them, e.g. sed 's/^\\xEF\\xBB\\xBF//')";

    /** What a line that ends inside its object adds to its error: the file is likely pretty-printed JSON. */
    static final String UNCLOSED_HINT = " (the line ends inside its object: JSON Lines holds one whole object a line, so a "
            + "pretty-printed JSON file, whose objects span lines, is not read as its objects; write it one object a line, e.g. "
            + "jq -c . or jq -c '.[]' for an array; or the line was cut short)";

    /**
     * True when the JSON object {@code line}'s top-level field {@code name} holds a number, object, array or boolean
     * (not a string or null). Streams the object and stops at the field: nested objects are skipped, not searched.
     */
    static boolean topLevelNotString(String line, String name) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            com.fasterxml.jackson.core.JsonToken v = toTopLevelField(p, name);
            if (v == null) {
                return false;
            }
            // a key given twice: Spark keeps the last value, so that one is judged ({"text":"hi","text":5} was kept as "5")
            p.skipChildren();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = p.currentName();
                com.fasterxml.jackson.core.JsonToken next = p.nextToken();
                if (field.equals(name)) {
                    v = next;
                }
                p.skipChildren();
            }
            return v != com.fasterxml.jackson.core.JsonToken.VALUE_STRING && v != com.fasterxml.jackson.core.JsonToken.VALUE_NULL;
        } catch (java.io.IOException e) {
            return false; // a malformed line is reported as such by the parse itself
        }
    }

    /**
     * Moves {@code p}, at the start of a line, to the value of the line's top-level field {@code name} and returns that
     * value's first token; null when the line is no JSON object or has no such field. The first field of that name counts;
     * the values of other fields are skipped, not searched.
     */
    static com.fasterxml.jackson.core.JsonToken toTopLevelField(com.fasterxml.jackson.core.JsonParser p, String name)
            throws java.io.IOException {
        if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
            return null;
        }
        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
            String field = p.currentName();
            com.fasterxml.jackson.core.JsonToken v = p.nextToken();
            if (field.equals(name)) {
                return v;
            }
            p.skipChildren();
        }
        return null;
    }

    /**
     * The id {@code parsed} (Spark's parse of the line's top-level field {@code key}, read as a string) as the line writes
     * it, where it is no JSON string: Spark's parser hands a number over as the double it reads, so {@code 1e400} and
     * {@code 2e400} were both {@code "Infinity"}, {@code 1E2} and {@code 100.0} both {@code 100.0}, {@code -0} was {@code 0}
     * and {@code 0.1} and {@code 0.10000000000000000001} one id, and an object or array holding such numbers likewise. Only
     * a value that can be such a copy (a float's text, {@code 0}, an object, an array or Spark's quoted {@code "NaN"}) is
     * looked up in the line.
     */
    private static Column idAsWritten(Column parsed, String key) {
        UserDefinedFunction written = functions.udf((UDF1<String, String>) line -> valueAsWritten(line, key), DataTypes.StringType);
        // Spark's copy of an integer is its digits but for -0 ("0"); a float's is a double's text (a '.' or an 'E'), quoted
        // where it is no finite number ("Infinity"): an id of digits alone, a string id such as a UUID, is not parsed twice
        Column first = functions.substring(parsed, 1, 1);
        Column number = first.isin("-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
                .and(parsed.contains(".").or(parsed.contains("E")).or(parsed.equalTo("0")));
        Column copied = first.isin("{", "[", "\"").or(number);
        return when(copied, functions.coalesce(written.apply(col("value")), parsed)).otherwise(parsed);
    }

    /**
     * The JSON text of the top-level field {@code name} of the object {@code line} with each number as the line writes it
     * (objects and arrays without white space between their tokens, as Spark's copy of them is), or null where that value
     * is a string, null or missing, or the line does not parse.
     */
    static String valueAsWritten(String line, String name) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            com.fasterxml.jackson.core.JsonToken v = toTopLevelField(p, name);
            if (v == null || v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING || v == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                return null;
            }
            if (v.isScalarValue()) {
                return p.getText(); // a number's (or NaN's, true's) own characters
            }
            java.io.StringWriter text = new java.io.StringWriter();
            try (com.fasterxml.jackson.core.JsonGenerator g = JSON.createGenerator(text)) {
                int depth = 0;
                do {
                    com.fasterxml.jackson.core.JsonToken t = p.currentToken();
                    if (t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT || t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT) {
                        g.writeNumber(p.getText());
                    } else {
                        g.copyCurrentEvent(p);
                    }
                    depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
                } while (depth > 0 && p.nextToken() != null);
            }
            return text.toString();
        } catch (java.io.IOException e) {
            return null; // a malformed line is reported as such by the parse itself
        }
    }

    /** A map of strings to strings: a chat message as a dict, as a Parquet file may hold it. */
    static boolean isStringMap(org.apache.spark.sql.types.DataType t) {
        return t instanceof org.apache.spark.sql.types.MapType m && Columns.isString(m.keyType()) && Columns.isString(m.valueType());
    }

    /** An array of structs: what chat messages read from JSON are. */
    static boolean isMessageArray(org.apache.spark.sql.types.DataType t) {
        return t instanceof org.apache.spark.sql.types.ArrayType a && a.elementType() instanceof StructType;
    }

    /**
     * The type of the messages field {@code key} inferred from the JSON objects {@code lines} (the rows whose messages are
     * arrays of objects, or null), as Spark infers it; null when none holds any.
     */
    private static org.apache.spark.sql.types.ArrayType messagesTypeOf(SparkSession spark, Dataset<String> lines, String key) {
        StructType inferred = spark.read().option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
                .option("maxStringLen", MAX_STRING_LEN).json(lines).schema();
        for (StructField f : inferred.fields()) {
            if (f.name().equals(key) && isMessageArray(f.dataType())) {
                return (org.apache.spark.sql.types.ArrayType) f.dataType();
            }
        }
        return null;
    }

    /**
     * For a JSON object {@code line}, an error when its top-level field {@code name} holds something other than chat
     * messages (an array of objects): a string, a number, a boolean, an object, or an array with a message that is none
     * of these objects (a NULL message is left to the messages' own check, which names it); null otherwise.
     */
    static String messagesNotArray(String line, String name) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            com.fasterxml.jackson.core.JsonToken v = toTopLevelField(p, name);
            if (v == null || v == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                return null;
            }
            if (v != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                // the value itself, up to 200 characters: the rejected row's messages column is null (it is typed as an
                // array), and the string or object the row held was not in the output at all
                String value = LENIENT_JSON.readTree(p).toString();
                return "field '" + name + "' is " + jsonKind(v) + " (" + (value.length() > 200 ? value.substring(0, 200) + "..." : value)
                        + "), expected chat messages: an array of {role, content} objects";
            }
            for (int i = 0; p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY; i++) {
                com.fasterxml.jackson.core.JsonToken m = p.currentToken();
                if (m != com.fasterxml.jackson.core.JsonToken.START_OBJECT && m != com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                    return "message " + i + " of field '" + name + "' is " + jsonKind(m) + ", expected a {role, content} object";
                }
                p.skipChildren();
            }
            return null;
        } catch (java.io.IOException e) {
            return null; // a malformed line is reported as such by the parse itself
        }
    }

    private static String jsonKind(com.fasterxml.jackson.core.JsonToken t) {
        return switch (t) {
            case VALUE_STRING -> "a JSON string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            default -> "not an array";
        };
    }

    /**
     * For a JSON object {@code line} whose top-level field {@code name} is an array of messages, an error naming the first
     * message whose {@code content} is a number, object, array or boolean (not a string or null), or null.
     */
    static String contentNotString(String line, String name) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(line)) {
            if (toTopLevelField(p, name) != com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                return null;
            }
            for (int i = 0; p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY; i++) {
                if (p.currentToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    com.fasterxml.jackson.core.JsonToken c = p.nextToken();
                    if (key.equals("content") && c != com.fasterxml.jackson.core.JsonToken.VALUE_STRING
                            && c != com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                        return "message " + i + " of field '" + name + "' has a content that is not a JSON string, while "
                                + "others in the input are strings, which makes Spark read it as its JSON text (give every content "
                                + "as a string, or every one as a list of parts)";
                    }
                    p.skipChildren();
                }
            }
            return null;
        } catch (java.io.IOException e) {
            return null; // a malformed line is reported as such by the parse itself
        }
    }

    /**
     * The first {@code \\uXXXX} escape in a JSON line that is half of a surrogate pair without its other half, as an
     * error ("unpaired surrogate escape \\uD800 at character 17 of the line ..."), or null. Characters are counted from 1
     * in code points, as in {@link #afterObject} and by SQL's {@code substring}: an emoji is one. Escaped backslashes are
     * skipped, so {@code \\\\ud800} (a backslash, then the letters) is text.
     */
    static String unpairedSurrogate(String line) {
        int n = line.length();
        for (int i = 0; i < n; i++) {
            if (line.charAt(i) != '\\' || i + 1 >= n) {
                continue;
            }
            char e = line.charAt(i + 1);
            if (e != 'u') {
                i++; // \\, \" and the other two-character escapes
                continue;
            }
            int c = hex4(line, i + 2);
            if (c < 0) {
                continue; // a bad escape: the JSON parse reports the line as malformed
            }
            if (Character.isHighSurrogate((char) c)) {
                int low = i + 6 + 1 < n && line.charAt(i + 6) == '\\' && line.charAt(i + 7) == 'u' ? hex4(line, i + 8) : -1;
                if (low >= 0 && Character.isLowSurrogate((char) low)) {
                    i += 11;
                    continue;
                }
            } else if (!Character.isLowSurrogate((char) c)) {
                i += 5;
                continue;
            }
            return "unpaired surrogate escape \\u" + line.substring(i + 2, i + 6).toUpperCase(java.util.Locale.ROOT)
                    + " at character " + (line.codePointCount(0, i) + 1) + " of the line (not a Unicode character; it cannot be stored as UTF-8)";
        }
        return null;
    }

    /**
     * What is wrong with a JSON line's object that Spark's parser passes over without a word (a key given twice, more
     * after the object), as {@link dev.kindling.formats.JsonLines#objectLineError} words it for every JSON Lines reader.
     */
    static String objectLineError(byte[] line) {
        return dev.kindling.formats.JsonLines.objectLineError(line);
    }

    /** Where {@link #objectLineError} finds a top-level key given twice: "key 'id' given twice in the line's object". */
    static final String TOP_OBJECT = dev.kindling.formats.JsonLines.TOP_OBJECT;

    private static int hex4(String s, int from) {
        if (from + 4 > s.length()) {
            return -1;
        }
        int v = 0;
        for (int k = from; k < from + 4; k++) {
            int d = Character.digit(s.charAt(k), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }

    static String strictUtf8(byte[] b) {
        if (b == null) {
            return null;
        }
        // a UTF-8 byte order mark is not text: the line readers (Hadoop's) drop it, so the same file read whole must too
        int bom = b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, bom, b.length - bom)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * What to do when the text column names a field inside a struct ({@code doc.text} of {@code {"doc":{"text":...}}}): the
     * text is read from a top-level column only, and "no column 'doc.text'" beside a column {@code doc} left the user
     * guessing whether the dot was the problem. Empty when {@code name} is no such path.
     */
    static String nestedHint(StructType schema, String name) {
        String[] parts = name.split("\\.", -1);
        if (parts.length < 2) {
            return "";
        }
        org.apache.spark.sql.types.DataType t = schema;
        for (String part : parts) {
            if (!(t instanceof StructType s)) {
                return "";
            }
            StructField f = Arrays.stream(s.fields()).filter(x -> Columns.sameName(x.name(), part)).findFirst().orElse(null);
            if (f == null) {
                return "";
            }
            t = f.dataType();
        }
        return ". '" + name + "' is a field inside the struct column '" + parts[0] + "', and the text is read from a top-level "
                + "column only: write the field as a column of its own first (in Spark, df.withColumn(\"text\", col(\"" + name
                + "\")); with jq, jq -c '.text = ." + name + "')";
    }

    /** Checks the text column, fills ids, marks unreadable/empty rows, applies the on-error policy. */
    private static Dataset<Row> finish(Dataset<Row> df, ReadOptions o, boolean parquet) {
        for (String[] named : new String[][] {{"--text-column", o.textColumn()}, {"--id-column", o.idColumn()}}) {
            if (named[1] != null && !userColumn(named[1]).equals(named[1])) {
                // the reader's own column by that name would be read instead, silently
                throw KindlingException.usage(named[0] + " " + named[1] + " names a column Kindling's reader adds; an input column "
                        + named[1] + " is read as " + userColumn(named[1]) + ": pass " + named[0] + " " + userColumn(named[1]));
            }
        }
        for (String given : new String[] {o.textColumn(), o.idColumn()}) {
            // found as Spark finds a column (regardless of case unless spark.sql.caseSensitive is set) and named as given,
            // which every later step uses: --id-column ID over "id" was taken for absent, and withColumn("ID", generated),
            // resolving "ID" to "id", replaced the input's ids with generated ones
            String found = given == null ? null : Columns.resolve(df.schema(), given, "input " + String.join(",", o.paths()));
            if (found != null && !found.equals(given)) {
                df = df.withColumnRenamed(found, given);
            }
        }
        Set<String> cols = new LinkedHashSet<>(Arrays.asList(df.columns()));
        List<String> userCols = Columns.userColumns(df.schema());
        String text = o.textColumn();
        boolean onlyBadRows = userCols.isEmpty();
        if (!cols.contains(text)) {
            if (!onlyBadRows) {
                throw KindlingException.usage("input " + String.join(",", o.paths()) + " has no column '" + text
                        + "' (columns: " + String.join(", ", userCols) + "); choose one with " + o.textOption() + nestedHint(df.schema(), text));
            }
            df = df.withColumn(text, lit(null).cast(DataTypes.StringType));
        }
        if (o.idColumnGiven() && !onlyBadRows && !cols.contains(o.idColumn())) {
            // the default id column may be absent (ids are generated); a named one that is not there was a typo, and every
            // row got a generated id in silence
            throw KindlingException.usage("input " + String.join(",", o.paths()) + " has no column '" + o.idColumn()
                    + "' (columns: " + String.join(", ", userCols) + "); choose one with --id-column, or leave it out for ids "
                    + "made from each row's text and position");
        }
        StructField tf = df.schema().apply(text);
        if (o.messages() && !(tf.dataType() instanceof org.apache.spark.sql.types.ArrayType a
                && (a.elementType() instanceof StructType || isStringMap(a.elementType())))) {
            // (JSON Lines where some rows hold a string or an object there are read with the column as text; a Parquet
            // message may be a map of strings, a dict written with a map type, which holds the same keys)
            throw KindlingException.usage("column '" + text + "' of " + String.join(",", o.paths()) + " is "
                    + tf.dataType().simpleString() + ", expected chat messages: an array of {role, content} objects in every row "
                    + "(structs, or maps of strings)");
        }
        if (!o.messages() && !Columns.isString(tf.dataType())) { // a collated one too (a collated table's files)
            throw KindlingException.usage("column '" + text + "' of " + String.join(",", o.paths()) + " is "
                    + tf.dataType().simpleString() + ", expected a string; choose the text with --text-column");
        }
        Column reason = col(Columns.REASON);
        Column marked = when(reason.isNotNull(), reason);
        // only Parquet hands over strings unchecked: the line and file readers have set their bad bytes aside already
        Column tooLong = null;
        // the row's text (or messages) is too long or not UTF-8: its own reason, which a bad id does not replace
        Column textBad = lit(false);
        if (parquet && !o.messages()) {
            // a text over the bound the line and file readers keep (256 MiB) is its row's error, as a line that long is: a
            // 600 MB Parquet text ran the job out of memory once a stage worked on it (exit 52, naming no row), and every
            // other document went with it. Its text is dropped below, so no stage, output or quarantine holds it.
            tooLong = functions.octet_length(Columns.named(text)).gt(maxParquetTextBytes);
            marked = marked.when(tooLong, lit("read:line_too_long"));
            // a Parquet string is bytes, decoded with every invalid sequence as U+FFFD: two different byte strings came out
            // as one text and were kept, where a JSON Lines or text line of those bytes is read:invalid_utf8 (the line
            // readers check theirs as they read, so the scan is not made for them)
            Column invalid = functions.not(tooLong).and(functions.not(functions.is_valid_utf8(Columns.named(text))));
            marked = marked.when(invalid, lit("read:invalid_utf8"));
            textBad = tooLong.or(invalid);
            df = df.withColumn(Columns.ERROR, when(reason.isNull().and(tooLong), functions.concat(lit("text of "),
                            functions.octet_length(Columns.named(text)).cast(DataTypes.StringType), lit(" bytes (column '" + text
                            + "'), over the " + LineSource.describe(maxParquetTextBytes) + " a document may hold (its bytes are not "
                            + "kept); split it into documents first")))
                    .when(reason.isNull().and(invalid), lit("the text is not valid UTF-8 (column '" + text
                    + "'): its invalid bytes would be read as U+FFFD")).otherwise(col(Columns.ERROR)));
            // the text's bytes as they are in the file (one char per byte, as a bad line's raw), so that the quarantine
            // holds what was set aside: its raw was null, and the decoded text had lost the bytes to U+FFFD
            UserDefinedFunction latin1 = functions.udf((UDF1<byte[], String>) b -> LineSource.rawBytes(b, b.length), DataTypes.StringType);
            df = df.withColumn(Columns.RAW, when(reason.isNull().and(invalid), latin1.apply(Columns.named(text).cast(DataTypes.BinaryType)))
                    .otherwise(col(Columns.RAW)));
        }
        if (parquet && o.messages()) {
            // the same bound on a conversation, counted over every field of its messages (a reasoning trace or a tool
            // call's arguments take memory as a content does): Parquet reads the row whole, and one 600 MB conversation
            // would take the job's memory as one 600 MB text does. Its messages are dropped below. (Computed once, in a
            // column of its own: the condition, error and text below would each compute it again.)
            String bytesColumn = freeName(cols, "_messages_bytes");
            df = df.withColumn(bytesColumn, messagesBytes(Columns.named(text), (org.apache.spark.sql.types.ArrayType) tf.dataType()));
            Column bytes = col(bytesColumn);
            tooLong = bytes.gt(maxParquetTextBytes);
            marked = marked.when(tooLong, lit("read:line_too_long"));
            df = df.withColumn(Columns.ERROR, when(reason.isNull().and(tooLong), functions.concat(lit("messages whose fields hold "),
                            bytes.cast(DataTypes.StringType), lit(" bytes (column '" + text + "'), over the "
                            + LineSource.describe(maxParquetTextBytes) + " a document may hold (their bytes are not kept); shorten "
                            + "the conversation first")))
                    .otherwise(col(Columns.ERROR)));
            // a message's strings are bytes too, decoded with U+FFFD in place of invalid sequences as a text's are: a content
            // (or role, name, reasoning, tool call) that is not UTF-8 was handed to the template with its bytes lost, where
            // the same bytes in a text column are read:invalid_utf8. The first such string names the row's error, and its
            // bytes are the row's raw, as a text's are. A conversation over the bound is too long, not invalid.
            String badColumn = freeName(cols, "_messages_bad_utf8");
            df = df.withColumn(badColumn, firstInvalidUtf8(Columns.named(text), (org.apache.spark.sql.types.ArrayType) tf.dataType()));
            Column bad = col(badColumn);
            Column invalid = functions.not(tooLong).and(bad.isNotNull());
            marked = marked.when(invalid, lit("read:invalid_utf8"));
            textBad = tooLong.or(invalid);
            df = df.withColumn(Columns.ERROR, when(reason.isNull().and(invalid), functions.concat(bad.getField("where"),
                            lit(" is not valid UTF-8 (column '" + text + "'): its invalid bytes would be read as U+FFFD")))
                    .otherwise(col(Columns.ERROR)));
            UserDefinedFunction latin1 = functions.udf((UDF1<byte[], String>) b -> LineSource.rawBytes(b, b.length), DataTypes.StringType);
            df = df.withColumn(Columns.RAW, when(reason.isNull().and(invalid), latin1.apply(bad.getField("bytes")))
                    .otherwise(col(Columns.RAW)));
        }
        org.apache.spark.sql.types.DataType idType = cols.contains(o.idColumn()) ? df.schema().apply(o.idColumn()).dataType() : null;
        if (parquet && (Columns.isString(idType) || DataTypes.BinaryType.equals(idType))) { // a string of any collation
            // an id is bytes too (a string, or a binary column cast to one): decoded with U+FFFD in place of invalid
            // sequences, it went on altered, so the output no longer joined back to its source and two such ids became one.
            // It is the row's error as a text's is, its bytes kept in raw; a text too long or not UTF-8 is named first.
            // (Other columns are passed through as Spark decodes them: the id is the one the reader keys every row by.)
            Column idBytes = Columns.named(o.idColumn()).cast(DataTypes.BinaryType);
            Column invalid = functions.not(functions.coalesce(textBad, lit(false)))
                    .and(functions.not(functions.is_valid_utf8(idBytes.cast(DataTypes.StringType))));
            marked = marked.when(invalid, lit("read:invalid_utf8"));
            df = df.withColumn(Columns.ERROR, when(reason.isNull().and(invalid), lit("the id is not valid UTF-8 (column '"
                    + o.idColumn() + "'): its invalid bytes would be read as U+FFFD")).otherwise(col(Columns.ERROR)));
            UserDefinedFunction latin1 = functions.udf((UDF1<byte[], String>) b -> LineSource.rawBytes(b, b.length), DataTypes.StringType);
            df = df.withColumn(Columns.RAW, when(reason.isNull().and(invalid), latin1.apply(idBytes)).otherwise(col(Columns.RAW)));
        }
        // after the checks of bytes: a row that is unreadable (its id not UTF-8) is a read error, not a rejection
        marked = marked.when(Columns.named(text).isNull(), lit("read:null_text"));
        if (!o.messages()) {
            marked = marked.when(Columns.named(text).rlike(dev.kindling.formats.JsonLines.BLANK_TEXT), lit("read:empty_text"));
        }
        df = df.withColumn(Columns.REASON, marked);
        if (tooLong != null) {
            df = df.withColumn(text, when(tooLong, lit(null).cast(tf.dataType())).otherwise(Columns.named(text)));
        }
        // made after a text too long to keep is dropped, so that a made id is one of the text the row holds, as idAsRead
        // makes it again: made from the dropped text, it was taken there for the input's own id and quarantined as such
        String id = o.idColumn();
        // the messages as their JSON text, for the id's hash
        Column textOfRow = o.messages() ? functions.to_json(Columns.named(text)) : Columns.named(text);
        Column generated = madeId(textOfRow);
        if (cols.contains(id)) {
            // a Parquet id that is a struct, array or map is its JSON text, as the same id in a JSON line is read: Spark's
            // cast wrote {shard: "1, 2", n: "3"} as "{1, 2, 3}", names dropped, the same string as {shard: "1", n: "2, 3"}'s
            Column given = idType instanceof StructType || idType instanceof org.apache.spark.sql.types.ArrayType
                    || idType instanceof org.apache.spark.sql.types.MapType ? functions.to_json(Columns.named(id))
                    : Columns.named(id).cast(DataTypes.StringType);
            df = df.withColumn(id, functions.coalesce(given, generated));
        } else {
            df = df.withColumn(id, generated);
        }
        if (o.onError() == OnError.FAIL) {
            // text-files reads any file as a document (only given, never inferred): a file's name says nothing there
            df = df.filter(failOnReadError(parquet, parquet || o.format() == DataFormat.TEXT_FILES ? List.of()
                    : inputFolders(df.sparkSession(), o.paths())));
        }
        // id and text first, then the rest of the user's columns, then ours
        List<Column> order = new ArrayList<>();
        // the user's names quoted: col("doc.id") reads field id of a struct doc
        order.add(Columns.named(id));
        order.add(Columns.named(text));
        for (String c : userCols) {
            if (!c.equals(id) && !c.equals(text)) {
                order.add(Columns.named(c));
            }
        }
        for (String c : Columns.READER_COLUMNS) {
            order.add(col(c));
        }
        return df.select(order.toArray(new Column[0]));
    }

    /**
     * The bytes of a messages column's values, summed over its messages (0 for none): every field of a message, a string
     * by its UTF-8 bytes, a nested value (a list of parts, tool calls) by its JSON text's, a number or boolean by its text's;
     * a map's values (a message as a dict). A NULL field adds nothing; field names are the schema's, not counted.
     */
    static Column messagesBytes(Column messages, org.apache.spark.sql.types.ArrayType type) {
        if (isStringMap(type.elementType())) {
            return functions.coalesce(functions.aggregate(messages, lit(0L), (sum, m) -> sum.plus(functions.coalesce(
                    functions.aggregate(functions.map_values(m), lit(0L), (s, v) -> s.plus(valueBytes(v, DataTypes.StringType))),
                    lit(0L)))), lit(0L));
        }
        StructType message = (StructType) type.elementType();
        return functions.coalesce(functions.aggregate(messages, lit(0L), (sum, m) -> {
            Column total = sum;
            for (StructField f : message.fields()) {
                total = total.plus(valueBytes(m.getField(f.name()), f.dataType()));
            }
            return total;
        }), lit(0L));
    }

    /**
     * The first string in a messages column that is not valid UTF-8, as {@code struct(where, bytes)}: where it is
     * ({@code "message 1's content"}, {@code "message 0's content[0].text"}, {@code "message 2's tool_calls[0].function.arguments"};
     * messages counted from 0, as the template's errors count them) and its bytes; null when every string is valid.
     * Every string of every message is looked at, field names and map keys included.
     */
    static Column firstInvalidUtf8(Column messages, org.apache.spark.sql.types.ArrayType type) {
        Column first = firstInvalidUtf8(messages, type, lit("message "), null);
        return first == null ? lit(null).cast(new StructType().add("where", DataTypes.StringType).add("bytes", DataTypes.BinaryType))
                : first;
    }

    /**
     * {@link #firstInvalidUtf8(Column, org.apache.spark.sql.types.ArrayType)} within {@code v} of type {@code t}, found
     * at {@code where}; {@code sep} goes before a field's name (null at the top, where the messages are counted, and
     * right after "message i's "). Java null when {@code t} holds no string at all.
     */
    private static Column firstInvalidUtf8(Column v, org.apache.spark.sql.types.DataType t, Column where, String sep) {
        if (Columns.isString(t)) { // of any collation: a collated string holds the file's bytes as unchecked
            return when(functions.not(functions.is_valid_utf8(v)),
                    functions.struct(where.as("where"), v.cast(DataTypes.BinaryType).as("bytes")));
        }
        if (t instanceof StructType s) {
            List<Column> found = new ArrayList<>();
            for (StructField f : s.fields()) {
                Column c = firstInvalidUtf8(v.getField(f.name()), f.dataType(),
                        functions.concat(where, lit((sep == null ? "" : sep) + f.name())), ".");
                if (c != null) {
                    found.add(c);
                }
            }
            return found.isEmpty() ? null : found.size() == 1 ? found.get(0) : functions.coalesce(found.toArray(new Column[0]));
        }
        if (t instanceof org.apache.spark.sql.types.ArrayType a) {
            boolean top = sep == null;
            // the messages: "message 1's ", then the field; a list inside a message: "content[0]", then ".text"
            Column[] probe = new Column[1];
            Column each = functions.transform(v, (x, i) -> {
                Column at = top ? functions.concat(where, i.cast(DataTypes.StringType), lit("'s "))
                        : functions.concat(where, lit("["), i.cast(DataTypes.StringType), lit("]"));
                Column c = firstInvalidUtf8(x, a.elementType(), at, top ? "" : ".");
                probe[0] = c;
                return c == null ? lit(null) : c;
            });
            if (probe[0] == null) {
                return null;
            }
            return functions.try_element_at(functions.filter(each, x -> x.isNotNull()), lit(1));
        }
        if (t instanceof org.apache.spark.sql.types.MapType m) {
            // a message as a dict: a key is a field's name, so its value is found at that name
            Column[] probe = new Column[1];
            Column each = functions.transform(functions.map_entries(v), e -> {
                Column key = firstInvalidUtf8(e.getField("key"), m.keyType(), functions.concat(where,
                        lit((sep == null ? "" : sep) + "key '"), e.getField("key").cast(DataTypes.StringType), lit("'")), null);
                Column value = firstInvalidUtf8(e.getField("value"), m.valueType(), functions.concat(where,
                        lit(sep == null ? "" : sep), m.keyType().equals(DataTypes.StringType) ? e.getField("key")
                                : e.getField("key").cast(DataTypes.StringType)), ".");
                Column c = key == null ? value : value == null ? key : functions.coalesce(key, value);
                probe[0] = c;
                return c == null ? lit(null) : c;
            });
            if (probe[0] == null) {
                return null;
            }
            return functions.try_element_at(functions.filter(each, x -> x.isNotNull()), lit(1));
        }
        return null;
    }

    /**
     * {@code base}, or {@code base} with underscores after it, whichever no column of {@code columns} has (in any case, as
     * Spark resolves names): a column of {@link #finish}'s own, which its result leaves out, must not replace the input's.
     */
    private static String freeName(Set<String> columns, String base) {
        Set<String> lower = new java.util.HashSet<>();
        columns.forEach(c -> lower.add(c.toLowerCase(java.util.Locale.ROOT)));
        String name = base;
        while (lower.contains(name)) {
            name += "_";
        }
        return name;
    }

    /** The bytes {@link #messagesBytes} counts for one value of type {@code t}, 0 for NULL. */
    private static Column valueBytes(Column v, org.apache.spark.sql.types.DataType t) {
        boolean nested = t instanceof StructType || t instanceof org.apache.spark.sql.types.ArrayType
                || t instanceof org.apache.spark.sql.types.MapType;
        Column bytes = functions.octet_length(nested ? functions.to_json(v)
                : Columns.isString(t) || t.equals(DataTypes.BinaryType) ? v : v.cast(DataTypes.StringType));
        return functions.coalesce(bytes.cast(DataTypes.LongType), lit(0L));
    }

    /**
     * The id the reader makes for a row without one: the first 24 hex digits of SHA-256(file name, ':', source offset, ':',
     * {@code text}, or nothing for a null text).
     */
    private static Column madeId(Column text) {
        return substring(sha2(concat_ws(":",
                element_at(split(col(Columns.SOURCE_FILE), "/"), -1),
                col(Columns.SOURCE_OFFSET).cast(DataTypes.StringType),
                functions.coalesce(text, lit(""))), 256), 1, 24);
    }

    /**
     * For the rows of {@code docs} the reader could not read ({@link #READ_ERRORS}), the {@code idColumn} as the input gave
     * it: null where the reader made the id ({@link #madeId}), as it does for a line that did not parse or an input without
     * that column. Such a row's text is null, but for a Parquet text that is not UTF-8 and a JSON text that is not a string,
     * whose id was made from it (chat messages: from their JSON text); the text is looked for under {@code textColumn}.
     * Null where {@code docs} has no {@code idColumn}.
     */
    public static Column idAsRead(Dataset<Row> docs, String idColumn, String textColumn) {
        String id = idColumn == null ? null : Columns.resolve(docs.schema(), idColumn, "the quarantine");
        if (id == null) {
            return lit(null).cast(DataTypes.StringType);
        }
        String text = textColumn == null ? null : Columns.resolve(docs.schema(), textColumn, "the quarantine");
        org.apache.spark.sql.types.DataType type = text == null ? null : docs.schema().apply(text).dataType();
        // chat messages' id is made from their JSON text, as finish makes it: a row set aside for a message's content (its
        // messages kept) showed its made id as the input's
        Column made = madeId(Columns.isString(type) ? Columns.named(text) // of any collation, as finish made it
                : type instanceof org.apache.spark.sql.types.ArrayType ? functions.to_json(Columns.named(text))
                : lit(null).cast(DataTypes.StringType));
        Column given = Columns.named(id).cast(DataTypes.StringType);
        return when(given.notEqual(made), given);
    }

    /**
     * {@link OnError#FAIL}'s filter on {@link #read}'s rows: true, and the job's failure naming file and row at a row the
     * reader could not read ({@link #READ_ERRORS}). Nondeterministic, so that Spark moves no later filter below it: a
     * caller's {@code text IS NOT NULL} (a bad row's text is null) went below it and dropped the row before the check saw
     * it ({@link dev.kindling.spark.dedup.EarlierCorpus}: an earlier corpus's malformed line, the run exiting 0).
     */
    private static Column failOnReadError(boolean parquet, List<InputFolder> folders) {
        return functions.udf((UDF5<String, String, Long, Long, String, Boolean>)
                        (why, file, offset, line, error) -> failOnReadError(why, file, offset, line, error, parquet, folders),
                        DataTypes.BooleanType)
                .asNondeterministic().apply(col(Columns.REASON), col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET),
                        col(Columns.SOURCE_LINE), col(Columns.ERROR));
    }

    private static Boolean failOnReadError(String reason, String file, Long offset, Long line, String error, boolean parquet,
            List<InputFolder> folders) {
        if (reason != null && READ_ERRORS.contains(reason)) {
            throw new BadInputException(BadInputException.describe(file, offset, line, error, parquet)
                    + " (use --on-error skip or quarantine to continue past bad rows)" + notDataAdvice(file, folders));
        }
        return true;
    }

    /**
     * A folder given as an input: its path (the URI's, as the files' paths under it begin), as the user gave it, and a glob
     * of its data files for the advice ({@code data/*.jsonl}); null where no glob reads them all.
     */
    record InputFolder(String path, String given, String glob) implements java.io.Serializable {}

    /**
     * The inputs that are folders (not globs or files), each with a glob of the suffixes of the data files directly in it
     * ({@code *.jsonl}, {@code *{.jsonl,.jsonl.gz}}; {@code *.jsonl} where it has none), or none where it has a subfolder
     * that is not hidden (a glob of the folder's files leaves out those in it); none where they cannot be listed (the
     * reading then says why).
     */
    private static List<InputFolder> inputFolders(SparkSession spark, List<String> paths) {
        List<InputFolder> folders = new ArrayList<>();
        for (String given : paths) {
            if (DataFormat.isGlob(given)) {
                continue;
            }
            try {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(given);
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
                if (fs.getFileStatus(p).isDirectory()) {
                    // every suffix, not the first file's: the advice's *.jsonl.gz, taken from sotu.jsonl.gz beside
                    // moby-dick.jsonl, read one of the folder's two data files, the other left out in silence
                    java.util.SortedSet<String> suffixes = new java.util.TreeSet<>();
                    boolean subfolder = false;
                    for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(p)) {
                        String name = f.getPath().getName();
                        if (name.startsWith("_") || name.startsWith(".")) {
                            continue;
                        }
                        subfolder |= f.isDirectory();
                        if (f.isFile() && DataFormat.fromName(name) != null) {
                            int dot = name.lastIndexOf('.');
                            // a codec's (.gz) with the format's before it: part-0.jsonl.gz gives *.jsonl.gz
                            suffixes.add(DataFormat.fromName("x" + name.substring(dot)) != null ? name.substring(dot)
                                    : name.substring(name.lastIndexOf('.', dot - 1)));
                        }
                    }
                    String prefix = (given.endsWith("/") ? given : given + "/") + "*";
                    String glob = subfolder ? null : suffixes.isEmpty() ? prefix + ".jsonl"
                            : suffixes.size() == 1 ? prefix + suffixes.first() : prefix + "{" + String.join(",", suffixes) + "}";
                    folders.add(new InputFolder(fs.makeQualified(p).toUri().getPath(), given, glob));
                }
            } catch (java.io.IOException | RuntimeException e) {
                // only advice is lost
            }
        }
        return List.copyOf(folders);
    }

    /**
     * For a bad row of a file whose name says no data format ({@code PROVENANCE.md}, {@code README}) in a folder given as
     * an input, what to do: a folder is read file by file, every file but hidden ones, and such a file was read as JSON
     * Lines and failed on its first line, with "malformed JSON" alone to say why. Empty otherwise (a bad line of a
     * {@code .jsonl} file is the data's).
     */
    static String notDataAdvice(String file, List<InputFolder> folders) {
        if (file == null || folders.isEmpty()) {
            return "";
        }
        String path;
        try {
            path = new java.net.URI(file).getPath();
        } catch (java.net.URISyntaxException e) {
            return "";
        }
        if (path == null || DataFormat.fromName(path.substring(path.lastIndexOf('/') + 1)) != null) {
            return "";
        }
        for (InputFolder f : folders) {
            String folder = f.path().endsWith("/") ? f.path() : f.path() + "/";
            if (path.startsWith(folder)) {
                return "; its name says no data format, but it is in the input folder " + f.given() + ", and a folder is read "
                        + "file by file, recursively, every file but hidden ones (named with . or _ first, as _SUCCESS): if it "
                        + "is not data, " + (f.glob() == null ? "move it out of the folder"
                                : "give a glob of the data files (" + f.glob() + ") or move it out of the folder");
            }
        }
        return "";
    }

    /**
     * The name an input column keeps: its own, or {@code input_NAME} when it is named like a column the reader adds
     * ({@code reason}, {@code error}, {@code raw}, {@code source_*}; in any case, as Spark resolves names). Kindling's
     * own outputs carry {@code error} (inference) and {@code reason} ({@code --keep-rejected}); read back, they made
     * every reference ambiguous (JSON) or were silently replaced by the reader's (Parquet: a kept-rejected row came
     * back as kept, its reason gone).
     */
    public static String userColumn(String name) {
        return Columns.READER_COLUMNS.contains(name.toLowerCase(java.util.Locale.ROOT)) ? "input_" + name : name;
    }

    /**
     * {@link #userColumn(String)} among the input's {@code columns}: where {@code input_NAME} is one of them too (a
     * dataset through two of Kindling's inference passes has {@code input_error} and {@code error}), {@code input_} is
     * put before it again until the name is free, so both are kept and neither is ambiguous (Spark refused every
     * reference to the two {@code input_error}s, failing the job).
     */
    static String userColumn(String name, java.util.Collection<String> columns) {
        String renamed = userColumn(name);
        if (renamed.equals(name)) {
            return name;
        }
        String[] taken = columns.toArray(new String[0]);
        while (Columns.contains(taken, renamed)) {
            renamed = "input_" + renamed;
        }
        return renamed;
    }

    /** The columns Kindling adds while reading, dropped from the kept output. */
    public static String[] internalColumns() {
        return new String[] {Columns.SOURCE_FILE, Columns.SOURCE_OFFSET, Columns.SOURCE_LINE, Columns.RAW, Columns.ERROR};
    }

    /**
     * Selects {@code columns} (then {@code error} when {@code withError}), then the columns the
     * accounting needs: {@code reason} and the reading columns {@code docs} has (source, raw line,
     * the read error) — what a command's last stage keeps so that rejected rows can still be traced.
     */
    public static Dataset<Row> selectWithAccounting(Dataset<Row> docs, List<Column> columns, boolean withError) {
        List<String> have = Arrays.asList(docs.columns());
        List<Column> keep = new ArrayList<>(columns);
        if (withError) {
            keep.add(col(Columns.ERROR));
        }
        keep.add(col(Columns.REASON));
        for (String c : internalColumns()) {
            if (have.contains(c) && !(withError && c.equals(Columns.ERROR))) {
                keep.add(col(c));
            }
        }
        for (String c : have) {
            if (c.startsWith(METRIC_PREFIX)) {
                keep.add(col(c)); // a stage's metric column (StageContext.reportMetricColumn), summed at the end
            }
        }
        return docs.select(keep.toArray(new Column[0]));
    }
}
