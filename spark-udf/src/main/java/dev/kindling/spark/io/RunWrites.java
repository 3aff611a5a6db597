package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The writes one run made through {@link DatasetWriter}, by output: each write's job UUID, which Spark puts in the names of
 * its part files, as Kindling's commit protocols note it for the thread that asked for the write (as Spark makes the
 * protocol, before any task runs); whether a write went through a commit protocol of the user's own, whose files cannot be
 * told; and whether this run wrote the output's {@code _SUCCESS} marker. A failed run removes from an output it claimed as
 * new what its writes put there, and nothing else ({@link #removeOwn}).
 */
public final class RunWrites {
    private static final ThreadLocal<RunWrites> RECORDING = new ThreadLocal<>();

    /** What this run's writes did in one output. */
    private static final class Output {
        /**
         * The UUIDs of the writes Spark began there: a write that failed before had no commit protocol and wrote nothing;
         * one Spark refused as the output was there already ({@link #refused}) wrote nothing either.
         */
        final Set<String> jobIds = new HashSet<>();
        /** Whether a write went through a commit protocol that is not Kindling's (no UUID noted: its files cannot be told). */
        boolean userProtocol;
        /** Whether this run wrote the {@code _SUCCESS} marker there, its check having passed. */
        boolean marked;
    }

    /** The S3A magic committer's work folder in an output, before the write's UUID. */
    public static final String MAGIC_JOB = "__magic_job-";

    /** By qualified output. */
    private final Map<Path, Output> outputs = new HashMap<>();

    /** The output this run's thread is writing now, whose write's UUID {@link #begun} notes. */
    private Path writing;

    /** The UUIDs {@link #begun} noted for the write of {@link #writing}. */
    private final Set<String> begunNow = new HashSet<>();

    /** Set as the run's removal starts ({@link #end}): from then on no write of the run starts and none marks its output. */
    private boolean ending;

    /** A record for one run, which keeps it ({@code JobRun}); it takes the writes of the thread running {@link #recording}. */
    public RunWrites() {}

    /**
     * Runs {@code body} (a run's command) with the writes this thread makes through {@link DatasetWriter} recorded here,
     * and no longer once it returns.
     */
    public <T> T recording(java.util.concurrent.Callable<T> body) throws Exception {
        RunWrites before = RECORDING.get();
        RECORDING.set(this);
        try {
            return body.call();
        } finally {
            if (before == null) {
                RECORDING.remove();
            } else {
                RECORDING.set(before);
            }
        }
    }

    /**
     * The run is ending (failed, or interrupted: the shutdown hook removes its outputs while its thread may still be in a
     * write's check): no write of it starts from now on, and none marks its output, where the run thread's marker went
     * into an output the removal had just taken (on S3, which has no folders to refuse it, a lone {@code _SUCCESS}).
     */
    public synchronized void end() {
        ending = true;
    }

    /** This thread's record, null where none is kept (an API caller's write). */
    static RunWrites current() {
        return RECORDING.get();
    }

    /**
     * Notes that this run's thread starts writing {@code output} through the session's commit protocol, Kindling's ({@code
     * kindlingProtocol}: it notes the write's UUID, {@link #begun}) or not.
     */
    synchronized void writing(SparkSession spark, String output, boolean kindlingProtocol) {
        if (ending) {
            throw new KindlingException(KindlingException.FAILURE, "output " + output + " is not written: the run is ending "
                    + "(interrupted, or failed), and removes what it wrote");
        }
        writing = qualified(spark, output);
        begunNow.clear();
        Output o = outputs.computeIfAbsent(writing, k -> new Output());
        o.userProtocol |= !kindlingProtocol;
    }

    /** This thread's write has ended: a job it starts later without {@link #writing} is no write of an output of the run's. */
    synchronized void written() {
        writing = null;
        begunNow.clear();
    }

    /**
     * This thread's write was refused, its output there already (Spark's PATH_ALREADY_EXISTS, another run's): the UUID
     * Spark noted as it made the protocol, before it looked, is no write of this run's there, where an interrupt's removal
     * (which comes before the run's release of the output) took the other run's folder for one this run had begun.
     */
    synchronized void refused() {
        if (writing != null) {
            outputs.get(writing).jobIds.removeAll(begunNow);
            begunNow.clear();
        }
    }

    /** Notes the UUID of the write Spark began on this thread, as it makes Kindling's commit protocol. */
    static void begun(String jobId) {
        RunWrites w = RECORDING.get();
        if (w != null) {
            synchronized (w) {
                if (w.writing != null) {
                    w.outputs.get(w.writing).jobIds.add(jobId);
                    w.begunNow.add(jobId);
                }
            }
        }
    }

    /**
     * Writes {@code output}'s {@code _SUCCESS} marker ({@code mark}) and notes it, unless the run is ending: its removal
     * then takes the output, or has taken it, and a marker would be left there alone. Serialised against the removal.
     */
    synchronized void mark(SparkSession spark, String output, Runnable mark) {
        if (ending) {
            throw new KindlingException(KindlingException.FAILURE, "output " + output + " is not marked: the run is ending "
                    + "(interrupted, or failed), and removes what it wrote");
        }
        mark.run();
        outputs.computeIfAbsent(qualified(spark, output), k -> new Output()).marked = true;
    }

    private static Path qualified(SparkSession spark, String output) {
        return qualified(spark.sparkContext().hadoopConfiguration(), new Path(output));
    }

    /** {@code p} qualified by its file system (scheme, authority, absolute), or as given where it cannot be resolved. */
    public static Path qualified(org.apache.hadoop.conf.Configuration conf, Path p) {
        try {
            return p.getFileSystem(conf).makeQualified(p);
        } catch (IOException | IllegalArgumentException e) {
            return p; // as given: a write or removal fails on it too
        }
    }

    /**
     * Removes what this run's writes put in the output {@code p}, which the run claimed as new, and nothing else: all of it
     * where a write of this run went through a commit protocol of the user's own (its files cannot be told); nothing where
     * no write of this run began there and it wrote no marker there (another run made it: that run's check decides).
     * Otherwise its own {@code _SUCCESS} marker first (while its part files are there, or none are: a run that replaced
     * the output since wrote the one there), so that nothing is left under a marker of this run's, then its part
     * files and the S3A magic committer's work folder of a write of its still under way ({@code __magic_job-<its UUID>}:
     * the records of its tasks' multipart uploads, not the uploads, which this does not abort),
     * then the folder where no write's part file is left in it (only debris: the committer's {@code _temporary},
     * {@code .crc} files); another write's part files stay as they are, unmarked, for their run's check. No decision rests
     * on a marker another run wrote. Returns what was removed, null for nothing.
     */
    public synchronized String removeOwn(FileSystem fs, Path p) throws IOException {
        if (!fs.exists(p)) {
            return null;
        }
        Output o = outputs.get(fs.makeQualified(p));
        if (o != null && o.userProtocol) {
            fs.delete(p, true);
            return p.toString();
        }
        if (o == null || o.jobIds.isEmpty() && !o.marked) {
            return null;
        }
        // the marker is this run's while its part files are there, or none are: a run that replaced the output since
        // (--overwrite, a retry) wrote the one over its own part files, and exited 0 on them
        java.util.Map<String, Integer> parts = DatasetWriter.partFiles(fs, p);
        boolean ownMarker = o.marked && (parts.isEmpty() || parts.keySet().stream().anyMatch(o.jobIds::contains));
        boolean unmarked = ownMarker && fs.delete(new Path(p, "_SUCCESS"), false);
        int removed = o.jobIds.isEmpty() ? 0 : DatasetWriter.removePartFiles(fs, p, o.jobIds).removed();
        // a write of this run's under way on S3: the magic committer's work folder, named by its UUID
        // (CountingPathOutputCommitProtocol), was left beside another write's part files. The write's own abort deletes it
        // and aborts its uploads when the run's thread leaves its command in the hook's time; past that, or if the abort
        // failed, this deletes only its records (.pending, .pendingset): the multipart uploads they name are not aborted
        // and stay, billed and unlisted, for the bucket's lifecycle rule (README)
        boolean unfinished = false;
        for (String id : o.jobIds) {
            unfinished |= fs.delete(new Path(p, MAGIC_JOB + id), true);
        }
        if (DatasetWriter.partFiles(fs, p).isEmpty()) {
            fs.delete(p, true);
            return p.toString();
        }
        java.util.List<String> what = new java.util.ArrayList<>();
        if (removed > 0) {
            what.add(removed == 1 ? "part file" : removed + " part files");
        }
        if (unmarked) {
            what.add("_SUCCESS marker");
        }
        if (unfinished) {
            what.add("unfinished write's " + MAGIC_JOB + "* (the records of its uploads; the uploads are not aborted)");
        }
        if (what.isEmpty()) {
            return null;
        }
        return p + " (this run's " + String.join(" and ", what) + "; another write's part files are left as they are, "
                + "unmarked, for its run's check)";
    }
}
