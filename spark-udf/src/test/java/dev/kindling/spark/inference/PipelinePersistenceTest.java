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
            new Generate().setModel(model).setMaxTokens(7),
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
        assertEquals(7, (int) assertInstanceOf(Generate.class, back[1]).getOrDefault(((Generate) back[1]).maxTokens()));
    }
}
