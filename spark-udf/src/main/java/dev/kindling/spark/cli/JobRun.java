package dev.kindling.spark.cli;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.io.DatasetWriter;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.progress.ProgressBar;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.RunReport;
import dev.kindling.spark.stage.StageContext;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One run of a Spark subcommand: the session, the shared options, the progress display, and the
 * common read → stages → write-and-account sequence.
 */
public final class JobRun {
    private final SparkSession spark;
    private final SparkJobOptions options;
    private final ProgressBar progress;
    private final long startNanos;
    private final PrintStream out;
    /**
     * Outputs new when the run checked them, each with whether it is wholly this run's to remove on failure (a folder the
     * run fills itself, {@link #claimReplaced}) or only what its writes put there ({@link #removePartialOutputs}).
     */
    private final java.util.Map<org.apache.hadoop.fs.Path, Boolean> claimed = new java.util.LinkedHashMap<>();
    /** Outputs that existed and {@code --overwrite} replaces: Spark deletes them when it starts writing them. */
    private final List<org.apache.hadoop.fs.Path> replaced = new ArrayList<>();
    /** The writes this run makes, whose part files its failure removes from an output it claimed ({@link #removePartialOutputs}). */
    private final dev.kindling.spark.io.RunWrites writes;
    /** Whether the inputs were checked for reaching one file twice (checkOutput and readInput each need it first). */
    private boolean inputsDisjoint;

    JobRun(SparkSession spark, SparkJobOptions options, ProgressBar progress, long startNanos, PrintStream out) {
        this.spark = spark;
        this.options = options;
        this.progress = progress;
        this.startNanos = startNanos;
        this.out = out;
        this.writes = new dev.kindling.spark.io.RunWrites();
    }

    /** Whether the run's thread is in its command ({@link #recordingWrites}): the shutdown hook removes nothing until it has left. */
    private volatile boolean inCommand;

    /**
     * Runs {@code body} (the command) with the writes this thread makes through DatasetWriter recorded as this run's; an
     * output another run has ({@link DatasetWriter.OutputTaken}) is released as the command fails on it, before an
     * interrupt's removal, which waits for that, where the stopping run never released it.
     */
    <T> T recordingWrites(java.util.concurrent.Callable<T> body) throws Exception {
        inCommand = true;
        try {
            return writes.recording(body);
        } catch (DatasetWriter.OutputTaken taken) {
            release(taken.path()); // another run's, complete or on its way
            throw taken;
        } finally {
            inCommand = false;
        }
    }

    public SparkSession spark() {
        return spark;
    }

    public SparkJobOptions options() {
        return options;
    }

    /** The progress display, or null with {@code --no-progress}. */
    public ProgressBar progress() {
        return progress;
    }

    /** Ends the progress display (its last line) before a result or an error is printed; nothing with {@code --no-progress}. */
    public void closeProgress() {
        if (progress != null) {
            progress.close();
        }
    }

    public long startNanos() {
        return startNanos;
    }

    /** Where the run's summary goes (stdout). */
    public PrintStream out() {
        return out;
    }

    /** Inputs that reach the same file are refused ({@link DataFormat#requireDisjoint}), listed once per run. */
    private void requireDisjointInputs() {
        if (!inputsDisjoint) {
            DataFormat.requireDisjoint(options.input, spark.sparkContext().hadoopConfiguration());
            inputsDisjoint = true;
        }
    }

    /** Reads {@code --input}; an empty input is an error (never a silently empty output). */
    public Dataset<Row> readInput() {
        requireDisjointInputs();
        // schema inference and the emptiness check read rows the progress line would count on top of the job's
        DatasetReader.Input in = ProgressBar.uncounted(spark.sparkContext(), () -> DatasetReader.readInput(spark, options.readOptions()));
        Dataset<Row> docs = in.rows();
        // before the first stage, which would replace and drop such a column; the stages themselves refuse it only as
        // Transformers, as a pipeline carries their own metric columns from stage to stage
        dev.kindling.spark.io.Columns.refuseReserved(docs.schema(), "input " + String.join(",", options.input));
        // the check is a Spark job of its own (planning the whole reader, a pass until the first row): needed only when
        // reading did not already see a row (JSON Lines' schema inference reads every line)
        if (!in.seenRows() && ProgressBar.uncounted(spark.sparkContext(), docs::isEmpty)) {
            throw new KindlingException(KindlingException.FAILURE,
                    "input " + String.join(",", options.input) + " holds no documents");
        }
        return docs;
    }

    /** Checks {@code --output} (and the other targets) can be written before any work starts. */
    public WriteOptions checkOutput(PipelineOptions p) {
        // the inputs first: one refused after --overwrite had removed the earlier --stats (below) cost it for nothing
        requireDisjointInputs();
        WriteOptions w = options.writeOptions();
        List<String> targets = new ArrayList<>(List.of(w.path()));
        List<String> names = new ArrayList<>(List.of("--output"));
        if (p != null && p.rejected != null) {
            targets.add(p.rejected);
            names.add("--rejected");
        }
        String q = options.quarantinePath(w.path());
        if (q != null) {
            targets.add(q);
            names.add(options.quarantine != null ? "--quarantine" : "the quarantine (--output + .quarantine)");
        }
        for (int i = 0; i < targets.size(); i++) {
            for (int j = i + 1; j < targets.size(); j++) {
                if (DatasetWriter.overlap(spark, targets.get(i), targets.get(j))) {
                    throw KindlingException.usage(names.get(j) + " " + targets.get(j) + " overlaps " + names.get(i) + " "
                            + targets.get(i) + " (one would be written into, or read back with, the other); write them apart");
                }
            }
        }
        if (p != null && p.stats != null) {
            checkStats(p.stats, targets, names, w.overwrite());
        }
        for (int i = 0; i < targets.size(); i++) {
            String t = targets.get(i);
            DatasetWriter.checkNotOverlapping(spark, t, options.input);
            DatasetWriter.checkWritable(spark, w.withPath(t));
            DatasetWriter.checkParentWritable(spark, t, names.get(i));
        }
        targets.forEach(this::claimOutput);
        if (p != null && p.stats != null) {
            replaceStats(p.stats, w.overwrite());
        }
        return w;
    }

    /**
     * Checks {@code --stats} can be written beside the run's {@code targets} (named {@code names}), before any work:
     * not a folder, apart from the outputs and the input, in a folder that takes it, and new unless {@code overwrite}.
     */
    public void checkStats(String stats, List<String> targets, List<String> names, boolean overwrite) {
        if (statsIsDirectory(stats)) {
            // an existing directory was reported as overlapping --output, or (without --overwrite) as existing
            throw KindlingException.usage("--stats " + stats + " is a directory; --stats names the JSON file to write");
        }
        // a stats file inside the output (or the input) is read back with it next time, as a row of another format
        for (int i = 0; i < targets.size(); i++) {
            if (DatasetWriter.overlap(spark, stats, targets.get(i))) {
                throw KindlingException.usage("--stats " + stats + " overlaps " + names.get(i) + " " + targets.get(i)
                        + " (it would be read back with it); write it apart");
            }
        }
        DatasetWriter.checkNotOverlapping(spark, stats, options.input, "--stats");
        // a folder that cannot take the file was found only after the job had written its output: exit 1, and the
        // scheduler's retry refused as the output existed
        DatasetWriter.checkParentWritable(spark, statsPath(stats).toString(), "--stats", stats);
        if (!overwrite && statsExist(stats)) {
            // as an existing output is: replaced silently, the stats of the run before were lost, while its output
            // was kept
            throw KindlingException.usage("--stats " + stats + " already exists; pass --overwrite to replace it");
        }
    }

    /** With {@code overwrite}, removes the earlier {@code --stats}; called once every output is checked ({@link #checkStats}). */
    public void replaceStats(String stats, boolean overwrite) {
        if (overwrite) {
            // --overwrite replaces the outputs from the start (Spark deletes them before writing), and the stats are written
            // only when the run succeeds: a rerun that failed left the earlier run's stats, counting documents of an output
            // that no longer exists, for a scheduler to take as this run's
            removeStats(stats);
        }
    }

    /**
     * Removes {@code --stats} where {@link #writeStatsFile} writes it: a path without a scheme is a local file, not one on
     * Hadoop's default file system (HDFS on a cluster, where another file of that name went and the stale local one stayed).
     */
    private void removeStats(String stats) {
        org.apache.hadoop.fs.Path p = statsPath(stats);
        try {
            org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p)) {
                fs.delete(p, false);
            }
        } catch (IOException e) {
            throw statsFailure("cannot remove the earlier --stats ", stats, e);
        }
    }

    private boolean statsIsDirectory(String stats) {
        org.apache.hadoop.fs.Path p = statsPath(stats);
        try {
            org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return fs.exists(p) && fs.getFileStatus(p).isDirectory();
        } catch (IOException e) {
            throw statsFailure("cannot check --stats ", stats, e);
        }
    }

    private boolean statsExist(String stats) {
        org.apache.hadoop.fs.Path p = statsPath(stats);
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw statsFailure("cannot check --stats ", stats, e);
        }
    }

    /** {@code --stats} where {@link #writeStatsFile} writes it: a path without a scheme is the driver's, whatever fs.defaultFS says. */
    /**
     * {@code doing} {@code --stats} failed on its store, worded as an output's failure is: a bucket that does not exist is
     * a usage error naming it (it was exit 1 with the SDK's NoSuchBucket message twice over, where an output in that bucket
     * said "there is no bucket"), a store that does not answer names the endpoint setting, and a refused access says which
     * credentials to check ({@link DataFormat#storeFailure}).
     */
    private KindlingException statsFailure(String doing, String stats, IOException e) {
        return DataFormat.storeError(e, "--stats " + stats + " cannot be written: ", doing + stats + ": ", stats,
                spark.sparkContext().hadoopConfiguration());
    }

    private static org.apache.hadoop.fs.Path statsPath(String stats) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(stats);
        return p.toUri().getScheme() == null ? new org.apache.hadoop.fs.Path(Path.of(stats).toAbsolutePath().toUri()) : p;
    }

    /**
     * Marks {@code path}, when it does not exist yet, as this run's to remove if the run fails before
     * {@link #outputsWritten}: an empty folder or the part files of a failed write would make the corrected command
     * fail with "already exists". Call after the output checks passed (a run refused for an existing output claims
     * nothing, so it cannot delete another run's).
     */
    public void claimOutput(String path) {
        claimOutput(path, false);
    }

    /**
     * As {@link #claimOutput(String)}, for a folder the run fills itself, not through DatasetWriter alone (the demo's folder
     * of outputs): if new, a failed run removes it whole.
     */
    public void claimFolder(String path) {
        claimOutput(path, true);
    }

    private synchronized void claimOutput(String path, boolean whole) {
        refuseClaimWhenClosed(path);
        claimedEver = true;
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                claimed.merge(p, whole, Boolean::logicalOr); // a folder claimed whole stays so
            } else if (options.overwrite) {
                replaced.add(p);
            }
        } catch (IOException | IllegalArgumentException e) {
            // unreachable: the write reports it
        }
    }

    /**
     * An output {@code --overwrite} replaces that now holds this run's work alone (its earlier content deleted): removed,
     * as a claimed one is, if the run fails or is interrupted before {@link #outputsWritten}. For what Spark's marker
     * cannot tell apart from the earlier output: Megatron shards written in place, or an output written and then found
     * wrong (pack's empty output, with the _SUCCESS of its write).
     */
    public synchronized void claimReplaced(String path) {
        refuseClaimWhenClosed(path);
        claimedEver = true;
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        org.apache.hadoop.fs.Path qualified = dev.kindling.spark.io.RunWrites.qualified(spark.sparkContext().hadoopConfiguration(), p);
        replaced.remove(p);
        replaced.remove(qualified);
        claimed.put(p, true);
    }

    /**
     * Empties the local folder {@code dir} for this run's own files, as Spark's overwrite empties an output (pack's
     * Megatron shards: an earlier run's left beside this run's would be read as one training set), claimed first as
     * {@link #claimReplaced}: a run that is ending (its claim refused) deletes nothing. Emptied after the claim, it
     * deleted the earlier output and then found its claim refused, where an interrupt is to leave an output the run had
     * not reached yet. Under the claims' lock, so the removal comes before the claim (nothing deleted) or after the
     * folder is emptied (this run's to remove).
     */
    public synchronized void replaceFolder(Path dir) throws IOException {
        claimReplaced(dir.toString());
        dev.kindling.spark.executor.LocalFiles.deleteRecursively(dir);
        java.nio.file.Files.createDirectories(dir);
    }

    /**
     * Once the run's outputs are being removed, or the shutdown hook has found it never claimed one and so does not wait for
     * its thread ({@link #closeClaimsIfNoneEver}), the run claims nothing more: a folder claimed after would be left
     * unfinished. A claim while the hook still waits for the thread is taken: the removal after the wait removes it.
     */
    private void refuseClaimWhenClosed(String path) {
        if (claimsClosed) {
            throw new KindlingException(KindlingException.FAILURE, "output " + path + " is not written: the run is ending "
                    + "(interrupted, or failed)");
        }
    }

    /**
     * Whether the run never claimed an output (the demo without {@code --output}): then the hook has nothing to protect and
     * need not wait for the run's thread, and no claim is taken after (decided and closed under the claims' lock, so a
     * claim lands either before, and the hook waits, or after, and is refused). A run whose claims were released as written
     * ({@link #outputsWritten}) still gets the wait: its thread may be writing {@code --stats}.
     */
    private synchronized boolean closeClaimsIfNoneEver() {
        if (!claimedEver) {
            claimsClosed = true;
        }
        return !claimedEver;
    }

    /** Set once the run has claimed an output, claimed or replaced: the hook then waits for the run's thread. */
    private boolean claimedEver;

    /** Set once no claim is taken any more: the removal has begun, or the hook found nothing ever claimed. */
    private volatile boolean claimsClosed;

    /** Set when the JVM stops mid-run (a signal, a task's fatal error): the shutdown hook reports it. */
    private volatile boolean stopping;

    /** Whether the run is being stopped by the shutdown hook ({@link #interrupted}), which says so itself. */
    boolean stopping() {
        return stopping;
    }

    /** Set when nobody reads the run's stdout any more ({@link ClosedStdout}): the run stops, quietly. */
    private volatile boolean stdoutClosed;

    /** Whether the run is stopping because nobody reads its stdout ({@link #stopForClosedStdout}). */
    boolean stdoutClosed() {
        return stdoutClosed;
    }

    /**
     * Stops the run whose stdout, its only product, nobody reads any more: cancels its Spark jobs (the run's thread gets
     * the cancelled job's error, which {@link SparkCommand} turns into a quiet {@link ClosedStdout#EXIT_CODE}). Called
     * again while the run goes on, it cancels the jobs started since.
     */
    void stopForClosedStdout() {
        stdoutClosed = true;
        try {
            spark.sparkContext().cancelAllJobs();
        } catch (RuntimeException e) {
            // the context is stopped: no job runs
        }
    }

    /**
     * {@code path}, claimed or replaced, is not this run's to remove ({@link DatasetWriter.OutputTaken}); nor whole is a
     * folder claimed whole that holds it ({@link #claimFolder}, the demo's), where the other run's output went with it.
     */
    synchronized void release(String path) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        claimed.remove(p);
        replaced.remove(p);
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        org.apache.hadoop.fs.Path released = dev.kindling.spark.io.RunWrites.qualified(conf, p);
        claimed.entrySet().removeIf(c -> c.getValue() && holds(dev.kindling.spark.io.RunWrites.qualified(conf, c.getKey()), released));
    }

    /** Whether the folder {@code folder} holds {@code p} (not {@code p} itself), both qualified. */
    private static boolean holds(org.apache.hadoop.fs.Path folder, org.apache.hadoop.fs.Path p) {
        return !p.equals(folder) && DatasetWriter.within(p.toString(), folder.toString());
    }

    /** The claimed outputs are complete: a later failure (e.g. writing --stats) leaves them. */
    public synchronized void outputsWritten() {
        claimed.clear();
        replaced.clear();
    }

    /**
     * Deletes what the run wrote in its claimed outputs, as it failed before writing them all: of an output that was new,
     * what its own writes put there ({@link dev.kindling.spark.io.RunWrites#removeOwn}); a folder it fills itself ({@link
     * #claimFolder}, {@link #claimReplaced}) whole; and each output {@code --overwrite} replaces that Spark has emptied: no
     * {@code _SUCCESS} marker, and nothing in it or its committer's {@code _temporary} folder (Spark deleted the earlier
     * output before writing, and what is there is this run's unfinished write). One with other files and no marker (a
     * Megatron output, a folder not written by Spark) is kept: it may be the earlier output, not reached yet. Returns the
     * paths deleted.
     */
    synchronized List<String> removePartialOutputs() {
        writes.end(); // before anything is removed: from now on the run's thread neither writes nor marks
        claimsClosed = true; // nor claims: an output claimed after the removal would be left unfinished
        List<String> removed = new ArrayList<>();
        for (java.util.Map.Entry<org.apache.hadoop.fs.Path, Boolean> c : claimed.entrySet()) {
            org.apache.hadoop.fs.Path p = c.getKey();
            try {
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
                String gone = c.getValue() ? (fs.delete(p, true) ? p.toString() : null) : writes.removeOwn(fs, p);
                if (gone != null) {
                    removed.add(gone);
                }
            } catch (IOException | RuntimeException e) {
                // the run's own error is the one to report
            }
        }
        for (org.apache.hadoop.fs.Path p : replaced) {
            removeUnfinished(p, removed);
        }
        claimed.clear();
        replaced.clear();
        return removed;
    }

    private void removeUnfinished(org.apache.hadoop.fs.Path p, List<String> removed) {
        try {
            org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p) && !fs.exists(new org.apache.hadoop.fs.Path(p, "_SUCCESS")) && onlyUnfinishedWork(fs, p)) {
                fs.delete(p, true);
                removed.add(p.toString());
            }
        } catch (IOException | RuntimeException e) {
            // the run's own error is the one to report
        }
    }

    /**
     * Whether a replaced output holds nothing or a committer's unfinished work: the file committer's {@code _temporary},
     * or the S3A magic committer's {@code __magic_job-*} (an interrupted run on S3 left the emptied output, which blocked
     * the rerun as existing and read as holding no files).
     */
    private static boolean onlyUnfinishedWork(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path p) throws IOException {
        org.apache.hadoop.fs.FileStatus[] in = fs.listStatus(p);
        for (org.apache.hadoop.fs.FileStatus st : in) {
            String name = st.getPath().getName();
            if (name.equals("_temporary") || name.startsWith(dev.kindling.spark.io.RunWrites.MAGIC_JOB)) {
                return true;
            }
        }
        return in.length == 0;
    }

    /**
     * What the shutdown hook does when the run is interrupted (SIGINT, SIGTERM: Ctrl-C, a scheduler's timeout): cancels
     * the Spark jobs, and those the run's thread starts after, until that thread has left its command and the jobs have
     * stopped (up to 10 s; not at all when the run claimed no output, as the demo without {@code --output} whose stdout
     * nobody reads any more: there is nothing to remove, and it claims nothing after), deletes this run's unfinished
     * outputs (as a failed run does; an interrupted one ran nothing, and left part files, or a {@code _temporary} folder,
     * that looked like an output) and says on {@code err}, in one line, what it removed. {@code --stats} is written only after the outputs,
     * so an interrupted run never has one.
     */
    void interrupted(PrintWriter err) {
        stopping = true;
        // first: from here the run's thread starts no write through DatasetWriter and marks no output (its other jobs are
        // cancelled below as they come)
        writes.end();
        try {
            // the jobs cancelled again until the run's thread has left its command, and nothing removed before: a job it
            // starts that is not made through DatasetWriter (dedup's --save-index, pack's shards, a count) ran on, and a
            // file it writes on the driver (the index's manifest) went in, after the removal, and the folder came back
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            do {
                spark.sparkContext().cancelAllJobs();
                if (closeClaimsIfNoneEver() || !inCommand && spark.sparkContext().statusTracker().getActiveJobIds().length == 0) {
                    break;
                }
                Thread.sleep(100);
            } while (System.nanoTime() < deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the context is already stopped: no job writes any more
        }
        List<String> removed = removePartialOutputs();
        if (stdoutClosed && removed.isEmpty()) {
            return; // stopped as nobody reads stdout: quietly, as `yes | head -1`
        }
        err.println("kindling: " + stopReason(Logs.fatalTaskError()) + "; " + (removed.isEmpty() ? "no unfinished output to remove"
                : "removed the unfinished output " + String.join(", ", removed)));
        err.flush();
    }

    /**
     * Why the JVM is stopping mid-run: a signal, or a task's fatal error after which Spark exits the JVM (exit 52 is
     * out of memory: that used to read "interrupted" too).
     */
    static String stopReason(Throwable fatal) {
        if (fatal == null) {
            return "interrupted";
        }
        if (!(fatal instanceof OutOfMemoryError) && fatal.getCause() instanceof OutOfMemoryError oom) {
            fatal = oom; // SparkFatalException wraps what it carries across threads, and Spark exits 52 for it too
        }
        String what = fatal.getClass().getName() + (fatal.getMessage() == null ? "" : ": " + fatal.getMessage());
        return "a Spark task died of " + what + ", and Spark stopped the JVM" + (fatal instanceof OutOfMemoryError
                ? " (exit 52) " + memoryAdvice() : "");
    }

    /** This JVM's heap and how to raise it, for an out-of-memory error's line. */
    static String memoryAdvice() {
        return "with a heap of " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; give it more memory: a larger -Xmx"
                + " in KINDLING_JAVA_OPTS with the kindling launcher, spark.driver.memory or spark.executor.memory under spark-submit";
    }

    /**
     * Writes {@code --stats} to a local path or, with a scheme ({@code s3a://}, {@code hdfs://}), through Hadoop:
     * java.nio took {@code s3a://bucket/stats.json} for the relative local path {@code s3a:/bucket/stats.json} and
     * wrote it in the driver's working directory.
     */
    private void writeStatsFile(String json, String stats) throws IOException {
        java.net.URI uri = new org.apache.hadoop.fs.Path(stats).toUri();
        if (uri.getScheme() == null) {
            RunReport.writeJson(json, Path.of(stats));
        } else if (uri.getScheme().equals("file")) {
            RunReport.writeJson(json, dev.kindling.spark.io.LocalPaths.ofFileUri(uri));
        } else {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
            org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (java.io.OutputStream os = fs.create(path, true)) {
                os.write((json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                try {
                    fs.delete(path, false); // no part of a file a rerun would refuse as an existing --stats
                } catch (IOException gone) {
                    e.addSuppressed(gone);
                }
                throw e;
            }
        }
    }

    /**
     * Writes {@code json} (a {@link RunReport}'s, as a command extends it) to {@code --stats} once the run has succeeded;
     * a failure to is the run's (exit 1).
     */
    public void writeStats(String stats, String json) {
        try {
            writeStatsFile(json, stats);
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot write --stats " + stats + ": "
                    + DataFormat.storeFailure(e, stats, spark.sparkContext().hadoopConfiguration()), e);
        }
    }

    /**
     * Runs {@code stages} over the input, writes the results and prints the accounting table.
     *
     * @param output where kept documents go, or null to only count
     */
    public RunReport runPipeline(Dataset<Row> docs, List<PipelineStage> stages, WriteOptions output, PipelineOptions p) {
        return runPipeline(docs, stages, output, p, java.util.Set.of());
    }

    /**
     * As {@link #runPipeline(Dataset, List, WriteOptions, PipelineOptions)}, with columns the stages add for
     * {@code --rejected} alone, kept out of the kept output.
     */
    public RunReport runPipeline(Dataset<Row> docs, List<PipelineStage> stages, WriteOptions output, PipelineOptions p,
            java.util.Set<String> rejectedOnly) {
        return runPipeline(docs, stages, output, p, rejectedOnly, java.util.Set.of());
    }

    /**
     * As {@link #runPipeline(Dataset, List, WriteOptions, PipelineOptions, java.util.Set)}, with {@code keptOnly}: the
     * command's results, which its stages compute for the rows the reader kept and reject none by, left out of {@code
     * --rejected} (null in every row there), so that its rejected rows hold what filter's do.
     */
    public RunReport runPipeline(Dataset<Row> docs, List<PipelineStage> stages, WriteOptions output, PipelineOptions p,
            java.util.Set<String> rejectedOnly, java.util.Set<String> keptOnly) {
        StageContext ctx = new StageContext(spark, options.idColumn, options.textColumn);
        List<String> names = new ArrayList<>();
        names.add("read");
        for (PipelineStage s : stages) {
            docs = s.apply(docs, ctx);
            if (s.accounted()) {
                names.add(s.name());
            }
        }
        String quarantine = options.quarantinePath(output == null ? null : output.path());
        PipelineOutput.Targets targets = new PipelineOutput.Targets(output, p != null && p.keepRejected,
                p == null ? null : p.rejected, quarantine);
        RunReport report = PipelineOutput.write(docs, ctx, targets, names, rejectedOnly, keptOnly, startNanos);
        outputsWritten();
        if (progress != null) {
            progress.close();
        }
        out.print(report.toTable());
        if (output != null) {
            // the table's 'kept' is the documents that passed: with --keep-rejected (curate's and dedup's --keep-duplicates)
            // the output holds the rejected ones too, which a user counting its rows against 'kept' was not told
            boolean withRejected = p != null && p.keepRejected && report.documentsDropped() > 0;
            out.println("output: " + output.path() + (withRejected ? " (also the " + String.format(java.util.Locale.ROOT, "%,d", report.documentsDropped())
                    + " rejected documents, each with its reason)" : "") + (quarantine != null ? " (bad rows: " + quarantine + ")" : "")
                    + (p != null && p.rejected != null ? " (rejected: " + p.rejected + ")" : ""));
        }
        if (p != null && p.stats != null) {
            writeStats(p.stats, report.toJson());
        }
        return report;
    }
}
