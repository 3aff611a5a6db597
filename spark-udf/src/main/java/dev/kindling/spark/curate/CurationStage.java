package dev.kindling.spark.curate;

import dev.kindling.spark.stage.ParamChecks;
import static org.apache.spark.sql.functions.lit;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Base of Kindling's curation stages: each is a {@link PipelineStage} of the CLI's pipelines (it
 * reads and sets the {@code reason} column: only rows whose reason is null are looked at; a
 * rejected row gets {@code "<name()>:<why>"} and stays in place) and a Spark ML {@link Transformer}
 * with typed params, savable with {@code write().save(path)}:
 *
 * <pre>{@code
 * Dataset<Row> out = new MinHashDedup().setThreshold(0.8).setTextCol("content").transform(docs);
 * out.filter("reason IS NULL");                       // the kept documents
 * out.groupBy("reason").count();                      // what was dropped and why
 * }</pre>
 *
 * As a Transformer a stage adds a null {@code reason} column when the input has none. In a CLI
 * pipeline the id and text columns come from {@code --id-column} / {@code --text-column} (the
 * {@link StageContext}) instead of {@code idCol} / {@code textCol}.
 */
public abstract class CurationStage<S extends CurationStage<S>> extends Transformer
        implements PipelineStage, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> idCol;
    private final Param<String> textCol;

    protected CurationStage(String uid) {
        this.uid = uid;
        this.idCol = new Param<>(this, "idCol", "column of document ids (a duplicate group keeps its smallest id)",
                ParamChecks.column(this, "idCol"));
        this.textCol = new Param<>(this, "textCol", "column of document texts",
                ParamChecks.column(this, "textCol"));
        setDefault(idCol, "id");
        setDefault(textCol, "text");
    }

    @SuppressWarnings("unchecked")
    protected final S self() {
        return (S) this;
    }

    /** Spark's, with an array param's value as JSON (Spark prints its identity, {@code [Ljava.lang.String;@5f2c}). */
    @Override
    public String explainParam(org.apache.spark.ml.param.Param<?> param) {
        return dev.kindling.spark.stage.ParamChecks.explain(this, param);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public String getIdCol() {
        return getOrDefault(idCol);
    }

    public String getTextCol() {
        return getOrDefault(textCol);
    }

    public S setIdCol(String value) {
        set(idCol, value);
        return self();
    }

    public S setTextCol(String value) {
        set(textCol, value);
        return self();
    }

    /** Whether the stage reads the id column (the dedup stages order by it); a filter that does not needs none. */
    protected boolean readsIdColumn() {
        return true;
    }

    /**
     * Whether the stage compares rows with one another (the dedup stages): it needs the whole dataset, so a streaming
     * DataFrame is refused rather than failing in Spark's planner naming an inner column, or in a micro-batch.
     */
    protected boolean comparesRows() {
        return false;
    }

    /** Checks the input columns other than the id and text that the stage reads ({@code schema} is the input's). */
    protected void requireOtherColumns(StructType schema) {
    }

    /** The fields this stage adds to {@code in} (a reason column is already present). */
    protected StructType addColumns(StructType in, String idColumn, String textColumn) {
        return in;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        // refused here, not in apply: a CLI pipeline carries earlier stages' metric columns (_kd_pii_email) between its
        // stages, and refuses such a column of its input before the first stage (JobRun.readInput)
        Columns.refuseReserved(schema, name() + ": the input");
        return outputSchema(schema, getIdCol(), getTextCol(), "idCol", "textCol");
    }

    /**
     * Checks the input columns and returns the output schema (used by both entry points: {@code transform} with the
     * params idCol and textCol, a CLI pipeline with its context's idColumn and textColumn, which name them in errors).
     */
    private StructType outputSchema(StructType schema, String idColumn, String textColumn, String idParam, String textParam) {
        if (readsIdColumn()) {
            requireColumn(schema, idColumn, idParam, null);
        }
        requireColumn(schema, textColumn, textParam, DataTypes.StringType);
        requireOtherColumns(schema);
        StructType out = schema;
        if (Columns.resolve(schema, Columns.REASON, name()) != null) {
            requireColumn(schema, Columns.REASON, null, DataTypes.StringType);
        } else {
            out = out.add(Columns.REASON, DataTypes.StringType, true);
        }
        return addColumns(out, idColumn, textColumn);
    }

    /**
     * Checks that {@code schema} has a column Spark reads for {@code name} (see {@link Columns#resolve}), of {@code type} if
     * given; {@code param}, where the name came from, is named when there is none. A string of any collation (Spark 4's
     * {@code STRING COLLATE UTF8_LCASE}) is a string.
     */
    protected void requireColumn(StructType schema, String name, String param, org.apache.spark.sql.types.DataType type) {
        StructField f = Columns.require(schema, name, name(), param);
        if (type != null && !Columns.withoutCollation(f.dataType()).equals(type)) {
            throw KindlingException.usage(name() + ": column '" + name + "' is " + f.dataType().simpleString()
                    + ", expected " + type.simpleString());
        }
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Dataset<Row> df = dataset.toDF();
        if (Columns.resolve(df.schema(), Columns.REASON, name()) == null) {
            df = df.withColumn(Columns.REASON, lit(null).cast(DataTypes.StringType));
        }
        // the columns as the frame names them: a stage that rewrites its text (withColumn) would otherwise rename it to
        // the case the param gave
        String id = readsIdColumn() ? Columns.resolve(df.schema(), getIdCol(), name()) : getIdCol();
        StageContext ctx = new StageContext(df.sparkSession(), id, Columns.resolve(df.schema(), getTextCol(), name()));
        Dataset<Row> out = apply(df, ctx);
        // metric columns exist for the CLI's accounting; a Transformer's output does not carry them
        return out.drop(ctx.metricColumns().keySet().toArray(new String[0]));
    }

    @Override
    public final Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        outputSchema(docs.schema(), context.idColumn(), context.textColumn(), "idColumn", "textColumn");
        if (comparesRows()) {
            dev.kindling.spark.stage.Streaming.requireBatch(docs, ParamChecks.who(this), "a row is a duplicate of rows anywhere in it");
        }
        // a collated id (Spark 4's STRING COLLATE UTF8_LCASE) is equal as its collation says: 'A' and 'a' were one id in the
        // stage's joins and groups, so a duplicate could name an unrelated document as its duplicate_of; the stage works on
        // the ids as written (an earlier stage's cluster columns too), and its output's columns of ids keep the input's type
        String[] idColumns = {context.idColumn(), Columns.CLUSTER_ID, Columns.DUPLICATE_OF};
        java.util.Map<String, org.apache.spark.sql.types.DataType> collated = new java.util.LinkedHashMap<>();
        for (String c : comparesRows() && readsIdColumn() ? idColumns : new String[0]) {
            org.apache.spark.sql.types.DataType t = docs.schema().getFieldIndex(c).isDefined() ? docs.schema().apply(c).dataType() : null;
            if (Columns.isString(t) && !t.equals(DataTypes.StringType)) {
                collated.put(c, t);
            }
        }
        if (collated.isEmpty()) {
            return Columns.withMetadataOf(docs.schema(), reasonAsNamed(docs.schema(), run(docs, context)));
        }
        Dataset<Row> plain = docs;
        for (String c : collated.keySet()) {
            plain = plain.withColumn(c, Columns.named(c).cast(DataTypes.StringType));
        }
        Dataset<Row> out = run(plain, context);
        org.apache.spark.sql.types.DataType idType = collated.getOrDefault(context.idColumn(), DataTypes.StringType);
        for (String c : idColumns) {
            if (out.schema().getFieldIndex(c).isDefined() && out.schema().apply(c).dataType().equals(DataTypes.StringType)) {
                out = out.withColumn(c, Columns.named(c).cast(collated.getOrDefault(c, idType)));
            }
        }
        return Columns.withMetadataOf(docs.schema(), reasonAsNamed(docs.schema(), out));
    }

    /**
     * {@code out} with its reason column under the name {@code input} gives it ({@code Reason}): a stage's
     * {@code withColumn("reason", ...)} renamed it, where transformSchema keeps an input column's name.
     */
    private Dataset<Row> reasonAsNamed(StructType input, Dataset<Row> out) {
        String named = Columns.resolve(input, Columns.REASON, name());
        return named == null || named.equals(Columns.REASON) ? out : out.withColumnRenamed(Columns.REASON, named);
    }

    /** The stage's work on validated input. */
    protected abstract Dataset<Row> run(Dataset<Row> docs, StageContext context);

    /** This stage with its uid, its values and {@code extra}'s (Spark's CrossValidator copies a stage per ParamMap). */
    @Override
    @SuppressWarnings("unchecked")
    public S copy(ParamMap extra) {
        return (S) defaultCopy(extra);
    }
}
