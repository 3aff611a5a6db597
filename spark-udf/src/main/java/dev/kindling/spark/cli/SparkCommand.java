package dev.kindling.spark.cli;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.progress.ProgressBar;
import dev.kindling.spark.session.SparkSessions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * Base of the subcommands that run a Spark job: quiets the logs, validates options before Spark
 * starts, creates (or joins) the session, shows progress, and stops the session it created.
 */
public abstract class SparkCommand implements Callable<Integer> {
    @Mixin
    public SparkJobOptions job;

    @Spec
    protected CommandSpec spec;

    /**
     * Where the hook that cleans up an interrupted run sits among Hadoop's shutdown hooks, which run highest first: above
     * Spark's (40, under which Spark stops its context) and the file systems' close (10).
     */
    static final int INTERRUPT_HOOK_PRIORITY = org.apache.hadoop.fs.FileSystem.SHUTDOWN_HOOK_PRIORITY + 50;

    /**
     * The options this command inherits (the shared {@link SparkJobOptions}, its mixins') and never reads, by their long
     * names. {@link KindlingCli#commandLine} takes them out of the command: passed anyway, one is an unknown option, a
     * usage error naming it, where it was accepted and silently did nothing ({@code bench dedup --output} wrote nowhere),
     * and the command's help lists only options that do something. OptionsReadTest checks that every option left is read.
     */
    protected Set<String> unusedInheritedOptions() {
        return Set.of();
    }

    /**
     * Inherited options this command refuses with a message of its own (where the user should look instead): accepted by
     * the parser so that the message is the command's, not "Unknown option", but left out of its help, which listed them
     * as if they worked ({@code score --help} showed {@code --truncate-prompts}, which score refuses).
     */
    protected Set<String> hiddenInheritedOptions() {
        return Set.of();
    }

    /**
     * This command's help for {@code --format}, where it writes other formats than jsonl and parquet or defaults to
     * another (pack), or null for the shared one: every command's help carried pack's rule.
     */
    protected String formatHelp() {
        return null;
    }

    /** This command's help for {@code --output}, where it is not the shared "local or s3a://" (demo's is local only). */
    protected String outputHelp() {
        return null;
    }

    /** This command's help for {@code --on-error}, where its default is not the shared {@code fail} (demo's is skip). */
    protected String onErrorHelp() {
        return null;
    }

    /**
     * Refuses, as one usage error naming them all, the options the user gave that this run's mode does not read: a
     * command with two ways of running ({@code generate --prompt} or {@code --input}) keeps the other way's options in
     * its spec, and {@code generate --prompt hi --format parquet --on-error skip} exited 0 having read neither. What the
     * mode reads is listed, not what it does not, so that an option added later is refused there until that mode reads
     * it. {@code mode} names the mode ("--prompt"), {@code whereTheyApply} says where the refused ones belong.
     */
    protected void refuseOptionsNotReadBy(String mode, Set<String> read, String whereTheyApply) {
        ParseResult given = spec.commandLine().getParseResult();
        List<String> unread = new ArrayList<>();
        for (OptionSpec option : spec.options()) {
            if (!read.contains(option.longestName()) && given.hasMatchedOption(option)) {
                unread.add(option.longestName());
            }
        }
        if (!unread.isEmpty()) {
            throw dev.kindling.spark.KindlingException.usage(mode + " does not take " + String.join(", ", unread)
                    + (unread.size() == 1 ? ": it applies to " : ": they apply to ") + whereTheyApply);
        }
    }

    /** Checks the options; throw {@link dev.kindling.spark.KindlingException#usage} before Spark starts. */
    protected void validate() {}

    /**
     * Work that needs no Spark session (e.g. {@code generate --prompt}): return its exit code to
     * finish without starting Spark, or null to go on with {@link #run}.
     */
    protected Integer runWithoutSpark() throws Exception {
        return null;
    }

    private static volatile boolean outputsWritten;

    /**
     * Whether a Spark job of this JVM finished and wrote its outputs: then stdout held only its summary, and a summary
     * that could not be written is no reason to fail a run whose product is complete (a scheduler would rerun it).
     */
    public static boolean outputsWritten() {
        return outputsWritten;
    }

    /**
     * Whether nobody reads the command's stdout any more ({@link ClosedStdout}): {@code w}, the command's writer, failed,
     * or the process's stdout is a pipe whose reader has gone. For the commands that print as they go without Spark.
     */
    protected static boolean stdoutClosed(PrintWriter w) {
        return ClosedStdout.closed(w);
    }

    /**
     * A manifest of a generation this command runs in {@code spark} ({@link dev.kindling.spark.inference.GenerationManifest}):
     * the command as typed and its arguments as given, but for the values of the {@code --conf} settings that the session's
     * {@code spark.redaction.regex} hides. Made before the job, so that a bad regex fails the run before it generates.
     */
    protected dev.kindling.spark.inference.GenerationManifest generationManifest(SparkSession spark) {
        List<String> args = spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
        return new dev.kindling.spark.inference.GenerationManifest(spec.qualifiedName(), args, KindlingCli.version(),
                dev.kindling.spark.inference.GenerationManifest.settingsOf(spark));
    }

    /** The job itself. Returns the exit code. */
    protected abstract int run(JobRun run) throws Exception;

    /** The options that name what a run writes (and may replace with --overwrite). */
    static final java.util.Set<String> OUTPUT_OPTIONS = java.util.Set.of("--output", "--rejected", "--quarantine", "--stats");

    /** Refuses, before Spark starts, an input or output Hadoop cannot parse ({@link dev.kindling.spark.io.LocalPaths#requireHadoopPath}). */
    private void requireHadoopPaths() {
        for (String[] given : givenStrings()) {
            if (given[0].equals("--input") || OUTPUT_OPTIONS.contains(given[0])) {
                dev.kindling.spark.io.LocalPaths.requireHadoopPath(given[0], given[1]);
            }
            // any option's S3 bucket S3A cannot read (an input, a model, --stats ...): "bucket is null/empty", exit 1
            String bucket = TEXT_OPTIONS.contains(given[0]) ? null : dev.kindling.spark.io.DataFormat.unreadableBucket(given[1]);
            if (bucket != null) {
                throw KindlingException.usage(given[0] + " " + bucket);
            }
        }
    }

    /** Options whose values are text, never a path: one that starts as an S3 URI there names no store. */
    private static final Set<String> TEXT_OPTIONS = Set.of("--prompt", "--system", "--stop");

    /** The schemes of EMR's EMRFS and of Hadoop 2's removed S3 connector, as a user may write them. */
    private static final Pattern S3_NOT_S3A = Pattern.compile("(?i)^(s3n?)://");

    /**
     * Refuses, before the job, a path on {@code s3://} or {@code s3n://} (the schemes of EMR's EMRFS and of Hadoop 2's
     * removed connector) where the session's Hadoop has no file system for it: hadoop-aws reads {@code s3a://}, and each
     * check failed on its own as an I/O error (exit 1), {@code cannot list input s3://b/in/: No FileSystem for scheme "s3"},
     * naming neither the scheme to write nor the option. Where a file system is set for the scheme (EMR, or
     * {@code --conf spark.hadoop.fs.s3.impl=...}) the path is the user's to read as it is. {@code conf} is the session's
     * Hadoop configuration, or for a command that runs without Spark ({@code generate --prompt}) the one it reads with.
     */
    protected void requireS3aScheme(org.apache.hadoop.conf.Configuration conf) {
        for (String[] given : givenStrings()) {
            Matcher m = S3_NOT_S3A.matcher(given[1]);
            if (TEXT_OPTIONS.contains(given[0]) || !m.find()) {
                continue;
            }
            try {
                FileSystem.getFileSystemClass(m.group(1).toLowerCase(Locale.ROOT), conf);
            } catch (UnsupportedFileSystemException e) {
                throw KindlingException.usage(given[0] + " " + given[1] + ": Hadoop has no file system for "
                        + m.group(1) + ":// here; its S3 connector, hadoop-aws, reads s3a:// URIs: write s3a://"
                        + given[1].substring(m.end()));
            } catch (IOException e) {
                // the run's own checks of the path say what is wrong with it
            }
        }
    }

    /** The options that name a model, and those that name a tokenizer, as the engines and tokenizers open them. */
    private static final Set<String> MODEL_OPTIONS = Set.of("--model", "--teacher", "--judge");
    private static final Set<String> TOKENIZER_OPTIONS = Set.of("--tokenizer", "--teacher-tokenizer", "--judge-tokenizer");

    /**
     * Refuses, on the driver before the job, a remote model or tokenizer ({@code s3a://}, {@code hdfs://}) that is not
     * there, is empty, or is a folder that holds none ({@link dev.kindling.spark.inference.ExecutorEngines#checkRemoteModel},
     * {@link dev.kindling.spark.tokenize.ExecutorTokenizers#checkRemote}), with the session's Hadoop settings: it failed in
     * the job's first task, exit 1, {@code s3a://b/models/x.gguf does not exist}, naming no option, once Spark had started
     * a job (on a cluster, executors). Local ones are checked before Spark starts.
     */
    private void requireRemoteModels(org.apache.hadoop.conf.Configuration conf) {
        for (String[] given : givenStrings()) {
            if (MODEL_OPTIONS.contains(given[0])) {
                dev.kindling.spark.inference.ExecutorEngines.checkRemoteModel(given[0], given[1], conf);
            } else if (TOKENIZER_OPTIONS.contains(given[0])) {
                dev.kindling.spark.tokenize.ExecutorTokenizers.checkRemote(given[0], given[1], conf);
            }
        }
    }

    /**
     * Refuses, before Spark starts, a local output that exists without {@code --overwrite}, as the job's own check would
     * (an empty folder is taken as new): found only after Spark had started, the refusal came some 11 seconds late. Remote
     * outputs are left to the job's check, which has the store's configuration. Commands whose outputs are not the
     * paths their options name ({@link #outputsAreTheirPaths}) check their own.
     */
    private void requireNewLocalOutputs() {
        if (job.overwrite || !outputsAreTheirPaths()) {
            return;
        }
        List<String[]> options = givenStrings();
        List<java.nio.file.Path> inputs = new ArrayList<>();
        for (String[] given : options) {
            java.nio.file.Path local = given[0].equals("--input") ? dev.kindling.spark.io.LocalPaths.localOrNull(given[1]) : null;
            if (local != null) {
                inputs.add(local);
            }
        }
        for (String[] given : options) {
            if (!OUTPUT_OPTIONS.contains(given[0])) {
                continue;
            }
            java.nio.file.Path local = dev.kindling.spark.io.LocalPaths.localOrNull(given[1]);
            if (local == null || !java.nio.file.Files.exists(local) || emptyFolder(local)
                    || (given[0].equals("--stats") && java.nio.file.Files.isDirectory(local))
                    || inputs.stream().anyMatch(in -> dev.kindling.spark.io.DatasetWriter.localWithin(in, local)
                            || dev.kindling.spark.io.DatasetWriter.localWithin(local, in))) {
                // a --stats folder, and an output that holds or is inside an input, have messages of their own in the
                // job's check, which --overwrite would not mend
                continue;
            }
            String named = (given[0].equals("--output") ? "output" : given[0]) + " " + given[1];
            if (!given[0].equals("--stats") && java.nio.file.Files.isRegularFile(local)) {
                // "pass --overwrite", which then refused the file as no output folder
                throw dev.kindling.spark.io.DatasetWriter.aFileInTheOutputsPlace(named);
            }
            throw dev.kindling.spark.KindlingException.usage(named + " already exists; pass --overwrite to replace it");
        }
    }

    /** Whether {@code p} is a folder with nothing in it (false for a file, or a folder that cannot be listed). */
    protected static boolean emptyFolder(java.nio.file.Path p) {
        if (!java.nio.file.Files.isDirectory(p)) {
            return false;
        }
        try (java.util.stream.Stream<java.nio.file.Path> entries = java.nio.file.Files.list(p)) {
            return entries.findAny().isEmpty();
        } catch (java.io.IOException e) {
            return false; // the job's check says what is wrong with it
        }
    }

    /**
     * Whether each output option names the path the run writes (true for the pipeline commands); false where the command
     * writes parts of it (demo: the entries it writes in its folder) and checks its outputs itself.
     */
    protected boolean outputsAreTheirPaths() {
        return true;
    }

    /**
     * Whether the run writes an output of any kind (a folder, a file, an index), which it then finishes and keeps when
     * nobody reads its stdout any more: only a run whose stdout is its whole product stops then ({@link ClosedStdout}).
     * An output option of the command line ({@link #OUTPUT_OPTIONS}); a command with another (dedup's {@code
     * --save-index}) adds it.
     */
    protected boolean writesAnOutput() {
        return job.output != null || givenStrings().stream().anyMatch(given -> OUTPUT_OPTIONS.contains(given[0]));
    }

    /** Every non-empty string the command line gave an option, as {option's longest name, value} (a list option's each). */
    private List<String[]> givenStrings() {
        List<String[]> out = new ArrayList<>();
        if (spec.commandLine() == null || spec.commandLine().getParseResult() == null) {
            return out;
        }
        for (picocli.CommandLine.Model.OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            Object given = o.getValue(); // as an Object: String.valueOf(o.getValue()) took it for a char[]
            java.util.Collection<?> values = java.util.List.of();
            if (given instanceof java.util.Collection<?> c) {
                values = c;
            } else if (given != null) {
                values = java.util.List.of(given);
            }
            for (Object value : values) {
                if (value instanceof String v && !v.isEmpty()) {
                    out.add(new String[] {o.longestName(), v});
                }
            }
        }
        return out;
    }

    /**
     * Refuses an output that is, or holds, a local file or folder another option names for the run to read (a tokenizer,
     * a model, a config, a benchmark file): {@code --overwrite} deleted it first ({@code tokenize --tokenizer
     * t/tokenizer.json -o t --overwrite} removed the tokenizer and then failed for want of it), and a {@code --stats} on
     * the tokenizer's path wrote over it. {@code --input} has its own, finer check.
     */
    protected void requireOutputsApartFromReadFiles() {
        if (spec.commandLine() == null || spec.commandLine().getParseResult() == null) {
            return;
        }
        java.util.List<String[]> outputs = new java.util.ArrayList<>();
        java.util.List<String[]> read = new java.util.ArrayList<>(filesReadBesideOptions());
        for (String[] given : givenStrings()) {
            if (!given[0].equals("--input")) {
                (OUTPUT_OPTIONS.contains(given[0]) ? outputs : read).add(given);
            }
        }
        for (String[] out : outputs) {
            for (String replaced : replacedBy(out[0], out[1])) {
                java.nio.file.Path target = dev.kindling.spark.io.LocalPaths.localOrNull(replaced);
                if (target == null) {
                    continue;
                }
                for (String[] in : read) {
                    java.nio.file.Path source = dev.kindling.spark.io.LocalPaths.localOrNull(in[1]);
                    if (source != null && java.nio.file.Files.exists(source) && dev.kindling.spark.io.DatasetWriter.localWithin(source, target)) {
                        throw dev.kindling.spark.KindlingException.usage(out[0] + " " + out[1] + " would replace " + in[0] + " "
                                + in[1] + ", which this run reads; write it elsewhere");
                    }
                }
            }
        }
    }

    /**
     * Refuses any of {@code options} given on the command line: they configure a stage this run does not run ({@code
     * needed} names what would run it), and were dropped in silence. {@code advice}, when not empty, follows the reason.
     */
    protected void refuseUnless(String needed, String advice, String... options) {
        for (String o : options) {
            if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                throw dev.kindling.spark.KindlingException.usage(o + " applies with " + needed + ", which is not given"
                        + (advice.isEmpty() ? "" : ": " + advice.replace("{}", o)));
            }
        }
    }

    /**
     * What the run reads that no option names, as {label, path} pairs for {@link #requireOutputsApartFromReadFiles}'s
     * message ({@code curate}: the benchmark files its config names).
     */
    protected List<String[]> filesReadBesideOptions() {
        return List.of();
    }

    /** The unfinished outputs a failed run removed, for the error's handler to say after the error. */
    static final class RemovedOutputs extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RemovedOutputs(List<String> paths) {
            super("removed the unfinished output " + String.join(", ", paths), null, false, false);
        }
    }

    /**
     * What writing the output option {@code option} = {@code value} replaces: the path itself, for every command but
     * demo, which replaces only what it writes in its folder.
     */
    protected List<String> replacedBy(String option, String value) {
        return List.of(value);
    }

    /**
     * A master URL Spark cannot start as a usage error naming where it came from, with Spark's {@code SparkException}
     * ("Could not parse Master URL: 'bogus'") as its cause, which {@code --verbose} shows, where it was a failure (exit 1).
     * Spark says the same of a valid {@code yarn} or {@code k8s://...} master where no module on the class path runs it
     * (spark-yarn, spark-kubernetes: {@code ./kindling} has neither), so those are sent to {@code spark-submit}; any other
     * exception as it is.
     */
    private Exception unknownMaster(Exception e) {
        String prefix = "Could not parse Master URL: '";
        String m = e.getMessage();
        if (!(e instanceof org.apache.spark.SparkException) || m == null || !m.startsWith(prefix) || !m.endsWith("'")) {
            return e;
        }
        String master = m.substring(prefix.length(), m.length() - 1);
        // SparkSessions.getOrCreate keeps a spark.master system property (spark-submit's) unless --conf gives one
        String given = job.conf.containsKey("spark.master") ? "--conf spark.master=" + master
                : master.equals(job.master) ? "--master " + master : "spark.master=" + master + " (a system property)";
        if (master.equals("yarn") || master.startsWith("k8s://")) {
            String module = master.equals("yarn") ? "YARN module (spark-yarn)" : "Kubernetes module (spark-kubernetes)";
            return KindlingException.usage(given + ": this class path has no Spark " + module + " to run it; submit the "
                    + "shaded jar (kindling-VERSION-all.jar) with spark-submit --master " + master + " --class "
                    + KindlingCli.class.getName() + " from a Spark distribution that has it", e);
        }
        return KindlingException.usage(given + " is no Spark master URL (Spark: " + m + "): give local, local[N], local[*] or "
                + "spark://HOST:PORT (yarn and k8s://https://HOST:PORT through spark-submit)", e);
    }

    @Override
    public final Integer call() throws Exception {
        Logs.configure(job.verbose);
        validate();
        requireHadoopPaths();
        requireOutputsApartFromReadFiles();
        Integer direct = runWithoutSpark();
        if (direct != null) {
            return direct;
        }
        requireNewLocalOutputs();
        boolean joined = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
        // before Spark starts: on a terminal the line says so (the demo showed only its header for its first 36 s on a busy host)
        ProgressBar bar = job.noProgress ? null : ProgressBar.start(spec.name());
        SparkSession spark;
        try {
            // its own progress line, not the lines of a session started from code
            spark = SparkSessions.getOrCreate(job.master, job.conf, false);
            dev.kindling.spark.sql.KindlingFunctions.register(spark);
        } catch (Exception | Error e) {
            if (bar != null) {
                bar.close();
            }
            if (e instanceof Exception x) {
                throw unknownMaster(x);
            }
            throw e;
        }
        if (bar != null) {
            bar.attach(spark.sparkContext());
        }
        // a line on stdout clears the bar's first: on one terminal it was written after the bar's line
        PrintStream out = spec.commandLine().getOut() != null
                ? new PrintStream(new WriterOutputStream(spec.commandLine().getOut(), bar == null ? Runnable::run : bar::whileCleared), true,
                        java.nio.charset.StandardCharsets.UTF_8)
                : System.out;
        JobRun run = new JobRun(spark, job, bar, System.nanoTime(), out);
        boolean failed = false;
        PrintWriter err = spec.commandLine().getErr() != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        Runnable onInterrupt = () -> {
            run.interrupted(err);
            if (!job.verbose) {
                // the JVM is stopping: what Spark's threads print as it does (a Scala Future's pool refusing work,
                // RejectedExecutionException, 29 lines of trace after an interrupted pack) is not the user's news. The
                // hook's line is the run's last word, as the README says; --verbose keeps the rest
                System.err.flush();
                System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream()));
            }
        };
        // through Hadoop's hook manager, at a priority above Spark's (which stops the context) and the file systems' (which
        // closes them): a JVM hook ran beside them and could find neither
        org.apache.hadoop.util.ShutdownHookManager.get().addShutdownHook(onInterrupt, INTERRUPT_HOOK_PRIORITY);
        // a run that writes no output has its stdout as its only product (the demo's table, a benchmark's JSON): once
        // nobody reads it (`kindling demo | head -1`), the run stops. One with outputs finishes them, its summary unread
        boolean writesAnOutput = writesAnOutput();
        PrintWriter commandOut = spec.commandLine().getOut();
        Thread stdoutWatch = !writesAnOutput ? ClosedStdout.watch(() -> ClosedStdout.closed(commandOut), () -> {
            run.stopForClosedStdout();
            if (ClosedStdout.commandOwnsTheJvm()) {
                // the driver may plan for seconds before its next job, which is when a cancel would stop it: the CLI's JVM
                // exits now, its shutdown hooks cleaning up as after SIGTERM (the interrupt hook above, quietly: at once
                // where the run claimed no output, else once the run's thread has left its command, up to 10 s)
                if (bar != null) {
                    bar.close();
                }
                System.exit(ClosedStdout.EXIT_CODE);
            }
        }) : null;
        try {
            requireS3aScheme(spark.sparkContext().hadoopConfiguration());
            requireRemoteModels(spark.sparkContext().hadoopConfiguration());
            int code = run.recordingWrites(() -> run(run));
            // a run without outputs (the demo's try-out, a benchmark) has its summary or JSON line as its only product
            outputsWritten |= code == 0 && writesAnOutput;
            return run.stdoutClosed() ? ClosedStdout.EXIT_CODE : code;
        } catch (Exception | Error e) {
            failed = true;
            if (run.stopping()) {
                // the shutdown hook says what stopped the run and what it removed, in one line: this thread's own error
                // (its job cancelled, or Spark's context stopped under it) was a second, misleading one
                return 130;
            }
            if (run.stdoutClosed()) {
                // the cancelled job's error is no news to anyone: the reader has gone, as `yes | head -1` stops quietly
                run.removePartialOutputs();
                return ClosedStdout.EXIT_CODE;
            }
            List<String> removed = run.removePartialOutputs();
            if (!removed.isEmpty()) {
                // said after the error, as an interrupt says it: the earlier output --overwrite had replaced went silently
                e.addSuppressed(new RemovedOutputs(removed));
            }
            throw e;
        } finally {
            if (stdoutWatch != null) {
                // joined: a watch still cancelling would cancel the jobs of whoever uses the session next (a joined one)
                stdoutWatch.interrupt();
                stdoutWatch.join(1000);
            }
            try {
                org.apache.hadoop.util.ShutdownHookManager.get().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
            if (bar != null) {
                bar.close();
            }
            out.flush();
            if (!joined) {
                removeCheckpoints(spark);
                stopQuietlyIf(spark, failed && !job.verbose);
            }
        }
    }

    /**
     * Stops {@code spark}; when {@code quiet}, with stderr silenced meanwhile: stopped under a failed job, Spark's threads
     * printed what they could no longer do (a Scala Future's pool refusing work, two RejectedExecutionException traces of
     * some 30 lines) before the run's one-line error, in two runs of three. The interrupt hook silences the same; the
     * error itself is said after this, and --verbose keeps everything.
     */
    private static void stopQuietlyIf(SparkSession spark, boolean quiet) {
        PrintStream err = System.err;
        if (quiet) {
            err.flush();
            System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream()));
        }
        try {
            spark.stop();
        } finally {
            if (quiet) {
                System.setErr(err);
            }
        }
    }

    /**
     * Deletes this application's reliable checkpoints ({@code spark.checkpoint.dir}, where {@link
     * dev.kindling.spark.curate.Lineage} writes the ranked documents and each connected-components round): Spark keeps
     * them after the application ends, so every run left a full copy of its data, texts included, behind. Only a
     * session the command started is cleaned; in one of the user's, {@code spark.cleaner.referenceTracking.cleanCheckpoints}
     * decides.
     */
    static void removeCheckpoints(SparkSession spark) {
        scala.Option<String> dir = spark.sparkContext().getCheckpointDir();
        if (dir.isDefined()) {
            removeCheckpointDir(dir.get(), spark.sparkContext().hadoopConfiguration());
        }
    }

    /** Deletes {@code dir} (this application's checkpoint folder), logging rather than failing the finished command. */
    static void removeCheckpointDir(String dir, org.apache.hadoop.conf.Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
            p.getFileSystem(conf).delete(p, true);
        } catch (java.io.IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SparkCommand.class).warn("kindling: could not remove the checkpoints in {}: {}", dir, e.toString());
        }
    }

    /**
     * Adapts picocli's output writer (tests capture it) to a PrintStream, each line written through {@code around} (the
     * progress bar's {@link ProgressBar#whileCleared}: with its line cleared, and not drawn again until it is written).
     */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final java.io.PrintWriter w;
        private final java.util.function.Consumer<Runnable> around;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        WriterOutputStream(java.io.PrintWriter w, java.util.function.Consumer<Runnable> around) {
            this.w = w;
            this.around = around;
        }

        @Override
        public void write(int b) {
            pending.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            if (pending.size() == 0) {
                w.flush();
                return;
            }
            String text = pending.toString(java.nio.charset.StandardCharsets.UTF_8);
            pending.reset();
            around.accept(() -> {
                w.print(text);
                w.flush();
            });
        }
    }
}
