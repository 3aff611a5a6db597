package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes JSON Lines or Parquet through Spark's output committer (for {@code s3a://} the S3A
 * committer configured by {@code SparkSessions}), refusing to replace an existing output unless asked, and failing a
 * write whose output, once committed, does not hold exactly its part files ({@link #requireOwnWrite}: another run wrote
 * it at the same time), or whose commit failed with its part files in the output, which it then removes. The committer
 * writes no {@code _SUCCESS} marker: Kindling writes one once the output is found to hold exactly its write.
 */
public final class DatasetWriter {
    private DatasetWriter() {}

    /**
     * Fails with a usage error when {@code output} is one of {@code inputs}, lies inside one, or holds one: Spark reads
     * lazily, so {@code --overwrite} would delete the input before it is read (a review lost an input directory that
     * way), and an output inside an input directory is read back as input on the next run. For a glob input the
     * output overlaps when it or a folder above it matches the pattern (read recursively), or when it holds the
     * pattern's folder: {@code -i 'data/*.jsonl' -o data/clean} is fine.
     */
    public static void checkNotOverlapping(SparkSession spark, String output, java.util.List<String> inputs) {
        checkNotOverlapping(spark, output, inputs, "output");
    }

    /** {@link #checkNotOverlapping(SparkSession, String, java.util.List)} naming the path as {@code what} (e.g. "--stats"). */
    public static void checkNotOverlapping(SparkSession spark, String output, java.util.List<String> inputs, String what) {
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        String out = qualified(conf, output);
        String realOut = realLocal(out);
        for (String input : inputs) {
            String folder = beforeWildcards(input);
            String in = qualified(conf, folder);
            boolean overlaps;
            if (out == null || in == null) {
                overlaps = false;
            } else if (folder.equals(input)) {
                // and as the disk resolves them: -i link -o data, where link is a symlink to data, deleted the input
                String realIn = realLocal(in);
                overlaps = within(out, in) || within(in, out) || within(realOut, realIn) || within(realIn, realOut);
            } else {
                String pattern = qualified(conf, input);
                overlaps = within(in, out) || (pattern != null && matchesOrUnder(out, in, pattern));
                // what the glob matches now: -i 'g/*/x.jsonl' -o g/s1 --overwrite deleted g/s1/x.jsonl, a file it read.
                // Every match lies under the glob's fixed folder, so only an output there (or, on a local disk, one a
                // symbolic link may lead into) can hold one: an S3 glob is not listed again for every output
                boolean mayHoldAMatch = within(out, in) || out.startsWith("file:");
                for (String match : mayHoldAMatch ? globMatches(conf, input) : java.util.List.<String>of()) {
                    String realMatch = realLocal(match);
                    overlaps |= within(match, out) || within(out, match) || within(realMatch, realOut) || within(realOut, realMatch);
                }
            }
            if (overlaps) {
                throw KindlingException.usage(what + " " + output + " overlaps input " + input
                        + " (it would replace or be read as what is being read); write somewhere else");
            }
        }
    }

    /**
     * Whether two output paths are the same or one lies inside the other. Rejected rows written inside the kept
     * output are read back with it (folders are read recursively); the same path twice fails only after the first
     * write.
     */
    public static boolean overlap(SparkSession spark, String a, String b) {
        org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
        String qa = qualified(conf, a);
        String qb = qualified(conf, b);
        if (qa == null || qb == null) {
            return false;
        }
        String ra = realLocal(qa);
        String rb = realLocal(qb);
        return within(qa, qb) || within(qb, qa) || within(ra, rb) || within(rb, ra);
    }

    private static String qualified(org.apache.hadoop.conf.Configuration conf, String path) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).makeQualified(p).toString();
        } catch (IOException | IllegalArgumentException e) {
            return null; // a path that cannot be resolved fails where it is read or written, with its own message
        }
    }

    /** The qualified paths a glob matches now (none when it cannot be listed: the reader reports that). */
    private static java.util.List<String> globMatches(org.apache.hadoop.conf.Configuration conf, String glob) {
        java.util.List<String> out = new java.util.ArrayList<>();
        try {
            Path p = new Path(glob);
            org.apache.hadoop.fs.FileStatus[] found = p.getFileSystem(conf).globStatus(p);
            for (org.apache.hadoop.fs.FileStatus st : found == null ? new org.apache.hadoop.fs.FileStatus[0] : found) {
                out.add(st.getPath().toString());
            }
        } catch (IOException | IllegalArgumentException e) {
            // left to the reader
        }
        return out;
    }

    /**
     * A qualified local path ({@code file:}) with its symbolic links resolved, as far as it exists (the rest appended);
     * other paths as they are.
     */
    static String realLocal(String qualified) {
        if (qualified == null || !qualified.startsWith("file:")) {
            return qualified;
        }
        try {
            java.nio.file.Path p = java.nio.file.Path.of(new Path(qualified).toUri().getPath());
            java.util.Deque<String> rest = new java.util.ArrayDeque<>();
            java.nio.file.Path existing = p;
            while (existing != null && !java.nio.file.Files.exists(existing)) {
                if (existing.getFileName() != null) {
                    rest.push(existing.getFileName().toString());
                }
                existing = existing.getParent();
            }
            if (existing == null) {
                return qualified;
            }
            java.nio.file.Path real = existing.toRealPath();
            for (String name : rest) {
                real = real.resolve(name);
            }
            return "file:" + real;
        } catch (IOException | RuntimeException e) {
            return qualified;
        }
    }

    private static String beforeWildcards(String path) {
        int w = -1;
        for (char c : new char[] {'*', '?', '[', '{'}) {
            int i = path.indexOf(c);
            if (i >= 0 && (w < 0 || i < w)) {
                w = i;
            }
        }
        if (w < 0) {
            return path;
        }
        int slash = path.lastIndexOf('/', w);
        return slash < 0 ? "." : slash == 0 ? "/" : path.substring(0, slash);
    }

    /** Whether {@code out}, or a folder above it below {@code folder}, matches the glob {@code pattern}. */
    private static boolean matchesOrUnder(String out, String folder, String pattern) {
        org.apache.hadoop.fs.GlobPattern glob = new org.apache.hadoop.fs.GlobPattern(pattern);
        for (String p = out; p.length() > folder.length(); p = p.substring(0, Math.max(0, p.lastIndexOf('/')))) {
            if (glob.matches(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the local path {@code inner} is {@code outer} or lies inside it, as written (absolute, normalized) or as the
     * disk resolves them ({@link #realLocal}): the check {@link #overlap} makes, one way and without a session.
     */
    public static boolean localWithin(java.nio.file.Path inner, java.nio.file.Path outer) {
        String i = "file:" + inner.toAbsolutePath().normalize();
        String o = "file:" + outer.toAbsolutePath().normalize();
        return within(i, o) || within(realLocal(i), realLocal(o));
    }

    /** Whether the path {@code a} is {@code folder} or lies inside it, both qualified (or both real local paths). */
    public static boolean within(String a, String folder) {
        String f = folder.endsWith("/") ? folder : folder + "/";
        return a.equals(folder) || a.startsWith(f);
    }

    /**
     * Fails with a usage error when the output exists and overwrite was not asked for, or when overwrite was asked for but
     * what exists is not an output a run writes ({@link #checkReplaceable}).
     */
    public static void checkWritable(SparkSession spark, WriteOptions o) {
        if (o.format() != DataFormat.JSONL && o.format() != DataFormat.PARQUET) {
            throw KindlingException.usage("cannot write " + o.format() + "; --format must be jsonl or parquet");
        }
        Path p = new Path(o.path());
        // a relative local path as the disk resolves it: Hadoop's Path(".") (and "./", "sub/..") has no parent and was
        // refused as the root of the file system, where the working folder was meant
        boolean relativeLocal = p.toUri().getScheme() == null && !p.isAbsolute();
        Path asResolved = relativeLocal ? new Path(java.nio.file.Path.of(o.path()).toAbsolutePath().normalize().toUri()) : p;
        if (asResolved.isRoot() || (p.toUri().getScheme() != null && !"file".equals(p.toUri().getScheme())
                && (p.toUri().getPath() == null || p.toUri().getPath().isEmpty() || p.toUri().getPath().equals("/")))) {
            // Spark failed inside its committer ("Can not create a Path from an empty string"), exit 1
            throw KindlingException.usage("output " + o.path() + " is the root of " + (p.toUri().getHost() != null
                    ? "bucket " + p.toUri().getHost() : "the file system") + ": an output is a folder of its own; give one in it ("
                    + new Path(p, "out") + ")");
        }
        try {
            checkOutputPlace(p.getFileSystem(spark.sparkContext().hadoopConfiguration()), p, o.path(), o.overwrite(), name -> false);
        } catch (IOException e) {
            throw DataFormat.storeError(e, "output " + o.path() + " cannot be written: ", "cannot check output " + o.path() + ": ",
                    o.path(), spark.sparkContext().hadoopConfiguration());
        }
    }

    /**
     * What may stand where output {@code p} (named {@code output}) goes: with {@code overwrite}, an output a run wrote
     * ({@link #checkReplaceable}, {@code ownFile} naming the files of the command's own format); without, nothing, or an
     * empty folder ({@link #removedIfEmpty}). Anything else is a usage error.
     */
    public static void checkOutputPlace(FileSystem fs, Path p, String output, boolean overwrite,
            java.util.function.Predicate<String> ownFile) throws IOException {
        if (overwrite) {
            checkReplaceable(fs, p, output, ownFile);
        } else if (fs.exists(p) && !removedIfEmpty(fs, p)) {
            if (fs.getFileStatus(p).isFile()) {
                // "pass --overwrite", which then refused the file as no output folder
                throw aFileInTheOutputsPlace("output " + output);
            }
            throw KindlingException.usage("output " + output + " already exists; pass --overwrite to replace it");
        }
    }

    /**
     * The refusal of a file where the output folder {@code named} ("output out", "--rejected rej") goes, with or without
     * {@code --overwrite}, which replaces an output folder only.
     */
    public static KindlingException aFileInTheOutputsPlace(String named) {
        return KindlingException.usage(named + " is a file, not an output folder of an earlier run; --overwrite replaces such a "
                + "folder only (remove the file, or write elsewhere)");
    }

    /**
     * Removes {@code p} when it is an empty folder, which holds nothing to lose: a folder made for the output ({@code mkdir
     * out}), or the marker S3A leaves for a folder (an interrupted run's output, emptied, came back as one when the
     * committer's abort deleted its last entry after the run had removed it, and blocked the rerun as existing). True
     * when removed.
     */
    private static boolean removedIfEmpty(FileSystem fs, Path p) throws IOException {
        FileStatus st = fs.getFileStatus(p);
        if (!st.isDirectory() || fs.listStatus(p).length > 0) {
            return false;
        }
        fs.delete(p, true);
        return true;
    }

    /**
     * Fails with a usage error when {@code --overwrite} would delete more than an output written before: Spark's overwrite
     * (and pack's) deletes the whole folder, and {@code -o . --overwrite} or {@code -o ~/notes --overwrite} deleted every
     * file in it, exit 0. What an output holds: Spark's part files ({@code part-*}), its markers and hidden files
     * ({@code _SUCCESS}, {@code .crc}, a failed run's {@code _temporary} folder, S3A's {@code __magic}), and names
     * {@code ownFile} accepts (pack's Megatron shards). Anything else, or a file where the folder would be, is named in the
     * refusal. Nothing when {@code p} does not exist or is an empty folder.
     */
    public static void checkReplaceable(FileSystem fs, Path p, String output, java.util.function.Predicate<String> ownFile)
            throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(p);
        } catch (java.io.FileNotFoundException e) {
            return;
        }
        if (!status.isDirectory()) {
            throw aFileInTheOutputsPlace("output " + output);
        }
        List<String> foreign = new ArrayList<>();
        for (FileStatus s : fs.listStatus(p)) {
            String name = s.getPath().getName();
            boolean marker = name.startsWith("_") || name.startsWith(".");
            boolean ours = marker || (!s.isDirectory() && (name.startsWith("part-") || ownFile.test(name)));
            if (!ours) {
                foreign.add(name + (s.isDirectory() ? "/" : ""));
            }
        }
        if (!foreign.isEmpty()) {
            java.util.Collections.sort(foreign);
            throw KindlingException.usage("output " + output + " holds " + String.join(", ", foreign.subList(0, Math.min(3, foreign.size())))
                    + (foreign.size() > 3 ? " and " + (foreign.size() - 3) + " more" : "") + ", which no run writes: --overwrite "
                    + "would delete the whole folder with them. Give a folder of its own (a new one, or one a run wrote)");
        }
    }

    /**
     * Fails with a usage error naming {@code option} when the output cannot be made where it is asked for: a file
     * stands where one of its folders would be ({@code -o notes.txt/out}), or, on a local disk, the nearest folder that
     * exists does not take a new one (read-only, {@code /proc}). Spark found both only when its tasks wrote, and its
     * error named its own attempt folder ({@code out/_temporary/0/_temporary/attempt_...}). Object stores have no
     * folders to check and their permissions come with the first write; there the write's own error stands.
     */
    public static void checkParentWritable(SparkSession spark, String output, String option) {
        checkParentWritable(spark, output, option, output);
    }

    /** As {@link #checkParentWritable(SparkSession, String, String)} for {@code path}, named {@code output} as typed. */
    public static void checkParentWritable(SparkSession spark, String path, String option, String output) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            Path existing = p.getParent();
            while (existing != null && !fs.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return;
            }
            if (!fs.getFileStatus(existing).isDirectory()) {
                throw KindlingException.usage(option + " " + output + " cannot be written: " + existing + " is a file, not a folder");
            }
            if ("file".equals(fs.getUri().getScheme())) {
                java.nio.file.Path folder = LocalPaths.ofFileUri(fs.makeQualified(existing).toUri());
                java.nio.file.Path probe;
                try {
                    probe = java.nio.file.Files.createTempDirectory(folder, ".kindling-write-check");
                } catch (IOException | SecurityException e) {
                    String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                            : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                            : "refused: " + e.getClass().getSimpleName(); // /proc: NoSuchFileException for the new folder
                    throw KindlingException.usage(option + " " + output + " cannot be written: no folder can be made in " + folder
                            + " (" + why + ")");
                }
                try {
                    java.nio.file.Files.delete(probe);
                } catch (IOException | SecurityException e) {
                    // a folder that takes new folders but lets none go (append-only, some FUSE mounts): the output can still
                    // be written; the probe is named so that it can be removed by hand
                    org.slf4j.LoggerFactory.getLogger(DatasetWriter.class).warn("could not remove the write check {}: {}", probe, e.toString());
                }
            }
        } catch (IOException e) {
            // what the checks could not find out, the write will say
        }
    }

    /**
     * Hadoop's setting for the {@code _SUCCESS} marker a job's commit writes (FileOutputCommitter's empty file, the S3A
     * committers' JSON summary): off for Kindling's writes, which mark an output themselves once it is checked.
     */
    private static final String MARK_SUCCESSFUL_JOBS = "mapreduce.fileoutputcommitter.marksuccessfuljobs";

    public static void write(Dataset<Row> df, WriteOptions o) {
        CommittedWrite.take(); // what an earlier write on this thread committed is not this one's
        RunWrites run = RunWrites.current();
        if (run != null) { // for the run's failure to remove from the output what this write put there, and no more
            run.writing(df.sparkSession(), o.path(), kindlingProtocol(df.sparkSession()));
        }
        // the committer marks no output: the marker is written below once the output is found to hold exactly this
        // write, where the commit wrote it first and a run whose check then failed had to take down a marker that might
        // be another run's. A user who set the setting false gets none, as before
        boolean mark = marksSuccessfulJobs(df.sparkSession());
        DataFrameWriter<Row> w = df.write().mode(o.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                .option(MARK_SUCCESSFUL_JOBS, "false");
        if (o.compression() != null) {
            w = w.option("compression", o.compression());
        }
        try {
            writeAs(w, o);
        } catch (Exception e) { // Spark's AnalysisException, thrown undeclared from Scala; rethrown as it is
            if (e instanceof org.apache.spark.SparkThrowable t && "PATH_ALREADY_EXISTS".equals(t.getCondition())) {
                if (run != null) {
                    run.refused(); // Spark made the protocol, noting a UUID, before it found the output there
                }
                throw new OutputTaken(o.path(), e);
            }
            CommittedWrite failed = CommittedWrite.take(); // set as the job's commit began
            if (failed != null) {
                removeFailedCommit(df.sparkSession(), o.path(), failed, e);
            }
            throw e;
        } finally {
            if (run != null) {
                run.written(); // a later job of this thread (one not made through here) is not this write's
            }
        }
        requireOwnWrite(df.sparkSession(), o.path(), CommittedWrite.take());
        if (mark && run != null) {
            run.mark(df.sparkSession(), o.path(), () -> markChecked(df.sparkSession(), o.path()));
        } else if (mark) {
            markChecked(df.sparkSession(), o.path()); // an API caller's write, which no run records
        }
    }

    /** Kindling's commit protocols, which note each write's UUID ({@link RunWrites}), by class name (or a superclass's). */
    private static final java.util.Set<String> KINDLING_PROTOCOLS = java.util.Set.of(CountingCommitProtocol.class.getName(),
            "dev.kindling.spark.io.CountingPathOutputCommitProtocol");

    /**
     * Whether the session writes through one of Kindling's commit protocols (or a subclass), by its {@code
     * spark.sql.sources.commitProtocolClass}: any other notes no write's UUID, so a failed run cannot tell its files there.
     */
    private static boolean kindlingProtocol(SparkSession spark) {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> c = Class.forName(spark.conf().get("spark.sql.sources.commitProtocolClass"), false,
                    loader != null ? loader : DatasetWriter.class.getClassLoader());
            for (; c != null; c = c.getSuperclass()) {
                if (KINDLING_PROTOCOLS.contains(c.getName())) {
                    return true;
                }
            }
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            // the write fails on it
        }
        return false;
    }

    /** Writes through {@code w} in {@code o}'s format to its path. */
    private static void writeAs(DataFrameWriter<Row> w, WriteOptions o) {
        switch (o.format()) {
            // timestamps to the microsecond Spark holds them in: its JSON default (.SSS) cut a Parquet input's
            // 03:04:05.123456 to 03:04:05.123 in silence
            case JSONL -> w.option("ignoreNullFields", "false").option("timestampFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX")
                    .option("timestampNTZFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS").json(o.path());
            case PARQUET -> w.parquet(o.path());
            default -> throw KindlingException.usage("cannot write " + o.format() + "; --format must be jsonl or parquet");
        }
    }

    /** Whether the session's Hadoop settings ask for a {@code _SUCCESS} marker (Hadoop's default: yes). */
    private static boolean marksSuccessfulJobs(SparkSession spark) {
        org.apache.hadoop.conf.Configuration conf = spark instanceof org.apache.spark.sql.classic.SparkSession classic
                ? classic.sessionState().newHadoopConf() : spark.sparkContext().hadoopConfiguration();
        return conf.getBoolean(MARK_SUCCESSFUL_JOBS, true);
    }

    /**
     * Writes the empty {@code _SUCCESS} marker (what FileOutputCommitter writes) in {@code output}, which {@link
     * #requireOwnWrite} found to hold exactly this write's part files: the marker says that a run's check passed, and no
     * other run removes it. Not where the output has gone since (another run's removal): no folder of a lone marker,
     * where the store has folders to tell (a local disk, HDFS; S3 has none). A store that cannot create a file only in an
     * existing folder gets a plain create once the output is found to be a folder still.
     */
    private static void markChecked(SparkSession spark, String output) {
        Path marker = new Path(output, "_SUCCESS");
        try {
            FileSystem fs = marker.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try {
                fs.createNonRecursive(marker, true, 4096, fs.getDefaultReplication(marker), fs.getDefaultBlockSize(marker), null)
                        .close();
            } catch (java.io.FileNotFoundException | org.apache.hadoop.fs.ParentNotDirectoryException gone) {
                throw gone;
            } catch (IOException | UnsupportedOperationException notHere) {
                // a store without it: Hadoop's FileSystem refuses with a plain IOException ("createNonRecursive unsupported
                // for this filesystem", FTP, SFTP, a store of one's own), where every checked write failed and its output
                // was removed. A plain create, where the output is still a folder; any other failure (access denied, a
                // quota) is the marker's own, said as it is, not retried
                if (notHere instanceof IOException io && io.getClass() != IOException.class) {
                    throw io;
                }
                if (!fs.getFileStatus(new Path(output)).isDirectory()) {
                    throw new java.io.FileNotFoundException(output + " is no folder");
                }
                fs.create(marker, true).close();
            }
        } catch (java.io.FileNotFoundException | org.apache.hadoop.fs.ParentNotDirectoryException gone) {
            throw new KindlingException(KindlingException.FAILURE, "output " + output + " was removed by another run after this "
                    + "write's check found it whole: run one writer per output at a time (Airflow: max_active_tis_per_dag=1), "
                    + "then run again", gone);
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "output " + output + " was written and checked, but its "
                    + "_SUCCESS marker could not be written (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /**
     * Fails the write whose job commit failed ({@code e}) with its output holding part files of this write ({@code
     * failed}) and of no other, removing the output: it is this run's unfinished write (another run writing the output at
     * the same time can move the tasks' files this write had committed into it, and delete the {@code _temporary} folder
     * this write's commit then does not find). An output holding other writes' part files alone under a {@code _SUCCESS}
     * marker is theirs, a run's whose check found exactly its own files there: handed over ({@link OutputTaken}, which
     * the run's failure does not remove). Returns when the output holds anything else (the earlier output, this and
     * another write's part files) or cannot be listed.
     */
    private static void removeFailedCommit(SparkSession spark, String output, CommittedWrite failed, Exception e) {
        Path p = new Path(output);
        FileSystem fs;
        java.util.Map<String, Integer> filesOf;
        boolean marked;
        try {
            fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            filesOf = partFiles(fs, p);
            marked = fs.exists(new Path(p, "_SUCCESS"));
        } catch (IOException gone) {
            return;
        }
        Throwable root = KindlingException.rootCause(e);
        String why = root.getClass().getSimpleName() + (root.getMessage() == null || root.getMessage().isBlank() ? ""
                : ": " + root.getMessage().lines().findFirst().orElse(""));
        if (marked && !filesOf.isEmpty() && !filesOf.containsKey(failed.jobId())) {
            // another run's write, which that run's check found whole (the marker is written after it): handed over as
            // requireOwnWrite does. Unmarked (a run killed in its commit, one whose check has yet to end, or no markers at
            // all: marksuccessfuljobs=false), it is left to the run's failure, which removes this run's own files alone
            // (RunWrites.removeOwn) and leaves the other write's for its run's check
            throw new OutputTaken(output, "output " + output + " could not be committed (" + why + "): it holds none of the "
                    + failed.files() + " part files this write committed but " + others(filesOf) + ": run one writer per "
                    + "output at a time (Airflow: max_active_tis_per_dag=1)", e);
        }
        if (filesOf.containsKey(failed.jobId()) && filesOf.size() > 1) {
            // this write's files beside another's, whose run may have exited 0 on its own: handed over as requireOwnWrite
            // does, where the run's failure removed the whole output as its own unfinished one
            throw new OutputTaken(output, "output " + output + " could not be committed (" + why + "): it held the part files of "
                    + filesOf.size() + " writes (" + String.join(", ", filesOf.keySet()) + "), their rows mixed, "
                    + handOver(fs, p, failed.jobId()) + ": run one writer per output at a time (Airflow: "
                    + "max_active_tis_per_dag=1), then run again", e);
        }
        if (!filesOf.keySet().equals(java.util.Set.of(failed.jobId()))) {
            return;
        }
        throw new KindlingException(KindlingException.FAILURE, "output " + output + " could not be committed (" + why + "): it "
                + "held " + filesOf.get(failed.jobId()) + " of the " + failed.files() + " part files this write committed, "
                + removal(fs, p) + "; run one writer per output at a "
                + "time (Airflow: max_active_tis_per_dag=1), then run again", e);
    }

    /**
     * An output that was new when the run checked it and that another run made before this one wrote it (two runs writing
     * one output at once): not this run's, so its failure leaves it as it is, where it removed it as its own unfinished
     * output, under the other run's commit (which then exited 0 with 54,933 of its 200,000 rows).
     */
    public static final class OutputTaken extends KindlingException {
        private final String path;

        OutputTaken(String path, Throwable cause) {
            this(path, "output " + path + " was made by another run after this one checked that it was new (two runs writing one "
                    + "output at once?); it is left as it is: run one writer per output at a time", cause);
        }

        OutputTaken(String path, String message, Throwable cause) {
            super(KindlingException.FAILURE, message, cause);
            this.path = path;
        }

        /** The output as given to the write. */
        public String path() {
            return path;
        }
    }

    /** A part file's name as Spark's writers make it: its number, then the write job's UUID. */
    private static final java.util.regex.Pattern PART = java.util.regex.Pattern.compile(
            "part-\\d+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}).*");

    /**
     * Fails unless the output just written holds exactly this write's part files ({@code write}: its job UUID and the files
     * its committed tasks wrote, as its commit protocol counted them), as another run writing the same output at the same
     * time (two scheduler workers on one task, a retry started while the first attempt ran on) leaves it otherwise:
     * <ul>
     * <li>the part files of two writes, their rows mixed (both runs exited 0, 255k rows for 200k input rows): this
     * write's removed, the other's left for its run to check ({@link OutputTaken}; the whole output where no count was
     * made);
     * <li>some of this write's part files and no other's: each run's {@code --overwrite} deletes the folder as its write
     * starts, and a commit deletes the committer's {@code _temporary}, where both writes' tasks put what they committed (both
     * runs exited 0, the output 100,000 of 200,000 rows, the part file of one of two tasks): removed, as it lacks rows;
     * <li>none of this write's part files but another write's: left as it is, that run's own check says whether it is
     * its whole write ({@link OutputTaken}).
     * </ul>
     * Where no count was made ({@code write} null: a commit protocol of the session's own) only the first is found.
     */
    static void requireOwnWrite(SparkSession spark, String output, CommittedWrite write) {
        Path p = new Path(output);
        java.util.Map<String, Integer> filesOf = new java.util.TreeMap<>();
        FileSystem fs;
        boolean exists = true;
        try {
            fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            filesOf = partFiles(fs, p);
        } catch (java.io.FileNotFoundException e) {
            exists = false;
            fs = null;
        } catch (IOException e) {
            return; // the write itself succeeded; what cannot be listed now, a reader will say
        }
        int own = write == null ? 0 : filesOf.getOrDefault(write.jobId(), 0);
        boolean othersOnly = write != null && own == 0 && !filesOf.isEmpty();
        if (filesOf.size() > 1 || othersOnly) {
            if (othersOnly) {
                throw new OutputTaken(output, "output " + output + " was written by another run at the same time: it holds none of "
                        + "the " + write.files() + " part files this write committed but " + others(filesOf) + ": run one writer "
                        + "per output at a time (Airflow: max_active_tis_per_dag=1)", null);
            }
            String mixed = "output " + output + " was written by another run at the same time: it held the part files of "
                    + filesOf.size() + " writes (" + String.join(", ", filesOf.keySet()) + "), their rows mixed, ";
            if (write != null) {
                // this write's files out, the other's left: that run may have exited 0 on it (its check found its files
                // alone, and marked it), and its check, where it has yet to run, still decides; the whole folder went, that
                // run's rows too
                throw new OutputTaken(output, mixed + handOver(fs, p, write.jobId()) + ": run one writer per output at a time (Airflow: "
                        + "max_active_tis_per_dag=1), then run again", null);
            }
            throw new KindlingException(KindlingException.FAILURE, mixed + removal(fs, p) + "; run one writer per output at a "
                    + "time (Airflow: max_active_tis_per_dag=1), then run again");
        }
        if (write != null && own != write.files()) {
            throw new KindlingException(KindlingException.FAILURE, "output " + output + " was written by another run at the same "
                    + "time: " + (exists ? "it held " + own + " of the " + write.files() + " part files this write committed, "
                    + "the others' rows lost, " + removal(fs, p) : "it is gone, with the " + write.files() + " part files this "
                    + "write committed") + " (a run's --overwrite deletes the output as its write starts, with what the other write's "
                    + "tasks had committed under it, _temporary or on S3 __magic_job-*; a rename-based commit deletes the "
                    + "_temporary folder both writes commit their tasks' files into); run one writer per output at a time "
                    + "(Airflow: max_active_tis_per_dag=1), then run again");
        }
    }

    /**
     * The other writes whose part files ({@code filesOf}, none of this write's) an output holds, each named with its part
     * files: there may be two or more (three runs at once), and the output is theirs to check.
     */
    private static String others(java.util.Map<String, Integer> filesOf) {
        if (filesOf.size() == 1) {
            return filesOf.values().iterator().next() + " of another write's (" + filesOf.keySet().iterator().next()
                    + "); it is left as it is, for that run to check as its own";
        }
        String[] theirs = filesOf.entrySet().stream().map(f -> f.getValue() + " of " + f.getKey()).toArray(String[]::new);
        return "those of " + filesOf.size() + " other writes (" + String.join(", ", theirs) + "); it is left as it is, for "
                + "those runs to check as their own";
    }

    /** The part files in the folder {@code p}, counted by the UUID of the write that made them, in its order. */
    static java.util.Map<String, Integer> partFiles(FileSystem fs, Path p) throws IOException {
        java.util.Map<String, Integer> filesOf = new java.util.TreeMap<>();
        for (FileStatus st : fs.listStatus(p)) {
            java.util.regex.Matcher m = PART.matcher(st.getPath().getName());
            if (m.matches()) {
                filesOf.merge(m.group(1), 1, Integer::sum);
            }
        }
        return filesOf;
    }

    /**
     * Hands over an output that holds this write's part files ({@code jobId}) and another write's: removes this write's,
     * leaving the other's for that run to check as its own, and a {@code _SUCCESS} marker there, which that run's check
     * wrote on finding its own files alone before this write's came; where no part file is left (that run removed its own
     * too), the folder goes. Says how that went.
     */
    private static String handOver(FileSystem fs, Path p, String jobId) {
        int removed;
        boolean all;
        try {
            RemovedParts of = removePartFiles(fs, p, java.util.Set.of(jobId));
            removed = of.removed();
            all = of.all();
        } catch (java.io.FileNotFoundException gone) {
            return "and it is gone";
        } catch (IOException e) {
            removed = 0;
            all = false;
        }
        String files = all ? "and this write's " + (removed == 1 ? "part file was" : removed + " part files were") + " removed"
                : "and this write's part files (part-*-" + jobId + "*) could not all be removed (" + removed + " were): remove them";
        try {
            if (all && partFiles(fs, p).isEmpty()) {
                return files + ", and the output, no other write's part file left in it, " + (fs.delete(p, true) ? "was removed"
                        : "could not be removed: remove it");
            }
        } catch (IOException e) {
            // listed again to find none left; the other run's own check decides
        }
        return files + ", the rest left as it is, for the other writes' runs to check as their own";
    }

    /**
     * Deletes the part files in the folder {@code p} of the writes {@code jobIds} (a checksummed file system takes each
     * one's {@code .crc} with it); returns how many there were and how many went.
     */
    static RemovedParts removePartFiles(FileSystem fs, Path p, java.util.Set<String> jobIds) throws IOException {
        int of = 0;
        int removed = 0;
        for (FileStatus st : fs.listStatus(p)) {
            java.util.regex.Matcher m = PART.matcher(st.getPath().getName());
            if (m.matches() && jobIds.contains(m.group(1))) {
                of++;
                removed += fs.delete(st.getPath(), false) ? 1 : 0;
            }
        }
        return new RemovedParts(of, removed);
    }

    /** How many part files of the writes asked for a folder held ({@code of}), and how many of them went. */
    record RemovedParts(int of, int removed) {
        boolean all() {
            return of == removed;
        }
    }

    /** Removes the output {@code p}, saying how that went. */
    private static String removal(FileSystem fs, Path p) {
        boolean removed;
        try {
            removed = fs.delete(p, true);
        } catch (IOException e) {
            removed = false;
        }
        return removed ? "and was removed" : "and could not be removed: remove it";
    }
}
