package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Stories;
import dev.kindling.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A system prompt the teacher never sees is an error: with --chat off, or auto on a model without a chat template, the
 * teacher read the prompt alone while the rows recorded {"role": "system", ...} first in messages (chosen, rejected), so a
 * student trained on them learnt to answer the system message as the teacher answered without it.
 */
class DistillSystemPromptTest {
    @TempDir static Path tmp;

    static String model() {
        return SharedData.require("llama2c/stories260K.gguf").toString();
    }

    /** Known before Spark starts: --chat off, or a local teacher whose vocabulary has no chat template. */
    @Test
    void systemWithATeacherThatWillNotSeeItIsAUsageError() throws Exception {
        for (String command : List.of("sft", "dpo")) {
            Cli.Result auto = Cli.run("distill", command, "--no-progress", "--teacher", model(), "--prompts", "p.jsonl",
                    "--output", tmp.resolve(command + "-auto").toString(), "--system", "Tell a story.");
            assertEquals(2, auto.code(), auto.toString());
            assertTrue(auto.err().contains("has none (tokenizer.chat_template)") && auto.err().contains("never sees the system"),
                    auto.err());
            Cli.Result off = Cli.run("distill", command, "--no-progress", "--teacher", Stories.withChatTemplate(tmp).toString(),
                    "--chat", "off", "--prompts", "p.jsonl", "--output", tmp.resolve(command + "-off").toString(),
                    "--system", "Tell a story.");
            assertEquals(2, off.code(), off.toString());
            assertTrue(off.err().contains("with --chat off"), off.err());
            assertFalse(off.err().contains("Spark"), off.err());
        }
        for (String command : List.of("sft", "dpo")) {
            // --chat on without a template failed the job with exit 1 once the executors had opened the model
            Cli.Result on = Cli.run("distill", command, "--no-progress", "--teacher", model(), "--chat", "on", "--prompts", "p.jsonl",
                    "--output", tmp.resolve(command + "-on").toString());
            assertEquals(2, on.code(), on.toString());
            assertTrue(on.err().contains("--chat on needs the teacher's chat template") && on.err().contains("--chat off"), on.err());
            assertFalse(on.err().contains("Spark"), on.err());
        }
        Cli.Result generate = Cli.run("generate", "--no-progress", "--model", model(), "--input", "p.jsonl", "--output",
                tmp.resolve("gen").toString(), "--system", "Tell a story.");
        assertEquals(2, generate.code(), generate.toString());
        assertTrue(generate.err().contains("--system needs --chat on or auto"), generate.err());
    }

    /**
     * self-instruct prompts the teacher with plain few-shot text ("Come up with a series of tasks: ..."), never through
     * its chat template: --system and --chat, which it takes with the other teacher options, were ignored, and then
     * refused as unknown options ("Unknown options: '--system', 'hi'"), which said nothing of why.
     */
    @Test
    void selfInstructRefusesSystemAndChat() throws Exception {
        for (String[] option : new String[][] {{"--system", "Tell a story."}, {"--chat", "on"}, {"--chat", "auto"}}) {
            Cli.Result r = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", Stories.withChatTemplate(tmp).toString(),
                    "--seed-tasks", "s.jsonl", "--num", "2", "--output", tmp.resolve("si").toString(), option[0], option[1]);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("self-instruct takes no " + option[0]) && r.err().contains("the teacher continues plain "
                    + "few-shot text, never through its chat template"), r.err());
        }
    }

    /** The API: chat off is refused by the stage's validation, auto on a model without a template when it is opened. */
    @Test
    void theApiRefusesASystemPromptTheModelWillNotSee() {
        StructType prompts = new StructType().add("prompt", DataTypes.StringType);
        KindlingException off = assertThrows(KindlingException.class,
                () -> new Generate().setModel(model()).setSystemPrompt("Tell a story.").transformSchema(prompts));
        assertEquals(KindlingException.USAGE, off.exitCode());
        assertTrue(off.getMessage().contains("chat is off"), off.getMessage());
        new Generate().setModel(model()).setSystemPrompt("Tell a story.").setChat("auto").transformSchema(prompts);

        SparkSession spark = TestSpark.session();
        Dataset<Row> in = spark.createDataset(List.of("Once upon a time"), Encoders.STRING()).toDF("prompt");
        Generate teacher = new Generate().setModel(model()).setThreads(2).setMaxTokens(4).setChat("auto");
        Exception e = assertThrows(Exception.class,
                () -> new Sft(teacher, "stories260K").setSystemPrompt("Tell a story.").transform(in).collectAsList());
        KindlingException k = cause(e);
        assertTrue(k != null && k.getMessage().contains("no chat template"), String.valueOf(e));
        assertThrows(KindlingException.class, () -> new Sft(new Generate().setModel(model()).setThreads(2).setMaxTokens(4),
                "stories260K").setSystemPrompt("Tell a story.").transform(in).collectAsList());
    }

    private static KindlingException cause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KindlingException k) {
                return k;
            }
        }
        return null;
    }
}
