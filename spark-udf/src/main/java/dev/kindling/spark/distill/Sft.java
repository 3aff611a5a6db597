package dev.kindling.spark.distill;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.InferenceStage;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.stage.StageReader;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Supervised fine-tuning data from a teacher: each prompt is answered by the teacher (through its
 * chat template when it has one) and written as a conversation, in the layout of
 * HuggingFaceH4/ultrachat_200k (which the alignment-handbook and distilabel read), with the answer also as
 * {@code completion} beside its {@code finish_reason}, as generate writes them. TRL's {@code SFTTrainer} takes
 * {@code messages} alone (conversational, through the student's chat template) or {@code prompt} and {@code completion}
 * alone (standard prompt-completion: the plain texts joined, as a plain-text teacher read and continued them); so select
 * one of the two from the rows without an error or a reason:
 *
 * <pre>
 * {"id": "doc-17",                      the prompt row's id (the CLI's --id-column), when the input has one
 *  "prompt_id": "9f86d0...",            sha256 hex of the prompt
 *  "prompt": "Name three primes.",
 *  "messages": [{"role": "user", "content": "Name three primes."},
 *               {"role": "assistant", "content": "2, 3 and 5."}],
 *  "completion": "2, 3 and 5.",          the assistant turn's text
 *  "finish_reason": "stop",              stop (an end token, stop id or stop string) or length (the token limit, the context's end)
 *  "model": "teacher.gguf",
 *  "error": null}                         the reason when the row failed (then messages, completion, finish_reason are null)
 * </pre>
 *
 * With a system prompt, {@code messages} starts with {@code {"role": "system", ...}}. An answer
 * with no text but white space is rejected as {@code sft:empty_answer}; with
 * {@link #setDropTruncated}, answers cut by the token limit are rejected as {@code sft:truncated}. A teacher with
 * {@code truncatePrompts} is refused: it would answer the end of a long prompt while the row records all of it.
 *
 * <p>A Spark ML {@code Transformer} with typed params ({@link DistillStage}), saved with its teacher in {@code path/teacher}
 * ({@link #write}, {@link #load}).
 *
 * <pre>{@code
 * Generate teacher = new Generate().setModel("s3a://models/teacher.gguf").setMaxTokens(512).setTemperature(0.7).setSeed(1);
 * Dataset<Row> sft = new Sft(teacher, "teacher").transform(prompts);   // prompts: a "prompt" column
 * }</pre>
 */
public final class Sft extends DistillStage<Sft> {
    private static final long serialVersionUID = 1L;
    /** The stage's own output columns (an input id column of one of these names is not carried). */
    static final List<String> OUTPUT = List.of("prompt_id", "prompt", "messages", "completion", "finish_reason", "model", Columns.ERROR,
            Columns.REASON);

    /**
     * @param teacher   the teacher's generation settings (model, sampling, chat mode)
     * @param modelName what the output's {@code model} column says (the {@code modelName} param)
     */
    public Sft(Generate teacher, String modelName) {
        this(Identifiable.randomUID("kindling_sft"), teacher, modelName);
    }

    public Sft(String uid, Generate teacher, String modelName) {
        super(uid, teacher, modelName);
    }

    @Override
    public Sft copy(ParamMap extra) {
        return linked(copyValues(new Sft(uid(), teacher.heldIn(extra), null), extra));
    }

    @Override
    public String name() {
        return "sft";
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static MLReader<Sft> read() {
        return StageReader.of(Sft.class, (uid, nested) -> new Sft(uid, nested.load("teacher", Generate.class), null));
    }

    public static Sft load(String path) {
        return read().load(path);
    }

    /**
     * A teacher limited to 0 tokens ({@code option}: how the caller set it) answers every prompt with nothing, so every
     * row would be rejected as {@code sft:empty_answer}, after the whole run (dpo refuses it as it refuses greedy sampling).
     */
    static void requireAnswers(int maxTokens, String option) {
        if (maxTokens == 0) {
            throw dev.kindling.spark.KindlingException.usage("sft: " + option + " 0 gives an empty answer to every prompt, so "
                    + "every prompt would be rejected (sft:empty_answer): give " + option + " above 0 (default 256)");
        }
    }

    @Override
    void requireUsefulSettings() {
        Distill.requireWholePrompts(name(), teacher);
        requireAnswers(teacher.getMaxTokens(), "maxTokens");
    }

    @Override
    String answersColumn() {
        return "_answer";
    }

    @Override
    Generate teacherRun(String prompt, String system) {
        return super.teacherRun(prompt, system).setN(1);
    }

    @Override
    List<String> outputNames() {
        return OUTPUT;
    }

    @Override
    List<StructField> answerFields() {
        return List.of(field("messages", CONVERSATION), field("completion", DataTypes.StringType),
                field("finish_reason", DataTypes.StringType));
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        requireUsefulSettings();
        String prompt = promptColumn(context);
        // a copy: the caller's teacher keeps its columns, and its system prompt is the conversation's unless one is set here
        String system = systemPromptOfRun();
        used = teacherRun(prompt, system);
        reportRun();
        Dataset<Row> answered = new InferenceStage("generate", used).reportModelCounts("teacher").apply(docs, context);
        Column answer = col("_answer");
        Column reason = col(Columns.REASON);
        // an empty assistant turn (the teacher ended at once, or a stop string cut the answer to nothing) would teach the
        // student to answer nothing: never a usable conversation
        reason = when(reason.isNotNull(), reason).when(answer.getField("text").rlike(Distill.BLANK), lit("sft:empty_answer"));
        if (getDropTruncated()) {
            reason = when(reason.isNotNull(), reason).when(answer.getField("finish_reason").equalTo("length"), lit("sft:truncated"));
        }
        answered = answered.withColumn(Columns.REASON, reason);
        List<Column> out = new ArrayList<>(Distill.idColumn(answered, context, OUTPUT));
        out.addAll(List.of(Distill.promptId(Columns.named(prompt)).as("prompt_id"), Columns.named(prompt).as("prompt"),
                when(answer.isNotNull(), Distill.conversation(system, Columns.named(prompt), answer.getField("text"))).as("messages"),
                answer.getField("text").as("completion"), answer.getField("finish_reason").as("finish_reason"),
                lit(getModelName()).cast(DataTypes.StringType).as("model")));
        return Distill.select(answered, out);
    }
}
