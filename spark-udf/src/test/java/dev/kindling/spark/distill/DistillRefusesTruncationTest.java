package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.testing.SharedData;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

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
}
