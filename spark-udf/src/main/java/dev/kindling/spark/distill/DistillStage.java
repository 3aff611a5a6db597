package dev.kindling.spark.distill;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.InferenceMetrics;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.CopiedFrom;
import dev.kindling.spark.stage.ParamChecks;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.stage.StageWriter;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What {@link Sft} and {@link Dpo} share as Spark ML {@link Transformer}s: the typed params {@code promptCol},
 * {@code systemPrompt}, {@code dropTruncated} and {@code modelName} (checked wherever a value is given, a setter or a
 * {@code ParamMap}), {@code transform} over a DataFrame of prompts and the {@code transformSchema} that says its columns
 * before anything runs, so either is a stage of a Spark {@code Pipeline}, and a {@link PipelineStage} of the CLI's
 * pipelines. Each saves and loads as Spark's composite stages do ({@link #write}, {@code Sft.load}, {@code Dpo.load}, alone
 * or in a saved {@code Pipeline} or {@code PipelineModel}): these params in {@code path/metadata}, the teacher
 * ({@code Generate}) with its own writer in {@code path/teacher}, and Dpo's {@code Judge} in {@code path/judge}
 * ({@link StageWriter}).
 *
 * @param <S> the stage's own class, which the setters return
 */
public abstract class DistillStage<S extends DistillStage<S>> extends Transformer implements PipelineStage, MLWritable {
    private static final long serialVersionUID = 1L;
    /** An assistant or user turn: {@code {role, content}}, as {@link Distill#message} builds it. */
    static final DataType CONVERSATION = DataTypes.createArrayType(new StructType()
            .add("role", DataTypes.StringType, false).add("content", DataTypes.StringType, true), false);

    private final String uid;
    /** The teacher's settings, as the caller gave them: each run answers with a copy ({@link #teacherRun}). */
    final Generate teacher;
    /** The teacher's copy that the last run answered with (its counters are {@link #teacherMetrics}), null before one. */
    Generate used;
    private final Param<String> promptCol;
    private final Param<String> systemPrompt;
    private final BooleanParam dropTruncated;
    private final Param<String> modelName;

    DistillStage(String uid, Generate teacher, String modelName) {
        this.uid = uid;
        this.teacher = teacher;
        this.promptCol = new Param<>(this, "promptCol", "column of prompt texts (default: prompt; in a CLI pipeline, its text "
                + "column)", ParamChecks.column(this, "promptCol"));
        this.systemPrompt = new Param<>(this, "systemPrompt", "system message put first in the teacher's prompts and the "
                + "conversations (default: the teacher's systemPrompt)", ParamChecks.optional(this, "systemPrompt", "a system message"));
        this.dropTruncated = ParamChecks.bool(this, "dropTruncated", "leave answers cut by the token limit or the context's "
                + "end out (sft: rejected as sft:truncated; dpo: not a candidate)");
        this.modelName = new Param<>(this, "modelName", "what the output's model column says made the answers",
                ParamChecks.optional(this, "modelName", "a model name"));
        setDefault(dropTruncated, false);
        if (modelName != null) {
            set(this.modelName, modelName);
        }
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * A copy of its teacher's settings (each run answers with a copy, its columns and system prompt chosen per run): its
     * {@code metrics()} count its own runs only, never this stage's ({@link #teacherMetrics}).
     */
    public Generate getTeacher() {
        return (Generate) teacher.copy(ParamMap.empty());
    }

    public Param<String> promptCol() {
        return promptCol;
    }

    public Param<String> systemPrompt() {
        return systemPrompt;
    }

    public BooleanParam dropTruncated() {
        return dropTruncated;
    }

    public Param<String> modelName() {
        return modelName;
    }

    public S setPromptCol(String c) {
        set(promptCol, c);
        return self();
    }

    /** The system message; null clears it, so that the teacher's own is used. */
    public S setSystemPrompt(String s) {
        if (s == null) {
            clear(systemPrompt);
        } else {
            set(systemPrompt, s);
        }
        return self();
    }

    /** Leaves answers cut by the token limit out (sft: rejected as {@code sft:truncated}; dpo: not a candidate). */
    public S setDropTruncated(boolean d) {
        set(dropTruncated, d);
        return self();
    }

    public S setModelName(String name) {
        set(modelName, name);
        return self();
    }

    public boolean getDropTruncated() {
        return (Boolean) getOrDefault(dropTruncated);
    }

    /** The model column's value, null when none was given. */
    public String getModelName() {
        return isDefined(modelName) ? getOrDefault(modelName) : null;
    }

    /** The prompt column: the param's, else the pipeline's text column (the CLI's pipelines) or {@code prompt}. */
    final String promptColumn(StageContext context) {
        return isSet(promptCol) ? getOrDefault(promptCol) : context.textColumn();
    }

    /** The conversations' system message: the param's, else the teacher's own. */
    final String systemPromptOfRun() {
        return isSet(systemPrompt) ? getOrDefault(systemPrompt) : teacher.getOrDefault(teacher.systemPrompt());
    }

    private String promptColumnOfTransform() {
        return isSet(promptCol) ? getOrDefault(promptCol) : "prompt";
    }

    /** Spark's, with an array param's value as JSON, as the other stages'. */
    @Override
    public String explainParam(Param<?> param) {
        return ParamChecks.explain(this, param);
    }

    /** Refuses settings that would reject every prompt after the whole run (a greedy dpo teacher, max tokens 0 ...). */
    abstract void requireUsefulSettings();

    /** The column the teacher's run writes its answers to. */
    abstract String answersColumn();

    /**
     * The teacher a run answers with: a copy of the caller's (which keeps its columns), reading {@code prompt}, with the
     * conversations' system message.
     */
    Generate teacherRun(String prompt, String system) {
        return ((Generate) teacher.copy(ParamMap.empty())).setPromptCol(prompt).setSystemPrompt(system).setOutputCol(answersColumn())
                .adviseOnLongPrompts(Distill.LONG_PROMPT_ADVICE);
    }

    /** The stage's own columns between {@code prompt} and {@code model}. */
    abstract List<StructField> answerFields();

    static StructField field(String name, DataType type) {
        return new StructField(name, type, true, Metadata.empty());
    }

    /** Its own output columns' names (an input id column of one of these names is not carried). */
    abstract List<String> outputNames();

    /**
     * {@code id} (the input's, when it has one), the stage's columns, {@code error} and {@code reason}; refuses a missing
     * or non-string prompt column and the settings {@link #requireUsefulSettings} refuses, before anything runs.
     */
    @Override
    public StructType transformSchema(StructType schema) {
        requireUsefulSettings();
        String prompt = promptColumnOfTransform();
        StructField promptField = Columns.require(schema, prompt, name(), "promptCol");
        if (!Columns.isString(promptField.dataType())) {
            throw KindlingException.usage(name() + ": column '" + prompt + "' is " + promptField.dataType().simpleString()
                    + ", not the string of prompts that promptCol names");
        }
        // and what the teacher refuses (a system prompt it would never read, a prompt column that is its output ...)
        teacherRun(prompt, systemPromptOfRun()).transformSchema(schema);
        StructType out = new StructType();
        // Distill.run carries the input's id column under the name "id" (Distill.idColumn)
        String id = Columns.resolve(schema, "id", "id");
        if (id != null && outputNames().stream().noneMatch(n -> Columns.sameName(n, "id"))) {
            out = out.add("id", schema.apply(id).dataType(), true);
        }
        out = out.add(field("prompt_id", DataTypes.StringType)).add(field("prompt", promptField.dataType()));
        for (StructField f : answerFields()) {
            out = out.add(f);
        }
        return out.add(field("model", DataTypes.StringType)).add(Columns.ERROR, DataTypes.StringType, true).add(Columns.REASON, DataTypes.StringType, true);
    }

    /**
     * The stage's rows for a DataFrame of prompts ({@code promptCol}, default {@code prompt}): {@link #transformSchema}'s
     * columns, {@code reason} null for a kept row. An input {@code reason} is kept (a rejected row passes through), and a
     * null or blank prompt is rejected as {@code NAME:null_prompt} or {@code NAME:empty_prompt}.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> prompts) {
        transformSchema(prompts.schema());
        return Distill.run(this, prompts.toDF(), promptColumnOfTransform());
    }

    /**
     * The stages this one is a copy of ({@link #copy}: its original, that one's, and so on), which report this one's runs
     * too, or null: Spark runs copies, for {@code transform(dataset, paramMap)}, the stage's and a fitted
     * {@code PipelineModel}'s alike, and the stage the caller holds kept the counters of its own last run (or null). Held
     * weakly ({@link CopiedFrom}), so a copy keeps none of them alive.
     */
    private transient CopiedFrom<DistillStage<S>> copiedFrom;

    /** {@code copy}, a copy of this stage, whose runs this stage reports too. */
    final S linked(S copy) {
        ((DistillStage<S>) copy).copiedFrom = CopiedFrom.copyOf(this, copiedFrom);
        return copy;
    }

    /** Called by a run once it has chosen its teacher (and judge): the stages this one is a copy of report that run too. */
    final void reportRun() {
        if (copiedFrom != null) {
            copiedFrom.forEach(s -> s.takeRunOf(self()));
        }
    }

    /** Makes this stage's counters ({@link #teacherMetrics}, Dpo's judge's) those of {@code copy}'s run. */
    void takeRunOf(S copy) {
        used = ((DistillStage<S>) copy).used;
    }

    /** The counters of the teacher's last run (null before one). */
    public InferenceMetrics teacherMetrics() {
        return used == null ? null : used.metrics();
    }

    /** Its params in {@code path/metadata}, its teacher in {@code path/teacher} (and Dpo's judge in {@code path/judge}). */
    @Override
    public StageWriter write() {
        return StageWriter.of(this).nested("teacher", teacher);
    }

    /**
     * This stage with its uid, its values and {@code extra}'s, over the same teacher (and judge); where {@code extra} has
     * values of a held stage's params, over a copy of that stage with them ({@code Generate.heldIn}). This stage's
     * {@link #teacherMetrics} (and Dpo's judge's) report the copy's runs ({@link #linked}).
     */
    @Override
    public abstract S copy(ParamMap extra);
}
