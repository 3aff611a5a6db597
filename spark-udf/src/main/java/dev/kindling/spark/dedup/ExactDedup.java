package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.kindling.dedup.hash.Hash128;
import dev.kindling.dedup.hash.MurmurHash3;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.curate.RowOrder;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Exact dedup: rows whose normalised text (or another column, e.g. a URL) has the same 128-bit
 * MurmurHash3 x64_128 are one group; the group keeps its first row in {@link RowOrder} (the smallest
 * id) and rejects the others with {@code exact_dedup:duplicate}. One window aggregation (a shuffle
 * by hash, groups spill to disk when large); nothing goes to the driver.
 *
 * <p>Normalisation ({@code normalize}): {@code exact} (default for the text: NFKC, case folding, invisible
 * format characters dropped, white space collapsed), {@code none} (default for other columns) or {@code near}. With
 * {@code clusterColumns} the rows get {@code cluster_id} (the kept row's id) and {@code duplicate_of}.
 * Rows with a null value in the column take no part; an empty value is a value like any other, so all
 * empty texts, or empty URLs, are one group that keeps one row (as datatrove's URL dedup; the CLI's reader sets
 * empty texts aside as {@code read:empty_text} first). A value that normalises to nothing (white space; emoji or
 * punctuation under {@code near}) is compared as it is ({@link #key}).
 *
 * <p>Against an earlier corpus ({@code againstPaths}, or {@link #setAgainst} for one already read; {@link EarlierCorpus}):
 * a new row whose key is an earlier document's is rejected with {@code exact_dedup:duplicate_of_earlier}, its
 * {@code cluster_id} and {@code duplicate_of} the smallest such earlier id. Its whole group goes (they share the key);
 * the earlier documents are never output. The earlier keys are one aggregation (key, smallest id), joined to the new
 * rows by key, the join's shuffle the window's; a saved index ({@code againstIndexPaths}, {@link EarlierIndex}) holds
 * the (key, id) rows it aggregates ({@link #earlierKeys}), used in place of the earlier texts; against one index alone whose
 * keys are unique ({@link EarlierIndex#uniqueKeys}) they are joined as they are.
 *
 * <pre>{@code
 * new ExactDedup().transform(docs);                        // by text
 * new ExactDedup().setColumn("url").transform(docs);       // by URL; reasons exact_dedup_url:duplicate
 * new ExactDedup().setAgainstPaths(new String[] {"s3a://corpus/2026-11"}).transform(docs);   // and against last month's
 * }</pre>
 */
public final class ExactDedup extends CurationStage<ExactDedup> {
    private static final long serialVersionUID = 1L;
    private static final String KEY = "_kd_exact_key";
    /** The reason's second half for a row that duplicates a document of the earlier corpus. */
    public static final String EARLIER_REASON = "duplicate_of_earlier";
    /** The hash seed of a key made of a value as it is (one that normalises to nothing): {@link #key}. */
    private static final int RAW_KEY_SEED = 1;
    /**
     * A saved index's entry ({@link #indexParams}) that says how a value that normalises to nothing was keyed: as it is
     * ({@link #key}). An index written before holds the empty key for each such earlier text, and is refused
     * ({@link EarlierIndex#requireMatches(String, java.util.Map)}).
     */
    static final String NORMALISED_TO_NOTHING = "normalised_to_nothing";

    private final Param<String> column = new Param<>(this, "column", "column to compare (empty: the text column)",
            ParamChecks.optional(this, "column", "a column name"));
    private final Param<String> normalize = new Param<>(this, "normalize",
            "normalisation before hashing: none, exact or near (empty: exact for the text, none for other columns)",
            ParamChecks.value(this, "normalize", "none, exact or near", (String v) -> v.isEmpty() || NormalizeOptions.named(v) != null));
    private final BooleanParam clusterColumns = ParamChecks.bool(this, "clusterColumns",
            "add cluster_id and duplicate_of columns (for --keep-duplicates)");
    private final StringArrayParam againstPaths = new StringArrayParam(this, "againstPaths",
            "an earlier corpus (files, folders, globs read as --input is): rows duplicating its documents are rejected (empty: none)",
            ParamChecks.value(this, "againstPaths", "paths, none blank", (String[] v) -> java.util.Arrays.stream(v).noneMatch(p -> p == null || p.isBlank())));
    private final StringArrayParam againstIndexPaths = new StringArrayParam(this, "againstIndexPaths",
            "saved dedup indexes of earlier corpora (kindling dedup --save-index): compared with as againstPaths is, their texts "
                    + "not read again (empty: none)",
            ParamChecks.value(this, "againstIndexPaths", "paths, none blank", (String[] v) -> java.util.Arrays.stream(v).noneMatch(p -> p == null || p.isBlank())));
    /** Indexes already opened and checked (the CLI's, before Spark started): not a param; before againstIndexPaths. */
    private transient java.util.List<EarlierIndex> againstIndexes;
    /** An earlier corpus already read (the CLI's): not a param, so not saved; before againstPaths. */
    private transient EarlierCorpus against;
    /** {@link #setAgainst}'s DataFrame, its columns found when the stage runs (idCol and textCol may be set after it). */
    private transient Dataset<Row> againstFrame;

    public ExactDedup() {
        this(Identifiable.randomUID("kindling_exact_dedup"));
    }

    public ExactDedup(String uid) {
        super(uid);
        setDefault(column, "");
        setDefault(normalize, "");
        setDefault(clusterColumns, false);
        setDefault(againstPaths, new String[0]);
        setDefault(againstIndexPaths, new String[0]);
    }

    public static MLReader<ExactDedup> read() {
        return StageReader.of(ExactDedup.class);
    }

    public static ExactDedup load(String path) {
        return read().load(path);
    }

    public Param<String> column() {
        return column;
    }

    public Param<String> normalize() {
        return normalize;
    }

    public BooleanParam clusterColumns() {
        return clusterColumns;
    }

    public ExactDedup setColumn(String v) {
        set(column, v == null ? "" : v);
        return this;
    }

    public ExactDedup setNormalize(String v) {
        set(normalize, v);
        return this;
    }

    public ExactDedup setClusterColumns(boolean v) {
        set(clusterColumns, v);
        return this;
    }

    public StringArrayParam againstPaths() {
        return againstPaths;
    }

    public String[] getAgainstPaths() {
        return getOrDefault(againstPaths);
    }

    public ExactDedup setAgainstPaths(String[] v) {
        set(againstPaths, v);
        return this;
    }

    public StringArrayParam againstIndexPaths() {
        return againstIndexPaths;
    }

    public String[] getAgainstIndexPaths() {
        return getOrDefault(againstIndexPaths);
    }

    /**
     * Saved indexes of earlier corpora ({@code kindling dedup --save-index}, {@link EarlierIndex}), compared with as
     * {@code againstPaths} is (with it too, when both are set) without reading their texts; an index made with other
     * parameters than this stage's is refused naming the parameter.
     */
    public ExactDedup setAgainstIndexPaths(String[] v) {
        set(againstIndexPaths, v);
        return this;
    }

    ExactDedup setAgainstIndexes(java.util.List<EarlierIndex> indexes) {
        againstIndexes = indexes;
        return this;
    }

    /**
     * The earlier corpus as a DataFrame with the id and text columns (and the compared column) under the names of this
     * stage's input; rows with a {@code reason} take no part. Not saved with the stage ({@code againstPaths} is); set,
     * it is used instead of {@code againstPaths}.
     */
    public ExactDedup setAgainst(Dataset<Row> earlier) {
        againstFrame = earlier;
        return this;
    }

    ExactDedup setAgainst(EarlierCorpus earlier) {
        against = earlier;
        return this;
    }

    /**
     * This stage with its uid, its values and {@code extra}'s, and the earlier corpus given to {@link #setAgainst}, which
     * is no param: a copy (what {@code transform(df, paramMap)}, {@code Pipeline.fit(df, paramMap)} and Spark's tuning run)
     * dropped it, and deduplicated against nothing, in silence.
     */
    @Override
    public ExactDedup copy(org.apache.spark.ml.param.ParamMap extra) {
        ExactDedup copy = super.copy(extra);
        copy.againstFrame = againstFrame;
        return copy;
    }

    public boolean getClusterColumns() {
        return (Boolean) getOrDefault(clusterColumns);
    }

    public String getColumn() {
        return getOrDefault(column);
    }

    private boolean byText() {
        return getOrDefault(column).isEmpty();
    }

    @Override
    public String name() {
        return byText() ? "exact_dedup" : "exact_dedup_" + getOrDefault(column);
    }

    private NormalizeOptions normalizeOptions() {
        String n = getOrDefault(normalize);
        if (n.isEmpty()) {
            return byText() ? NormalizeOptions.EXACT : NormalizeOptions.NONE;
        }
        return NormalizeOptions.named(n);
    }

    @Override
    protected void requireOtherColumns(StructType schema) {
        if (!byText()) {
            requireColumn(schema, getOrDefault(column), "column", null);
        }
    }

    @Override
    protected StructType addColumns(StructType in, String idColumn, String textColumn) {
        if (!getClusterColumns()) {
            return in;
        }
        return ClusterColumns.addTo(in, idColumn, name());
    }

    @Override
    protected boolean comparesRows() {
        return true;
    }

    @Override
    protected Dataset<Row> run(Dataset<Row> docs, StageContext ctx) {
        String target = byText() ? ctx.textColumn() : getOrDefault(column);
        UserDefinedFunction hash = keyFunction();
        Column value = comparable(Columns.named(target), docs.select(Columns.named(target)).schema().fields()[0].dataType());
        Column eligible = col(Columns.REASON).isNull().and(value.isNotNull());
        // rows that take no part get a key of their own (their row's hash, tagged), so they do not all
        // land in one window partition; their verdict is never changed
        Column key = when(eligible, hash.apply(value))
                .otherwise(functions.concat(lit("-"), xxhash64(Columns.named(ctx.idColumn()), Columns.named(ctx.textColumn())).cast(DataTypes.StringType)));
        WindowSpec group = Window.partitionBy(KEY)
                .orderBy(RowOrder.orderColumns(docs, name(), ctx.idColumn(), ctx.textColumn()).toArray(new Column[0]));
        Dataset<Row> w = docs.withColumn(KEY, key);
        EarlierCorpus earlier = EarlierCorpus.forStage(against, againstFrame, getAgainstPaths(), ctx, name());
        // the earlier documents' (key, id): made from the texts this run, or read from a saved index
        List<EarlierCorpus> earlierKeys = new ArrayList<>();
        if (earlier != null) {
            earlierKeys.add(earlierKeys(earlier));
        }
        List<EarlierIndex> indexes = EarlierIndex.forStage(againstIndexes, getAgainstIndexPaths(), ctx, this);
        for (EarlierIndex index : indexes) {
            earlierKeys.add(index.part(ctx.spark(), name()));
        }
        Column earlierId = lit(null);
        if (!earlierKeys.isEmpty()) {
            DataType idType = docs.schema().apply(ctx.idColumn()).dataType();
            Dataset<Row> keys = null;
            for (EarlierCorpus k : earlierKeys) {
                Dataset<Row> each = k.docs().select(col(EarlierIndex.KEY).as(KEY), k.idAs(idType).as("_kd_earlier_id"));
                keys = keys == null ? each : keys.union(each);
            }
            // each key's smallest earlier id. From one index whose keys are unique (made of a corpus exact dedup ran on) it is
            // the key's only id, so no aggregation: its shuffle of every earlier key is gone where Spark broadcasts the keys to
            // the join (under spark.sql.autoBroadcastJoinThreshold), its hashing where the join shuffles them
            boolean unique = earlier == null && indexes.size() == 1 && indexes.get(0).uniqueKeys(name());
            Dataset<Row> firsts = unique ? keys : keys.groupBy(KEY).agg(min("_kd_earlier_id").as("_kd_earlier_id"));
            w = w.join(firsts, w.col(KEY).equalTo(firsts.col(KEY)), "left").drop(firsts.col(KEY));
            earlierId = col("_kd_earlier_id");
        }
        w = w.withColumn("_kd_exact_n", row_number().over(group))
                .withColumn("_kd_exact_first", first(Columns.named(ctx.idColumn())).over(group));
        // verdicts first: the reason column is rewritten below, and "eligible" reads it
        w = w.withColumn("_kd_exact_eligible", eligible).withColumn("_kd_exact_dup", eligible.and(col("_kd_exact_n").gt(1)))
                .withColumn("_kd_exact_earlier", eligible.and(earlierId.isNotNull()));
        Column isEligible = col("_kd_exact_eligible");
        Column duplicate = col("_kd_exact_dup");
        Column ofEarlier = col("_kd_exact_earlier");
        Dataset<Row> out = w.withColumn(Columns.REASON, when(ofEarlier, lit(name() + ":" + EARLIER_REASON))
                .when(duplicate, lit(name() + ":duplicate")).otherwise(col(Columns.REASON)));
        if (getClusterColumns()) {
            // a group that duplicates the earlier corpus is that earlier document's cluster, its first row dropped too
            Column representative = when(ofEarlier, earlierId).otherwise(col("_kd_exact_first"));
            out = ClusterColumns.set(out, ctx.idColumn(), isEligible, representative, when(ofEarlier.or(duplicate), representative));
        }
        return out.drop(KEY, "_kd_exact_n", "_kd_exact_first", "_kd_exact_eligible", "_kd_exact_dup", "_kd_exact_earlier", "_kd_earlier_id");
    }

    /**
     * The earlier documents' keys: {@link EarlierIndex#KEY} (the key as the new rows get it) and the earlier id as it is,
     * one row per document with a value; what {@code --save-index} writes for this stage (the id as {@link EarlierIndex#ID}).
     */
    EarlierCorpus earlierKeys(EarlierCorpus earlier) {
        if (!byText()) {
            // an empty JSON Lines corpus has no schema: no column, and no rows to have it
            earlier = earlier.requiring(getColumn(), earlier.label());
        }
        // the new rows' key column, under the earlier corpus's name for it (the text is its text column)
        String earlierTarget = byText() ? earlier.textColumn() : EarlierCorpus.require(earlier.docs(), getColumn(), earlier.label());
        UserDefinedFunction hash = keyFunction();
        Dataset<Row> e = earlier.docs();
        Column earlierValue = comparable(Columns.named(earlierTarget), e.select(Columns.named(earlierTarget)).schema().fields()[0].dataType());
        // the id under its own name, which messages about it give (the index names it ID)
        Dataset<Row> keys = e.where(earlierValue.isNotNull())
                .select(hash.apply(earlierValue).as(EarlierIndex.KEY), Columns.named(earlier.idColumn()));
        return new EarlierCorpus(keys, keys.columns()[1], null, earlier.label());
    }

    /** A value's key as hex (null for null): the new rows' and the earlier documents' alike. */
    private UserDefinedFunction keyFunction() {
        NormalizeOptions norm = normalizeOptions();
        return functions.udf((UDF1<String, String>) s -> s == null ? null : key(s, norm).toHex(), DataTypes.StringType);
    }

    /** What an index's part for this stage must have been made with to stand for the earlier texts ({@link EarlierIndex}). */
    java.util.Map<String, Object> indexParams() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("column", getColumn());
        String n = getOrDefault(normalize);
        m.put("normalize", n.isEmpty() ? (byText() ? "exact" : "none") : n.toLowerCase(java.util.Locale.ROOT));
        m.put("key", "murmur3_x64_128");
        if (!m.get("normalize").equals("none")) {
            // written since a value that normalises to nothing is keyed as it is (key): an index without it keyed every
            // such value by the empty key (without normalising, only the empty value normalises to nothing: no change)
            m.put(NORMALISED_TO_NOTHING, "as_is");
        }
        return m;
    }

    /**
     * A column's value as the string its key is made of, one string per distinct value: Spark's cast of an array or a
     * struct to a string is ambiguous ({@code ["a, b"]} and {@code ["a", "b"]} both read {@code [a, b]}, a null field and
     * the string "null" both {@code null}), so those go as JSON; bytes as hex (a cast decodes them as UTF-8, every
     * invalid sequence as U+FFFD).
     */
    private static Column comparable(Column c, org.apache.spark.sql.types.DataType type) {
        if (type instanceof org.apache.spark.sql.types.StructType || type instanceof org.apache.spark.sql.types.ArrayType
                || type instanceof org.apache.spark.sql.types.MapType) {
            return functions.to_json(c);
        }
        if (type.equals(DataTypes.BinaryType)) {
            return functions.hex(c);
        }
        return type.equals(DataTypes.StringType) ? c : c.cast(DataTypes.StringType);
    }

    /**
     * The MurmurHash3 x64_128 of the normalised value (UTF-8): the exact-dedup key. A value that normalises to nothing
     * (emoji or punctuation only under {@code near}, white space only) is keyed by the value as it is, so only the same
     * value is its duplicate, where the empty key made every such document one group.
     */
    public static Hash128 key(String value, NormalizeOptions norm) {
        String normalised = TextNormalizer.normalize(value, norm);
        boolean asItIs = normalised.isEmpty() && !value.isEmpty();
        byte[] b = (asItIs ? value : normalised).getBytes(StandardCharsets.UTF_8);
        // another seed, so a value keyed as it is never meets a value that normalises to its text
        return MurmurHash3.hash128(b, 0, b.length, asItIs ? RAW_KEY_SEED : 0);
    }
}
