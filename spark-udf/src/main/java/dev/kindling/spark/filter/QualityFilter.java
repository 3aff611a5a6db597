package dev.kindling.spark.filter;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.dedup.filter.DocumentFilter;
import dev.kindling.dedup.filter.FilterResult;
import dev.kindling.dedup.filter.Filters;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.param.Param;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.StageReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One document-quality filter of {@code dev.kindling.dedup.filter} as a stage, with datatrove's
 * default thresholds and reason names: {@code gopher_quality}, {@code gopher_repetition},
 * {@code c4}, {@code fineweb}. The stage's name is the filter's, so a rejected row reads e.g.
 * {@code gopher_quality:gopher_short_doc}. C4 also rewrites the text of the documents it keeps
 * (lines without terminal punctuation, javascript and policy lines, citations removed), as
 * datatrove does. A row whose text is null is rejected as {@code <filter>:null_text}.
 *
 * <pre>{@code
 * for (QualityFilter f : QualityFilter.stagesFor("gopher,c4")) docs = f.transform(docs);
 * }</pre>
 */
public final class QualityFilter extends CurationStage<QualityFilter> {
    private static final long serialVersionUID = 1L;
    /** The reason of a row whose text is null (the CLI's reader sets such rows aside before, as {@code read:null_text}). */
    public static final String NULL_TEXT = "null_text";
    /** The filters by name. */
    public static final List<String> NAMES = List.of("gopher_quality", "gopher_repetition", "c4", "fineweb");

    private final Param<String> filter = new Param<>(this, "filter", "gopher_quality, gopher_repetition, c4 or fineweb",
            ParamChecks.oneOf(this, "filter", NAMES.toArray(new String[0])));

    public QualityFilter() {
        this(Identifiable.randomUID("kindling_quality_filter"));
    }

    public QualityFilter(String uid) {
        super(uid);
        setDefault(filter, "gopher_quality");
    }

    public static MLReader<QualityFilter> read() {
        return StageReader.of(QualityFilter.class);
    }

    public static QualityFilter load(String path) {
        return read().load(path);
    }

    /** Stages for a comma-separated list; {@code gopher} is both Gopher filters (repetition first, as datatrove's examples). */
    public static List<QualityFilter> stagesFor(String names) {
        List<QualityFilter> out = new ArrayList<>();
        for (String n : names.split(",")) {
            String name = n.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (name.equals("gopher")) {
                out.add(new QualityFilter().setFilter("gopher_repetition"));
                out.add(new QualityFilter().setFilter("gopher_quality"));
            } else {
                out.add(new QualityFilter().setFilter(name));
            }
        }
        return out;
    }

    public Param<String> filter() {
        return filter;
    }

    public String getFilter() {
        return getOrDefault(filter);
    }

    /** One filter, named in any case ({@code gopher}, which is two, takes {@link #stagesFor}). */
    public QualityFilter setFilter(String v) {
        String name = v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
        if (name.equals("gopher")) {
            throw KindlingException.usage("quality filter 'gopher' is two stages, gopher_repetition and gopher_quality: use "
                    + "QualityFilter.stagesFor(\"gopher\"), or setFilter with one of them");
        }
        if (!NAMES.contains(name)) {
            throw KindlingException.usage("unknown quality filter '" + v + "': expected " + String.join(", ", NAMES)
                    + " (or gopher for the two Gopher filters, through stagesFor)");
        }
        set(filter, name);
        return this;
    }

    @Override
    protected boolean readsIdColumn() {
        return false;
    }

    @Override
    public String name() {
        return getFilter();
    }

    private static final StructType RESULT = new StructType().add("reason", DataTypes.StringType, true)
            .add("text", DataTypes.StringType, true);

    @Override
    protected Dataset<Row> run(Dataset<Row> docs, StageContext ctx) {
        DocumentFilter f = Filters.named(getFilter()).get(0);
        String text = ctx.textColumn();
        UserDefinedFunction apply = functions.udf((UDF1<String, Row>) t -> {
            FilterResult r = f.apply(t);
            return RowFactory.create(r.keep() ? null : r.reason(), r.keep() ? r.text() : null);
        }, RESULT);
        Column eligible = col(Columns.REASON).isNull();
        Column noText = Columns.named(text).isNull();
        Dataset<Row> d = docs.withColumn("_kd_filter", when(eligible.and(functions.not(noText)), apply.apply(Columns.named(text))));
        Column dropped = col("_kd_filter.reason").isNotNull();
        // a row without text did not pass the filter: left alone it was kept, where an empty text is dropped
        return d.withColumn(Columns.REASON, when(eligible.and(noText), lit(name() + ":" + NULL_TEXT))
                        .when(eligible.and(dropped), concat(lit(name() + ":"), col("_kd_filter.reason")))
                        .otherwise(col(Columns.REASON)))
                .withColumn(text, when(eligible.and(col("_kd_filter").isNotNull()).and(functions.not(dropped)),
                        col("_kd_filter.text")).otherwise(Columns.named(text)))
                .drop("_kd_filter");
    }
}
