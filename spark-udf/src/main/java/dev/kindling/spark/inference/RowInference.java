package dev.kindling.spark.inference;

import dev.kindling.inference.Engine;
import dev.kindling.spark.executor.PerTask;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.RowEncoders;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The per-row work of an inference stage and the partition loop every stage shares. Runs on the
 * executors (it is serialised with the tasks; the engine is looked up there by its
 * {@link EngineSpec}).
 *
 * <p>A partition's rows stream through the executor's engine with at most {@code window} rows in
 * flight ({@link InOrderWindow}); each output row is the input row, the stage's columns, and the
 * error column (null when the row went well; an input column of that name, such as the reader's
 * {@code error}, keeps its value where it had one). Rows rejected by an earlier stage (a non-null
 * {@code reason}) pass through without work when {@code skipRejected}, as rows without input (a null
 * text) do; a partition of only such rows does not open the engine.
 *
 * @param <R> what the engine returns for one row
 */
public abstract class RowInference<R> implements Serializable {
    private static final long serialVersionUID = 1L;
    /**
     * A row's counts in {@link #countedIn}'s column: what the stage's counters add for it ({@link InferenceMetrics}),
     * whether it failed and the tokens it read and generated; null for a row the stage skipped (rejected earlier).
     */
    static final StructType COUNTS = new StructType().add("failed", DataTypes.BooleanType, false)
            .add("prompt_tokens", DataTypes.LongType, false).add("generated_tokens", DataTypes.LongType, false);

    private final String stage;
    private final EngineSpec engine;
    private final int window;
    private final InferenceMetrics metrics;
    private HadoopConf hadoop;
    private int inputWidth;
    private int errorIndex;
    private int reasonIndex = -1;
    private int outputWidth;
    private int ownWidth;
    private int countsIndex = -1;
    /** Its stage's ({@link #advisedWith}); none of its own, as only the stage knows its words (Judge's are not Generate's). */
    private RefusalAdvice advice;
    /** The stage as its errors name it ({@code Generate(uid)}), for a model or tokenizer the task cannot open; null: none. */
    private String who;
    /** The column of each row's {@link #COUNTS}, or null: none. */
    private String countsCol;

    protected RowInference(String stage, EngineSpec engine, int window, InferenceMetrics metrics) {
        this.stage = stage;
        this.engine = engine;
        this.window = window;
        this.metrics = metrics;
    }

    /** Starts the work for one row with {@link #hasInput input} (on the task thread). */
    protected abstract CompletableFuture<R> start(Engine engine, Row row);

    /** Whether the row has what {@link #start} reads (e.g. a non-null text); a row without it gets nulls and no error. */
    protected abstract boolean hasInput(Row row);

    /** The stage's columns for a result (null: the row was skipped or failed, give nulls). */
    protected abstract Object[] values(R result);

    /** The stage's columns (appended after the input's). */
    protected abstract StructType outputColumns();

    /** Prompt tokens and generated tokens of a result, for the counters. */
    protected abstract long[] tokenCounts(R result);

    /** Called on the driver with the input schema: column indexes are resolved here. */
    protected void bind(StructType input) {}

    /** The output schema for {@code input} and error column {@code errorCol}. */
    public final StructType outputSchema(StructType input, String errorCol) {
        StructType s = input;
        for (StructField f : outputColumns().fields()) {
            s = s.add(f);
        }
        if (countsCol != null) {
            s = s.add(countsCol, COUNTS, true);
        }
        if (!Arrays.asList(input.fieldNames()).contains(errorCol)) {
            s = s.add(errorCol, DataTypes.StringType, true);
        }
        return s;
    }

    /** Applies the stage to {@code in}: a lazy Dataset, computed when an action runs. */
    public final Dataset<Row> apply(Dataset<Row> in, String errorCol, boolean skipRejected) {
        if (advice == null) {
            throw new IllegalStateException(stage + ": a job runs advisedWith its stage's advice (EngineStage.run gives it)");
        }
        StructType schema = in.schema();
        bind(schema);
        hadoop = HadoopConf.forSpec(in.sparkSession(), engine);
        StructType out = outputSchema(schema, errorCol);
        inputWidth = schema.size();
        outputWidth = out.size();
        ownWidth = outputColumns().size();
        countsIndex = countsCol == null ? -1 : inputWidth + ownWidth;
        int existing = Arrays.asList(schema.fieldNames()).indexOf(errorCol);
        if (existing >= 0 && !Columns.isString(schema.apply(existing).dataType())) {
            throw dev.kindling.spark.KindlingException.usage(stage + ": column '" + errorCol + "' exists and is "
                    + schema.apply(existing).dataType().simpleString() + ", not a string; choose another error column");
        }
        errorIndex = existing >= 0 ? existing : outputWidth - 1;
        reasonIndex = skipRejected ? Columns.indexOf(schema, Columns.REASON, stage) : -1;
        RowInference<R> job = this;
        return Columns.withMetadataOf(schema, RowEncoders.exactRows(in)
                .mapPartitions((MapPartitionsFunction<Row, Row>) job::partition, RowEncoders.exact(out)));
    }

    /** The partition loop (on an executor). */
    final Iterator<Row> partition(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows;
        }
        InferenceMetrics.Task counts = metrics.task();
        TaskContext tc = TaskContext.get();
        // a task killed without an interrupt (RDD jobs, spark.sql.execution.interruptOnCancel false) only has its flag
        // set: with the partition's rows all in flight, nothing else would look at it before the last row was done
        Runnable stopIfKilled = () -> PerTask.stopIfKilled(tc, "killed while its rows were in the engine");
        // the engine is opened when the first row that needs it is read: a partition whose rows an earlier stage all
        // rejected, or whose texts are all null, copied and loaded the model on its executor for nothing. Opened as the window reads the row, not in
        // start, whose errors become the row's: an engine that cannot be opened fails the task, as before
        Engine[] e = new Engine[1];
        Iterator<Row> opening = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row row = rows.next();
                if (e[0] == null && needsEngine(row)) {
                    try {
                        e[0] = ExecutorEngines.get(engine, hadoop);
                    } catch (dev.kindling.spark.KindlingException failure) {
                        // a file gone since transform checked it: named with the stage's param, as that check names it
                        throw who == null ? failure : ExecutorEngines.naming(failure, engine, who);
                    }
                }
                return row;
            }
        };
        InOrderWindow<Row, R> w = new InOrderWindow<>(opening, window, row -> needsEngine(row) ? start(e[0], row) : null,
                stopIfKilled);
        if (tc != null) {
            tc.addTaskCompletionListener(ctx -> {
                w.close();
                counts.done();
            });
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return w.hasNext();
            }

            @Override
            public Row next() {
                InOrderWindow.Outcome<Row, R> o = w.next();
                Row in = o.input();
                boolean skipped = rejected(in);
                Object[] v = new Object[outputWidth];
                for (int i = 0; i < inputWidth; i++) {
                    v[i] = in.get(i);
                }
                Object[] mine = o.error() == null && o.value() != null ? values(o.value()) : null;
                for (int i = 0; i < ownWidth; i++) {
                    v[inputWidth + i] = mine == null ? null : mine[i];
                }
                if (o.error() != null && (errorIndex >= inputWidth || in.isNullAt(errorIndex))) {
                    v[errorIndex] = stage + ": " + advice.describe(o.error());
                }
                if (!skipped) {
                    long[] t = o.value() != null ? tokenCounts(o.value()) : new long[2];
                    counts.row(o.error() == null, t[0], t[1]);
                    if (countsIndex >= 0) {
                        v[countsIndex] = RowFactory.create(o.error() != null, t[0], t[1]);
                    }
                }
                return RowFactory.create(v);
            }
        };
    }

    /** A row an earlier stage rejected (a non-null reason), passed through untouched when {@code skipRejected}. */
    private boolean rejected(Row row) {
        return reasonIndex >= 0 && !row.isNullAt(reasonIndex);
    }

    /** A row the engine works on: not rejected, and with input. */
    private boolean needsEngine(Row row) {
        return !rejected(row) && hasInput(row);
    }

    /** Names the stage ({@code Generate(uid)}) in the error of a model or tokenizer a task cannot open. */
    final RowInference<R> namedAs(String stageWho) {
        who = stageWho;
        return this;
    }

    /**
     * Writes each row's {@link #COUNTS} to {@code column} (null: none), after the stage's own columns: a count summed from
     * the rows where they are written counts a row once, whatever Spark computes again, where the counters count every
     * computation ({@code InferenceStage.reportModelCounts}).
     */
    final RowInference<R> countedIn(String column) {
        countsCol = column;
        return this;
    }

    /** What a row's error advises for a refusal: the stage's words, or its caller's ({@link EngineStage#refusalAdvice}). */
    final RowInference<R> advisedWith(RefusalAdvice words) {
        advice = words;
        return this;
    }

    final RefusalAdvice advice() {
        return advice;
    }

    public String stage() {
        return stage;
    }

    protected EngineSpec engineSpec() {
        return engine;
    }
}
