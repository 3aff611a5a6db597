package dev.kindling.spark.filter;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.dedup.decontam.NgramIndex;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Decontamination: documents sharing a word {@code ngram}-gram (13, GPT-3's rule) with any item of
 * a benchmark file are dropped ({@code decontaminate:ngram_overlap}) or, with mode {@code flag},
 * kept with {@code flagCol} = true. The benchmark (JSON Lines, JSON, Parquet or plain text lines;
 * local or any Hadoop filesystem) is read once on the driver, its n-grams indexed as 64-bit hashes
 * ({@link NgramIndex}, 8 bytes per n-gram) and broadcast to the executors. Matching documents are
 * counted as {@code decontaminate_matches}.
 *
 * <pre>{@code
 * new Decontamination().setBenchmark("mmlu_test.jsonl").setBenchmarkColumns(new String[] {"question"}).transform(docs);
 * }</pre>
 */
public final class Decontamination extends CurationStage<Decontamination> {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "decontaminate";
    /** {@link #setOrigin}'s: where the stage was given, or null. */
    private transient String origin;
    private static final String MATCH = "_kd_contaminated";

    // an empty path failed once Spark had started, with Hadoop's "Can not create a Path from an empty string"; no
    // columns at all was reported as a benchmark with no item long enough
    private final Param<String> benchmark = new Param<>(this, "benchmark", "benchmark file or directory",
            ParamChecks.value(this, "benchmark", "a file's path", (String v) -> !v.isBlank()));
    private final StringArrayParam benchmarkColumns = new StringArrayParam(this, "benchmarkColumns",
            "text columns of the benchmark (strings or arrays of strings); each value is one item",
            ParamChecks.value(this, "benchmarkColumns", "one or more column names",
                    (String[] v) -> v.length > 0 && java.util.Arrays.stream(v).noneMatch(c -> c == null || c.isBlank())));
    private final IntParam ngram = new IntParam(this, "ngram", "n-gram size in words", ParamChecks.atLeast(this, "ngram", 1));
    private final Param<String> mode = new Param<>(this, "mode", "drop or flag", ParamChecks.oneOf(this, "mode", "drop", "flag"));
    private final Param<String> flagCol = new Param<>(this, "flagCol", "column set with mode flag",
                ParamChecks.column(this, "flagCol"));

    public Decontamination() {
        this(Identifiable.randomUID("kindling_decontaminate"));
    }

    public Decontamination(String uid) {
        super(uid);
        setDefault(benchmarkColumns, new String[] {"text"});
        setDefault(ngram, 13);
        setDefault(mode, "drop");
        setDefault(flagCol, "contaminated");
    }

    public static MLReader<Decontamination> read() {
        return StageReader.of(Decontamination.class);
    }

    public static Decontamination load(String path) {
        return read().load(path);
    }

    public Param<String> benchmark() {
        return benchmark;
    }

    public StringArrayParam benchmarkColumns() {
        return benchmarkColumns;
    }

    public IntParam ngram() {
        return ngram;
    }

    public Param<String> mode() {
        return mode;
    }

    public Param<String> flagCol() {
        return flagCol;
    }

    public String getBenchmark() {
        if (!isDefined(benchmark)) {
            throw KindlingException.usage(NAME + ": no benchmark file given");
        }
        return getOrDefault(benchmark);
    }

    public String[] getBenchmarkColumns() {
        return getOrDefault(benchmarkColumns);
    }

    public int getNgram() {
        return (Integer) getOrDefault(ngram);
    }

    public String getMode() {
        return getOrDefault(mode);
    }

    public String getFlagCol() {
        return getOrDefault(flagCol);
    }

    public Decontamination setBenchmark(String v) {
        set(benchmark, v);
        return this;
    }

    public Decontamination setBenchmarkColumns(String[] v) {
        set(benchmarkColumns, v);
        return this;
    }

    public Decontamination setNgram(int v) {
        set(ngram, v);
        return this;
    }

    public Decontamination setMode(String v) {
        set(mode, v == null ? null : v.toLowerCase(Locale.ROOT));
        return this;
    }

    public Decontamination setFlagCol(String v) {
        set(flagCol, v);
        return this;
    }

    @Override
    protected boolean readsIdColumn() {
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected StructType addColumns(StructType in, String idColumn, String textColumn) {
        getBenchmark();
        if (!getMode().equals("flag") && !getMode().equals("drop")) {
            // a value set through copy(ParamMap) or a saved stage skips setMode's check; it ran as drop
            throw KindlingException.usage(NAME + ": mode must be drop or flag, got '" + getMode() + "'");
        }
        if (getMode().equals("flag") && (getFlagCol() == null || getFlagCol().isEmpty())) {
            throw KindlingException.usage(NAME + ": mode flag needs a flagCol; it is " + (getFlagCol() == null ? "null" : "empty"));
        }
        if (getMode().equals("flag") && Columns.contains(in.fieldNames(), getFlagCol())) {
            // it would replace that column (the text, the reasons) with the flags; in another case too, unless
            // spark.sql.caseSensitive is set, as Spark resolves names
            throw KindlingException.usage(NAME + ": flagCol '" + getFlagCol() + "' (a curate config's flag_column, filter's --flag-column) names an existing column; choose another");
        }
        if (getMode().equals("flag") && Columns.reservedPrefix(getFlagCol()) != null) {
            // the stage's working column (_kd_contaminated) takes such a name and is dropped: the flags were lost, though
            // transformSchema declared them
            throw KindlingException.usage(NAME + ": flagCol '" + getFlagCol() + "' (a curate config's flag_column, filter's --flag-column) starts with "
                    + Columns.reservedPrefix(getFlagCol()) + ", which Kindling keeps for the columns its stages add and drop; choose another");
        }
        return getMode().equals("flag") ? in.add(getFlagCol(), DataTypes.BooleanType, true) : in;
    }

    private static KindlingException unreadable(String path, Exception e, List<String> lines, boolean folder) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        // Spark's message is its error class ('[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] ... _corrupt_record'): the
        // line Jackson cannot read is named instead, as the input reader names one
        // as lenient as Spark's JSON reader (single quotes, NaN), or an earlier line Spark read was named: the input
        // reader's parser
        com.fasterxml.jackson.databind.ObjectMapper json = dev.kindling.spark.io.DatasetReader.LENIENT_JSON;
        for (int i = 0; lines != null && i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                if (!json.readTree(lines.get(i)).isObject()) {
                    m = where(lines.get(i), i, folder) + ": not a JSON object";
                    break;
                }
            } catch (java.io.IOException bad) {
                String why = bad instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : bad.getMessage();
                m = where(lines.get(i), i, folder) + ": malformed JSON (" + String.valueOf(why).lines().findFirst().orElse("") + ")";
                break;
            }
        }
        return new KindlingException(KindlingException.FAILURE, NAME + ": benchmark " + path + " cannot be read: " + m, e);
    }

    /** A bad line: by its number in a file; in a folder (whose files' lines were read as one list) by its start. */
    private static String where(String line, int index, boolean folder) {
        return folder ? "the line beginning '" + (line.length() > 60 ? line.substring(0, 60) + "..." : line) + "'" : "line " + (index + 1);
    }

    /** A benchmark file's format by its name: parquet, json (JSON Lines, also gzipped) or text (a line an item). */
    private static String formatOf(String name) {
        // the input reader's names, compressed ones included (convert --compression bzip2 writes part-*.json.bz2)
        dev.kindling.spark.io.DataFormat f = dev.kindling.spark.io.DataFormat.fromName(name);
        return f == dev.kindling.spark.io.DataFormat.PARQUET ? "parquet" : f == dev.kindling.spark.io.DataFormat.JSONL ? "json" : "text";
    }

    /**
     * The format of a benchmark's data files (a folder's: Spark's part files, shards; a glob's matches and the data files
     * of the folders among them), which must agree. A folder was read as text whatever it held, so a folder of JSON Lines
     * had its raw lines matched (escapes undecoded: contamination missed) and its columns could not be chosen.
     */
    private static String benchmarkFormat(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.FileStatus[] matches, String path)
            throws java.io.IOException {
        java.util.Map<String, String> formats = new java.util.TreeMap<>();
        for (org.apache.hadoop.fs.FileStatus match : matches) {
            // a glob's _SUCCESS, which Spark's reader passes over as it does a folder's (a folder named alone is read
            // whatever its name)
            if (dev.kindling.spark.io.DataFormat.isHidden(match.getPath().getName()) && (match.isFile() || matches.length > 1)) {
                continue;
            }
            for (org.apache.hadoop.fs.FileStatus f : match.isDirectory() ? dev.kindling.spark.io.DataFormat.dataFiles(fs, match.getPath())
                    : List.of(match)) {
                formats.putIfAbsent(formatOf(f.getPath().getName()), f.getPath().getName());
            }
        }
        String what = matches.length == 1 && matches[0].isDirectory() ? "benchmark folder " : "benchmark ";
        if (formats.isEmpty()) {
            throw KindlingException.usage(NAME + ": " + what + path + " holds no data files");
        }
        if (formats.size() > 1) {
            throw KindlingException.usage(NAME + ": " + what + path + " holds files of more than one format ("
                    + formats.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(java.util.stream.Collectors.joining(", "))
                    + "); give one file, or a folder of one format");
        }
        return formats.keySet().iterator().next();
    }

    /**
     * Names where the stage was given ({@code config p.yaml: stages[6] (decontaminate)}) in its errors about the benchmark's
     * columns, which otherwise name the option of every surface that sets them. Not a param: the config is not the stage's.
     */
    public Decontamination setOrigin(String where) {
        origin = where;
        return this;
    }

    private KindlingException missingColumn(String path, String column, List<String> columns) {
        return KindlingException.usage((origin == null ? NAME : origin) + ": benchmark " + path + " has no column '" + column
                + "' (columns: " + String.join(", ", columns) + "); choose them with "
                + (origin == null ? "benchmarkColumns, --decontaminate-columns or a curate config's columns" : "'columns'"));
    }

    /**
     * Refuses the columns a local JSON Lines or text benchmark file lacks, before Spark starts, as {@link #buildIndex}
     * would once Spark had started and read it. A folder, Parquet, a compressed file or a line that is not a JSON object
     * is left to {@link #buildIndex}, which reads them as Spark does and says what is wrong.
     */
    public void checkLocalBenchmarkColumns() {
        if (dev.kindling.spark.io.LocalPaths.localOrNull(getBenchmark()) == null) {
            return;
        }
        java.nio.file.Path local;
        try {
            // the file the reader will read, the benchmark's glob checked as buildIndex checks it
            org.apache.hadoop.fs.FileStatus[] matches = dev.kindling.spark.io.DataFormat.matches(
                    org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration()), getBenchmark(),
                    (origin == null ? NAME : origin) + ": benchmark " + getBenchmark());
            if (matches.length != 1 || !matches[0].isFile()) {
                return;
            }
            local = dev.kindling.spark.io.LocalPaths.ofFileUri(matches[0].getPath().toUri());
        } catch (java.io.IOException e) {
            return; // buildIndex reports it
        }
        String name = local.getFileName().toString();
        String format = formatOf(name);
        java.util.Set<String> columns = new java.util.TreeSet<>();   // Spark orders a JSON input's columns by name
        if (format.equals("text")) {
            columns.add("text");
        } else if (format.equals("json") && (name.endsWith(".jsonl") || name.endsWith(".json"))) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            try (java.io.BufferedReader r = java.nio.file.Files.newBufferedReader(local, java.nio.charset.StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    com.fasterxml.jackson.databind.JsonNode item = json.readTree(line);
                    if (item == null || !item.isObject()) {
                        return;
                    }
                    item.fieldNames().forEachRemaining(columns::add);
                }
            } catch (java.io.IOException | RuntimeException e) {
                return;
            }
        }
        if (columns.isEmpty()) {
            return;
        }
        for (String wanted : getBenchmarkColumns()) {
            if (columns.stream().noneMatch(c -> Columns.sameName(c, wanted))) {
                throw missingColumn(getBenchmark(), wanted, new ArrayList<>(columns));
            }
        }
    }

    /** Reads the benchmark's items on the driver and indexes their n-grams. */
    public NgramIndex buildIndex(SparkSession spark) {
        String path = getBenchmark();
        String format;
        boolean folder;
        try {
            org.apache.hadoop.fs.FileSystem fs = new Path(path).getFileSystem(spark.sparkContext().hadoopConfiguration());
            // Spark's reader below reads it as a glob: what it matches, refused where that is not the file of its name
            org.apache.hadoop.fs.FileStatus[] matches = dev.kindling.spark.io.DataFormat.matches(fs, path, NAME + ": benchmark " + path);
            if (matches.length == 0) {
                throw KindlingException.usage(NAME + ": benchmark " + path + " does not exist");
            }
            // the lines of more than one file are read as one list
            folder = matches.length > 1 || matches[0].isDirectory();
            format = benchmarkFormat(fs, matches, path);
        } catch (java.io.IOException e) {
            throw dev.kindling.spark.io.DataFormat.storeError(e, NAME + ": benchmark " + path + " does not exist: ",
                    NAME + ": cannot read benchmark " + path + ": ", path, spark.sparkContext().hadoopConfiguration());
        }
        Dataset<Row> df;
        List<String> lines = null; // a JSON Lines benchmark's, to name a malformed one
        if (format.equals("parquet")) {
            df = spark.read().parquet(path);
        } else if (format.equals("json")) {
            // a malformed line fails the run: skipped, its items would go unchecked and the output look clean. The lines are
            // fetched once and parsed on the driver: read as JSON from the file, it was read for the schema and once more
            // for each column (a remote benchmark fetched as often); Spark parses a Dataset of lines as it does a file's
            try {
                // lines end at \n alone, as the input reader's JSON Lines do, a \r before it being part of the line end: a
                // raw \r inside an item is JSON white space (json.loads of the \n-split line takes it), which Spark's default
                // line ends (\r too) cut into two malformed lines
                lines = spark.read().option("lineSep", "\n").textFile(path).collectAsList().stream()
                        .map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList();
                df = spark.read().option("mode", "FAILFAST").json(spark.createDataset(lines, Encoders.STRING()));
            } catch (Exception e) { // Spark's SparkException is checked, thrown undeclared from Scala
                throw unreadable(path, e, lines, folder);
            }
            // a key given twice, refused naming its line as the input reader refuses the row: Spark's schema held a column
            // given twice twice, and the run failed calling it ambiguous, naming no line
            for (int i = 0; i < lines.size(); i++) {
                String twice = dev.kindling.formats.JsonLines.objectLineError(lines.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (twice != null) {
                    throw new KindlingException(KindlingException.FAILURE, NAME + ": benchmark " + path + " cannot be read: "
                            + where(lines.get(i), i, folder) + ": " + twice);
                }
            }
        } else {
            df = spark.read().text(path).withColumnRenamed("value", "text");
        }
        List<String> cols = Arrays.asList(df.columns());
        if (cols.isEmpty()) {
            throw KindlingException.usage(NAME + ": benchmark " + path + " is empty");
        }
        String[] wanted = getBenchmarkColumns();
        Column[] values = new Column[wanted.length];
        boolean[] array = new boolean[wanted.length];
        for (int i = 0; i < wanted.length; i++) {
            String found = Columns.resolve(df.schema(), wanted[i], NAME);
            if (found == null) {
                throw missingColumn(path, wanted[i], cols);
            }
            array[i] = df.schema().apply(found).dataType() instanceof ArrayType;
            values[i] = Columns.named(wanted[i]).cast(array[i] ? DataTypes.createArrayType(DataTypes.StringType) : DataTypes.StringType);
        }
        List<Row> rows;
        try {
            // every column in one pass (it was a job, and a read of the file, per column); a benchmark is small: it is
            // read on the driver on purpose
            rows = df.select(values).collectAsList();
        } catch (Exception e) { // Spark's SparkException is checked, thrown undeclared from Scala
            throw unreadable(path, e, lines, folder);
        }
        // the first column's items, then the second's, ...; an array's elements are items each
        List<String> items = new ArrayList<>();
        for (int i = 0; i < wanted.length; i++) {
            for (Row r : rows) {
                if (r.isNullAt(i)) {
                    continue;
                }
                if (!array[i]) {
                    items.add(r.getString(i));
                    continue;
                }
                for (Object v : r.getList(i)) {
                    if (v != null) {
                        items.add((String) v);
                    }
                }
            }
        }
        return NgramIndex.build(items, getNgram());
    }

    @Override
    protected Dataset<Row> run(Dataset<Row> docs, StageContext ctx) {
        NgramIndex index = buildIndex(ctx.spark());
        if (index.size() == 0) {
            throw KindlingException.usage(NAME + ": benchmark " + getBenchmark() + " has no item of " + getNgram()
                    + " words or more; nothing to match");
        }
        if (index.skippedItems() > 0) {
            // short items (a one-line question) cannot hold an n-gram: say so rather than seem to have checked them
            org.slf4j.LoggerFactory.getLogger(Decontamination.class).warn("{}: {} benchmark items of {} are shorter than {} words "
                    + "and are not checked (lower the n-gram size to check them)", NAME, index.skippedItems(),
                    getBenchmark(), getNgram());
        }
        Broadcast<NgramIndex> shared = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext()).broadcast(index);
        UserDefinedFunction matches = functions.udf((UDF1<String, Boolean>) t -> shared.value().firstMatch(t) >= 0,
                DataTypes.BooleanType);
        String text = ctx.textColumn();
        Column eligible = col(Columns.REASON).isNull().and(Columns.named(text).isNotNull());
        Dataset<Row> d = docs.withColumn(MATCH, when(eligible, matches.apply(Columns.named(text)).cast(DataTypes.IntegerType)));
        ctx.reportValue(NAME + "_benchmark_ngrams", index.size());
        ctx.reportMetricColumn(MATCH, NAME + "_matches");
        if (getMode().equals("flag")) {
            return d.withColumn(getFlagCol(), when(eligible, col(MATCH).equalTo(1)));
        }
        return d.withColumn(Columns.REASON, when(eligible.and(col(MATCH).equalTo(1)), lit(NAME + ":ngram_overlap"))
                .otherwise(col(Columns.REASON)));
    }
}
