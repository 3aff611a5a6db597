package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a local master, an inference stage's model (and tokenizer) given as a local path is checked when {@code transform}
 * is called, naming the stage and the param: a missing one failed the first task ("/x/m.gguf does not exist", naming
 * neither, and Spark retried it), and a relative one says the folder it was looked for in, which matters for a pipeline
 * saved in one folder and loaded in another (found by an adversarial pass).
 */
class DriverModelCheckTest {
    @TempDir Path tmp;

    @Test
    void aMissingOrFakeModelIsNamedWhenTransformIsCalled() throws Exception {
        Dataset<Row> docs = TestSpark.session().createDataFrame(List.of(RowFactory.create("a", "hello")),
                new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType));
        String missing = tmp.resolve("nope.gguf").toString();
        Score score = new Score().setModel(missing);
        KindlingException e = assertThrows(KindlingException.class, () -> score.transform(docs));
        assertEquals("Score(" + score.uid() + ").model " + missing + " does not exist", e.getMessage());
        assertEquals(KindlingException.USAGE, e.exitCode());
        Path fake = Files.writeString(tmp.resolve("fake.gguf"), "not a model");
        Embed embed = new Embed().setModel(fake.toString());
        e = assertThrows(KindlingException.class, () -> embed.transform(docs));
        assertTrue(e.getMessage().startsWith("Embed(" + embed.uid() + ").model " + fake + " is not a model"), e.getMessage());
        Generate generate = new Generate().setModel("rel/m.gguf").setPromptCol("text");
        e = assertThrows(KindlingException.class, () -> generate.transform(docs));
        assertEquals("Generate(" + generate.uid() + ").model rel/m.gguf does not exist (relative to the working directory "
                + Path.of("").toAbsolutePath() + ")", e.getMessage());
        TokenizerTransformer tok = new TokenizerTransformer().setTokenizer("rel/tok");
        e = assertThrows(KindlingException.class, () -> tok.transform(docs));
        assertEquals("TokenizerTransformer(" + tok.uid() + ").tokenizer rel/tok does not exist (relative to the working directory "
                + Path.of("").toAbsolutePath() + ")", e.getMessage());
    }

    /**
     * An inference stage given tokenizer byte-level (the token counts' built-in tokenizer, which the engine cannot read:
     * it opens its tokenizer as a file) is refused by transformSchema, naming the stage and saying why, as the commands
     * refuse --tokenizer byte-level: it passed every check and failed once Spark ran the job, as "byte-level does not exist".
     */
    @Test
    void theByteLevelTokenizerIsRefusedForAModelByTransformSchema() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        String model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf").toString();
        List<EngineStage<?>> stages = List.of(new Generate().setPromptCol("text"), new Score(), new Embed(),
                new Judge().setInstructionCol("id").setResponseCol("text"));
        for (EngineStage<?> stage : stages) {
            stage.setModel(model).setTokenizer("byte-level");
            KindlingException e = assertThrows(KindlingException.class, () -> stage.transformSchema(schema), stage.uid());
            assertEquals(stage.getClass().getSimpleName() + "(" + stage.uid() + ").tokenizer 'byte-level': no such file (looked in "
                    + Path.of("").toAbsolutePath() + " and among the files given to Spark); the built-in byte-level tokenizer "
                    + "counts tokens (tokenize, pack, demo), a model reads with its own vocabulary: give its tokenizer file, or none "
                    + "(empty: the model's own)", e.getMessage());
            assertEquals(KindlingException.USAGE, e.exitCode());
        }
    }
}
