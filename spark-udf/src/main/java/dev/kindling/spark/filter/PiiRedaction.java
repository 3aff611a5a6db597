package dev.kindling.spark.filter;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.when;

import dev.kindling.dedup.pii.PiiKind;
import dev.kindling.dedup.pii.PiiRedactor;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.CurationStage;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
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
 * PII redaction ({@link PiiRedactor}): e-mail addresses, IPv4/IPv6 addresses and phone numbers in
 * the text column are replaced by {@code <EMAIL>}, {@code <IP_ADDRESS>}, {@code <PHONE_NUMBER>}.
 * Never drops a document. The number of replacements per kind is counted once per row while the
 * output is written and reported as {@code pii_email}, {@code pii_ipv4}, {@code pii_ipv6},
 * {@code pii_phone}; as a Transformer, {@code countsCol} adds them per row as a map.
 *
 * <pre>{@code
 * new PiiRedaction().setKinds(new String[] {"email", "phone"}).setCountsCol("pii").transform(docs);
 * }</pre>
 */
public final class PiiRedaction extends CurationStage<PiiRedaction> {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "pii";

    private final StringArrayParam kinds = new StringArrayParam(this, "kinds", "what to redact: email, ipv4, ipv6, phone",
            ParamChecks.value(this, "kinds", "some of email, ipv4, ipv6, phone", (String[] v) -> parseKinds(v) != null));
    private final Param<String> countsCol = new Param<>(this, "countsCol",
            "column for the per-row counts by kind (map), empty for none",
            ParamChecks.optional(this, "countsCol", "a column name"));

    public PiiRedaction() {
        this(Identifiable.randomUID("kindling_pii"));
    }

    public PiiRedaction(String uid) {
        super(uid);
        setDefault(kinds, new String[] {"email", "ipv4", "ipv6", "phone"});
        setDefault(countsCol, "");
    }

    public static MLReader<PiiRedaction> read() {
        return StageReader.of(PiiRedaction.class);
    }

    public static PiiRedaction load(String path) {
        return read().load(path);
    }

    public StringArrayParam kinds() {
        return kinds;
    }

    public Param<String> countsCol() {
        return countsCol;
    }

    public String[] getKinds() {
        return getOrDefault(kinds);
    }

    public String getCountsCol() {
        return getOrDefault(countsCol);
    }

    public PiiRedaction setKinds(String[] v) {
        set(kinds, v);
        return this;
    }

    public PiiRedaction setCountsCol(String v) {
        set(countsCol, v == null ? "" : v);
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

    /** Kind names → kinds, with a usage error naming a wrong one. */
    public static List<PiiKind> parseKinds(String[] names) {
        List<PiiKind> out = new ArrayList<>();
        if (names == null) {
            throw KindlingException.usage("PII kinds are null: expected some of email, ipv4, ipv6, phone");
        }
        if (names.length == 0) {
            // a stage that redacts nothing, counted as run
            throw KindlingException.usage("no PII kind given: expected some of email, ipv4, ipv6, phone");
        }
        for (String n : names) {
            if (n == null) {
                throw KindlingException.usage("a PII kind is null: expected email, ipv4, ipv6 or phone");
            }
            try {
                out.add(PiiKind.valueOf(n.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw KindlingException.usage("unknown PII kind '" + n + "': expected email, ipv4, ipv6 or phone");
            }
        }
        return out;
    }

    @Override
    protected StructType addColumns(StructType in, String idColumn, String textColumn) {
        parseKinds(getKinds());
        if (!getCountsCol().isEmpty() && Columns.contains(in.fieldNames(), getCountsCol())) {
            // it would replace that column (the text, the reasons) with the counts; in another case too, unless
            // spark.sql.caseSensitive is set, as Spark resolves names
            throw KindlingException.usage(NAME + ": countsCol '" + getCountsCol() + "' names an existing column; choose another");
        }
        if (!getCountsCol().isEmpty() && Columns.reservedPrefix(getCountsCol()) != null) {
            // the stage's own working and metric columns (_kd_pii, _kd_pii_email) take such a name and are dropped: the
            // counts were lost, though transformSchema declared them
            throw KindlingException.usage(NAME + ": countsCol '" + getCountsCol() + "' starts with " + Columns.reservedPrefix(getCountsCol())
                    + ", which Kindling keeps for the columns its stages add and drop; choose another");
        }
        return getCountsCol().isEmpty() ? in
                : in.add(getCountsCol(), DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType), true);
    }

    @Override
    protected Dataset<Row> run(Dataset<Row> docs, StageContext ctx) {
        Map<PiiKind, String> replacements = new EnumMap<>(PiiKind.class);
        for (PiiKind k : parseKinds(getKinds())) {
            replacements.put(k, k.defaultReplacement());
        }
        PiiRedactor redactor = new PiiRedactor(replacements);
        StructType result = new StructType().add("text", DataTypes.StringType, true);
        for (PiiKind k : PiiKind.values()) {
            result = result.add(k.name().toLowerCase(Locale.ROOT), DataTypes.IntegerType, false);
        }
        UserDefinedFunction redact = functions.udf((UDF1<String, Row>) t -> {
            PiiRedactor.Result r = redactor.redact(t);
            Object[] v = new Object[1 + PiiKind.values().length];
            v[0] = r.text();
            for (PiiKind k : PiiKind.values()) {
                v[1 + k.ordinal()] = r.counts().getOrDefault(k, 0);
            }
            return RowFactory.create(v);
        }, result);
        String text = ctx.textColumn();
        Column eligible = col(Columns.REASON).isNull().and(Columns.named(text).isNotNull());
        Dataset<Row> d = docs.withColumn("_kd_pii", when(eligible, redact.apply(Columns.named(text))))
                .withColumn(text, when(eligible, col("_kd_pii.text")).otherwise(Columns.named(text)));
        List<Column> mapEntries = new ArrayList<>();
        // the kinds asked for: the others' zeros ("0 pii_ipv4, 0 pii_ipv6" after --pii-kinds email,phone) read as if they
        // had been looked for and not found
        for (PiiKind k : replacements.keySet()) {
            String kind = k.name().toLowerCase(Locale.ROOT);
            String metric = "_kd_pii_" + kind;
            d = d.withColumn(metric, col("_kd_pii." + kind));
            ctx.reportMetricColumn(metric, NAME + "_" + kind);
            mapEntries.add(lit(kind));
            mapEntries.add(col("_kd_pii." + kind));
        }
        if (!getCountsCol().isEmpty()) {
            d = d.withColumn(getCountsCol(), when(eligible, map(mapEntries.toArray(new Column[0]))));
        }
        return d.drop("_kd_pii");
    }
}
