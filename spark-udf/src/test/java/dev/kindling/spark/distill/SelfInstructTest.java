package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.Generate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/** SelfInstruct's handling of the teacher's answers, with a scripted teacher (no model: fast). */
class SelfInstructTest {
    static final List<String> SEEDS = List.of("Tell a story about a girl and her red hat.", "Suggest a name for a friendly cat.",
            "Explain how to plant a seed in a garden.");

    static final StructType ANSWER = new StructType().add("text", DataTypes.StringType).add("finish_reason", DataTypes.StringType);

    /** Runs one round in which every prompt gets {@code text} with {@code finishReason}. */
    static SelfInstruct.Result oneRound(String text, String finishReason) {
        SparkSession spark = TestSpark.session();
        SelfInstruct.Options o = new SelfInstruct.Options(100, 1, 1, 3, 0, 0.7, 3, 150, true, 1);
        SelfInstruct si = new SelfInstruct(new Generate().setModel("unused.gguf"), "m", o, (teacher, df) -> {
            List<Row> rows = new ArrayList<>();
            for (Row r : df.select("id").collectAsList()) {
                rows.add(RowFactory.create(r.getString(0), RowFactory.create(text, finishReason), null));
            }
            return spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("_answer", ANSWER)
                    .add(teacher.getErrorCol(), DataTypes.StringType));
        });
        return si.run(spark, SEEDS);
    }

    static List<String> instructions(SelfInstruct.Result r) {
        List<String> out = new ArrayList<>();
        for (Row row : r.instructions()) {
            out.add(row.getString(1));
        }
        return out;
    }

    static long accounted(SelfInstruct.Result r) {
        return r.instructions().size() + r.dropped().values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * An answer cut by the token limit ends inside its last instruction ("...about a dog who" was kept as an instruction);
     * the instructions before it end at the next "Task N:" and are whole.
     */
    @Test
    void theLastInstructionOfATruncatedAnswerIsDropped() {
        SelfInstruct.Result cut = oneRound(" Write a poem about the sea at night.\nTask 5: Describe a sunny day at the beach.\n"
                + "Task 6: Write a short story about a dog who", "length");
        assertEquals(List.of("Write a poem about the sea at night.", "Describe a sunny day at the beach."), instructions(cut));
        assertEquals(Map.of("truncated", 1L), cut.dropped());
        assertEquals(cut.candidates(), accounted(cut), "every candidate is kept or dropped with a reason");

        // cut right after a marker: the instruction before it is whole, and the empty one after it is empty
        SelfInstruct.Result atMarker = oneRound(" Write a poem about the sea at night.\nTask 5:", "length");
        assertEquals(List.of("Write a poem about the sea at night."), instructions(atMarker));
        assertEquals(Map.of("empty", 1L), atMarker.dropped());

        // an answer the teacher ended itself keeps its last instruction
        SelfInstruct.Result stopped = oneRound(" Write a poem about the sea at night.\nTask 5: Describe a sunny day at the beach.",
                "stop");
        assertEquals(List.of("Write a poem about the sea at night.", "Describe a sunny day at the beach."), instructions(stopped));
        assertEquals(Map.of(), stopped.dropped());
    }

    /**
     * The paper stops the teacher at a blank line; what a teacher writes after one (here it starts the prompt over) was
     * joined to the last instruction: "Describe a sunny day at the beach. Come up with a series of tasks:" was kept.
     */
    @Test
    void anAnswerEndsAtItsFirstBlankLine() {
        SelfInstruct.Result r = oneRound(" Write a poem about the sea at night.\nTask 5: Describe a sunny day at the beach.\n\n"
                + "Come up with a series of tasks:\n\nTask 1: Name a color that a friendly cat would like and say why it", "length");
        assertEquals(List.of("Write a poem about the sea at night.", "Describe a sunny day at the beach."), instructions(r));
        assertEquals(Map.of(), r.dropped(), "the list ended before the token limit: nothing in it was cut");
        assertEquals(2, r.candidates());
    }

    /**
     * The paper keeps instructions of more than 3 words (bootstrap_instructions.py: {@code len(inst.split()) <= 3} is
     * dropped); the settings called the paper's, and the CLI's default, kept 3-word ones.
     */
    @Test
    void thePapersShortestInstructionHasFourWords() {
        SelfInstruct paper = new SelfInstruct(null, "m", SelfInstruct.Options.paper(10, 1));
        assertEquals("too_short", paper.filter("Write a haiku."));
        assertNull(paper.filter("Write a short haiku."));
        picocli.CommandLine.ParseResult parsed = new picocli.CommandLine(new DistillCommand()).parseArgs("self-instruct",
                "--teacher", "t.gguf", "--seed-tasks", "seeds.jsonl", "--num", "1", "--output", "out");
        DistillCommand.SelfInstructCommand cli = (DistillCommand.SelfInstructCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(SelfInstruct.Options.paper(10, 1).minWords(), cli.minWords);
    }

    /**
     * Each prompt of a round goes to the teacher once: the answers were put in order with Spark's orderBy, whose range
     * partitioning first samples its input in a job of its own, so with more than one partition every generation ran
     * twice ("teacher: 24 rows" for 12 prompts).
     */
    @Test
    void eachPromptIsGeneratedOnce() {
        SparkSession spark = TestSpark.session();
        LongAccumulator generated = spark.sparkContext().longAccumulator("generated");
        UserDefinedFunction generate = functions.udf((UDF1<String, String>) id -> {
            generated.add(1);
            return " Write a poem about the sea at night number " + id + ".";
        }, DataTypes.StringType).asNondeterministic();
        SelfInstruct.Options o = new SelfInstruct.Options(100, 4, 1, 3, 0, 0.7, 3, 150, true, 1);
        SelfInstruct si = new SelfInstruct(new Generate().setModel("unused.gguf"), "m", o, (teacher, df) -> df.select(
                functions.col("id"), functions.struct(generate.apply(functions.col("id")).as("text"),
                        functions.lit("stop").as("finish_reason")).as("_answer"),
                functions.lit(null).cast(DataTypes.StringType).as(teacher.getErrorCol())));
        SelfInstruct.Result r = si.run(spark, SEEDS);
        assertEquals(4, r.candidates());
        assertEquals(4L, generated.value(), "teacher calls for 4 prompts");
    }

    /**
     * bootstrap_instructions.py drops a candidate when {@code max(rouge_scores) > 0.7}: a score of exactly 0.7 is novel
     * enough, and was dropped here as "similar" (>=). Scores are rouge_score's doubles (see RougeLTest).
     */
    @Test
    void aScoreAtTheThresholdIsKeptAsSelfInstructKeepsIt() {
        SelfInstruct.Novelty n = new SelfInstruct.Novelty(0.7);
        n.add("Name three primary colors and explain why they are primary.");
        n.add("Write a short poem about the sea.");
        SelfInstruct.Novelty.Match atThreshold = n.nearest("Name three secondary colors and explain how they are mixed.");
        assertEquals(0.7, atThreshold.score(), 0);
        assertFalse(atThreshold.similar(), "0.7 is not above 0.7");
        // 0.7000000000000001 in rouge_score's arithmetic (2 * 7 / 20 = 0.7 would keep it)
        SelfInstruct.Novelty.Match above = n.nearest("Write a short poem about the sea and the sky at dawn today.");
        assertEquals("Write a short poem about the sea.", above.text());
        assertTrue(above.similar());
    }

    /**
     * bootstrap_instructions.py (and Alpaca's generate_instruction.py) match a keyword with Python's {@code \b}, next to
     * which a letter, digit or underscore is no boundary; the filter here made "go-to" and "image_file" keywords too.
     * And their {@code re.sub(r"\s+", " ", inst)} and {@code inst.split()} treat a no-break space as a space.
     */
    @Test
    void keywordsAndWordsAsSelfInstructFindsThem() {
        SelfInstruct si = new SelfInstruct(null, "m", SelfInstruct.Options.paper(10, 1));
        assertNull(si.filter("What is your go-to recipe for a dinner party?"));
        assertNull(si.filter("Rename the variable image_file to something clearer."));
        assertEquals("unsuitable", si.filter("Tell me how to go to the nearest station."));
        assertEquals("unsuitable", si.filter("Describe the IMAGE below in two sentences."));
        assertEquals("unsuitable", si.filter("Summarize the file's main points in a list."));
        assertEquals("unsuitable", si.filter("Write a programme that prints the date."));
        assertEquals("Write a short poem.", SelfInstruct.normalize("\u00a0Write\u00a0a short\u2009 poem.\u00a0"));
        assertNull(si.filter(SelfInstruct.normalize("Write\u00a0a\u00a0short poem.")));
    }

    /**
     * bootstrap_instructions.py stops the teacher at "\n\n" (its stop_sequences), where the task list ends; the teacher
     * here went on to its token limit and the rest was cut off afterwards: generated for nothing. The caller's own stop
     * strings stay.
     */
    @Test
    void theTeacherStopsAtABlankLine() {
        SparkSession spark = TestSpark.session();
        List<List<String>> stops = new ArrayList<>();
        SelfInstruct.Options o = new SelfInstruct.Options(1, 1, 1, 3, 0, 0.7, 3, 150, true, 1);
        SelfInstruct si = new SelfInstruct(new Generate().setModel("unused.gguf").setStop("###"), "m", o, (teacher, df) -> {
            stops.add(List.of(teacher.getOrDefault(teacher.stop())));
            return df.select(functions.col("id"), functions.struct(functions.lit(" Write a poem about the sea at night.").as("text"),
                    functions.lit("stop").as("finish_reason")).as("_answer"),
                    functions.lit(null).cast(DataTypes.StringType).as(teacher.getErrorCol()));
        });
        si.run(spark, SEEDS);
        assertEquals(List.of(List.of("###", "\n\n")), stops);
    }
    /**
     * A round's answers are read in prompt order at any number of prompts per round: its prompt ids were sorted as strings
     * ({@code r00000-p9999} after {@code r00000-p10000}), so from 10,001 prompts on, which of two similar instructions a
     * round kept no longer followed the prompts. Here only prompts 9,999 and 10,000 answer and one instruction is asked
     * for: the first in prompt order, 9,999's, is kept.
     */
    @Test
    void aRoundsAnswersAreReadInPromptOrderPastTenThousandPrompts() {
        SparkSession spark = TestSpark.session();
        SelfInstruct.Options o = new SelfInstruct.Options(1, 10_001, 1, 3, 0, 0.7, 3, 150, true, 1);
        SelfInstruct si = new SelfInstruct(new Generate().setModel("unused.gguf"), "m", o, (teacher, df) -> {
            List<String> ids = new ArrayList<>();
            for (Row r : df.select("id").collectAsList()) {
                ids.add(r.getString(0));
            }
            String p9999 = promptId(ids, 9_999);
            String p10000 = promptId(ids, 10_000);
            List<Row> rows = new ArrayList<>();
            for (String id : ids) {
                String text = id.equals(p9999) ? " Write a poem about the sea at night."
                        : id.equals(p10000) ? " Describe a quiet morning in a small town." : null;
                rows.add(RowFactory.create(id, text == null ? null : RowFactory.create(text, "stop"), text == null ? "scripted" : null));
            }
            return spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("_answer", ANSWER)
                    .add(teacher.getErrorCol(), DataTypes.StringType));
        });
        assertEquals(List.of("Write a poem about the sea at night."), instructions(si.run(spark, SEEDS)));
    }

    /** The id SelfInstruct gives prompt {@code p} of round 0: the one that ends in p's number, without leading zeros. */
    private static String promptId(List<String> ids, int p) {
        for (String id : ids) {
            if (id.matches("r0+-p0*" + p)) {
                return id;
            }
        }
        throw new AssertionError("no prompt id for " + p + " among " + ids.size());
    }
}
