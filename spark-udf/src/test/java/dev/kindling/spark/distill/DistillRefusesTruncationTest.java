package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.Stories;
import dev.kindling.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A teacher (or judge) set to truncate long prompts answers the end of a prompt while the row records all of it: the
 * conversation pairs a question with an answer to another. Sft and Dpo refuse such a teacher before any work, as Judge
 * refuses to judge so.
 */
class DistillRefusesTruncationTest {
    static String model() {
        return SharedData.require("llama2c/stories260K.gguf").toString();
    }

    static Dataset<Row> prompts() {
        return TestSpark.session().createDataset(List.of("Once upon a time"), Encoders.STRING()).toDF("prompt");
    }

    static final String TEACHER = ": the teacher has truncatePrompts set, but a prompt cut to fit its context would be recorded whole beside "
            + "an answer to its end, which changes the data; setTruncatePrompts(false): a prompt too long then fails its row "
            + "with an error";

    @Test
    void sftRefusesATeacherThatTruncates() {
        Generate teacher = new Generate().setModel(model()).setMaxTokens(4).setTruncatePrompts(true);
        KindlingException e = assertThrows(KindlingException.class, () -> new Sft(teacher, "t").transform(prompts()));
        assertEquals("sft" + TEACHER, e.getMessage());
    }

    @Test
    void dpoRefusesATeacherOrAJudgeThatTruncates() {
        Generate sampler = new Generate().setModel(model()).setMaxTokens(4).setN(2).setTemperature(1.0);
        Judge judge = new Judge().setModel(model()).setMethod("logprobs");
        KindlingException e = assertThrows(KindlingException.class,
                () -> new Dpo(((Generate) sampler.copy(org.apache.spark.ml.param.ParamMap.empty())).setTruncatePrompts(true), judge, "t")
                        .transform(prompts()));
        assertEquals("dpo" + TEACHER, e.getMessage());
        KindlingException j = assertThrows(KindlingException.class,
                () -> new Dpo(sampler, ((Judge) judge.copy(org.apache.spark.ml.param.ParamMap.empty())).setTruncatePrompts(true), "t")
                        .transform(prompts()));
        assertEquals("dpo: the judge has truncatePrompts set, but a judge prompt cut to fit the context loses its start (the "
                + "rubric and the instruction) and its rating would not be the rubric's; setTruncatePrompts(false): a prompt "
                + "too long then fails its row with an error", j.getMessage());
    }

    /**
     * A judge prompt past the judge's context is the rubric, the prompt and a sampled answer: the row's error names what
     * shortens it (the prompt, --max-tokens or the teacher's setMaxTokens) or a judge of a longer context (--judge, the
     * Judge's setModel), not distill's advice for the teacher, whose reason (a prompt cut would be recorded whole) is none
     * for a judge. Here the judge is the teacher, as distill dpo's default: the prompt and its samples fit its 64 tokens,
     * the rubric added does not.
     */
    @Test
    void aJudgePromptPastTheContextAdvisesWhatShortensItOrALongerJudge(@TempDir Path tmp) throws Exception {
        String small = Stories.withContext(tmp, 64).toString();
        Generate sampler = new Generate().setModel(small).setThreads(2).setMaxTokens(4).setN(2).setTemperature(1.0).setSeed(5);
        // with logprobs (distill dpo --judge-method logprobs) the error was the engine's "the sequence has N tokens", no advice
        for (String method : List.of("auto", "logprobs")) {
            Judge judge = new Judge().setModel(small).setThreads(2).setMaxTokens(4).setMethod(method);
            String error = new Dpo(sampler, judge, "t").transform(prompts()).select("error").as(Encoders.STRING()).first();
            assertTrue(error != null && error.contains("but the context holds 64"), method + ": " + error);
            for (String remedy : List.of("shorten the prompt", "--max-tokens", "setMaxTokens", "--judge", "setModel")) {
                assertTrue(error.contains(remedy), () -> method + ": no " + remedy + " in: " + error);
            }
            assertTrue(!error.contains("distill answers whole prompts only"), error);
        }
    }
}
