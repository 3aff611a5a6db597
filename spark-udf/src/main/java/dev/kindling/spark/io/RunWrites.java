package dev.kindling.spark.io;

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
 * its part files, as Kindling's commit protocols note it for the thread that asked for the write. A failed run removes
 * from an output it claimed as new what its writes put there ({@link #removeOwn}), where it removed the whole folder: an
 * output it never came to write (its main output failed first), or one whose write it handed over, may hold another run's
 * part files under the {@code _SUCCESS} marker of that run's check, that run having exited 0.
 */
public final class RunWrites {
    private static final ThreadLocal<RunWrites> RECORDING = new ThreadLocal<>();

    /** Job UUIDs by qualified output; null for a write that noted none (a commit protocol of the user's own). */
    private final Map<Path, Set<String>> jobIds = new HashMap<>();

    private RunWrites() {}

    /** A new record of the writes this thread makes from now on (a run's thread, as the run starts), until {@link #stop}. */
    public static RunWrites start() {
        RunWrites w = new RunWrites();
        RECORDING.set(w);
        return w;
    }

    /** Stops recording this thread's writes. */
    public static void stop() {
        RECORDING.remove();
    }

    /** Notes that this thread wrote {@code output}, its write's job UUID {@code jobId} (null where none was noted). */
    static void wrote(SparkSession spark, String output, String jobId) {
        RunWrites w = RECORDING.get();
        if (w == null) {
            return;
        }
        Path p = new Path(output);
        try {
            p = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p);
        } catch (IOException | IllegalArgumentException e) {
            // as given: the write failed on it too
        }
        synchronized (w) {
            w.jobIds.computeIfAbsent(p, k -> new HashSet<>()).add(jobId);
        }
    }

    /**
     * Removes what this run's writes put in the output {@code p}, which the run claimed as new: the whole folder, unless
     * it holds part files of another write under a {@code _SUCCESS} marker (a run's check found them whole, and that run
     * exited 0), where this run's part files alone go. Another write's files without a marker (a run killed in its
     * commit, or one whose check has yet to end, which then finds them gone) go with the folder, as before; so does
     * everything where a write of this run noted no UUID. Returns what was removed, null for nothing.
     */
    public synchronized String removeOwn(FileSystem fs, Path p) throws IOException {
        if (!fs.exists(p)) {
            return null;
        }
        Set<String> own = jobIds.getOrDefault(fs.makeQualified(p), java.util.Collections.emptySet()); // null-tolerant
        boolean othersChecked = !own.contains(null) && !own.containsAll(DatasetWriter.partFiles(fs, p).keySet())
                && fs.exists(new Path(p, "_SUCCESS"));
        if (!othersChecked) {
            fs.delete(p, true);
            return p.toString();
        }
        int removed = own.isEmpty() ? 0 : DatasetWriter.removePartFiles(fs, p, own)[1];
        return removed == 0 ? null : p + " (this run's " + (removed == 1 ? "part file" : removed + " part files") + "; the rest "
                + "is another run's, which its check found whole)";
    }
}
