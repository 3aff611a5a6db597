package dev.kindling.spark.inference;

import dev.kindling.inference.Engine;
import dev.kindling.inference.ScoreResult;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.stage.StageReader;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.ParamChecks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Log-probability and perplexity of every text under the model (batched prefill only, no
 * generation): adds {@code logprob} (sum of the log-probabilities of the text's tokens, natural
 * log), {@code perplexity} ({@code exp(-logprob / n_tokens)}) and {@code n_tokens} (the tokens
 * predicted: the text's tokens after BOS), plus the error column.
 *
 * <pre>{@code
 * Dataset<Row> scored = new Score().setModel("/models/model.gguf").setInputCol("text").transform(docs);
 * }</pre>
 *
 * <p>Texts longer than the context ({@code longTexts}): {@code chunk} (default) scores them in
 * consecutive windows of the context length, each window after the first starting again from BOS
 * (or, without BOS, from the previous window's last token), so every token is predicted once —
 * the usual non-overlapping perplexity; {@code truncate} scores the first window only;
 * {@code error} fails the row. A text with no token to predict gets {@code n_tokens 0},
 * {@code logprob 0} and a null perplexity; a null text gets nulls.
 *
 * <p>Text that spells a special token ({@code </s>}, {@code <|endoftext|>}) is read as that token by default, as
 * Hugging Face's {@code tokenizer(text)} reads it; {@code splitSpecialTokens} reads it as text (Hugging Face's
 * {@code split_special_tokens=True}, llama.cpp's {@code perplexity}), so a web page quoting {@code </s>} is not scored
 * as if a document ended inside it.
 */
public final class Score extends EngineStage<Score> {
    private static final long serialVersionUID = 1L;

    private final Param<String> inputCol;
    private final Param<String> logprobCol;
    private final Param<String> perplexityCol;
    private final Param<String> countCol;
    private final Param<String> longTexts;
    private final BooleanParam splitSpecialTokens;

    public Score() {
        this(Identifiable.randomUID("kindlingScore"));
    }

    public Score(String uid) {
        super(uid);
        inputCol = new Param<>(this, "inputCol", "column of texts to score",
                ParamChecks.column(this, "inputCol"));
        logprobCol = new Param<>(this, "logprobCol", "output: sum of token log-probabilities (double)",
                ParamChecks.column(this, "logprobCol"));
        perplexityCol = new Param<>(this, "perplexityCol", "output: perplexity (double)",
                ParamChecks.column(this, "perplexityCol"));
        countCol = new Param<>(this, "countCol", "output: tokens predicted (int)",
                ParamChecks.column(this, "countCol"));
        longTexts = new Param<>(this, "longTexts", "texts longer than the context: chunk, truncate or error",
                ParamChecks.oneOf(this, "longTexts", "chunk", "truncate", "error"));
        setDefault(inputCol, "text");
        setDefault(logprobCol, "logprob");
        setDefault(perplexityCol, "perplexity");
        setDefault(countCol, "n_tokens");
        splitSpecialTokens = ParamChecks.bool(this, "splitSpecialTokens",
                "read text that spells a special token (</s>) as text, not as that token (Hugging Face's split_special_tokens)");
        setDefault(longTexts, "chunk");
        setDefault(splitSpecialTokens, false);
    }

    @Override
    protected String stageName() {
        return "score";
    }

    public Param<String> inputCol() { return inputCol; }
    public Param<String> logprobCol() { return logprobCol; }
    public Param<String> perplexityCol() { return perplexityCol; }
    public Param<String> countCol() { return countCol; }
    public Param<String> longTexts() { return longTexts; }
    public BooleanParam splitSpecialTokens() { return splitSpecialTokens; }

    public Score setInputCol(String v) { set(inputCol, v); return this; }
    public Score setLogprobCol(String v) { set(logprobCol, v); return this; }
    public Score setPerplexityCol(String v) { set(perplexityCol, v); return this; }
    public Score setCountCol(String v) { set(countCol, v); return this; }
    public Score setLongTexts(String v) { set(longTexts, v); return this; }
    public Score setSplitSpecialTokens(boolean v) { set(splitSpecialTokens, v); return this; }

    public String getLogprobCol() { return getOrDefault(logprobCol); }
    public String getPerplexityCol() { return getOrDefault(perplexityCol); }
    public String getCountCol() { return getOrDefault(countCol); }

    // the getters Spark ML stages have for every param
    public String getInputCol() { return getOrDefault(inputCol); }
    public String getLongTexts() { return getOrDefault(longTexts); }
    public boolean getSplitSpecialTokens() { return (Boolean) getOrDefault(splitSpecialTokens); }

    @Override
    public StructType transformSchema(StructType schema) {
        requireEngineTokenizer();
        requireColumn(schema, getOrDefault(inputCol), "inputCol", DataTypes.StringType);
        requireAbsent(schema, getOrDefault(logprobCol), getOrDefault(perplexityCol), getOrDefault(countCol));
        String lt = getOrDefault(longTexts);
        if (!lt.equals("chunk") && !lt.equals("truncate") && !lt.equals("error")) {
            throw KindlingException.usage(who() + ": longTexts must be chunk, truncate or error, not " + lt);
        }
        if (getTruncatePrompts()) {
            // the engine's option cuts generation prompts; a score never reads it, so it was accepted and did nothing (a
            // text longer than the context was still scored in chunks), where kindling score refuses --truncate-prompts
            throw KindlingException.usage(who() + ": truncatePrompts is set, but it cuts Generate's prompts and Score reads "
                    + "texts: for those longer than the context set longTexts to truncate (the first window) or chunk (every "
                    + "window, the default)");
        }
        return job(schema, null).outputSchema(schema, getErrorCol());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        InferenceMetrics metrics = startTransform(dataset);
        return run(job(dataset.schema(), metrics), dataset);
    }

    private Job job(StructType schema, InferenceMetrics metrics) {
        StructType cols = new StructType().add(getOrDefault(logprobCol), DataTypes.DoubleType, true)
                .add(getOrDefault(perplexityCol), DataTypes.DoubleType, true)
                .add(getOrDefault(countCol), DataTypes.IntegerType, true);
        return new Job(engineSpec(), window(), metrics, Columns.indexOf(schema, getOrDefault(inputCol), who()), cols,
                getOrDefault(longTexts), getSplitSpecialTokens());
    }

    /** A text's score: summed log-probability over {@code predicted} tokens. */
    public record TextScore(double logprob, int predicted) {
        /** Null when nothing was predicted. */
        public Double perplexity() {
            return predicted == 0 ? null : Math.exp(-logprob / predicted);
        }
    }

    /** Starts scoring {@code text} (see the class comment for long texts), special tokens spelled in it read as such. */
    public static CompletableFuture<TextScore> submit(Engine engine, String text, String longTexts) {
        return submit(engine, text, longTexts, false);
    }

    /** Starts scoring {@code text}; {@code splitSpecialTokens}: text that spells a special token is read as text. */
    public static CompletableFuture<TextScore> submit(Engine engine, String text, String longTexts, boolean splitSpecialTokens) {
        Tokenizer tok = engine.tokenizer().orElseThrow();
        int[] ids = tok.encode(text, true, !splitSpecialTokens);
        if (ids.length < 2) {
            return CompletableFuture.completedFuture(new TextScore(0, 0));
        }
        int ctx = engine.config().contextLength();
        if (ids.length <= ctx) {
            return InOrderWindow.map(engine.submitScore(ids), r -> new TextScore(r.logprob(), r.logprobs().length));
        }
        if (longTexts.equals("error")) {
            throw new IllegalArgumentException(engine.source() + ": the text has " + ids.length + " tokens but the context holds " + ctx
                    + " (longTexts chunk or truncate, kindling score's --long-texts, score it anyway)");
        }
        if (longTexts.equals("truncate")) {
            int[] first = Arrays.copyOf(ids, ctx);
            return InOrderWindow.map(engine.submitScore(first), r -> new TextScore(r.logprob(), r.logprobs().length));
        }
        boolean bos = tok.bosId() >= 0 && ids[0] == tok.bosId();
        List<CompletableFuture<ScoreResult>> parts = new ArrayList<>();
        int pos = 0; // tokens [0, pos) are predicted (or are the leading BOS)
        parts.add(engine.submitScore(Arrays.copyOf(ids, ctx)));
        pos = ctx;
        while (pos < ids.length) {
            int take;
            int[] window;
            if (bos) {
                take = Math.min(ctx - 1, ids.length - pos);
                window = new int[take + 1];
                window[0] = ids[0];
                System.arraycopy(ids, pos, window, 1, take);
            } else {
                take = Math.min(ctx - 1, ids.length - pos);
                window = Arrays.copyOfRange(ids, pos - 1, pos + take);
            }
            parts.add(engine.submitScore(window));
            pos += take;
        }
        return InOrderWindow.map(InOrderWindow.allOf(parts), rs -> {
            double lp = 0;
            int n = 0;
            for (ScoreResult r : rs) {
                lp += r.logprob();
                n += r.logprobs().length;
            }
            return new TextScore(lp, n);
        });
    }

    private static final class Job extends RowInference<TextScore> {
        private static final long serialVersionUID = 1L;
        private final int textIndex;
        private final StructType columns;
        private final String longTexts;
        private final boolean splitSpecialTokens;

        Job(EngineSpec engine, int window, InferenceMetrics metrics, int textIndex, StructType columns, String longTexts,
                boolean splitSpecialTokens) {
            super("score", engine, window, metrics);
            this.textIndex = textIndex;
            this.columns = columns;
            this.longTexts = longTexts;
            this.splitSpecialTokens = splitSpecialTokens;
        }

        @Override
        protected CompletableFuture<TextScore> start(Engine engine, Row row) {
            return submit(engine, row.getString(textIndex), longTexts, splitSpecialTokens);
        }

        @Override
        protected boolean hasInput(Row row) {
            return !row.isNullAt(textIndex);
        }

        @Override
        protected Object[] values(TextScore s) {
            return new Object[] {s.logprob(), s.perplexity(), s.predicted()};
        }

        @Override
        protected StructType outputColumns() {
            return columns;
        }

        @Override
        protected long[] tokenCounts(TextScore s) {
            // the tokens scored, as the count column and the "scored tokens" metric say: not the text's tokens with
            // BOS, nor those a truncated text leaves unscored
            return new long[] {s.predicted(), 0};
        }
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static org.apache.spark.ml.util.MLReader<Score> read() {
        return StageReader.of(Score.class);
    }

    public static Score load(String path) {
        return read().load(path);
    }
}
