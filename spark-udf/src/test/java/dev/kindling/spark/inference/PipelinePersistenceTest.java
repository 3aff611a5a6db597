package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.nio.file.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved Spark ML Pipeline holding the inference and tokenizer stages loads back: Spark's Pipeline.load calls each
 * stage class's static read(), which these stages lacked (NoSuchMethodException), though they save on their own.
 */
class PipelinePersistenceTest {
    @TempDir Path tmp;

    @Test
    void pipelinesWithEveryInferenceAndTokenizerStageLoadBack() throws Exception {
        TestSpark.session();
        String model = Stories.model().toString();
        PipelineStage[] stages = {
            new TokenizerTransformer().setTokenizer(model),
            new Generate().setModel(model).setMaxTokens(7).setFrequencyPenalty(0.25).setPresencePenalty(-1.5),
            new Score().setModel(model),
            new Embed().setModel(model),
            new Judge().setModel(model),
        };
        Path p = tmp.resolve("pipeline");
        new Pipeline().setStages(stages).write().save(p.toString());
        PipelineStage[] back = Pipeline.load(p.toString()).getStages();
        assertEquals(stages.length, back.length);
        for (int i = 0; i < stages.length; i++) {
            assertEquals(stages[i].getClass(), back[i].getClass());
            for (org.apache.spark.ml.param.Param<?> param : stages[i].params()) {
                Object before = stages[i].getOrDefault(param);
                Object after = back[i].getOrDefault(back[i].getParam(param.name()));
                assertEquals(true, java.util.Objects.deepEquals(before, after), stages[i].getClass().getSimpleName() + "." + param.name());
            }
        }
        Generate generate = assertInstanceOf(Generate.class, back[1]);
        assertEquals(7, (int) generate.getOrDefault(generate.maxTokens()));
        // the frequency and presence penalties are saved and loaded like the other sampling params
        assertEquals(0.25, (double) generate.getOrDefault(generate.frequencyPenalty()));
        assertEquals(-1.5, (double) generate.getOrDefault(generate.presencePenalty()));
        assertEquals(0.25f, generate.sampling().frequencyPenalty());
        assertEquals(-1.5f, generate.sampling().presencePenalty());
    }
}
