package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line checks and says before Spark starts (a bad --master makes a check that does not fire fail
 * fast), and what its help says.
 */
class HelpAndEarlyChecksTest {
    @TempDir
    Path tmp;

    /** A command's help, its lines joined (picocli wraps them at the terminal's width). */
    private static String help(String command) {
        return ModeOptionsTest.run(command, "--help").out().replaceAll("\\s+", " ");
    }

    /** A local tokenizer that is not there was reported only after Spark had started and read the input. */
    @Test
    void aMissingLocalTokenizerIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        Path missing = tmp.resolve("nu").resolve("tokenizer.json");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("tokenize", "--master", "bogus://x", "--tokenizer", missing.toString(),
                "-i", in.toString(), "-o", tmp.resolve("out").toString()), "--tokenizer " + missing + " does not exist");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("pack", "--master", "bogus://x", "--tokenizer", missing.toString(),
                "-i", in.toString(), "-o", tmp.resolve("out").toString(), "--seq-len", "8"), "--tokenizer " + missing + " does not exist");
        Path folder = Files.createDirectories(tmp.resolve("empty-folder"));
        ModeOptionsTest.Result r = ModeOptionsTest.run("tokenize", "--master", "bogus://x", "--tokenizer", folder.toString(),
                "-i", in.toString(), "-o", tmp.resolve("out").toString());
        assertEquals("kindling: error: --tokenizer " + folder + ": directory holds no tokenizer.json or tokenizer.json.gz",
                r.err().strip(), r.err());
        assertEquals(2, r.code());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /** Every command's --format help carried pack's rule ("pack: parquet unless ... or megatron"). */
    @Test
    void eachCommandsFormatHelpIsItsOwn() {
        for (String command : new String[] {"convert", "tokenize", "dedup", "filter", "curate", "generate", "score", "demo"}) {
            String help = help(command);
            assertTrue(help.contains("--format=FORMAT") && help.contains("jsonl or parquet"), command + ": " + help);
            assertFalse(help.contains("pack") || help.contains("megatron"), command + ": " + help);
        }
        String pack = help("pack");
        assertTrue(pack.contains("default: parquet, or jsonl when the output name ends in .jsonl") && pack.contains("megatron (.bin/.idx"),
                pack);
        assertFalse(pack.contains("parquet when the output name ends in .parquet"), pack);
    }

    /** demo and dedup showed {@code --seed=<seed>}, where every other option names its value in capitals. */
    @Test
    void seedsHaveAParamLabel() {
        for (String command : new String[] {"demo", "dedup"}) {
            String help = help(command);
            assertTrue(help.contains("--seed=SEED"), command + ": " + help);
        }
    }

    /** demo without --output writes nothing: --format, --compression and --overwrite were accepted there and did nothing. */
    @Test
    void demoRefusesOutputOptionsWithoutAnOutput() {
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("demo", "--master", "bogus://x", "--format", "parquet", "--overwrite"),
                "demo writes nothing without --output DIR; --format, --overwrite apply");
        String help = help("demo");
        assertTrue(help.contains("--format and --compression say how DIR/documents is written") && help.contains("--id-column"), help);
    }
}
