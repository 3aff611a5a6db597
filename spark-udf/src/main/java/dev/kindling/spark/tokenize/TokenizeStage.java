package dev.kindling.spark.tokenize;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.inference.HadoopConf;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * The tokenize step of a pipeline: adds {@code ids} (array&lt;int&gt;) and {@code n_tokens} for the
 * kept rows (rejected rows keep nulls) and reports the token total. Never rejects a row: empty
 * text has already been set aside by the reader; any text tokenizes.
 */
public final class TokenizeStage implements PipelineStage {
    public static final String IDS = "ids";
    public static final String N_TOKENS = "n_tokens";

    private final String tokenizer;
    private final boolean addSpecialTokens;
    private final boolean keepIds;
    private final boolean splitSpecialTokens;

    /**
     * @param keepIds false adds only the count (a pipeline that only wants token totals)
     */
    public TokenizeStage(String tokenizer, boolean addSpecialTokens, boolean keepIds) {
        this(tokenizer, addSpecialTokens, keepIds, false);
    }

    /**
     * @param splitSpecialTokens read text that spells a special token ({@code <|endoftext|>}) as text, as Hugging Face's
     *                           {@code split_special_tokens=True} and tiktoken's {@code encode_ordinary} do; false reads it
     *                           as that token, as {@code tokenizer(text)} does
     */
    public TokenizeStage(String tokenizer, boolean addSpecialTokens, boolean keepIds, boolean splitSpecialTokens) {
        this.tokenizer = tokenizer;
        this.addSpecialTokens = addSpecialTokens;
        this.keepIds = keepIds;
        this.splitSpecialTokens = splitSpecialTokens;
    }

    @Override
    public String name() {
        return "tokenize";
    }

    /**
     * The UDF text → ids for a tokenizer path (the tokenizer is loaded once per executor); a remote one is read with
     * Spark's default Hadoop configuration: give the session's with {@link #encodeUdf(String, boolean, HadoopConf)}.
     */
    public static UserDefinedFunction encodeUdf(String tokenizer, boolean addSpecialTokens) {
        return encodeUdf(tokenizer, addSpecialTokens, null);
    }

    /** {@link #encodeUdf(String, boolean)} with a remote tokenizer read with {@code hadoop} ({@link HadoopConf#forPath}). */
    public static UserDefinedFunction encodeUdf(String tokenizer, boolean addSpecialTokens, HadoopConf hadoop) {
        return encodeUdf(tokenizer, addSpecialTokens, false, hadoop);
    }

    /** {@link #encodeUdf(String, boolean, HadoopConf)}, reading text that spells a special token as text when {@code splitSpecialTokens}. */
    public static UserDefinedFunction encodeUdf(String tokenizer, boolean addSpecialTokens, boolean splitSpecialTokens, HadoopConf hadoop) {
        UDF1<String, int[]> f = text -> text == null ? null
                : ExecutorTokenizers.get(tokenizer, hadoop).encode(text, addSpecialTokens, !splitSpecialTokens);
        return udf(f, DataTypes.createArrayType(DataTypes.IntegerType, false));
    }

    /** The UDF text → token count. */
    public static UserDefinedFunction countUdf(String tokenizer, boolean addSpecialTokens, HadoopConf hadoop) {
        return countUdf(tokenizer, addSpecialTokens, false, hadoop);
    }

    /** {@link #countUdf(String, boolean, HadoopConf)}, reading text that spells a special token as text when {@code splitSpecialTokens}. */
    public static UserDefinedFunction countUdf(String tokenizer, boolean addSpecialTokens, boolean splitSpecialTokens, HadoopConf hadoop) {
        UDF1<String, Integer> f = text -> text == null ? null : splitSpecialTokens
                ? ExecutorTokenizers.get(tokenizer, hadoop).encode(text, addSpecialTokens, false).length
                : ExecutorTokenizers.get(tokenizer, hadoop).count(text, addSpecialTokens);
        return udf(f, DataTypes.IntegerType);
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        // before the tokenizer is read: a missing column was Spark's AnalysisException, from the first withColumn
        Columns.require(docs.schema(), context.textColumn(), name(), "textColumn");
        HadoopConf hadoop = HadoopConf.forPath(docs.sparkSession(), tokenizer);
        ExecutorTokenizers.get(tokenizer, hadoop); // fail early (on the driver) for a missing or malformed file
        Column kept = col(Columns.REASON).isNull();
        Column text = Columns.named(context.textColumn());
        Dataset<Row> out;
        if (keepIds) {
            out = docs.withColumn(IDS, when(kept, encodeUdf(tokenizer, addSpecialTokens, splitSpecialTokens, hadoop).apply(text)))
                    .withColumn(N_TOKENS, when(col(IDS).isNotNull(), size(col(IDS))));
        } else {
            out = docs.withColumn(N_TOKENS, when(kept, countUdf(tokenizer, addSpecialTokens, splitSpecialTokens, hadoop).apply(text)));
        }
        context.reportSum(N_TOKENS, "tokens");
        return out;
    }
}
