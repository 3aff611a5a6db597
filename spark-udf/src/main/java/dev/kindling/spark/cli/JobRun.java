package dev.kindling.spark.cli;

import dev.kindling.spark.KindlingException;
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
    private final List<org.apache.hadoop.fs.Path> claimed = new ArrayList<>();

    JobRun(SparkSession spark, SparkJobOptions options, ProgressBar progress, long startNanos, PrintStream out) {
        this.spark = spark;
        this.options = options;
        this.progress = progress;
        this.startNanos = startNanos;
        this.out = out;
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

    public long startNanos() {
        return startNanos;
    }

    /** Where the run's summary goes (stdout). */
    public PrintStream out() {
        return out;
    }

    /** Reads {@code --input}; an empty input is an error (never a silently empty output). */
    public Dataset<Row> readInput() {
        // schema inference and the emptiness check read rows the progress line would count on top of the job's
        Dataset<Row> docs = ProgressBar.uncounted(spark.sparkContext(), () -> DatasetReader.read(spark, options.readOptions()));
        if (ProgressBar.uncounted(spark.sparkContext(), docs::isEmpty)) {
            throw new KindlingException(KindlingException.FAILURE,
                    "input " + String.join(",", options.input) + " holds no documents");
        }
        return docs;
    }

    /** Checks {@code --output} (and the other targets) can be written before any work starts. */
    public WriteOptions checkOutput(PipelineOptions p) {
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
            // a stats file inside the output (or the input) is read back with it next time, as a row of another format
            for (int i = 0; i < targets.size(); i++) {
                if (DatasetWriter.overlap(spark, p.stats, targets.get(i))) {
                    throw KindlingException.usage("--stats " + p.stats + " overlaps " + names.get(i) + " " + targets.get(i)
                            + " (it would be read back with it); write it apart");
                }
            }
            DatasetWriter.checkNotOverlapping(spark, p.stats, options.input, "--stats");
            if (!w.overwrite() && statsExist(p.stats)) {
                // as an existing output is: replaced silently, the stats of the run before were lost, while its output
                // was kept
                throw KindlingException.usage("--stats " + p.stats + " already exists; pass --overwrite to replace it");
            }
        }
        for (String t : targets) {
            DatasetWriter.checkNotOverlapping(spark, t, options.input);
            DatasetWriter.checkWritable(spark, w.withPath(t));
        }
        targets.forEach(this::claimOutput);
        if (p != null && p.stats != null && w.overwrite()) {
            // --overwrite replaces the outputs from the start (Spark deletes them before writing), and the stats are written
            // only when the run succeeds: a rerun that failed left the earlier run's stats, counting documents of an output
            // that no longer exists, for a scheduler to take as this run's
            removeStats(p.stats);
        }
        return w;
    }

    /**
     * Removes {@code --stats} where {@link #writeStats} writes it: a path without a scheme is a local file, not one on
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
            throw new KindlingException(KindlingException.FAILURE, "cannot remove the earlier --stats " + stats + ": " + e.getMessage(), e);
        }
    }

    private boolean statsExist(String stats) {
        org.apache.hadoop.fs.Path p = statsPath(stats);
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot check --stats " + stats + ": " + e.getMessage(), e);
        }
    }

    /** {@code --stats} where {@link #writeStats} writes it: a path without a scheme is the driver's, whatever fs.defaultFS says. */
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
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                claimed.add(p);
            }
        } catch (IOException | IllegalArgumentException e) {
            // unreachable: the write reports it
        }
    }

    /** The claimed outputs are complete: a later failure (e.g. writing --stats) leaves them. */
    public void outputsWritten() {
        claimed.clear();
    }

    /** Deletes the claimed outputs of a run that failed before writing them all. */
    void removePartialOutputs() {
        for (org.apache.hadoop.fs.Path p : claimed) {
            try {
                org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
                if (fs.exists(p)) {
                    fs.delete(p, true);
                }
            } catch (IOException | RuntimeException e) {
                // the run's own error is the one to report
            }
        }
        claimed.clear();
    }

    /**
     * Writes {@code --stats} to a local path or, with a scheme ({@code s3a://}, {@code hdfs://}), through Hadoop:
     * java.nio took {@code s3a://bucket/stats.json} for the relative local path {@code s3a:/bucket/stats.json} and
     * wrote it in the driver's working directory.
     */
    private void writeStats(RunReport report, String stats) throws IOException {
        java.net.URI uri = new org.apache.hadoop.fs.Path(stats).toUri();
        if (uri.getScheme() == null) {
            report.writeJson(Path.of(stats));
        } else if (uri.getScheme().equals("file")) {
            report.writeJson(Path.of(uri));
        } else {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(uri);
            org.apache.hadoop.fs.FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (java.io.OutputStream os = fs.create(path, true)) {
                os.write((report.toJson() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
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
        StageContext ctx = new StageContext(spark, options.idColumn, options.textColumn);
        List<String> names = new ArrayList<>();
        names.add("read");
        for (PipelineStage s : stages) {
            docs = s.apply(docs, ctx);
            names.add(s.name());
        }
        String quarantine = options.quarantinePath(output == null ? null : output.path());
        PipelineOutput.Targets targets = new PipelineOutput.Targets(output, p != null && p.keepRejected,
                p == null ? null : p.rejected, quarantine);
        RunReport report = PipelineOutput.write(docs, ctx, targets, names, rejectedOnly, startNanos);
        outputsWritten();
        if (progress != null) {
            progress.close();
        }
        out.print(report.toTable());
        if (output != null) {
            out.println("output: " + output.path() + (quarantine != null ? " (bad rows: " + quarantine + ")" : "")
                    + (p != null && p.rejected != null ? " (rejected: " + p.rejected + ")" : ""));
        }
        if (p != null && p.stats != null) {
            try {
                writeStats(report, p.stats);
            } catch (IOException e) {
                throw new KindlingException(KindlingException.FAILURE, "cannot write --stats " + p.stats + ": " + e.getMessage(), e);
            }
        }
        return report;
    }
}
