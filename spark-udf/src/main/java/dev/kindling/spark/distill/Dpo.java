package dev.kindling.spark.distill;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.InferenceStage;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.SamplingSpec;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.stage.StageReader;
import dev.kindling.spark.stage.StageWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * Preference (DPO) data, UltraFeedback style: the teacher samples {@code n} answers per prompt, a
 * judge rates each against a rubric ({@link Judge}), and the best and the worst become
 * {@code chosen} and {@code rejected}, as distilabel's {@code FormatTextGenerationDPO} writes them (its columns and
 * choice: highest and lowest rating, the first on a tie). HuggingFaceH4/ultrafeedback_binarized, which the
 * alignment-handbook reads, has the same {@code prompt}, {@code prompt_id}, {@code chosen} and {@code rejected}, but
 * names the ratings {@code score_chosen} and {@code score_rejected}, adds {@code messages} (the chosen conversation) and
 * took a random one of the other answers as rejected. TRL's {@code DPOTrainer} ({@code maybe_extract_prompt}) passes
 * over the string {@code prompt} beside conversational {@code chosen} and {@code rejected} and takes their shared first
 * messages as the prompt; give it the rows without an error or a reason:
 *
 * <pre>
 * {"id": "doc-17",                      the prompt row's id (the CLI's --id-column), when the input has one
 *  "prompt_id": "9f86d0...",
 *  "prompt": "Name three primes.",
 *  "chosen":   [{"role": "user", "content": "Name three primes."}, {"role": "assistant", "content": "2, 3 and 5."}],
 *  "rejected": [{"role": "user", "content": "Name three primes."}, {"role": "assistant", "content": "1, 4, 9."}],
 *  "chosen_rating": 5.0, "rejected_rating": 1.0,
 *  "model": "teacher.gguf",
 *  "error": null}
 * </pre>
 *
 * A candidate's rating is the judge's (read from its answer), or — when the judge's answer held
 * none — the probability-weighted rating from its probabilities over the rating tokens
 * ({@link dev.kindling.spark.inference.Judging}). The highest-rated candidate is chosen, the
 * lowest-rated rejected (ties between equal ratings go to the earlier sample). A sample with no
 * text but white space is not a candidate, nor, with {@link #setDropTruncated}, one cut by the
 * token limit (the judge does not rate them). A prompt whose candidates all have the same rating
 * carries no preference and is rejected as {@code dpo:tied_ratings}; fewer than two rated
 * candidates: {@code dpo:too_few_ratings}. A teacher or judge with {@code truncatePrompts} is refused (a prompt cut to
 * its end would be answered, or rated, as if whole).
 *
 * <p>A Spark ML {@code Transformer} with typed params ({@link DistillStage}), saved with its teacher in {@code path/teacher}
 * and its judge in {@code path/judge} ({@link #write}, {@link #load}).
 */
public final class Dpo extends DistillStage<Dpo> {
    private static final long serialVersionUID = 1L;
    /** The stage's own output columns (an input id column of one of these names is not carried). */
    static final List<String> OUTPUT = List.of("prompt_id", "prompt", "chosen", "rejected", "chosen_rating", "rejected_rating",
            "model", Columns.ERROR, Columns.REASON);
    /**
     * What a row's error advises for a judge prompt longer than the judge's context: what shortens it, or a judge of a
     * longer context. The judge's prompt is the rubric, the prompt and one sampled answer, and the judge is by default the
     * teacher, so a prompt and answers that fit the teacher can overflow it once the rubric is added; distill's advice for
     * the teacher ({@link Distill#LONG_PROMPT_ADVICE}) gives a reason that is none for a judge, which never cuts its prompt.
     */
    static final String JUDGE_LONG_PROMPT_ADVICE = "shorten the prompt, sample shorter answers (--max-tokens; setMaxTokens on "
            + "the teacher Generate given to Dpo) or judge with a model of a longer context (--judge, by default the teacher; "
            + "setModel on the Judge given to Dpo): the judge's prompt is the rubric, the prompt and a sampled answer, and a "
            + "judge never cuts its prompt";
    /** What {@link #pick} returns. */
    static final StructType PAIR = new StructType()
            .add("chosen", DataTypes.StringType).add("rejected", DataTypes.StringType)
            .add("chosen_rating", DataTypes.DoubleType).add("rejected_rating", DataTypes.DoubleType)
            .add("outcome", DataTypes.StringType);

    private final Judge judge;
    /** The judge's copy that the last run rated with (its counters are {@link #judgeMetrics}), null before one. */
    private Judge rated;

    /**
     * @param teacher   the teacher's sampling (set {@code n} >= 2 and a temperature: greedy decoding is a usage error)
     * @param judge     the judge's model and rubric
     * @param modelName what the output's {@code model} column says (the {@code modelName} param)
     */
    public Dpo(Generate teacher, Judge judge, String modelName) {
        this(Identifiable.randomUID("kindling_dpo"), teacher, judge, modelName);
    }

    public Dpo(String uid, Generate teacher, Judge judge, String modelName) {
        super(uid, teacher, modelName);
        this.judge = judge;
    }

    @Override
    public Dpo copy(ParamMap extra) {
        return linked(copyValues(new Dpo(uid(), teacher.heldIn(extra), judge.heldIn(extra), null), extra));
    }

    @Override
    public String name() {
        return "dpo";
    }

    /** Its params in {@code path/metadata}, its teacher in {@code path/teacher} and its judge in {@code path/judge}. */
    @Override
    public StageWriter write() {
        return super.write().nested("judge", judge);
    }

    /** The reader Spark's {@code Pipeline.load} and {@code PipelineModel.load} call (by reflection) for a saved stage. */
    public static MLReader<Dpo> read() {
        return StageReader.of(Dpo.class,
                (uid, nested) -> new Dpo(uid, nested.load("teacher", Generate.class), nested.load("judge", Judge.class), null));
    }

    public static Dpo load(String path) {
        return read().load(path);
    }

    /** The counters of the judge's last run (null before one): what it read and wrote, as {@link #teacherMetrics} the teacher's. */
    public dev.kindling.spark.inference.InferenceMetrics judgeMetrics() {
        return rated == null ? null : rated.metrics();
    }

    @Override
    void takeRunOf(Dpo copy) {
        super.takeRunOf(copy);
        rated = copy.rated;
    }

    /**
     * A copy of its judge's settings (each run rates with a copy, its columns chosen per run): its {@code metrics()} count
     * its own runs only, never this stage's ({@link #judgeMetrics}).
     */
    public Judge getJudge() {
        return (Judge) judge.copy(ParamMap.empty());
    }

    @Override
    void requireUsefulSettings() {
        if (teacher.getN() < 2) {
            throw KindlingException.usage("dpo: sample at least 2 answers per prompt (got " + teacher.getN() + ")");
        }
        SamplingSpec sampling = teacher.sampling();
        requireSampling(sampling.temperature(), sampling.topK(), sampling.minP(), (Integer) teacher.getOrDefault(teacher.maxTokens()));
        Distill.requireWholePrompts(name(), teacher);
        if (judge.getTruncatePrompts()) {
            throw KindlingException.usage("dpo: the judge has truncatePrompts set, but " + Judge.TRUNCATION);
        }
    }

    @Override
    String answersColumn() {
        return "_samples";
    }

    @Override
    List<String> outputNames() {
        return OUTPUT;
    }

    @Override
    List<StructField> answerFields() {
        return List.of(field("chosen", CONVERSATION), field("rejected", CONVERSATION), field("chosen_rating", DataTypes.DoubleType),
                field("rejected_rating", DataTypes.DoubleType));
    }

    @Override
    public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
        requireUsefulSettings();
        boolean dropTruncated = getDropTruncated();
        String prompt = promptColumn(context);
        // copies: the caller's teacher and judge keep their columns, and the teacher's system prompt is the
        // conversations' unless one is set here
        String system = systemPromptOfRun();
        used = teacherRun(prompt, system);
        Column texts = col("_samples.text");
        Column finish = col("_samples.finish_reason");
        // the samples pick leaves out (blank ones, and with dropTruncated those cut by the token limit) are null to the
        // judge, which skips them: it rated each of them, a judge prompt and answer per sample, for nothing
        Dataset<Row> sampled = new InferenceStage("generate", used).reportModelCounts("teacher").apply(docs, context)
                .withColumn("_candidates", texts)
                .withColumn("_to_judge", org.apache.spark.sql.functions.zip_with(texts, finish, (t, f) ->
                        when(t.rlike(Distill.BLANK).or(dropTruncated ? f.equalTo("length") : lit(false)),
                                lit(null).cast(DataTypes.StringType)).otherwise(t)));
        Judge rater = ((Judge) judge.copy(ParamMap.empty())).setInstructionCol(prompt).setResponseCol("_to_judge")
                .setOutputCol("_judgments").adviseOnLongPrompts(JUDGE_LONG_PROMPT_ADVICE);
        Dataset<Row> judged = new InferenceStage("judge", rater).reportModelCounts("judge").apply(sampled, context);
        rated = rater;
        reportRun();
        int min = judge.loadRubric().minRating();
        UserDefinedFunction pick = org.apache.spark.sql.functions.udf(
                (UDF3<Seq<String>, Seq<Row>, Seq<String>, Row>) (c, j, f) -> pick(c, j, f, min), PAIR);
        Column finishReasons = dropTruncated ? col("_samples.finish_reason")
                : lit(null).cast(DataTypes.createArrayType(DataTypes.StringType));
        Dataset<Row> paired = judged.withColumn("_pair", pick.apply(col("_candidates"), col("_judgments"), finishReasons));
        Column pair = col("_pair");
        Column reason = col(Columns.REASON);
        paired = paired.withColumn(Columns.REASON, when(reason.isNotNull(), reason)
                .when(col(Columns.ERROR).isNull().and(pair.getField("outcome").notEqual("ok")),
                        functionsConcat(lit("dpo:"), pair.getField("outcome"))));
        Column ok = pair.getField("outcome").equalTo("ok");
        List<Column> out = new ArrayList<>(Distill.idColumn(paired, context, OUTPUT));
        out.addAll(List.of(Distill.promptId(Columns.named(prompt)).as("prompt_id"), Columns.named(prompt).as("prompt"),
                when(ok, Distill.conversation(system, Columns.named(prompt), pair.getField("chosen"))).as("chosen"),
                when(ok, Distill.conversation(system, Columns.named(prompt), pair.getField("rejected"))).as("rejected"),
                when(ok, pair.getField("chosen_rating")).as("chosen_rating"),
                when(ok, pair.getField("rejected_rating")).as("rejected_rating"),
                lit(getModelName()).cast(DataTypes.StringType).as("model")));
        return Distill.select(paired, out);
    }

    /**
     * Greedy decoding (temperature 0, top-k 1 or min-p 1) gives a prompt's samples as one answer, and max tokens 0 none:
     * all rated the same, so every prompt would be rejected (dpo:tied_ratings, dpo:too_few_ratings), after the whole run.
     */
    static void requireSampling(double temperature, int topK, double minP, int maxTokens) {
        String one = dev.kindling.spark.inference.SamplingCliOptions.oneAnswerSetting(temperature, topK, minP, maxTokens);
        if (one != null) {
            throw KindlingException.usage("dpo: " + one + " gives the same answer for every sample of a prompt, so every "
                    + "prompt would be rejected (dpo:tied_ratings, or dpo:too_few_ratings with no answer): sample with a "
                    + "temperature (default 0.8), and no top-k 1, min-p 1 or max tokens 0");
        }
    }

    private static Column functionsConcat(Column a, Column b) {
        return org.apache.spark.sql.functions.concat(a, b);
    }

    /**
     * The chosen and rejected candidates: highest and lowest rating (the probability-weighted
     * rating when the judge's answer held none); the earlier sample wins ties; blank samples are left out, and those
     * whose finish reason is {@code length} when {@code finishReasons} is given (null: none left out for it); a candidate
     * with the text of an earlier one takes its rating, so chosen and rejected are never one answer.
     */
    static Row pick(Seq<String> candidates, Seq<Row> judgments, Seq<String> finishReasons, int minRating) {
        if (candidates == null || judgments == null) {
            return null;
        }
        int best = -1;
        int worst = -1;
        double hi = Double.NEGATIVE_INFINITY;
        double lo = Double.POSITIVE_INFINITY;
        int rated = 0;
        // a copy of an earlier answer keeps that answer's rating: a judge that rated the two differently (numbers that
        // depend on what ran beside them) would otherwise make one answer both chosen and rejected
        java.util.Map<String, Double> firstRating = new java.util.HashMap<>();
        for (int i = 0; i < candidates.size() && i < judgments.size(); i++) {
            Row j = judgments.apply(i);
            String candidate = candidates.apply(i);
            // a blank sample is no answer to prefer or to reject: a judge that rated it highest made it the chosen one
            if (j == null || j.isNullAt(0) || candidate == null || candidate.matches(Distill.BLANK)) {
                continue;
            }
            if (finishReasons != null && i < finishReasons.size() && "length".equals(finishReasons.apply(i))) {
                continue;
            }
            double r = firstRating.computeIfAbsent(candidate, c -> rating(j, minRating));
            rated++;
            if (r > hi) {
                hi = r;
                best = i;
            }
            if (r < lo) {
                lo = r;
                worst = i;
            }
        }
        if (rated < 2) {
            return RowFactory.create(null, null, null, null, "too_few_ratings");
        }
        if (hi == lo) {
            return RowFactory.create(null, null, hi, lo, "tied_ratings");
        }
        return RowFactory.create(candidates.apply(best), candidates.apply(worst), hi, lo, "ok");
    }

    /** The parsed rating, or the expectation over the rating probabilities. */
    static double rating(Row judgment, int minRating) {
        if (judgment.isNullAt(3)) {
            return judgment.getDouble(0);
        }
        List<Object> p = judgment.getList(3);
        double e = 0;
        for (int i = 0; i < p.size(); i++) {
            e += ((Number) p.get(i)).doubleValue() * (minRating + i);
        }
        return e;
    }
}
