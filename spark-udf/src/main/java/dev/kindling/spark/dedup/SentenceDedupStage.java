package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import dev.kindling.dedup.sentence.SentenceDedup;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.curate.Lineage;
import dev.kindling.spark.curate.RowOrder;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.param.IntParam;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Sentence-level dedup across the dataset, as C4 defines it and datatrove implements it: every span
 * of {@code spanSentences} (3) consecutive sentences that occurs more than once is kept only at its
 * first occurrence (in {@link RowOrder}: smallest id, then sentence position); the sentences covered
 * by the other occurrences are removed from their documents, and a document left with fewer than
 * {@code minDocWords} (50) words, or with no text, is dropped with {@code sentence_dedup:too_short}, one left with
 * fewer than {@code minNumSentences} (3) sentences with {@code sentence_dedup:too_few_sentences} (datatrove's
 * {@code SentenceDedupFilter}; 0 turns a bound off).
 *
 * <p>On Spark: span hashes {@code (hash, document, sentence)} from every document, a window by
 * hash ordered by (document, sentence) marks the repeats, the repeated start positions are gathered
 * per document and joined back; the text is rewritten by {@link SentenceDedup#removeSpans}. The
 * number of removed sentences is reported as {@code sentence_dedup_removed_sentences}.
 *
 * <pre>{@code
 * new SentenceDedupStage().setMinDocWords(50).transform(docs);
 * }</pre>
 */
public final class SentenceDedupStage extends CurationStage<SentenceDedupStage> {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "sentence_dedup";
    private static final String REMOVED = "_kd_sentences_removed";

    private final IntParam spanSentences = new IntParam(this, "spanSentences", "sentences per span (3 in C4)",
            ParamChecks.atLeast(this, "spanSentences", 1));
    private final IntParam minDocWords = new IntParam(this, "minDocWords",
            "a document that lost sentences is kept only with at least this many words (0: any)",
            ParamChecks.atLeast(this, "minDocWords", 0));
    private final IntParam minNumSentences = new IntParam(this, "minNumSentences",
            "a document that lost sentences is kept only with at least this many sentences (0: any)",
            ParamChecks.atLeast(this, "minNumSentences", 0));

    public SentenceDedupStage() {
        this(Identifiable.randomUID("kindling_sentence_dedup"));
    }

    public SentenceDedupStage(String uid) {
        super(uid);
        setDefault(spanSentences, 3);
        setDefault(minDocWords, 50);
        setDefault(minNumSentences, 3);
    }

    public static MLReader<SentenceDedupStage> read() {
        return StageReader.of(SentenceDedupStage.class);
    }

    public static SentenceDedupStage load(String path) {
        return read().load(path);
    }

    public IntParam spanSentences() {
        return spanSentences;
    }

    public IntParam minDocWords() {
        return minDocWords;
    }

    public IntParam minNumSentences() {
        return minNumSentences;
    }

    public int getSpanSentences() {
        return (Integer) getOrDefault(spanSentences);
    }

    public int getMinDocWords() {
        return (Integer) getOrDefault(minDocWords);
    }

    public int getMinNumSentences() {
        return (Integer) getOrDefault(minNumSentences);
    }

    public SentenceDedupStage setSpanSentences(int v) {
        set(spanSentences, v);
        return this;
    }

    public SentenceDedupStage setMinDocWords(int v) {
        set(minDocWords, v);
        return this;
    }

    public SentenceDedupStage setMinNumSentences(int v) {
        set(minNumSentences, v);
        return this;
    }

    @Override
    public String name() {
        return NAME;
    }

    private static final StructType SPANS = new StructType().add("hash", DataTypes.LongType, false)
            .add("v", DataTypes.LongType, false).add("s", DataTypes.IntegerType, false);
    private static final StructType OUTCOME = new StructType().add("keep", DataTypes.BooleanType, false)
            .add("text", DataTypes.StringType, true).add("removed", DataTypes.IntegerType, false)
            .add("reason", DataTypes.StringType, true);

    @Override
    protected boolean comparesRows() {
        return true;
    }

    @Override
    protected Dataset<Row> run(Dataset<Row> docs, StageContext ctx) {
        SentenceDedup sd = new SentenceDedup(getSpanSentences(), getMinDocWords(), getMinNumSentences());
        String text = ctx.textColumn();
        String rank = RowOrder.RANK;
        Dataset<Row> ranked = RowOrder.rank(docs, name(), ctx.idColumn(), text);
        Dataset<Row> spans = ranked.where(col(Columns.REASON).isNull()).select(col(rank), Columns.named(text))
                .mapPartitions(new Spans(sd), Encoders.row(SPANS));
        Dataset<Row> repeats = Lineage.cut(spans
                .withColumn("n", row_number().over(Window.partitionBy("hash").orderBy("v", "s")))
                .where(col("n").gt(1))
                .groupBy(col("v").as("_kd_span_doc")).agg(collect_list("s").as("_kd_dup_starts")));
        UserDefinedFunction remove = functions.udf((UDF2<String, scala.collection.Seq<Integer>, Row>) (t, starts) -> {
            TreeSet<Integer> s = new TreeSet<>();
            scala.jdk.CollectionConverters.SeqHasAsJava(starts).asJava().forEach(s::add);
            SentenceDedup.Outcome o = sd.removeSpans(t, sd.coveredSentences(s));
            return RowFactory.create(o.keep(), o.text(), o.removedSentences(), o.keep() ? null : reason(o.reason()));
        }, OUTCOME);
        Dataset<Row> j = ranked.join(repeats, ranked.col(rank).equalTo(repeats.col("_kd_span_doc")), "left");
        Column touched = col(Columns.REASON).isNull().and(col("_kd_dup_starts").isNotNull());
        Column outcome = when(touched, remove.apply(Columns.named(text), col("_kd_dup_starts")));
        j = j.withColumn("_kd_outcome", outcome);
        Column keep = col("_kd_outcome.keep");
        // one select: a later withColumn's `touched` would read the reason just set, and a document dropped as too
        // short would count no removed sentences
        Dataset<Row> out = j.withColumns(java.util.Map.of(
                Columns.REASON, when(touched.and(functions.not(keep)), col("_kd_outcome.reason")).otherwise(col(Columns.REASON)),
                text, when(touched.and(keep), col("_kd_outcome.text")).otherwise(Columns.named(text)),
                REMOVED, when(touched, col("_kd_outcome.removed")).otherwise(lit(0))));
        ctx.reportMetricColumn(REMOVED, NAME + "_removed_sentences");
        return out.drop(rank, "_kd_span_doc", "_kd_dup_starts", "_kd_outcome");
    }

    /** The reason column's value ({@code stage:why}) for a {@link SentenceDedup} drop. */
    static String reason(String dropped) {
        return switch (dropped) {
            case SentenceDedup.TOO_SHORT -> NAME + ":too_short";
            case SentenceDedup.TOO_FEW_SENTENCES -> NAME + ":too_few_sentences";
            default -> throw new IllegalStateException("unknown sentence dedup outcome " + dropped);
        };
    }

    /** (rank, text) → (span hash, rank, first sentence) for every span. */
    static final class Spans implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final SentenceDedup sd;

        Spans(SentenceDedup sd) {
            this.sd = sd;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            return new MinHashDedup.FlatIterator(in) {
                @Override
                void expand(Row r, List<Row> out) {
                    if (r.isNullAt(1)) {
                        return;
                    }
                    long v = r.getLong(0);
                    for (SentenceDedup.SpanHash h : sd.spanHashes(r.getString(1))) {
                        out.add(RowFactory.create(h.hash(), v, h.sentence()));
                    }
                }
            };
        }
    }
}
