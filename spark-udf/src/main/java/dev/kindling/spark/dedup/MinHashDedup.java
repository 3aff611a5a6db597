package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.dedup.lsh.BucketPairs;
import dev.kindling.dedup.lsh.LshBands;
import dev.kindling.dedup.lsh.OptimalParam;
import dev.kindling.dedup.minhash.Jaccard;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.curate.Lineage;
import dev.kindling.spark.curate.RowOrder;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import dev.kindling.spark.stage.TaskCount;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near dedup with MinHash LSH, distributed end to end:
 * <ol>
 *   <li><b>order</b>: rows numbered in {@link RowOrder} (by id), so "smallest id" is "smallest number";</li>
 *   <li><b>signatures</b>: word n-gram shingles, {@code numPerm} MinHash values (Vector API kernel),
 *       one key per LSH band: rows {@code (band key, document)};</li>
 *   <li><b>buckets</b>: a shuffle by band key, each bucket streamed in document order through
 *       {@link BucketPairs}: all pairs of buckets up to {@code allPairsMaxBucket} documents, a star on
 *       the bucket's first document beyond and, with verification, each document with the few before it
 *       in the order of their next band's key (memory bounded, no quadratic blow-up); pairs made
 *       distinct;</li>
 *   <li><b>verification</b> (on by default): the exact Jaccard similarity of the two shingle sets of
 *       every candidate pair (sets computed only for documents in a pair, joined to the pairs), kept
 *       when at least {@code threshold};</li>
 *   <li><b>clusters</b>: {@link ConnectedComponents}: a union-find on the driver when the similar pairs are few
 *       ({@link ConnectedComponents#DRIVER_MAX_EDGES}), else large-star/small-star on DataFrames, lineage cut every round;
 *       the representative of a cluster is its smallest document, i.e. smallest id;</li>
 *   <li>the other members get {@code minhash_dedup:near_duplicate}; with {@code clusterColumns}
 *       every row gets {@code cluster_id} and duplicates {@code duplicate_of} (representative ids).</li>
 * </ol>
 * No step collects pairs, edges or clusters to the driver but the components of a small graph (at most {@link
 * ConnectedComponents#DRIVER_MAX_EDGES} similar pairs), and the result depends on the data only, not on its partitioning
 * nor on where the components were found.
 *
 * <p>Against an earlier corpus ({@code againstPaths}, or {@link #setAgainst} for one already read; {@link
 * EarlierCorpus}): its documents are numbered below every new one (negative vertices), so they come first, and get
 * band keys too; only their keys that a new document shares join the buckets, and pairs of two earlier documents are
 * left out (the earlier corpus was deduplicated before, and they would only decide which earlier id a cluster names).
 * Candidates are verified as any, and the components are found over both: a cluster that holds an earlier document
 * keeps none of its new ones, which get {@code minhash_dedup:near_duplicate_of_earlier} and, as {@code cluster_id} and
 * {@code duplicate_of}, the smallest id of the earlier documents in it. It is what deduplicating both corpora together
 * would do to the new documents, the earlier ones ordered first. The earlier documents that share a bucket with a new
 * one, the only ones the run looks at, are ordered as the new ones are ({@link RowOrder}), so the result does not depend
 * on either corpus's partitioning; the others are neither sorted nor shuffled, and the texts of those in a candidate
 * pair are shingled for the check. A saved index ({@code againstIndexPaths}, {@link EarlierIndex}) holds what this
 * stage makes of the earlier texts ({@link #earlierEntries}: the id, what the order reads, band keys, the text), stored
 * in that order, and is used in their place: against one index alone its stored order numbers the documents, without a
 * sort.
 *
 * <p>Bands and rows: {@code bands}/{@code rows} when both are set; otherwise chosen for
 * {@code threshold} by text-dedup's {@code optimal_param} — with verification, false negatives
 * weighted 0.95 and false positives 0.05 ({@link OptimalParam#forVerifiedDedup}; a false positive
 * only costs a Jaccard check; 14 x 8 at 0.8, datatrove's shape), without it equal weights (both
 * errors then reach the output; 9 x 12 at 0.8).
 *
 * <pre>{@code
 * Dataset<Row> out = new MinHashDedup().setThreshold(0.8).setClusterColumns(true).transform(docs);
 * }</pre>
 */
public final class MinHashDedup extends CurationStage<MinHashDedup> {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "minhash_dedup";
    private static final String ELIGIBLE = "_kd_minhash_eligible";
    private static final String CC_VERTEX = "_kd_cc_vertex";
    private static final String CC_ROOT = "_kd_cc_root";
    /** Largest label table broadcast to the final joins (rows of vertex, root and id: tens of MB). */
    static final long BROADCAST_MAX_LABELS = 1_000_000;

    private final DoubleParam threshold = new DoubleParam(this, "threshold", "Jaccard similarity of duplicates (0, 1)",
            ParamChecks.number(this, "threshold", "in (0, 1)", (Double v) -> v > 0 && v < 1));
    private final IntParam ngram = new IntParam(this, "ngram", "word n-gram (shingle) size", ParamChecks.atLeast(this, "ngram", 1));
    private final IntParam numPerm = new IntParam(this, "numPerm", "MinHash permutations", ParamChecks.number(this, "numPerm", "in [1, " + MinHashParams.MAX_PERMUTATIONS + "]",
            (Integer v) -> v >= 1 && v <= MinHashParams.MAX_PERMUTATIONS));
    private final IntParam bands = new IntParam(this, "bands", "LSH bands (0: chosen for the threshold)", ParamChecks.atLeast(this, "bands", 0));
    private final IntParam rows = new IntParam(this, "rows", "rows per band (0: chosen for the threshold)", ParamChecks.atLeast(this, "rows", 0));
    private final LongParam seed = new LongParam(this, "seed", "seed of the permutations",
            ParamChecks.number(this, "seed", "a number", (Long v) -> true));
    private final BooleanParam verify = ParamChecks.bool(this, "verify",
            "keep a candidate pair only when its exact Jaccard similarity reaches the threshold");
    private final Param<String> normalize = new Param<>(this, "normalize", "normalisation before shingling: none, exact or near",
            ParamChecks.value(this, "normalize", "none, exact or near", (String v) -> NormalizeOptions.named(v) != null));
    private final IntParam allPairsMaxBucket = new IntParam(this, "allPairsMaxBucket",
            "buckets up to this size give all their pairs, larger ones a star on their first document",
            ParamChecks.atLeast(this, "allPairsMaxBucket", 1));
    private final BooleanParam clusterColumns = ParamChecks.bool(this, "clusterColumns",
            "add cluster_id and duplicate_of columns (for --keep-duplicates)");
    private final StringArrayParam againstPaths = new StringArrayParam(this, "againstPaths",
            "an earlier corpus (files, folders, globs read as --input is): rows near-duplicating its documents are rejected (empty: none)",
            ParamChecks.value(this, "againstPaths", "paths, none blank", (String[] v) -> Arrays.stream(v).noneMatch(p -> p == null || p.isBlank())));
    private final StringArrayParam againstIndexPaths = new StringArrayParam(this, "againstIndexPaths",
            "saved dedup indexes of earlier corpora (kindling dedup --save-index): compared with as againstPaths is, their texts "
                    + "not read again (empty: none)",
            ParamChecks.value(this, "againstIndexPaths", "paths, none blank", (String[] v) -> Arrays.stream(v).noneMatch(p -> p == null || p.isBlank())));
    /** Indexes already opened and checked (the CLI's, before Spark started): not a param; before againstIndexPaths. */
    private transient java.util.List<EarlierIndex> againstIndexes;
    /** An earlier corpus already read (the CLI's): not a param, so not saved; before againstPaths. */
    private transient EarlierCorpus against;
    /** {@link #setAgainst}'s DataFrame, its columns found when the stage runs (idCol and textCol may be set after it). */
    private transient Dataset<Row> againstFrame;

    /** The reason's second half for a row in a cluster with a document of the earlier corpus. */
    public static final String EARLIER_REASON = "near_duplicate_of_earlier";

    private transient Run lastRun;
    /** The most similar pairs whose components are found on the driver ({@link ConnectedComponents#DRIVER_MAX_EDGES}). */
    private long componentsDriverMaxEdges = ConnectedComponents.DRIVER_MAX_EDGES;

    public MinHashDedup() {
        this(Identifiable.randomUID("kindling_minhash_dedup"));
    }

    public MinHashDedup(String uid) {
        super(uid);
        setDefault(threshold, 0.8);
        setDefault(ngram, 5);
        setDefault(numPerm, 112);
        setDefault(bands, 0);
        setDefault(rows, 0);
        setDefault(seed, MinHashParams.DEFAULT_SEED);
        setDefault(verify, true);
        setDefault(normalize, "near");
        setDefault(allPairsMaxBucket, BucketPairs.DEFAULT_ALL_PAIRS_MAX);
        setDefault(clusterColumns, false);
        setDefault(againstPaths, new String[0]);
        setDefault(againstIndexPaths, new String[0]);
    }

    public static MLReader<MinHashDedup> read() {
        return StageReader.of(MinHashDedup.class);
    }

    public static MinHashDedup load(String path) {
        return read().load(path);
    }

    public DoubleParam threshold() {
        return threshold;
    }

    public IntParam ngram() {
        return ngram;
    }

    public IntParam numPerm() {
        return numPerm;
    }

    public IntParam bands() {
        return bands;
    }

    public IntParam rows() {
        return rows;
    }

    public LongParam seed() {
        return seed;
    }

    public BooleanParam verify() {
        return verify;
    }

    public Param<String> normalize() {
        return normalize;
    }

    public IntParam allPairsMaxBucket() {
        return allPairsMaxBucket;
    }

    public BooleanParam clusterColumns() {
        return clusterColumns;
    }

    public double getThreshold() {
        return (Double) getOrDefault(threshold);
    }

    public int getNgram() {
        return (Integer) getOrDefault(ngram);
    }

    public int getNumPerm() {
        return (Integer) getOrDefault(numPerm);
    }

    public int getBands() {
        return (Integer) getOrDefault(bands);
    }

    public int getRows() {
        return (Integer) getOrDefault(rows);
    }

    public long getSeed() {
        return (Long) getOrDefault(seed);
    }

    public boolean getVerify() {
        return (Boolean) getOrDefault(verify);
    }

    public int getAllPairsMaxBucket() {
        return (Integer) getOrDefault(allPairsMaxBucket);
    }

    public boolean getClusterColumns() {
        return (Boolean) getOrDefault(clusterColumns);
    }

    public String getNormalize() {
        return getOrDefault(normalize);
    }

    public MinHashDedup setThreshold(double v) {
        set(threshold, v);
        return this;
    }

    public MinHashDedup setNgram(int v) {
        set(ngram, v);
        return this;
    }

    public MinHashDedup setNumPerm(int v) {
        set(numPerm, v);
        return this;
    }

    public MinHashDedup setBands(int v) {
        set(bands, v);
        return this;
    }

    public MinHashDedup setRows(int v) {
        set(rows, v);
        return this;
    }

    public MinHashDedup setSeed(long v) {
        set(seed, v);
        return this;
    }

    public MinHashDedup setVerify(boolean v) {
        set(verify, v);
        return this;
    }

    public MinHashDedup setNormalize(String v) {
        set(normalize, v);
        return this;
    }

    public MinHashDedup setAllPairsMaxBucket(int v) {
        set(allPairsMaxBucket, v);
        return this;
    }

    public MinHashDedup setClusterColumns(boolean v) {
        set(clusterColumns, v);
        return this;
    }

    public StringArrayParam againstPaths() {
        return againstPaths;
    }

    public String[] getAgainstPaths() {
        return getOrDefault(againstPaths);
    }

    public MinHashDedup setAgainstPaths(String[] v) {
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
    public MinHashDedup setAgainstIndexPaths(String[] v) {
        set(againstIndexPaths, v);
        return this;
    }

    MinHashDedup setAgainstIndexes(java.util.List<EarlierIndex> indexes) {
        againstIndexes = indexes;
        return this;
    }

    /**
     * The earlier corpus as a DataFrame with the id and text columns under the names of this stage's input; rows with a
     * {@code reason} take no part. Not saved with the stage ({@code againstPaths} is); set, it is used instead of
     * {@code againstPaths}.
     */
    public MinHashDedup setAgainst(Dataset<Row> earlier) {
        againstFrame = earlier;
        return this;
    }

    MinHashDedup setAgainst(EarlierCorpus earlier) {
        against = earlier;
        return this;
    }

    /**
     * This stage with its uid, its values and {@code extra}'s, and the earlier corpus given to {@link #setAgainst}, which
     * is no param: a copy (what {@code transform(df, paramMap)}, {@code Pipeline.fit(df, paramMap)} and Spark's tuning run)
     * dropped it, and deduplicated against nothing, in silence.
     */
    @Override
    public MinHashDedup copy(org.apache.spark.ml.param.ParamMap extra) {
        MinHashDedup copy = super.copy(extra);
        copy.againstFrame = againstFrame;
        return copy;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The MinHash/LSH shape this stage runs with (see the class comment). */
    public MinHashParams minHashParams() {
        int b = getBands();
        int r = getRows();
        int n = getNumPerm();
        int g = getNgram();
        long s = getSeed();
        double t = getThreshold();
        if (b > 0 && r > 0) {
            // numPerm not set: as many permutations as the bands use (bands 10 x rows 10 computed the default 112 and used
            // 100, and 20 x 8 was refused for not fitting in 112 the user never asked for; a config's minhash_dedup too)
            return new MinHashParams(isSet(numPerm) ? n : (int) Math.min(Integer.MAX_VALUE, (long) b * r), b, r, g, s);
        }
        if (b > 0 || r > 0) {
            throw new IllegalArgumentException("set both bands and rows, or neither (got bands=" + b + ", rows=" + r + ")");
        }
        if (getVerify()) {
            return MinHashParams.forThreshold(t, n, g, s);
        }
        OptimalParam.BandsRows br = OptimalParam.optimal(t, n, 0.5, 0.5);
        return new MinHashParams(n, br.bands(), br.rows(), g, s);
    }

    /**
     * What the last {@link #apply} (or {@code transform}) of this instance did: counts, and the
     * wall time of each phase in milliseconds (each phase is materialised before the next starts, but for the signatures,
     * made by the candidates' job unless an earlier corpus reads them twice, and a small graph's verification, done as
     * its similar pairs are collected for the components). Against an earlier
     * corpus the graph's counts ({@code clusteredDocuments}, {@code duplicates}) take its documents in clusters too.
     * {@code componentsOnDriver}: the similar pairs were few enough to be joined on the driver ({@link
     * ConnectedComponents#DRIVER_MAX_EDGES}), in no rounds.
     */
    public record Run(MinHashParams params, long documents, long candidatePairs, long similarPairs, long clusteredDocuments,
                      long duplicates, int componentRounds, boolean componentsOnDriver, Map<String, Long> phaseMillis) {}

    public Run lastRun() {
        return lastRun;
    }

    /** For tests: the components of at most this many similar pairs are found on the driver (a negative number: none). */
    MinHashDedup setComponentsDriverMaxEdges(long v) {
        componentsDriverMaxEdges = v;
        return this;
    }

    @Override
    protected StructType addColumns(StructType in, String idColumn, String textColumn) {
        try {
            minHashParams();   // validates the shape before any work: bands and rows are checked together here, not by their setters
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(ParamChecks.who(this) + ": " + e.getMessage());
        }
        if (!getClusterColumns()) {
            return in;
        }
        return ClusterColumns.addTo(in, idColumn, name());
    }

    private static final StructType KEYS = new StructType().add("key", DataTypes.LongType, false).add("order", DataTypes.LongType, false)
            .add("v", DataTypes.LongType, false);
    private static final StructType PAIRS = new StructType().add("a", DataTypes.LongType, false).add("b", DataTypes.LongType, false);
    private static final StructType SETS = new StructType().add("v", DataTypes.LongType, false).add("set", DataTypes.BinaryType, false);
    private static final String EARLIER_V = "_kd_earlier_v";
    private static final String EARLIER_ID = "_kd_earlier_id";
    /** Which of the earlier sources (texts, indexes) an entry came from; with {@link EarlierIndex#ORD}, the entry. */
    private static final String EARLIER_SOURCE = "_kd_earlier_source";
    private static final StructType EARLIER_KEYS = new StructType().add("key", DataTypes.LongType, false)
            .add("order", DataTypes.LongType, false).add(EARLIER_SOURCE, DataTypes.IntegerType, false)
            .add(EarlierIndex.ORD, DataTypes.LongType, false);

    @Override
    protected boolean comparesRows() {
        return true;
    }

    @Override
    protected Dataset<Row> run(Dataset<Row> docs, StageContext ctx) {
        MinHashParams p = minHashParams();
        NormalizeOptions norm = NormalizeOptions.named(getNormalize());
        double t = getThreshold();
        String id = ctx.idColumn();
        String text = ctx.textColumn();
        String rank = RowOrder.RANK;
        Map<String, Long> phases = new LinkedHashMap<>();
        long t0 = System.nanoTime();

        Dataset<Row> ranked = RowOrder.rank(docs, NAME, id, text);
        long t1 = lap(phases, "order", t0);

        // counts for the report (and the plan's choices, never the result), most of them made in shuffle-map stages: a
        // TaskCount keeps one count per stage and partition, so a partition Spark ran again (its shuffle output lost)
        // counts once, where a LongAccumulator added each successful attempt's
        TaskCount signed = counter(ctx, "kindling minhash documents");
        TaskCount checked = counter(ctx, "kindling minhash candidate pairs");
        Dataset<Row> texts = ranked.where(col(Columns.REASON).isNull()).select(col(rank), Columns.named(text));
        Dataset<Row> keys = texts.mapPartitions(new BandKeys(p, norm, signed), Encoders.row(KEYS));
        EarlierCorpus earlier = EarlierCorpus.forStage(against, againstFrame, getAgainstPaths(), ctx, NAME);
        // the earlier documents' entries (id, what they are ordered by, band keys, text; EarlierIndex.ORD numbers them):
        // made from the texts this run (signed once: they are read three times), or read from a saved index
        List<EarlierCorpus> entries = new ArrayList<>();
        if (earlier != null) {
            Dataset<Row> made = earlierEntries(earlier).docs();
            entries.add(new EarlierCorpus(Lineage.cut(made.withColumn(EarlierIndex.ORD, functions.monotonically_increasing_id())),
                    EarlierIndex.ID, null, earlier.label()));
        }
        List<EarlierIndex> indexes = EarlierIndex.forStage(againstIndexes, getAgainstIndexPaths(), ctx, this);
        for (EarlierIndex index : indexes) {
            entries.add(index.part(ctx.spark(), NAME));
        }
        if (!entries.isEmpty()) {
            // read twice against an earlier corpus (its buckets, then the candidates), and counted in between; once otherwise,
            // by the candidates' job
            keys = Lineage.cut(keys);
        }
        // the earlier documents by vertex (EARLIER_V, EARLIER_ID: the id as the new ids' type, EarlierIndex.TEXT), read for
        // those in a candidate pair or a cluster only; the vertices are numbered below every rank (ranks are never negative)
        Dataset<Row> earlierByVertex = null;
        EarlierTexts earlierTexts = null;
        TaskCount signedEarlier = counter(ctx, "kindling minhash earlier documents");
        Dataset<Row> allKeys = keys;
        if (!entries.isEmpty()) {
            EarlierCorpus all = union(entries);
            Dataset<Row> e = all.docs();
            Column earlierId = all.idAs(ranked.schema().apply(id).dataType()).as(EARLIER_ID);
            // only the buckets a new document is in: the earlier corpus's others make no pair this run looks at, so their
            // keys are dropped here, before anything of the earlier documents is sorted or shuffled (the new keys
            // broadcast while they are few: a count of this kind only ever chooses the plan, never the result)
            Dataset<Row> newKeys = keys.select(col("key").as("_kd_new_key")).distinct();
            if (signed.value() * p.bands() <= BROADCAST_MAX_LABELS) {
                newKeys = functions.broadcast(newKeys);
            }
            Dataset<Row> shared = Lineage.cut(e.select(EARLIER_SOURCE, EarlierIndex.ORD, EarlierIndex.BAND_KEYS)
                    .mapPartitions(new StoredBandKeys(signedEarlier), Encoders.row(EARLIER_KEYS))
                    .join(newKeys, col("key").equalTo(newKeys.col("_kd_new_key")), "left_semi"));
            // numbered in RowOrder too, so that the candidates (in a large bucket, who is next to whom) and the result do not
            // depend on how the earlier corpus was partitioned, nor on whether it came as texts or as an index. The numbers
            // are only ever compared, so only the documents in a shared bucket need one
            if (entries.size() == 1 && !indexes.isEmpty()) {
                // an index alone: its documents are stored in that order, ORD their place in it
                Column v = col(EarlierIndex.ORD).plus(lit(Long.MIN_VALUE));
                allKeys = keys.union(shared.select(col("key"), col("order"), v.as("v")));
                earlierByVertex = e.select(v.as(EARLIER_V), earlierId, col(EarlierIndex.TEXT));
                earlierTexts = new EarlierTexts(e, null, earlierId);
            } else {
                // otherwise one sort of those few
                String[] entry = {EARLIER_SOURCE, EarlierIndex.ORD};
                Dataset<Row> touched = e.select(col(EARLIER_SOURCE), col(EarlierIndex.ORD), col(EarlierIndex.ID), col(Columns.SOURCE_FILE),
                                col(Columns.SOURCE_OFFSET), col(EarlierIndex.TEXT_HASH))
                        .join(shared.select(EARLIER_SOURCE, EarlierIndex.ORD).distinct(), entry, "left_semi");
                List<Column> order = new ArrayList<>(earlierOrder());
                order.add(col(EARLIER_SOURCE).asc());
                order.add(col(EarlierIndex.ORD).asc());
                Dataset<Row> places = RowOrder.rank(touched, order)
                        .select(col(EARLIER_SOURCE), col(EarlierIndex.ORD), col(rank).plus(lit(Long.MIN_VALUE)).as(EARLIER_V));
                // they are at most the earlier documents signed (each an entry of its own), which the job that found them
                // counted: within the cap they are broadcast as they are, where counting them first was two jobs more
                if (signedEarlier.value() <= BROADCAST_MAX_LABELS || places.count() <= BROADCAST_MAX_LABELS) {
                    places = functions.broadcast(places);
                }
                allKeys = keys.union(shared.join(places, entry).select(col("key"), col("order"), col(EARLIER_V).as("v")));
                earlierByVertex = e.join(places, entry).select(col(EARLIER_V), earlierId, col(EarlierIndex.TEXT));
                earlierTexts = new EarlierTexts(e, places, earlierId);
            }
        }
        long t2 = lap(phases, "signatures", t1);

        TaskCount made = counter(ctx, "kindling minhash pairs made");
        Dataset<Row> pairs = allKeys.repartition(col("key")).sortWithinPartitions("key", "order", "v")
                .mapPartitions(new Buckets(getAllPairsMaxBucket(), getVerify() ? BucketPairs.DEFAULT_NEIGHBOURS : 0, made), Encoders.row(PAIRS));
        if (earlierByVertex != null) {
            pairs = pairs.where(col("b").geq(0)); // a < b: a pair of two earlier documents has b < 0
        }
        Dataset<Row> candidates = Lineage.cut(pairs.distinct());
        long t3 = lap(phases, "candidates", t2);

        Dataset<Row> involved = candidates.select(col("a").as("v")).union(candidates.select(col("b").as("v"))).distinct();
        // the earlier documents in a candidate pair (all that can be in a cluster), read by their places while they are few
        Dataset<Row> earlierInPairs = earlierByVertex;
        if (earlierByVertex != null && 2 * made.value() <= TEXT_READ_MAX_DOCUMENTS) {
            earlierInPairs = earlierTexts.only(involved.where(col("v").lt(0)));
        }
        Dataset<Row> edges = candidates;
        if (getVerify()) {
            Dataset<Row> involvedTexts = texts.join(involved, texts.col(rank).equalTo(involved.col("v")), "left_semi");
            if (earlierByVertex != null) {
                // the texts of the earlier documents in a candidate pair, shingled as the new ones are (an index's text
                // column is read here only, those pages of it that hold them while they are few: EarlierTexts.only); they
                // are at most twice the pairs the buckets made
                Dataset<Row> involvedEarlier = involved.where(col("v").lt(0));
                if (2 * made.value() <= BROADCAST_MAX_LABELS) {
                    involvedEarlier = functions.broadcast(involvedEarlier);
                }
                involvedTexts = involvedTexts.union(earlierInPairs
                        .join(involvedEarlier, earlierInPairs.col(EARLIER_V).equalTo(involvedEarlier.col("v")), "left_semi")
                        .select(EARLIER_V, EarlierIndex.TEXT));
            }
            Dataset<Row> sets = Lineage.cut(involvedTexts.mapPartitions(new ShingleSets(p.ngram(), norm), Encoders.row(SETS)));
            edges = candidates
                    .join(sets.select(col("v").as("a"), col("set").as("sa")), "a")
                    .join(sets.select(col("v").as("b"), col("set").as("sb")), "b")
                    .select("a", "b", "sa", "sb")
                    .mapPartitions(new Verify(t, checked), Encoders.row(PAIRS));
            if (made.value() > componentsDriverMaxEdges) {
                // read by each round; a small graph's are read once, verified as they are collected to the driver
                edges = Lineage.cut(edges);
            }
        }
        long t4 = lap(phases, "verification", t3);

        // the similar pairs are at most the pairs the buckets made: while those are few, they go to the driver uncounted
        ConnectedComponents.Result cc = ConnectedComponents.run(edges, made.value(), componentsDriverMaxEdges, ConnectedComponents.MAX_ROUNDS);
        lap(phases, "components", t4);

        // each row's root (CC_ROOT) and the root's id, null outside the clusters
        Dataset<Row> earlierVertexIds = earlierByVertex == null ? null : earlierInPairs;
        Dataset<Row> out = cc.onDriver() ? withRootsFoundOnTheDriver(ranked, cc.labels(), Columns.named(id), earlierVertexIds)
                : withRoots(ranked, cc, id, earlierVertexIds);
        Column root = col(CC_ROOT);
        // the verdict columns first: "eligible" reads the reason column, which is rewritten next
        out = out.withColumn(ELIGIBLE, col(Columns.REASON).isNull());
        Column isDuplicate = col(ELIGIBLE).and(root.isNotNull()).and(col(rank).notEqual(root));
        Column ofEarlier = isDuplicate.and(root.lt(0));
        out = out.withColumn(Columns.REASON, when(ofEarlier, lit(NAME + ":" + EARLIER_REASON))
                .when(isDuplicate, lit(NAME + ":near_duplicate")).otherwise(col(Columns.REASON)));
        if (getClusterColumns()) {
            out = clusterColumns(out, id);
        }
        long candidateCount = getVerify() ? checked.value() : cc.edges();
        lastRun = new Run(p, signed.value(), candidateCount, cc.edges(), cc.vertices(), cc.vertices() - cc.roots(), cc.rounds(),
                cc.onDriver(), phases);
        // the documents with a shingle: one shorter than the n-gram is compared with nothing, which only this says (a run
        // whose every text was too short read "0 dropped, 0 candidate pairs")
        ctx.reportValue(NAME + "_documents_compared", signed.value());
        ctx.reportValue(NAME + "_candidate_pairs", candidateCount);
        ctx.reportValue(NAME + "_similar_pairs", cc.edges());
        ctx.reportValue(NAME + "_clusters", cc.roots());
        if (earlierByVertex != null) {
            ctx.reportValue(NAME + "_earlier_documents_compared", signedEarlier.value());
        }
        return out.drop(rank, CC_VERTEX, CC_ROOT, "_kd_root_id", ELIGIBLE);
    }

    private static TaskCount counter(StageContext ctx, String name) {
        TaskCount c = new TaskCount();
        ctx.spark().sparkContext().register(c, name);
        return c;
    }

    /**
     * {@code ranked} with each row's cluster root ({@link #CC_ROOT}) and the root's id ({@code _kd_root_id}; for a root that
     * is an earlier document, the smallest earlier id in its cluster), both null for a row in no cluster, from the labels of
     * {@code cc}; {@code earlierInPairs}: the earlier documents' vertices and ids, or null without an earlier corpus.
     */
    private static Dataset<Row> withRoots(Dataset<Row> ranked, ConnectedComponents.Result cc, String id, Dataset<Row> earlierInPairs) {
        String rank = RowOrder.RANK;
        // under names no input column can have (a user's "vertex" was dropped, a "root" made references ambiguous)
        Dataset<Row> labels = cc.labels().select(col(ConnectedComponents.VERTEX).as(CC_VERTEX), col(ConnectedComponents.ROOT).as(CC_ROOT));

        // The labels cover only the documents in clusters. While they are few (their number is
        // known exactly), they are broadcast to the joins with the full dataset, which is then read
        // in place instead of shuffled with its text; beyond the cap both sides are shuffled.
        boolean broadcast = cc.vertices() <= BROADCAST_MAX_LABELS;
        // a root is labelled with itself, once: those rows are the roots, with no aggregation
        Dataset<Row> roots = labels.where(col(CC_VERTEX).equalTo(col(CC_ROOT))).select(CC_ROOT);
        Dataset<Row> rootIds = ranked.select(col(rank).as(CC_ROOT), Columns.named(id).as("_kd_root_id"))
                .join(broadcast ? functions.broadcast(roots) : roots, CC_ROOT);
        if (earlierInPairs != null) {
            // a cluster rooted at an earlier document (the smallest vertex) names the smallest earlier id in it
            Dataset<Row> earlierMembers = labels.where(col(CC_VERTEX).lt(0));
            Dataset<Row> earlierIds = earlierInPairs.select(col(EARLIER_V), col(EARLIER_ID));
            Dataset<Row> earlierRoots = earlierIds.join(broadcast ? functions.broadcast(earlierMembers) : earlierMembers,
                            earlierIds.col(EARLIER_V).equalTo(earlierMembers.col(CC_VERTEX)))
                    .groupBy(CC_ROOT).agg(functions.min(EARLIER_ID).as("_kd_root_id"));
            rootIds = rootIds.unionByName(earlierRoots);
            labels = labels.where(col(CC_VERTEX).geq(0));
        }
        Dataset<Row> assign = labels.join(rootIds, CC_ROOT);
        if (broadcast) {
            assign = functions.broadcast(assign);
        }
        return ranked.join(assign, ranked.col(rank).equalTo(assign.col(CC_VERTEX)), "left");
    }

    /**
     * As {@link #withRoots} for a graph whose components were found on the driver: without an earlier corpus one Spark job
     * (the roots' ids, broadcast) where the joins with the labels, a local table, took three (Spark broadcasts a local
     * table in a job of its own: the labels to the roots' join, the roots to the rows', then their join to the output's),
     * and against one a fourth (the earlier members). The labels go to the executors as a broadcast variable, which takes
     * no job, and each row looks its root up there; the same rows, roots and ids, in the same order.
     */
    private static Dataset<Row> withRootsFoundOnTheDriver(Dataset<Row> ranked, Dataset<Row> labels, Column id,
            Dataset<Row> earlierInPairs) {
        List<Row> rows = new ArrayList<>(labels.collectAsList());   // a local table's rows: no job
        rows.sort(Comparator.comparingLong(r -> r.getLong(0)));
        long[] vertices = new long[rows.size()];
        long[] roots = new long[rows.size()];
        for (int i = 0; i < vertices.length; i++) {
            vertices[i] = rows.get(i).getLong(0);
            roots[i] = rows.get(i).getLong(1);
        }
        Broadcast<long[][]> table = JavaSparkContext
                .fromSparkContext(ranked.sparkSession().sparkContext()).broadcast(new long[][] {vertices, roots});
        UserDefinedFunction rootOfVertex = functions.udf(new RootOf(table), DataTypes.LongType);
        Column rootOf = rootOfVertex.apply(col(RowOrder.RANK));
        Dataset<Row> rootIds = ranked.where(rootOf.equalTo(col(RowOrder.RANK)))
                .select(col(RowOrder.RANK).as("_kd_root_rank"), id.as("_kd_root_id"));
        if (earlierInPairs != null) {
            // a cluster rooted at an earlier document (the smallest vertex) names the smallest earlier id in it
            Dataset<Row> earlierRoots = earlierInPairs.select(rootOfVertex.apply(col(EARLIER_V)).as("_kd_root_rank"), col(EARLIER_ID))
                    .where(col("_kd_root_rank").isNotNull())
                    .groupBy("_kd_root_rank").agg(functions.min(EARLIER_ID).as("_kd_root_id"));
            rootIds = rootIds.unionByName(earlierRoots);
        }
        Dataset<Row> withRoot = ranked.withColumn(CC_ROOT, rootOf);
        return withRoot.join(functions.broadcast(rootIds), withRoot.col(CC_ROOT).equalTo(rootIds.col("_kd_root_rank")), "left")
                .drop("_kd_root_rank");
    }

    /** A vertex's root in labels found on the driver (sorted vertices, their roots), null for a vertex in no cluster. */
    static final class RootOf implements UDF1<Long, Long> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<long[][]> table;

        RootOf(Broadcast<long[][]> table) {
            this.table = table;
        }

        @Override
        public Long call(Long vertex) {
            long[][] t = table.value();
            int i = Arrays.binarySearch(t[0], vertex);
            return i < 0 ? null : t[1][i];
        }
    }

    /**
     * The earlier documents' entries, one per document with a shingle (one without is compared with nothing): {@link
     * EarlierIndex#ID} (the id as it is), {@link Columns#SOURCE_FILE}, {@link Columns#SOURCE_OFFSET} and {@link
     * EarlierIndex#TEXT_HASH} (with the id, what they are ordered by: {@link #earlierOrder}), {@link EarlierIndex#BAND_KEYS}
     * and {@link EarlierIndex#TEXT} (the shingle set is made of it for the few documents in a candidate pair). What
     * {@code --save-index} writes, numbered. A null id fails the job naming it.
     */
    EarlierCorpus earlierEntries(EarlierCorpus earlier) {
        Dataset<Row> e = earlier.docs();
        List<String> columns = Arrays.asList(e.columns());
        Column text = Columns.named(earlier.textColumn());
        Dataset<Row> slim = e.select(earlier.idAs(e.schema().apply(earlier.idColumn()).dataType()).as(EarlierIndex.ID),
                (columns.contains(Columns.SOURCE_FILE) ? col(Columns.SOURCE_FILE) : lit(null)).cast(DataTypes.StringType).as(Columns.SOURCE_FILE),
                (columns.contains(Columns.SOURCE_OFFSET) ? col(Columns.SOURCE_OFFSET) : lit(null)).cast(DataTypes.LongType).as(Columns.SOURCE_OFFSET),
                functions.xxhash64(text).as(EarlierIndex.TEXT_HASH), text.as(EarlierIndex.TEXT));
        StructType schema = EarlierIndex.entrySchema(slim.schema().apply(EarlierIndex.ID).dataType());
        Dataset<Row> out = slim.mapPartitions(new EarlierSignatures(minHashParams(), NormalizeOptions.named(getNormalize())),
                Encoders.row(schema));
        return new EarlierCorpus(out, EarlierIndex.ID, null, earlier.label());
    }

    /**
     * The order of the earlier documents' entries ({@link RowOrder}'s, of what an entry holds): the new documents' order
     * but for the hash of their other columns, which an entry does not keep.
     */
    static List<Column> earlierOrder() {
        return List.of(col(EarlierIndex.ID).asc_nulls_first(), col(Columns.SOURCE_FILE).asc_nulls_first(),
                col(Columns.SOURCE_OFFSET).asc_nulls_first(), col(EarlierIndex.TEXT_HASH).asc_nulls_first());
    }

    /**
     * The entries of several earlier sources as one, each tagged with its place in {@code parts} ({@link
     * #EARLIER_SOURCE}): their ids must be of one type, as the earlier documents are ordered by id.
     */
    /**
     * The most earlier documents in candidate pairs whose texts are read by their places ({@link EarlierTexts#only}); the
     * texts of more are read in full, as before. A bound on the filter Spark plans and gives to Parquet, one value each.
     */
    static final long TEXT_READ_MAX_DOCUMENTS = 50_000;

    /**
     * The earlier documents' texts by vertex: {@code docs} (the entries, by {@link #EARLIER_SOURCE} and {@link
     * EarlierIndex#ORD}) and, unless they are one index's numbered in its own order, the {@code places} that number them.
     */
    private record EarlierTexts(Dataset<Row> docs, Dataset<Row> places, Column earlierId) {
        /**
         * The texts of the earlier vertices in {@code involved} only, filtered by their {@link EarlierIndex#ORD}s before
         * anything else: an index is stored in that order, and Parquet skips the pages of its text column that hold none of
         * them (the filter reaches the scan through the union of the sources, each of which is one literal). Without it a
         * run against an index read and decompressed the whole text column, all the earlier texts, for the few in a pair.
         */
        Dataset<Row> only(Dataset<Row> involved) {
            Dataset<Row> wanted = places == null
                    ? involved.select(lit(0).as(EARLIER_SOURCE), col("v").minus(lit(Long.MIN_VALUE)).as(EarlierIndex.ORD))
                    : involved.join(places, involved.col("v").equalTo(places.col(EARLIER_V))).select(EARLIER_SOURCE, EarlierIndex.ORD);
            Map<Integer, List<Long>> bySource = new java.util.TreeMap<>();
            for (Row r : wanted.collectAsList()) {
                bySource.computeIfAbsent(r.getInt(0), k -> new ArrayList<>()).add(r.getLong(1));
            }
            Column keep = lit(false);
            for (Map.Entry<Integer, List<Long>> s : bySource.entrySet()) {
                keep = keep.or(col(EARLIER_SOURCE).equalTo(s.getKey()).and(col(EarlierIndex.ORD).isin(s.getValue().toArray())));
            }
            Dataset<Row> kept = docs.where(keep);
            if (places == null) {
                return kept.select(col(EarlierIndex.ORD).plus(lit(Long.MIN_VALUE)).as(EARLIER_V), earlierId, col(EarlierIndex.TEXT));
            }
            return kept.join(places, new String[] {EARLIER_SOURCE, EarlierIndex.ORD}).select(col(EARLIER_V), earlierId, col(EarlierIndex.TEXT));
        }
    }

    private static EarlierCorpus union(List<EarlierCorpus> parts) {
        EarlierCorpus first = parts.get(0);
        org.apache.spark.sql.types.DataType type = first.docs().schema().apply(EarlierIndex.ID).dataType();
        Dataset<Row> all = null;
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            EarlierCorpus p = parts.get(i);
            org.apache.spark.sql.types.DataType t = p.docs().schema().apply(EarlierIndex.ID).dataType();
            if (!t.equals(type)) {
                throw KindlingException.usage(p.label() + " has ids of type " + t.simpleString() + ", " + first.label() + " of type "
                        + type.simpleString() + ": earlier corpora compared together need ids of one type");
            }
            Dataset<Row> tagged = p.docs().select(lit(i).as(EARLIER_SOURCE), col(EarlierIndex.ORD), col(EarlierIndex.ID),
                    col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET), col(EarlierIndex.TEXT_HASH), col(EarlierIndex.BAND_KEYS),
                    col(EarlierIndex.TEXT));
            all = all == null ? tagged : all.union(tagged);
            labels.add(p.label());
        }
        return new EarlierCorpus(all, EarlierIndex.ID, null, String.join(", ", labels));
    }

    /** What an index's part for this stage must have been made with to stand for the earlier texts ({@link EarlierIndex}). */
    Map<String, Object> indexParams() {
        MinHashParams p = minHashParams();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ngram", p.ngram());
        m.put("num_perm", p.numPerm());
        m.put("bands", p.bands());
        m.put("rows", p.rows());
        m.put("seed", p.seed());
        m.put("normalize", getNormalize().toLowerCase(java.util.Locale.ROOT));
        m.put("shingle_hash", "fnv1a64-fmix64");
        return m;
    }

    /** cluster_id / duplicate_of: the representative's id, own id when alone ({@link ClusterColumns}). */
    private static Dataset<Row> clusterColumns(Dataset<Row> out, String id) {
        Column dupOf = when(col(CC_ROOT).isNotNull().and(col(RowOrder.RANK).notEqual(col(CC_ROOT))), col("_kd_root_id"));
        return ClusterColumns.set(out, id, col(ELIGIBLE), coalesce(col("_kd_root_id"), Columns.named(id)), dupOf);
    }

    private static long lap(Map<String, Long> phases, String name, long since) {
        long now = System.nanoTime();
        phases.put(name, (now - since) / 1_000_000);
        return now;
    }

    /** Exact Jaccard of two packed shingle sets ({@link #pack}); same arithmetic as {@link Jaccard#of}. */
    static Double jaccard(byte[] a, byte[] b) {
        return Jaccard.of(unpack(a), unpack(b));
    }

    /** A sorted shingle set as little-endian bytes. */
    static byte[] pack(long[] set) {
        ByteBuffer bb = ByteBuffer.allocate(set.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(set);
        return bb.array();
    }

    static long[] unpack(byte[] b) {
        long[] out = new long[b.length / 8];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /** (a, b, set a, set b) → (a, b) when the exact Jaccard similarity reaches the threshold. */
    static final class Verify implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final double threshold;
        private final TaskCount checked;

        Verify(double threshold, TaskCount checked) {
            this.threshold = threshold;
            this.checked = checked;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            return new FlatIterator(in) {
                @Override
                void expand(Row r, List<Row> out) {
                    checked.add(1);
                    if (jaccard((byte[]) r.get(2), (byte[]) r.get(3)) >= threshold) {
                        out.add(RowFactory.create(r.getLong(0), r.getLong(1)));
                    }
                }
            };
        }
    }

    /** (rank, text) → (band key, rank) for each band; texts without shingles yield nothing. */
    static final class BandKeys implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final MinHashParams params;
        private final NormalizeOptions norm;
        private final TaskCount signed;

        BandKeys(MinHashParams params, NormalizeOptions norm, TaskCount signed) {
            this.params = params;
            this.norm = norm;
            this.signed = signed;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            MinHasher hasher = new MinHasher(params, norm);
            return new FlatIterator(in) {
                @Override
                void expand(Row r, List<Row> out) {
                    String text = r.isNullAt(1) ? "" : r.getString(1);
                    long[] sig = hasher.signature(text);
                    if (MinHasher.isEmpty(sig)) {
                        return;
                    }
                    signed.add(1);
                    bandRows(LshBands.bandKeys(sig, params.bands(), params.rows()), r.getLong(0), out);
                }
            };
        }
    }

    /** (band key, order key, v) for each of a document's band keys: the rows the buckets are made of. */
    static void bandRows(long[] keys, long v, List<Row> out) {
        for (int j = 0; j < keys.length; j++) {
            out.add(RowFactory.create(keys[j], LshBands.orderKey(keys, j), v));
        }
    }

    /**
     * (source, ORD, packed band keys) → (band key, order key, source, ORD) for each band: the earlier documents' keys,
     * made before or stored.
     */
    static final class StoredBandKeys implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final TaskCount signed;

        StoredBandKeys(TaskCount signed) {
            this.signed = signed;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            return new FlatIterator(in) {
                @Override
                void expand(Row r, List<Row> out) {
                    signed.add(1);
                    long[] keys = unpack((byte[]) r.get(2));
                    for (int j = 0; j < keys.length; j++) {
                        out.add(RowFactory.create(keys[j], LshBands.orderKey(keys, j), r.getInt(0), r.getLong(1)));
                    }
                }
            };
        }
    }

    /**
     * (id, source file, source offset, text hash, text) → the entry {@link EarlierIndex#entrySchema} (band keys packed);
     * texts without shingles yield nothing.
     */
    static final class EarlierSignatures implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final MinHashParams params;
        private final NormalizeOptions norm;

        EarlierSignatures(MinHashParams params, NormalizeOptions norm) {
            this.params = params;
            this.norm = norm;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            MinHasher hasher = new MinHasher(params, norm);
            return new FlatIterator(in) {
                @Override
                void expand(Row r, List<Row> out) {
                    String text = r.isNullAt(4) ? "" : r.getString(4);
                    long[] sig = hasher.signature(text);
                    if (MinHasher.isEmpty(sig)) {
                        return;
                    }
                    byte[] keys = pack(LshBands.bandKeys(sig, params.bands(), params.rows()));
                    out.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), keys, text));
                }
            };
        }
    }

    /** Rows sorted by (key, order, v) → the candidate pairs of each bucket ({@link BucketPairs}). */
    static final class Buckets implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final int allPairsMax;
        private final int neighbours;
        private final TaskCount made;

        Buckets(int allPairsMax, int neighbours, TaskCount made) {
            this.allPairsMax = allPairsMax;
            this.neighbours = neighbours;
            this.made = made;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            List<Row> pending = new ArrayList<>();
            BucketPairs pairs = new BucketPairs(allPairsMax, neighbours, (a, b) -> {
                made.add(1);
                pending.add(RowFactory.create(a, b));
            });
            return new Iterator<>() {
                private long currentKey;
                private boolean open;
                private int next;

                @Override
                public boolean hasNext() {
                    while (next == pending.size()) {
                        pending.clear();
                        next = 0;
                        if (!in.hasNext()) {
                            if (!open) {
                                return false;
                            }
                            pairs.finish();
                            open = false;
                            continue;
                        }
                        Row r = in.next();
                        long key = r.getLong(0);
                        if (open && key != currentKey) {
                            pairs.finish();
                        }
                        currentKey = key;
                        open = true;
                        pairs.add(r.getLong(1), r.getLong(2));
                    }
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return pending.get(next++);
                }
            };
        }
    }

    /** (rank, text) → (rank, packed sorted shingle set). */
    static final class ShingleSets implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final int ngram;
        private final NormalizeOptions norm;

        ShingleSets(int ngram, NormalizeOptions norm) {
            this.ngram = ngram;
            this.norm = norm;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            Shingler sh = new Shingler(ngram, norm);
            return new FlatIterator(in) {
                @Override
                void expand(Row r, List<Row> out) {
                    out.add(RowFactory.create(r.getLong(0), pack(sh.shingleSet(r.isNullAt(1) ? "" : r.getString(1)))));
                }
            };
        }
    }

    /** An iterator that expands each input row into zero or more output rows, lazily. */
    abstract static class FlatIterator implements Iterator<Row> {
        private final Iterator<Row> in;
        private final List<Row> buffer = new ArrayList<>();
        private int next;

        FlatIterator(Iterator<Row> in) {
            this.in = in;
        }

        abstract void expand(Row r, List<Row> out);

        @Override
        public boolean hasNext() {
            while (next == buffer.size()) {
                if (!in.hasNext()) {
                    return false;
                }
                buffer.clear();
                next = 0;
                expand(in.next(), buffer);
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return buffer.get(next++);
        }
    }
}
