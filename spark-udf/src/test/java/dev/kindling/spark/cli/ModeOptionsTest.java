package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A command with two ways of running refuses, in one, the options only the other reads: {@code generate --prompt hi
 * --format parquet --stats s.json --rejected r --overwrite --on-error skip} printed a completion and exited 0, having
 * read none of them. Usage errors come before Spark starts, so none of these starts it (a bad --master makes sure that
 * a check that does not fire fails fast too).
 */
class ModeOptionsTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        CommandLine cl = KindlingCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static void assertUsageNaming(Result r, String... names) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String name : names) {
            assertTrue(r.err().contains(name), name + " in: " + r.err());
        }
    }

    @Test
    void generatePromptRefusesTheOptionsOfInputJobs() {
        Result r = run("generate", "-m", "M.gguf", "--prompt", "hi", "--format", "parquet", "--stats", "s.json", "--rejected", "r",
                "--overwrite", "--on-error", "skip");
        assertUsageNaming(r, "--prompt does not take", "--format", "--stats", "--rejected", "--overwrite", "--on-error",
                "apply to --input jobs");
    }

    /** Every option of generate but those --prompt reads, one at a time: the list is of what is read, so none slips by. */
    @Test
    void generatePromptRefusesEveryOptionItDoesNotRead() {
        CommandLine.Model.CommandSpec spec = KindlingCli.commandLine().getSubcommands().get("generate").getCommandSpec();
        List<String> checked = new ArrayList<>();
        for (OptionSpec option : spec.options()) {
            String name = option.longestName();
            if (option.usageHelp() || option.versionHelp() || dev.kindling.spark.inference.GenerateCommand.PROMPT_OPTIONS.contains(name)
                    || name.equals("--input") || name.equals("--output")) {
                continue; // --input and --output are the other mode itself: "give either --prompt TEXT, or --input IN --output OUT"
            }
            List<String> args = new ArrayList<>(List.of("generate", "-m", "M.gguf", "--prompt", "hi", name));
            if (option.arity().min() > 0) {
                args.add(Map.class.isAssignableFrom(option.type()) ? "k=v" : option.type() == int.class || option.type() == Integer.class ? "1" : "on");
            }
            assertUsageNaming(run(args.toArray(new String[0])), "--prompt does not take " + name);
            checked.add(name);
        }
        assertTrue(checked.containsAll(List.of("--master", "--chat", "--system", "--prompt-column", "--max-sequences", "--keep-rejected")),
                checked.toString());
    }

    @Test
    void benchDedupRefusesTheOptionsOfItsOtherModes() {
        assertUsageNaming(run("bench", "dedup", "--generate", "g.jsonl", "--threshold", "0.5", "--no-truth"),
                "--generate does not take", "--threshold", "--no-truth");
        assertUsageNaming(run("bench", "dedup", "--generate", "g.jsonl", "--memory", "10"), "--generate does not take --memory");
        assertUsageNaming(run("bench", "dedup", "--master", "bogus://x", "--memory", "10", "--seconds", "1", "--text-column", "body"),
                "--memory does not take", "--seconds", "--text-column");
        assertUsageNaming(run("bench", "dedup", "--input", "a.jsonl", "--input", "b.jsonl", "--corpus", "corpus", "--pages", "3"),
                "--input does not take", "--corpus", "--pages", "apply to --generate FILE or --memory N");
    }

    @Test
    void optionsThatOnlyApplyWithAnotherAreRefusedWithoutIt() {
        assertUsageNaming(run("distill", "dpo", "--master", "bogus://x", "--teacher", "t.gguf", "--prompts", "p.jsonl", "--output", "o",
                "--judge-tokenizer", "j.json"), "--judge-tokenizer applies with --judge");
        assertUsageNaming(run("pack", "--master", "bogus://x", "--tokenizer", "t.json", "--input", "i.jsonl", "--output", "o.parquet",
                "--seq-len", "8", "--pad-id", "3"), "--pad-id applies with --pad");
    }

    /** Usage errors name the option as typed, not a stage's param or uid, and found before Spark starts. */
    @Test
    void dedupAndDpoOptionsAreRefusedAsTyped(@TempDir Path tmp) throws Exception {
        String in = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\": \"a\"}\n").toString();
        String[] dedup = {"dedup", "--master", "bogus://x", "-i", in, "-o", tmp.resolve("out").toString()};
        // an empty column was the stage's "the text": it ran as --exact, named as a column
        assertUsageNaming(run(concat(dedup, "--exact-column", "")), "--exact-column needs a column name");
        assertUsageNaming(run(concat(dedup, "--exact-column", ",url")), "--exact-column needs a column name");
        // 0 is the stage's "chosen for the threshold": "set both bands and rows, or neither" when both were set
        assertUsageNaming(run(concat(dedup, "--bands", "0", "--rows", "8")), "--bands and --rows must be at least 1");
        String[] dpo = {"distill", "dpo", "--master", "bogus://x", "--teacher", "t.gguf", "--prompts", in, "--output",
                tmp.resolve("o").toString()};
        assertUsageNaming(run(concat(dpo, "--judge-method", "foo")), "--judge-method must be auto or logprobs, got 'foo'");
        assertUsageNaming(run(concat(dpo, "--rubric", "nosuch")), "--rubric nosuch is neither a built-in rubric");
        assertUsageNaming(run(concat(dpo, "--judge-tokenizer", "j.json")), "with its --teacher-tokenizer");
    }

    /** filter's options name themselves, and those of a filter not run are refused (--pii-kinds email with gopher alone ran no pii). */
    @Test
    void filterOptionsAreRefusedAsTypedAndOnlyWithTheirFilter(@TempDir Path tmp) throws Exception {
        String in = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\": \"a\"}\n").toString();
        String[] filter = {"filter", "--master", "bogus://x", "-i", in, "-o", tmp.resolve("out").toString()};
        assertUsageNaming(run(concat(filter, "--filters", "pii", "--pii-kinds", "email,ssn")), "--pii-kinds: unknown PII kind 'ssn'");
        assertUsageNaming(run(concat(filter, "--filters", "pii", "--pii-kinds", " , ")), "--pii-kinds is empty");
        assertUsageNaming(run(concat(filter, "--filters", "gopher", "--pii-kinds", "email")), "--pii-kinds applies with pii in --filters");
        assertUsageNaming(run(concat(filter, "--flag-contaminated")), "--flag-contaminated applies with --decontaminate FILE");
        assertUsageNaming(run(concat(filter, "--decontaminate-ngram", "0")), "--decontaminate-ngram applies with --decontaminate");
        assertUsageNaming(run(concat(filter, "--decontaminate", "")), "--decontaminate needs a benchmark file");
        assertUsageNaming(run(concat(filter, "--decontaminate", "b.jsonl", "--decontaminate-ngram", "0")),
                "--decontaminate-ngram must be at least 1, got 0");
        assertUsageNaming(run(concat(filter, "--decontaminate", "b.jsonl", "--decontaminate-columns", ",")), "--decontaminate-columns is empty");
        // the benchmark's name and glob, before Spark starts (bogus://x would fail it): a name Hadoop cannot parse was a raw
        // URISyntaxException, and a glob that misses the file of its name was refused once Spark had started, as
        // "decontaminate: benchmark"
        assertUsageNaming(run(concat(filter, "--decontaminate", "C:\\x.jsonl")), "--decontaminate C:\\x.jsonl is not a path Hadoop can read");
        String named = Files.writeString(tmp.resolve("b[1].jsonl"), "{\"text\": \"an item\"}\n").toString();
        assertUsageNaming(run(concat(filter, "--decontaminate", named)), "--decontaminate " + named + " matches no file as a glob",
                tmp.resolve("b\\[1\\].jsonl").toString());
        assertUsageNaming(run(concat(filter, "--decontaminate", tmp.resolve("b\\[1\\].jsonl").toString(), "--decontaminate-columns",
                "question")), "decontaminate: benchmark " + tmp.resolve("b\\[1\\].jsonl") + " has no column 'question'");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(new String[0]);
    }

    /**
     * The shared options' mistakes (a missing --input or --output, an unknown --on-error, --format or --input-format, a codec
     * the format lacks) were found only once Spark had started: a minute or more on a busy host for a typo.
     */
    @Test
    void sharedOptionsAreCheckedBeforeSparkStarts() {
        String[] bogus = {"--master", "bogus://x"};
        for (String command : List.of("convert", "dedup", "filter")) {
            assertUsageNaming(run(command, bogus[0], bogus[1], "-i", "in.jsonl"), "missing --output");
            assertUsageNaming(run(command, bogus[0], bogus[1], "-o", "out"), "missing --input");
            assertUsageNaming(run(command, bogus[0], bogus[1], "-i", "in.jsonl", "-o", "out", "--on-error", "skpi"), "--on-error", "skpi");
            assertUsageNaming(run(command, bogus[0], bogus[1], "-i", "in.jsonl", "-o", "out", "--format", "csv"), "--format", "csv");
            assertUsageNaming(run(command, bogus[0], bogus[1], "-i", "in.jsonl", "-o", "out", "--input-format", "csv"),
                    "--input-format", "csv");
            assertUsageNaming(run(command, bogus[0], bogus[1], "-i", "in.jsonl", "-o", "out.parquet", "--compression", "bzip2"),
                    "--compression bzip2");
        }
        assertUsageNaming(run("tokenize", bogus[0], bogus[1], "--tokenizer", "t.json", "-o", "out"), "missing --input");
        assertUsageNaming(run("score", bogus[0], bogus[1], "-m", "m.gguf", "-o", "out"), "missing --input");
        assertUsageNaming(run("pack", bogus[0], bogus[1], "--tokenizer", "t.json", "-o", "o.parquet", "--seq-len", "8"),
                "missing --input");
    }

    /** Given both, --text-column was read and --prompt-column dropped without a word. */
    @Test
    void promptColumnAndTextColumnTogetherAreRefused() {
        assertUsageNaming(run("generate", "-m", "M.gguf", "-i", "in.jsonl", "-o", "out", "--prompt-column", "q", "--text-column", "p"),
                "--prompt-column and --text-column name the same column");
        for (List<String> command : List.of(List.of("sft"), List.of("dpo", "--judge", "J.gguf"))) {
            List<String> args = new ArrayList<>(List.of("distill"));
            args.addAll(command);
            args.addAll(List.of("--teacher", "M.gguf", "--prompts", "in.jsonl", "-o", "out", "--prompt-column", "q", "--text-column", "p"));
            assertUsageNaming(run(args.toArray(new String[0])), "--prompt-column and --text-column name the same column");
        }
    }
}
