package dev.kindling.spark.tokenize;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageReader;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Tokenization as a Spark ML {@link Transformer}: {@code inputCol} (string, of any collation) to {@code outputCol}
 * (array&lt;int&gt;, null for null text), optionally {@code countCol} (int). The tokenizer (a path:
 * tokenizer.json or a folder holding one, .gguf, .tiktoken, tokenizer.bin, tokenizer.model; local, a SparkFiles name or
 * s3a://; or {@code byte-level}, the built-in one token per UTF-8 byte) is loaded once per executor JVM.
 *
 * <pre>{@code
 * Dataset<Row> out = new TokenizerTransformer().setTokenizer("/models/llama3/tokenizer.json")
 *         .setInputCol("text").setOutputCol("ids").setCountCol("n_tokens").transform(docs);
 * }</pre>
 *
 * Savable in a Pipeline ({@code write().save(path)}, {@link #load(String)}).
 */
public final class TokenizerTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    // created after uid is set: a Param records its parent's uid
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> tokenizer;
    private final BooleanParam addSpecialTokens;
    private final BooleanParam splitSpecialTokens;
    private final Param<String> countCol;

    public TokenizerTransformer() {
        this(Identifiable.randomUID("kindlingTokenizer"));
    }

    public TokenizerTransformer(String uid) {
        this.uid = uid;
        this.inputCol = new Param<>(this, "inputCol", "column of texts to tokenize",
                ParamChecks.column(this, "inputCol"));
        this.outputCol = new Param<>(this, "outputCol", "column of token ids (array<int>)",
                ParamChecks.column(this, "outputCol"));
        this.tokenizer = new Param<>(this, "tokenizer", "tokenizer: a tokenizer.json (or a folder holding one), .gguf, .tiktoken, tokenizer.bin or tokenizer.model; local, a "
                + "SparkFiles name or s3a://; or byte-level, the built-in one token per UTF-8 byte",
                ParamChecks.value(this, "tokenizer", "a tokenizer path", (String v) -> !v.isBlank()));
        this.addSpecialTokens = ParamChecks.bool(this, "addSpecialTokens", "add BOS/EOS/template tokens as the tokenizer file says");
        this.splitSpecialTokens = ParamChecks.bool(this, "splitSpecialTokens", "read text that spells a special token "
                + "(<|endoftext|>) as text, as Hugging Face's split_special_tokens=True, not as that token");
        this.countCol = new Param<>(this, "countCol", "optional column of token counts (int); empty for none",
                ParamChecks.optional(this, "countCol", "a column name"));
        setDefault(inputCol, "text");
        setDefault(outputCol, "ids");
        setDefault(addSpecialTokens, false);
        setDefault(splitSpecialTokens, false);
        setDefault(countCol, "");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> tokenizer() {
        return tokenizer;
    }

    public BooleanParam addSpecialTokens() {
        return addSpecialTokens;
    }

    public BooleanParam splitSpecialTokens() {
        return splitSpecialTokens;
    }

    public Param<String> countCol() {
        return countCol;
    }

    public TokenizerTransformer setInputCol(String v) {
        set(inputCol, v);
        return this;
    }

    public TokenizerTransformer setOutputCol(String v) {
        set(outputCol, v);
        return this;
    }

    public TokenizerTransformer setTokenizer(String v) {
        set(tokenizer, v);
        return this;
    }

    public TokenizerTransformer setAddSpecialTokens(boolean v) {
        set(addSpecialTokens, v);
        return this;
    }

    public TokenizerTransformer setSplitSpecialTokens(boolean v) {
        set(splitSpecialTokens, v);
        return this;
    }

    public TokenizerTransformer setCountCol(String v) {
        set(countCol, v == null ? "" : v);
        return this;
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    public String getTokenizer() {
        if (!isDefined(tokenizer)) {
            throw KindlingException.usage("TokenizerTransformer: set the tokenizer path with setTokenizer(...)");
        }
        return getOrDefault(tokenizer);
    }

    public boolean getAddSpecialTokens() {
        return (Boolean) getOrDefault(addSpecialTokens);
    }

    public boolean getSplitSpecialTokens() {
        return (Boolean) getOrDefault(splitSpecialTokens);
    }

    public String getCountCol() {
        return getOrDefault(countCol);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        getTokenizer(); // a Pipeline's transformSchema finds it missing, before any stage runs
        String in = getInputCol();
        StructField f = Columns.require(schema, in, ParamChecks.who(this), "inputCol");
        if (!Columns.isString(f.dataType())) { // a collated string too: its values are the same Java strings
            throw KindlingException.usage(ParamChecks.who(this) + ": column '" + in + "' is " + f.dataType().simpleString() + ", expected string");
        }
        if (getOutputCol() == null || getOutputCol().isEmpty()) {
            throw KindlingException.usage(ParamChecks.who(this) + ": outputCol is " + (getOutputCol() == null ? "null" : "empty") + "; the ids need a column");
        }
        if (Columns.sameName(getOutputCol(), getCountCol())) {
            throw KindlingException.usage(ParamChecks.who(this) + ": outputCol and countCol are both '" + getOutputCol() + "'; the ids would be lost");
        }
        for (String out : new String[] {getOutputCol(), getCountCol()}) {
            // as Spark resolves names, by default regardless of case: withColumn("TEXT") would replace "text"
            if (!out.isEmpty() && Columns.contains(schema.fieldNames(), out)) {
                throw KindlingException.usage(ParamChecks.who(this) + ": output column '" + out + "' already exists");
            }
        }
        StructType s = schema.add(getOutputCol(), DataTypes.createArrayType(DataTypes.IntegerType, false), true);
        return getCountCol().isEmpty() ? s : s.add(getCountCol(), DataTypes.IntegerType, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        String path = getTokenizer();
        dev.kindling.spark.inference.HadoopConf hadoop = dev.kindling.spark.inference.HadoopConf.forPath(dataset.sparkSession(), path);
        // named as the stage's param, a relative path with the folder it was looked in (a saved stage loaded elsewhere)
        ExecutorTokenizers.checkLocal(ParamChecks.who(this) + ".tokenizer", path);
        // a remote one too, named as the param: the load below said only "s3a://b/tok.json does not exist"
        ExecutorTokenizers.checkRemote(ParamChecks.who(this) + ".tokenizer", path, dataset.sparkSession().sparkContext().hadoopConfiguration());
        ExecutorTokenizers.get(path, hadoop); // a missing or malformed tokenizer fails here, on the driver
        Dataset<Row> out = dataset.toDF().withColumn(getOutputCol(),
                TokenizeStage.encodeUdf(path, getAddSpecialTokens(), getSplitSpecialTokens(), hadoop).apply(Columns.named(getInputCol())));
        if (!getCountCol().isEmpty()) {
            out = out.withColumn(getCountCol(), when(Columns.named(getOutputCol()).isNotNull(), size(Columns.named(getOutputCol()))));
        }
        return out;
    }

    @Override
    public TokenizerTransformer copy(ParamMap extra) {
        return (TokenizerTransformer) defaultCopy(extra);
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static org.apache.spark.ml.util.MLReader<TokenizerTransformer> read() {
        return StageReader.of(TokenizerTransformer.class);
    }

    /** Reads a transformer saved with {@code write().save(path)}. */
    public static TokenizerTransformer load(String path) {
        return read().load(path);
    }
}
