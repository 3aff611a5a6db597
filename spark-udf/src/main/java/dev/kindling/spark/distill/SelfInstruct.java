package dev.kindling.spark.distill;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Prompts;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Self-Instruct (Wang et al., 2023): new instructions bootstrapped from a few seed tasks. Each round
 * builds prompts of {@code shots} instructions — mostly seeds, a few of the instructions generated so
 * far — in the paper's format ({@code "Come up with a series of tasks:\n\nTask 1: ...\nTask 9:"}),
 * the teacher continues them (one Spark job per round, so the executors' engines do the work; an
 * answer ends at its first blank line, where the teacher is stopped, as in the paper), and every new instruction in
 * the answers is kept only if it is of sane length, passes the paper's
 * filters and is novel: its ROUGE-L ({@link RougeL}) against every instruction kept so far, seeds
 * included, is at most the threshold (bootstrap_instructions.py drops {@code max(rouge_scores) > 0.7}). Rounds
 * run until {@code count} instructions are kept or {@code maxRounds} is reached.
 *
 * <p>Deterministic for a seed: the few-shot examples are drawn with a generator seeded by
 * (seed, round, prompt), the teacher samples with per-prompt seeds, and the answers are filtered in
 * prompt order.
 *
 * <p>Drops are counted by reason: {@code empty}, {@code truncated} (the last instruction of an answer
 * cut by the token limit, which ends mid-sentence; bootstrap_instructions.py drops such answers whole, Alpaca's
 * generate_instruction.py their last instruction, as here), {@code too_short}, {@code too_long}, {@code punctuation}
 * (starts with a non-letter), {@code unsuitable} (asks for images, files, programs... — Alpaca's keyword list, matched
 * as Python's {@code \b} does), {@code similar} (ROUGE-L above the threshold).
 */
public final class SelfInstruct {
    /**
     * Keywords for tasks a language model cannot do: Alpaca's generate_instruction.py list (bootstrap_instructions.py's
     * thirteen, "image" to "go to", and video, audio, music, flowchart, diagram).
     */
    static final List<String> UNSUITABLE = List.of("image", "images", "graph", "graphs", "picture", "pictures", "file", "files",
            "map", "maps", "draw", "plot", "go to", "video", "audio", "music", "flowchart", "diagram");
    /**
     * A keyword as {@code re.search(r"\b(word)\b", inst, re.IGNORECASE)} finds it: no letter, digit or underscore on
     * either side ("go-to" and "image_file" hold none).
     */
    private static final Pattern UNSUITABLE_WORD = Pattern.compile("(?<![\\p{L}\\p{N}_])(?:" + String.join("|", UNSUITABLE)
            + ")(?![\\p{L}\\p{N}_])", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /**
     * The marker of the next instruction, at the start of a line, as bootstrap_instructions.py splits on {@code \n\d+\s?\. }:
     * anywhere in a line it cut an instruction that names a task ("Compare task 1 and task 2." kept "Compare task 1 and").
     */
    private static final Pattern TASK = Pattern.compile("\\n[ \\t]*Task[ \\t]*\\d+[ \\t]*[:.]", Pattern.CASE_INSENSITIVE);
    /**
     * What a row's error advises for a prompt longer than the teacher's context: the prompt is this stage's, built from the
     * seed tasks and the shots, so the caller's Generate's own advice (its setTruncatePrompts, or the caller's words for
     * prompts it wrote) names no remedy here. As {@link Dpo#JUDGE_LONG_PROMPT_ADVICE}, the command's flags and the API's.
     */
    static final String LONG_PROMPT_ADVICE = "show fewer instructions per prompt (--shots and --machine-shots; Options' shots and "
            + "machineShots), shorten the seed tasks, or use a teacher with a longer context: each prompt holds that many seed "
            + "tasks and generated instructions";

    /** Where the paper stops the teacher ({@code "\n\n"}): the task list ends there, and what follows is something else. */
    private static final Pattern BLANK_LINE = Pattern.compile("\\n[ \\t]*\\n");

    /**
     * @param count          instructions to keep
     * @param promptsPerRound prompts sent to the teacher per round
     * @param maxRounds      stop after this many rounds even if fewer were kept
     * @param shots          instructions shown per prompt
     * @param machineShots   of which at most this many are generated ones (the rest seeds)
     * @param rougeThreshold an instruction whose ROUGE-L against a kept one is above this is dropped (1: none is)
     * @param minWords       fewer words: dropped
     * @param maxWords       more words: dropped
     * @param keywordFilter  drop instructions with the paper's unsuitable keywords
     * @param seed           the few-shot draws (and, through the teacher's seed, the sampling)
     */
    public record Options(int count, int promptsPerRound, int maxRounds, int shots, int machineShots, double rougeThreshold,
            int minWords, int maxWords, boolean keywordFilter, long seed) {
        public Options {
            if (count < 1 || promptsPerRound < 1 || maxRounds < 1 || shots < 1 || machineShots < 0 || machineShots > shots
                    || minWords < 1 || maxWords < minWords || !(rougeThreshold > 0 && rougeThreshold <= 1)) {
                throw KindlingException.usage("self-instruct: count, prompts per round, rounds and shots must be >= 1, "
                        + "0 <= machine shots <= shots, 1 <= min words <= max words, 0 < ROUGE-L threshold <= 1");
            }
        }

        /**
         * The paper's settings: 8 shots of which 2 generated, ROUGE-L 0.7, 4 to 150 words (its bootstrap_instructions.py
         * drops {@code len(inst.split()) <= 3}).
         */
        public static Options paper(int count, long seed) {
            return new Options(count, 16, 50, 8, 2, 0.7, 4, 150, true, seed);
        }
    }

    /** The output rows: {@code id, instruction, round, max_rouge_l, most_similar, model}. */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("instruction", DataTypes.StringType, false)
            .add("round", DataTypes.IntegerType, false)
            .add("max_rouge_l", DataTypes.DoubleType, false)
            .add("most_similar", DataTypes.StringType, true)
            .add("model", DataTypes.StringType, true);

    /**
     * The kept instructions and the candidate instructions dropped per reason ({@code candidates} = kept + dropped);
     * {@code failedAnswers}: teacher answers that failed (each would have held several candidates, so they are not
     * among the dropped); {@code stoppedBy}: why the rounds stopped early (every generation of a round failed), or null.
     */
    public record Result(List<Row> instructions, Map<String, Long> dropped, int rounds, int candidates, int failedAnswers,
            String stoppedBy) {
        public Dataset<Row> toDataFrame(SparkSession spark) {
            return spark.createDataFrame(instructions, SCHEMA);
        }
    }

    private final Generate teacher;
    private final java.util.function.BiFunction<Generate, Dataset<Row>, Dataset<Row>> call;
    private final String modelName;
    private final Options options;
    /** The teacher's counters of each round of the last run so far ({@link #teacherMetrics}; a progress line reads them). */
    private final List<dev.kindling.spark.inference.InferenceMetrics> rounds = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param teacher the teacher's generation settings (model, sampling, max tokens), used through a copy with this
     *                stage's columns and its advice for a prompt too long ({@link #LONG_PROMPT_ADVICE}): the caller's
     *                object is left as it was (as {@link Sft} and {@link Dpo} leave theirs)
     */
    public SelfInstruct(Generate teacher, String modelName, Options options) {
        this(teacher, modelName, options, Generate::transform);
    }

    /**
     * With the teacher's call given (tests make a later round fail): it gets the configured copy of the teacher and a
     * round's prompts, and must act as {@code teacher.transform}.
     */
    SelfInstruct(Generate teacher, String modelName, Options options, java.util.function.BiFunction<Generate, Dataset<Row>, Dataset<Row>> call) {
        this.teacher = teacher == null ? null : ((Generate) teacher.copy(org.apache.spark.ml.param.ParamMap.empty()))
                .setPromptCol("prompt").setChat("off").setOutputCol("_answer").setN(1).adviseOnLongPrompts(LONG_PROMPT_ADVICE);
        if (this.teacher != null) {
            // the paper's stop sequence: the task list ends at a blank line, and what the teacher wrote after it was cut
            // off anyway (BLANK_LINE), generated for nothing up to the token limit
            List<String> stops = new ArrayList<>(List.of(this.teacher.getOrDefault(this.teacher.stop())));
            if (!stops.contains("\n\n")) {
                stops.add("\n\n");
            }
            this.teacher.setStop(stops.toArray(new String[0]));
        }
        this.modelName = modelName;
        this.options = options;
        this.call = call;
    }

    /** Runs the rounds on {@code spark}'s executors. */
    public Result run(SparkSession spark, List<String> seedTasks) {
        if (teacher != null && teacher.getMaxTokens() == 0) {
            // every answer empty: the rounds ran to maxRounds, then failed as keeping none
            throw KindlingException.usage("self-instruct: the teacher's maxTokens is 0, so it writes no instruction and every "
                    + "round would keep none");
        }
        List<String> seeds = new ArrayList<>();
        for (String s : seedTasks) {
            if (s != null && !s.isBlank()) {
                seeds.add(normalize(s));
            }
        }
        if (seeds.isEmpty()) {
            throw KindlingException.usage("self-instruct: no seed tasks (rows with an instruction)");
        }
        rounds.clear();
        Novelty pool = new Novelty(options.rougeThreshold());
        for (String s : seeds) {
            pool.add(s);
        }
        List<String> generated = new ArrayList<>();
        List<Row> kept = new ArrayList<>();
        Map<String, Long> dropped = new LinkedHashMap<>();
        int candidates = 0;
        int failedAnswers = 0;
        int round = 0;
        while (kept.size() < options.count() && round < options.maxRounds()) {
            List<Row> prompts = new ArrayList<>();
            // the prompt numbers as wide as the largest, so that the ids sort as the prompts go ("p9999" sorted after "p10000")
            String idFormat = "r%05d-p%0" + Math.max(4, String.valueOf(options.promptsPerRound() - 1).length()) + "d";
            for (int p = 0; p < options.promptsPerRound(); p++) {
                prompts.add(RowFactory.create(String.format(Locale.ROOT, idFormat, round, p), prompt(seeds, generated, round, p)));
            }
            Dataset<Row> df = spark.createDataFrame(prompts, new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType));
            int partitions = Math.max(1, Math.min(prompts.size(), spark.sparkContext().defaultParallelism()));
            Dataset<Row> answered = call.apply(teacher, df.repartition(partitions));
            if (teacher.metrics() != null && (rounds.isEmpty() || rounds.get(rounds.size() - 1) != teacher.metrics())) {
                rounds.add(teacher.metrics()); // the round's own counters, filled as its job runs
            }
            List<Row> answers = new ArrayList<>(answered.select(functions.col("id"), functions.col("_answer.text"),
                    functions.col(teacher.getErrorCol()), functions.col("_answer.finish_reason")).collectAsList());
            // in prompt order, sorted here: Spark's orderBy samples its input in a job of its own first, which ran every
            // generation of the round twice
            answers.sort(Comparator.comparing((Row a) -> a.getString(0)));
            String firstError = null;
            int failed = 0;
            for (Row a : answers) {
                if (a.isNullAt(1)) {
                    failedAnswers++;
                    failed++;
                    if (firstError == null && !a.isNullAt(2)) {
                        firstError = a.getString(2);
                    }
                    continue;
                }
                String text = a.getString(1);
                Matcher blankLine = BLANK_LINE.matcher(text);
                boolean ended = blankLine.find();
                List<String> parsed = parse(ended ? text.substring(0, blankLine.start()) : text);
                // the token limit cut the answer inside its last instruction (unless a blank line ended the list before):
                // only "Task N:" after one marks it complete
                boolean cut = !ended && "length".equals(a.getString(3));
                for (int i = 0; i < parsed.size(); i++) {
                    if (kept.size() >= options.count()) {
                        break;
                    }
                    String c = parsed.get(i);
                    candidates++;
                    String why = cut && i == parsed.size() - 1 && !c.isEmpty() ? "truncated" : filter(c);
                    Novelty.Match m = why == null ? pool.nearest(c) : null;
                    if (why == null && m.similar()) {
                        why = "similar";
                    }
                    if (why != null) {
                        dropped.merge(why, 1L, Long::sum);
                        continue;
                    }
                    pool.add(c);
                    generated.add(c);
                    kept.add(RowFactory.create(Prompts.sha256Hex(c), c, round, m.score(), m.text(), modelName));
                }
            }
            if (failed > 0 && failed == answers.size()) {
                // every generation of the round failed: the next rounds would fail the same way (the prompts only grow)
                String why = "all " + failed + " teacher generations of round " + round + " failed, the first with: " + firstError;
                if (kept.isEmpty()) {
                    throw new KindlingException(KindlingException.FAILURE, "self-instruct: " + why);
                }
                return new Result(kept, dropped, round + 1, candidates, failedAnswers, why); // what earlier rounds kept is written
            }
            round++;
        }
        return new Result(kept, dropped, round, candidates, failedAnswers, null);
    }

    /**
     * The teacher's counters over every round of the last run so far, as they stand now (null before one): its rows (the prompts),
     * failed rows, and the tokens it read and generated. The caller's teacher's {@code metrics()} report the last round's
     * alone: each round answers with a copy of it, whose runs it reports.
     */
    public dev.kindling.spark.inference.InferenceMetrics teacherMetrics() {
        return rounds.isEmpty() ? null : dev.kindling.spark.inference.InferenceMetrics.sum("generate", rounds);
    }

    /** The few-shot prompt of prompt {@code p} of {@code round}. */
    String prompt(List<String> seeds, List<String> generated, int round, int p) {
        Random rng = new Random(options.seed() * 1_000_003L + round * 10_007L + p);
        List<String> shots = new ArrayList<>(sample(generated, Math.min(options.machineShots(), generated.size()), rng));
        shots.addAll(sample(seeds, Math.min(options.shots() - shots.size(), seeds.size()), rng));
        Collections.shuffle(shots, rng);
        StringBuilder sb = new StringBuilder("Come up with a series of tasks:\n\n");
        for (int i = 0; i < shots.size(); i++) {
            sb.append("Task ").append(i + 1).append(": ").append(shots.get(i)).append('\n');
        }
        return sb.append("Task ").append(shots.size() + 1).append(':').toString();
    }

    private static List<String> sample(List<String> from, int k, Random rng) {
        List<String> copy = new ArrayList<>(from);
        Collections.shuffle(copy, rng);
        return copy.subList(0, k);
    }

    /**
     * The instructions in a continuation of {@code "... Task N:"}: the first, then any further "Task M:" ones (an answer
     * ending in a marker ends in an empty one, so that its last non-empty one does not look cut off).
     */
    static List<String> parse(String answer) {
        List<String> out = new ArrayList<>();
        for (String part : TASK.split(answer, -1)) {
            String s = normalize(part);
            out.add(s);
        }
        return out;
    }

    /** {@code re.sub(r"\s+", " ", s).strip()}: Python's {@code \s} is Unicode white space (a no-break space too). */
    static String normalize(String s) {
        return s.replaceAll("(?U)\\s+", " ").strip();
    }

    /** Why {@code c} is dropped before the novelty check, or null. */
    String filter(String c) {
        if (c.isEmpty()) {
            return "empty";
        }
        int words = c.split(" ").length;
        if (words < options.minWords()) {
            return "too_short";
        }
        if (words > options.maxWords()) {
            return "too_long";
        }
        if (!Character.isLetterOrDigit(c.codePointAt(0))) {
            return "punctuation";
        }
        // the reference capitalizes first, so its startswith("Write a program") ignores case
        if (options.keywordFilter() && (UNSUITABLE_WORD.matcher(c).find() || c.regionMatches(true, 0, "write a program", 0, 15))) {
            return "unsuitable";
        }
        return null;
    }

    /** The instructions kept so far, for ROUGE-L against a candidate (length bound first). */
    static final class Novelty {
        /** {@code similar}: the score is above the threshold (self-instruct keeps one of exactly 0.7). */
        record Match(double score, String text, boolean similar) {}

        private final double threshold;
        private final RougeL.Vocabulary vocabulary = new RougeL.Vocabulary();
        private final List<int[]> tokens = new ArrayList<>();
        private final List<String> texts = new ArrayList<>();

        Novelty(double threshold) {
            this.threshold = threshold;
        }

        void add(String text) {
            tokens.add(vocabulary.ids(RougeL.tokens(text)));
            texts.add(text);
        }

        /**
         * The most similar kept instruction; once one passes the threshold the search stops (the
         * candidate is dropped anyway), so the score is exact up to the threshold.
         */
        Match nearest(String text) {
            int[] c = vocabulary.ids(RougeL.tokens(text));
            double best = 0;
            String bestText = null;
            for (int i = 0; i < tokens.size(); i++) {
                int[] k = tokens.get(i);
                if (RougeL.upperBound(c.length, k.length) <= best) {
                    continue;
                }
                double f = RougeL.fmeasure(c, k);
                if (f > best) {
                    best = f;
                    bestText = texts.get(i);
                    if (best > threshold) {
                        break;
                    }
                }
            }
            return new Match(best, bestText, best > threshold);
        }
    }
}
