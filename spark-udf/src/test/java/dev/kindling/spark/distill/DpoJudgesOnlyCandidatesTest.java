package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.Engine;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.ExecutorEngines;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.testing.SharedData;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The judge rates only the samples that can be candidates: a blank sample, and with setDropTruncated one cut by the token
 * limit, is left out of the pair anyway, and the judge rated it first (a judge prompt and answer per such sample, for
 * nothing). The reasons stay what they were.
 */
class DpoJudgesOnlyCandidatesTest {
    static String model() {
        return SharedData.require("llama2c/stories260K.gguf").toString();
    }

    /** The judge's engine: its own (one thread, unlike the teacher's two), so that its prompt tokens are the judge's work. */
    static Judge judge() {
        return new Judge().setModel(model()).setThreads(1).setMaxSequences(3).setMethod("logprobs");
    }

    static long judgePromptTokens() {
        Engine e = ExecutorEngines.get(judge().engineSpec());
        return e.stats().promptTokens;
    }

    static List<String> reasons(Dpo dpo, Dataset<Row> prompts) {
        return dpo.transform(prompts).select("reason").as(Encoders.STRING()).collectAsList();
    }

    @Test
    void truncatedSamplesAreNotJudgedWithDropTruncated() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time"), Encoders.STRING()).toDF("prompt");
        // stories260K never ends an answer within 3 tokens: every sample is cut
        Generate sampler = new Generate().setModel(model()).setThreads(2).setMaxTokens(3).setN(3).setTemperature(1.0).setSeed(5);
        long before = judgePromptTokens();
        assertEquals(List.of("dpo:too_few_ratings"), reasons(new Dpo(sampler, judge(), "stories260K").setDropTruncated(true), prompts));
        assertEquals(before, judgePromptTokens(), "the judge read no prompt");
        // without the option they are candidates, and judged
        assertEquals(1, reasons(new Dpo(sampler, judge(), "stories260K"), prompts).size());
        long judged = judgePromptTokens() - before;
        assertEquals(true, judged > 0, "judged: " + judged);
    }

    @Test
    void blankSamplesAreNotJudged() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time"), Encoders.STRING()).toDF("prompt");
        // every word of stories260K's vocabulary starts with a space: the stop strings cut each sample to nothing
        Generate sampler = new Generate().setModel(model()).setThreads(2).setMaxTokens(4).setN(3).setTemperature(1.0).setSeed(5)
                .setStop(" ", ",");
        long before = judgePromptTokens();
        assertEquals(List.of("dpo:too_few_ratings"), reasons(new Dpo(sampler, judge(), "stories260K"), prompts));
        assertEquals(before, judgePromptTokens(), "the judge read no prompt");
    }
}
