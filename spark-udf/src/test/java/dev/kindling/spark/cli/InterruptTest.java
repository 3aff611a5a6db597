package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run interrupted by SIGINT or SIGTERM (Ctrl-C, a scheduler's timeout) leaves behind. */
class InterruptTest {
    @TempDir
    Path tmp;

    @Test
    void theHookRemovesTheUnfinishedOutputsAndSaysSo() throws Exception {
        SparkJobOptions options = new SparkJobOptions();
        options.overwrite = true;
        // --overwrite: Spark deleted the earlier output and began writing this run's (no _SUCCESS yet)
        Path replacedUnfinished = Files.createDirectories(tmp.resolve("rejected").resolve("_temporary").resolve("0")).getParent().getParent();
        // --overwrite over an output Spark had not reached yet: the earlier run's, complete, stays
        Path replacedIntact = Files.createDirectories(tmp.resolve("quarantine"));
        Files.writeString(replacedIntact.resolve("_SUCCESS"), "");
        // --overwrite over an output no Spark committer wrote (Megatron shards): not known to be unfinished, kept
        Path replacedOther = Files.createDirectories(tmp.resolve("megatron"));
        Files.writeString(replacedOther.resolve("shard-00000.bin"), "");
        // --overwrite on S3 with the magic committer: its work folder, not _temporary (the emptied output stayed, and
        // blocked the rerun as existing)
        Path replacedMagic = Files.createDirectories(tmp.resolve("s3out").resolve("__magic_job-1234")).getParent();
        // Megatron shards this run began writing after deleting the earlier ones (pack claims them as its own)
        Path replacedByShards = Files.createDirectories(tmp.resolve("shards"));
        Files.writeString(replacedByShards.resolve("shard-00000.bin"), "x");
        Path fresh = tmp.resolve("out");
        JobRun run = new JobRun(TestSpark.session(), options, null, System.nanoTime(), new PrintStream(OutputStream.nullOutputStream()));
        run.claimOutput(fresh.toString());
        run.claimOutput(replacedUnfinished.toString());
        run.claimOutput(replacedIntact.toString());
        run.claimOutput(replacedOther.toString());
        run.claimOutput(replacedMagic.toString());
        run.claimOutput(replacedByShards.toString());
        run.claimReplaced(replacedByShards.toString());
        // this run's write there, and its committer's work folder (a later write's, cut short)
        write(run, fresh.toString(), dev.kindling.spark.io.CountingCommitProtocol.class);
        Files.createDirectories(fresh.resolve("_temporary").resolve("0"));

        StringWriter err = new StringWriter();
        run.interrupted(new PrintWriter(err));

        assertFalse(Files.exists(fresh), "this run's partial output is removed");
        assertFalse(Files.exists(replacedUnfinished), "the unfinished replacement is removed");
        assertTrue(Files.exists(replacedIntact.resolve("_SUCCESS")), "an output not yet replaced is kept");
        assertTrue(Files.exists(replacedOther.resolve("shard-00000.bin")), "an output Spark did not write is kept");
        assertFalse(Files.exists(replacedMagic), "the magic committer's unfinished replacement is removed");
        assertFalse(Files.exists(replacedByShards), "shards this run claimed are removed");
        String line = err.toString();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("kindling: interrupted; removed the unfinished output ") && line.contains(fresh.toString())
                && line.contains(replacedUnfinished.toString()) && !line.contains(replacedIntact.toString()) && !line.contains(replacedOther.toString()), line);

        StringWriter again = new StringWriter();
        run.interrupted(new PrintWriter(again));
        assertEquals("kindling: interrupted; no unfinished output to remove", again.toString().trim());
    }

    /**
     * A failed run removes from the outputs it claimed as new what its writes put there, and nothing else: another run's
     * output, marked or not, is left as it is (that run's check decides); where another write's part file lies beside this
     * run's write, this run's marker goes first, then its part file, and the other's stays, unmarked (it stayed under this
     * run's marker, which vouched for a write its check never saw); an output this run wrote through a commit protocol not
     * Kindling's, which notes no write's UUID, goes whole.
     */
    @Test
    void aFailedRunRemovesItsOwnPartFilesAndLeavesAnotherRunsCheckedOutput() throws Exception {
        String theirs = "part-00000-00000000-1111-2222-3333-444444444444-c000.json";
        Path checked = tmp.resolve("checked");
        Path unmarked = tmp.resolve("unmarked");
        Path mixed = tmp.resolve("mixed");
        Path users = tmp.resolve("users");
        Path replaced = tmp.resolve("replaced");
        Path taken = tmp.resolve("taken");
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        for (Path p : List.of(checked, unmarked, mixed, users, replaced, taken)) {
            run.claimOutput(p.toString());
        }
        // made by another run after this one claimed them as new
        Files.writeString(Files.createDirectories(checked).resolve(theirs), "{}\n");
        Files.writeString(checked.resolve("_SUCCESS"), "");
        Files.writeString(Files.createDirectories(unmarked).resolve(theirs), "{}\n");
        // this run's write, checked and marked, through the CLI's counting protocol (which notes its job UUID); then
        // another's part file beside it (that run's commit, after this run's check)
        write(run, mixed.toString(), dev.kindling.spark.io.CountingCommitProtocol.class);
        Files.writeString(mixed.resolve(theirs), "{}\n");
        write(run, users.toString(), org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol.class);
        Files.writeString(users.resolve(theirs), "{}\n");
        // this run's write, checked and marked; then another run replaced it (--overwrite, a retry) and marked its own
        write(run, replaced.toString(), dev.kindling.spark.io.CountingCommitProtocol.class);
        for (java.io.File f : replaced.toFile().listFiles()) {
            Files.delete(f.toPath());
        }
        Files.writeString(replaced.resolve(theirs), "{}\n");
        Files.writeString(replaced.resolve("_SUCCESS"), "");
        // another run's write under way there (no part file yet): this run's write is refused, though Spark made its
        // protocol (a UUID noted) before it looked
        Files.writeString(Files.createDirectories(taken.resolve("_temporary").resolve("0")).resolve("task"), "");
        org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.io.DatasetWriter.OutputTaken.class,
                () -> write(run, taken.toString(), dev.kindling.spark.io.CountingCommitProtocol.class));

        List<String> removed = run.removePartialOutputs(); // as an interrupt's, which comes before the run's release
        assertEquals(java.util.Set.of(theirs, "_SUCCESS"), java.util.Set.of(checked.toFile().list()), "left as it is");
        assertEquals(List.of(theirs), List.of(unmarked.toFile().list()), "left as it is");
        assertEquals(List.of(theirs), List.of(mixed.toFile().list((d, n) -> !n.startsWith("."))), "this run's marker and part file go");
        assertFalse(Files.exists(users));
        assertEquals(java.util.Set.of(theirs, "_SUCCESS"), java.util.Set.of(replaced.toFile().list()), "the marker of the run that "
                + "replaced it stays");
        assertTrue(Files.exists(taken.resolve("_temporary").resolve("0").resolve("task")), "the other run's write left to it");
        assertEquals(java.util.Set.of(users.toString(), mixed + " (this run's part file and _SUCCESS marker; another write's part "
                + "files are left as they are, unmarked, for its run's check)"), java.util.Set.copyOf(removed));
    }

    /**
     * The shutdown hook removes a run's output while the run's thread is in its write's check: the thread then marks
     * nothing, where on a store without folders (S3) its marker went in alone after the removal, and starts no other write.
     */
    @Test
    void aRunBeingRemovedMarksNothingAndStartsNoWrite() throws Exception {
        TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + NoFoldersFileSystem.SCHEME + ".impl",
                NoFoldersFileSystem.class.getName());
        Path out = tmp.resolve("removed-in-check");
        String uri = NoFoldersFileSystem.SCHEME + "://" + out;
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        run.claimOutput(uri);
        NoFoldersFileSystem.onListing = p -> {
            if (p.equals(out.toString()) && List.of(out.toFile().list()).stream().anyMatch(n -> n.startsWith("part-"))) {
                NoFoldersFileSystem.onListing = null;
                run.removePartialOutputs(); // the hook, as the check has listed the output
            }
        };
        try {
            RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> write(run, uri, dev.kindling.spark.io.CountingCommitProtocol.class));
            assertEquals("output " + uri + " is not marked: the run is ending (interrupted, or failed), and removes what it wrote",
                    e.getMessage());
            assertFalse(Files.exists(out), "no marker left alone");
            Path next = tmp.resolve("after-removal");
            RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> write(run, next.toString(), dev.kindling.spark.io.CountingCommitProtocol.class));
            assertTrue(refused.getMessage().endsWith("is not written: the run is ending (interrupted, or failed), and removes what it "
                    + "wrote"), refused.getMessage());
            assertFalse(Files.exists(next));
        } finally {
            NoFoldersFileSystem.onListing = null;
        }
    }

    /**
     * A folder a run fills itself and claimed whole (the demo's {@code --output}) that holds an output another run made
     * after this one claimed the folder as new (its documents, another demo run's at the same time, exited 0 on): this
     * run's write there is refused and the output released, and the folder, that output in it, is left, where it went
     * whole.
     */
    @Test
    void aFolderClaimedWholeIsLeftWhenAnOutputInItIsReleased() throws Exception {
        String theirs = "part-00000-00000000-1111-2222-3333-444444444444-c000.json";
        Path work = tmp.resolve("demo");
        Path documents = work.resolve("documents");
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        run.claimFolder(work.toString()); // as DemoCommand claims its folder and the outputs in it
        run.claimOutput(documents.toString());
        run.claimOutput(work.resolve("rejected").toString());
        Files.writeString(Files.createDirectories(documents).resolve(theirs), "{}\n");
        Files.writeString(documents.resolve("_SUCCESS"), "");
        // refused: JobRun.recordingWrites, which write goes through as the command does, releases the output
        org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.io.DatasetWriter.OutputTaken.class,
                () -> write(run, documents.toString(), dev.kindling.spark.io.CountingCommitProtocol.class));

        assertEquals(List.of(), run.removePartialOutputs());
        assertEquals(java.util.Set.of(theirs, "_SUCCESS"), java.util.Set.of(documents.toFile().list((d, n) -> !n.startsWith("."))),
                "the other run's output is left");
    }

    /**
     * An interrupt that comes as Spark refuses the run's write, the output there already (another demo run's documents, in
     * the folder this run claimed whole as new): the output is released before the hook removes anything, and the folder
     * is left, where the run's thread, stopping, never released it and the hook removed the folder with the other run's
     * output.
     */
    @Test
    void anOutputRefusedAsTheHookBeginsIsReleasedBeforeItRemoves() throws Exception {
        TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + NoFoldersFileSystem.SCHEME + ".impl",
                NoFoldersFileSystem.class.getName());
        String theirs = "part-00000-00000000-1111-2222-3333-444444444444-c000.json";
        Path work = tmp.resolve("demo-interrupted");
        Path documents = work.resolve("documents");
        String workUri = NoFoldersFileSystem.SCHEME + "://" + work;
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        run.claimFolder(workUri);
        run.claimOutput(workUri + "/documents");
        Files.writeString(Files.createDirectories(documents).resolve(theirs), "{}\n");
        StringWriter err = new StringWriter();
        Thread hook = new Thread(() -> run.interrupted(new PrintWriter(err)), "hook");
        NoFoldersFileSystem.onExists = p -> {
            if (p.equals(documents.toString())) { // Spark looks whether the output is there: the interrupt comes
                NoFoldersFileSystem.onExists = null;
                hook.start();
                while (!run.stopping()) {
                    Thread.onSpinWait();
                }
            }
        };
        try {
            org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.io.DatasetWriter.OutputTaken.class,
                    () -> write(run, workUri + "/documents", dev.kindling.spark.io.CountingCommitProtocol.class));
        } finally {
            NoFoldersFileSystem.onExists = null;
        }
        hook.join(60_000);

        assertTrue(Files.exists(documents.resolve(theirs)), "the other run's output is left: " + err);
        assertEquals("kindling: interrupted; no unfinished output to remove", err.toString().trim());
    }

    /**
     * The shutdown hook removes nothing until the run's thread has left its command, cancelling the Spark jobs it starts
     * meanwhile: a job not made through DatasetWriter (dedup's {@code --save-index} writes its index's parts so) and a file
     * written on the driver (the index's manifest) went into the folder after its removal, which came back. The command
     * writes the manifest and leaves only after the hook has begun, so the folder is gone only if the hook waited for it;
     * and the hook must have waited for the command, not for its own time limit, which removes the folder under a command
     * still in it (as a cold JVM's first parquet write, ~10 s to plan on a loaded host, once did here: the test passed only
     * because the manifest could not be written in the removed local folder, where on S3 it goes in).
     */
    @Test
    void theHookRemovesAFolderOnlyOnceTheRunsThreadHasLeftItsCommand() throws Exception {
        // Spark's first write in a JVM plans for seconds: warmed here, the command's write below is cancelled at once
        TestSpark.session().range(0, 10, 1, 1).write().parquet(tmp.resolve("warm-up").toString());
        Path index = tmp.resolve("index");
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        run.claimReplaced(index.toString()); // a folder the command fills itself, as dedup's --save-index
        java.util.concurrent.atomic.AtomicReference<Exception> jobFailure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean manifestWritten = new java.util.concurrent.atomic.AtomicBoolean();
        Command command = startCommand(run, () -> {
            while (!run.stopping()) {
                Thread.sleep(10);
            }
            Thread.sleep(300); // the hook has ended the run's writing and cancelled the jobs there were
            try {
                TestSpark.session().range(0, 100_000, 1, 2).write().parquet(index.resolve("part").toString());
            } catch (Exception cancelled) {
                jobFailure.set(cancelled);
            }
            Files.writeString(index.resolve("manifest.json"), "{}"); // as the index's manifest, whatever the job did
            // still there as the command leaves: the hook has removed nothing yet
            manifestWritten.set(Files.exists(index.resolve("manifest.json")));
            return null;
        });

        StringWriter err = new StringWriter();
        long hookStart = System.nanoTime();
        run.interrupted(new PrintWriter(err));
        long hookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hookStart);

        assertEquals(null, command.end(), "the command ran to its end, the folder there until it left");
        assertTrue(manifestWritten.get(), "manifest.json was written before the removal");
        // the hook's limit is 10 s: one that ended near it removed the folder while the command was still in it
        assertTrue(hookMillis < 5_000, "the hook waited for the command, not for its time limit: " + hookMillis + " ms");
        assertFalse(Files.exists(index), "the folder stays removed: " + (Files.exists(index)
                ? List.of(index.toFile().list()) + ", the job's failure: " + jobFailure.get() : ""));
        assertEquals("kindling: interrupted; removed the unfinished output " + index, err.toString().trim());
    }

    /**
     * A run that claimed no output (the demo without {@code --output}, whose stdout nobody reads any more) has nothing to
     * remove: the hook does not wait for the run's thread to leave its command (it waited its 10 s limit, where
     * {@code kindling demo | head -1} had stopped within a second), and the thread claims nothing after.
     */
    @Test
    void theHookOfARunThatClaimedNothingDoesNotWaitForIt() throws Exception {
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        java.util.concurrent.CountDownLatch hookReturned = new java.util.concurrent.CountDownLatch(1);
        Path late = tmp.resolve("claimed-late");
        Command command = startCommand(run, () -> {
            hookReturned.await(); // the command is still in it all the while the hook runs
            run.claimReplaced(late.toString());
            return null;
        });

        StringWriter err = new StringWriter();
        long hookStart = System.nanoTime();
        run.interrupted(new PrintWriter(err));
        long hookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hookStart);
        hookReturned.countDown();
        Throwable lateClaim = command.end();

        assertTrue(hookMillis < 5_000, "the hook did not wait for its 10 s limit: " + hookMillis + " ms");
        assertEquals("kindling: interrupted; no unfinished output to remove", err.toString().trim());
        assertTrue(lateClaim instanceof dev.kindling.spark.KindlingException, String.valueOf(lateClaim));
        assertEquals("output " + late + " is not written: the run is ending (interrupted, or failed)", lateClaim.getMessage());
    }

    /**
     * A run that has claimed an output gets the hook's wait, and a claim its thread makes while the hook waits (pack's rows
     * output that fills no sequence, claimed once its count job has ended) is taken and removed with the others: refusing
     * it left, under --overwrite, that empty output marked complete where the earlier one had been.
     */
    @Test
    void aClaimWhileTheHookWaitsIsTakenAndRemoved() throws Exception {
        JobRun run = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        Path first = tmp.resolve("claimed-first");
        Path late = Files.createDirectories(tmp.resolve("claimed-while-waiting"));
        Files.writeString(late.resolve("_SUCCESS"), ""); // as the empty output its write marked
        run.claimOutput(first.toString());
        Command command = startCommand(run, () -> {
            while (!run.stopping()) {
                Thread.sleep(10);
            }
            Thread.sleep(200); // the hook is waiting for this thread
            run.claimReplaced(late.toString());
            return null;
        });

        StringWriter err = new StringWriter();
        run.interrupted(new PrintWriter(err));

        assertEquals(null, command.end(), "the claim while the hook waited was taken");
        assertFalse(Files.exists(late), "the output claimed while the hook waited is removed");
        assertEquals("kindling: interrupted; removed the unfinished output " + late, err.toString().trim());
    }

    /**
     * A folder a run replaces itself under {@code --overwrite} (pack's Megatron shards) is claimed before it is emptied: a
     * run whose removal has begun (interrupted once the hook's wait ran out, or failed) claims nothing more, and its
     * refused claim came after it had deleted the earlier shards, an earlier output it had not reached yet. A run going on
     * empties the folder and has it as its own, removed whole when it fails. This drives JobRun's part, called as
     * PackCommand calls it for {@code pack --format megatron --overwrite}, not pack itself; and the removal here ends
     * before the claim on this one thread, so the lock that orders the two when they race is not exercised.
     */
    @Test
    void aFolderIsClaimedBeforeARunEmptiesIt() throws Exception {
        Path shards = Files.createDirectories(tmp.resolve("shards"));
        Files.writeString(shards.resolve("shard-00000.bin"), "earlier");
        Files.writeString(shards.resolve("shard-00000.idx"), "earlier");
        JobRun ending = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        ending.options().overwrite = true;
        ending.claimOutput(shards.toString()); // as pack claims its output before its work
        assertEquals(List.of(), ending.removePartialOutputs(), "the earlier shards are no unfinished output");
        dev.kindling.spark.KindlingException refused = org.junit.jupiter.api.Assertions.assertThrows(
                dev.kindling.spark.KindlingException.class, () -> ending.replaceFolder(shards));
        assertEquals("output " + shards + " is not written: the run is ending (interrupted, or failed)", refused.getMessage());
        assertEquals(List.of("shard-00000.bin", "shard-00000.idx"), Arrays.stream(shards.toFile().list()).sorted().toList(),
                "the earlier shards are left");

        JobRun next = new JobRun(TestSpark.session(), new SparkJobOptions(), null, System.nanoTime(),
                new PrintStream(OutputStream.nullOutputStream()));
        next.options().overwrite = true;
        next.claimOutput(shards.toString());
        next.replaceFolder(shards);
        assertEquals(List.of(), List.of(shards.toFile().list()), "emptied for this run's shards");
        Files.writeString(shards.resolve("shard-00000.bin"), "half");
        assertEquals(List.of(shards.toString()), next.removePartialOutputs(), "its failure removes them");
        assertFalse(Files.exists(shards));
    }

    /**
     * The local file system under the scheme {@value #SCHEME}, whose non-recursive create makes the folders as S3 (which has
     * none) does, and which runs {@link #onListing} once a folder is listed.
     */
    public static final class NoFoldersFileSystem extends dev.kindling.spark.io.SchemedLocalFileSystem {
        static final String SCHEME = "nofolders";
        static volatile java.util.function.Consumer<String> onListing;
        /** Run once a path's existence is asked for, after the answer is known. */
        static volatile java.util.function.Consumer<String> onExists;

        public NoFoldersFileSystem() {
            super(SCHEME);
        }

        @Override
        public org.apache.hadoop.fs.FileStatus[] listStatus(org.apache.hadoop.fs.Path f) throws java.io.IOException {
            org.apache.hadoop.fs.FileStatus[] listed = super.listStatus(f);
            java.util.function.Consumer<String> hook = onListing;
            if (hook != null) {
                hook.accept(f.toUri().getPath());
            }
            return listed;
        }

        @Override
        public boolean exists(org.apache.hadoop.fs.Path f) throws java.io.IOException {
            boolean there = super.exists(f);
            java.util.function.Consumer<String> hook = onExists;
            if (hook != null) {
                hook.accept(f.toUri().getPath());
            }
            return there;
        }

        @Override
        public org.apache.hadoop.fs.FSDataOutputStream createNonRecursive(org.apache.hadoop.fs.Path f,
                org.apache.hadoop.fs.permission.FsPermission permission, boolean overwrite, int bufferSize, short replication,
                long blockSize, org.apache.hadoop.util.Progressable progress) throws java.io.IOException {
            return create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        }
    }

    /** The run's command on a thread of its own ({@link #startCommand}), and what it threw. */
    private record Command(Thread thread, java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
        /** Waits for the command to end (a minute at most, or the test fails) and gives what it threw, or null. */
        Throwable end() throws InterruptedException {
            thread.join(60_000);
            assertFalse(thread.isAlive(), "the command ended");
            return failure.get();
        }
    }

    /**
     * Starts {@code body} on a thread of its own as {@code run}'s command, inside {@link JobRun#recordingWrites} as the CLI
     * runs one, and returns once the thread is in it: the shutdown hook, run after, finds the run's thread in its command.
     */
    private static Command startCommand(JobRun run, java.util.concurrent.Callable<?> body) throws InterruptedException {
        java.util.concurrent.CountDownLatch inCommand = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                run.recordingWrites(() -> {
                    inCommand.countDown();
                    return body.call();
                });
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "command");
        thread.start();
        assertTrue(inCommand.await(60, TimeUnit.SECONDS), "the command began");
        return new Command(thread, failure);
    }

    /** Writes one row into {@code out} through the commit protocol {@code protocol}, as {@code run}'s thread does. */
    private static void write(JobRun run, String out, Class<?> protocol) throws Exception {
        org.apache.spark.sql.RuntimeConfig conf = TestSpark.session().conf();
        String key = "spark.sql.sources.commitProtocolClass";
        scala.Option<String> before = conf.getOption(key);
        conf.set(key, protocol.getName());
        try {
            run.recordingWrites(() -> {
                dev.kindling.spark.io.DatasetWriter.write(TestSpark.session().range(0, 1, 1, 1).toDF("id"),
                        new dev.kindling.spark.io.WriteOptions(out, dev.kindling.spark.io.DataFormat.JSONL, false, null));
                return null;
            });
        } finally {
            if (before.isDefined()) {
                conf.set(key, before.get());
            } else {
                conf.unset(key);
            }
        }
    }

    /** {@code kindling convert -i in -o out} on local Spark in a child JVM with the build's flags and {@code jvmOptions}. */
    private static List<String> childConvert(List<String> jvmOptions, Path in, Path out) throws Exception {
        return childConvert(jvmOptions, "local[1]", in, out);
    }

    /** {@link #childConvert(List, Path, Path)} on {@code master}. */
    static List<String> childConvert(List<String> jvmOptions, String master, Path in, Path out) throws Exception {
        return childCommand(jvmOptions, "convert", "--master", master, "-i", in.toString(), "-o", out.toString());
    }

    /** {@code kindling COMMAND ARGS} in a child JVM with the build's flags and {@code jvmOptions}, its Spark UI off. */
    static List<String> childCommand(List<String> jvmOptions, String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (InputStream flags = InterruptTest.class.getResourceAsStream("/kindling-jvm-flags.txt")) {
            cmd.addAll(Arrays.asList(new String(flags.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")));
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.kindling.spark.cli.KindlingCli", command, "--no-progress",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1"));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    @Test
    void sigtermDuringTheWriteLeavesNoOutput() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(in)) {
            String text = "a document long enough that writing many of them takes the job a few seconds ".repeat(4);
            for (int i = 0; i < 80_000; i++) {
                w.write("{\"id\":\"d" + i + "\",\"text\":\"" + text + i + "\"}\n");
            }
        }
        Path out = tmp.resolve("out");
        // seconds of work until it is stopped: C2's compiles cost more than they save there (as in EngineCommandLogsTest)
        List<String> cmd = childConvert(List.of("-XX:TieredStopAtLevel=1"), in, out);
        // to a file: destroy() closes the pipes, and the hook's line came after
        Path errFile = tmp.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
        // the write has begun: Spark's committer made its _temporary folder, the part files are not committed yet
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.exists(out.resolve("_temporary")) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive() && Files.exists(out.resolve("_temporary")), "the write began before the run ended");
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the interrupted run ended");
        String stderr = Files.readString(errFile);
        assertFalse(Files.exists(out), "no partial output is left: " + stderr);
        assertTrue(stderr.contains("kindling: interrupted; removed the unfinished output " + out), stderr);
        // one line: the main thread's own error (its job cancelled, or the context stopped under it) came second
        assertFalse(stderr.contains("kindling: error:"), stderr);
    }

    /**
     * A task that runs the JVM out of memory: Spark logs the error and exits (52), and the hook said "interrupted",
     * as for Ctrl-C, with Spark's logs off. It names the error and what to change.
     */
    @Test
    void aTaskOutOfMemoryIsNamedNotCalledAnInterrupt() throws Exception {
        Path in = tmp.resolve("big.jsonl");
        try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(in), 1 << 20)) {
            o.write("{\"id\":\"a\",\"text\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 150; i++) { // a line under the 256 MiB limit, too large to parse in a 500 MiB heap
                o.write(chunk);
            }
            o.write("\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        List<String> cmd = childConvert(List.of("-Xmx500m", "-XX:TieredStopAtLevel=1"), in, tmp.resolve("out"));
        Path errFile = tmp.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the run ended");
        String stderr = Files.readString(errFile);
        assertEquals(52, p.exitValue(), stderr);
        // Spark's handler exits the JVM (52) and the shutdown hook names the error, or, when the job's failure reached the
        // driver first (seen on a loaded host), the run's error line does: either says what ran out and what to raise
        assertTrue(stderr.contains("kindling: a Spark task died of java.lang.OutOfMemoryError: Java heap space, and Spark stopped the JVM"
                + " (exit 52) with a heap of ") || stderr.contains("kindling: error: Java heap space (OutOfMemoryError in a Spark task);"
                + " with a heap of "), stderr);
        assertTrue(stderr.contains("give it more memory: a larger -Xmx in KINDLING_JAVA_OPTS"), stderr);
        assertFalse(stderr.contains("interrupted"), stderr);
    }

    @Test
    void theStopReasonIsTheFatalErrorLogged() {
        try {
            Logs.configure(false);
            assertEquals("interrupted", JobRun.stopReason(null));
            Error fatal = new StackOverflowError("deep");
            org.apache.logging.log4j.LogManager.getLogger(Logs.FATAL_HANDLER).error("Uncaught exception in thread x", fatal);
            org.apache.logging.log4j.LogManager.getLogger(Logs.FATAL_HANDLER).error("a second one", new OutOfMemoryError("later"));
            assertEquals(fatal, Logs.fatalTaskError(), "the first error logged is the one Spark exits for");
            assertEquals("a Spark task died of java.lang.StackOverflowError: deep, and Spark stopped the JVM",
                    JobRun.stopReason(Logs.fatalTaskError()));
        } finally {
            Logs.clearFatalTaskError();
        }
    }
}
