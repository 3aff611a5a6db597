package dev.kindling.spark.tokenize;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.executor.CurrentKeys;
import dev.kindling.spark.executor.LocalFiles;
import dev.kindling.spark.executor.PerJvm;
import dev.kindling.spark.executor.PerTask;
import dev.kindling.spark.inference.HadoopConf;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One tokenizer per executor JVM and tokenizer file, shared by every task thread there (tokenizers are
 * immutable and thread-safe): loaded on first use from a local path, a {@code SparkFiles} name or an
 * {@code s3a://} URI (copied to local disk once per host and version of the file by {@link LocalFiles}). Each task
 * looks at the file the path stands for once ({@link LocalFiles#identity}): one replaced at its path or URI, or a later
 * session's {@code SparkFiles} of the same name, is loaded anew by the next task, and the tasks that had
 * the old tokenizer keep it to their end. The path {@value #BYTE_LEVEL} names the built-in byte-level
 * tokenizer (one token per UTF-8 byte).
 */
public final class ExecutorTokenizers {
    /** The built-in tokenizer that needs no file. */
    public static final String BYTE_LEVEL = "byte-level";

    /**
     * Per path as given: the cache key (path and file identity) of the tokenizer loaded last. Nothing to close when it
     * changes: tasks that have the old tokenizer keep it, and it goes with them.
     */
    private static final CurrentKeys CURRENT = new CurrentKeys();

    private ExecutorTokenizers() {}

    public static Tokenizer get(String path) {
        return get(path, null);
    }

    /**
     * The tokenizer at {@code path}, a remote one read with {@code hadoop} (the driver's Hadoop configuration, from {@link
     * HadoopConf#forPath}): without it an executor, and the driver under {@code ./kindling}, read {@code s3a://} with
     * Spark's default configuration, which lacks the job's {@code --conf spark.hadoop.fs.s3a.*} (endpoint, keys), so a
     * tokenizer on MinIO failed with "No AWS Credentials", or was looked for on AWS.
     */
    public static Tokenizer get(String path, HadoopConf hadoop) {
        if (path == null || path.isBlank()) {
            throw KindlingException.usage("no tokenizer given (a tokenizer.json, .gguf, .tiktoken, tokenizer.bin or tokenizer.model path)");
        }
        if (path.equals(BYTE_LEVEL)) {
            return PerJvm.get("tokenizer:" + path, k -> Tokenizers.byteLevel());
        }
        // once per task, not per row: the SQL functions look the tokenizer up for every row, and the file system calls
        // cost as much as tokenizing a short text
        return PerTask.get("tokenizer:" + path, () -> current(path, hadoop));
    }

    private static Tokenizer current(String path, HadoopConf hadoop) {
        // the file as it is now, not the name given: a tokenizer.json edited and saved, or a SparkFiles name shipped
        // again by a later session, was served by the tokenizer of the file loaded first
        Path local;
        try {
            local = HadoopConf.localize(path, hadoop);
        } catch (KindlingException e) {
            if (e.exitCode() == KindlingException.USAGE && LocalFiles.isBareName(path)) {
                // it said only "nosuchname does not exist": not where it was looked for, nor that a bare name may also be
                // a built-in tokenizer's, so a misspelt byte-level read as a missing file
                throw KindlingException.usage(notFound("tokenizer", path));
            }
            throw e;
        }
        String key = "tokenizer:" + path + "|file=" + LocalFiles.identity(local);
        CURRENT.replace(path, key);
        Tokenizer t = PerJvm.get(key, k -> load(path, local));
        CURRENT.stillCurrent(path, key);
        return t;
    }

    private static Tokenizer load(String path, Path local) {
        try {
            return Tokenizer.load(local);
        } catch (ModelFormatException e) {
            throw new KindlingException(KindlingException.FAILURE, "tokenizer " + path + ": " + withoutPath(e.getMessage(), local), e);
        }
    }

    /** The message of a {@link ModelFormatException} on {@code local} without its leading "local: " (said once, not twice). */
    private static String withoutPath(String message, Path local) {
        String prefix = local + ": ";
        return message != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /**
     * What a bare name that is no file and no built-in tokenizer's is, naming where it was looked for. The same words in a
     * Spark session and outside one (where no file was given to Spark to look among): they said "and among the files
     * given to Spark" only while this JVM had a Spark session, any session, so what a call said depended on what else
     * ran in the JVM.
     */
    private static String notFound(String option, String path) {
        return option + " '" + path + "': no such file (looked in " + Path.of("").toAbsolutePath()
                + " and among the files given to Spark with --files), and not a tokenizer name Kindling knows (" + BYTE_LEVEL + ")";
    }

    /**
     * Checks, before Spark starts, a bare {@code --tokenizer} name that is no file in the working directory and that no file
     * given to Spark supplies ({@link LocalFiles#bareNameFoundNowhere}): it failed only once Spark had started.
     */
    public static void checkBareName(String option, String path, Map<String, String> conf) {
        if (!BYTE_LEVEL.equals(path) && LocalFiles.bareNameFoundNowhere(path, conf)) {
            throw KindlingException.usage(notFound(option, path));
        }
    }

    /** {@link #checkBareName(String, String, Map)} with the files of the session the command joins, and whether it has archives. */
    static void checkBareName(String option, String path, Map<String, String> conf, List<String> sessionFiles, boolean sessionArchives) {
        if (!BYTE_LEVEL.equals(path) && LocalFiles.bareNameFoundNowhere(path, conf, sessionFiles, sessionArchives)) {
            throw KindlingException.usage(notFound(option, path));
        }
    }

    /**
     * Checks, before Spark starts, a tokenizer given as a local path ({@code --tokenizer}): a missing one was reported only
     * once the session had started and read the input. A remote one ({@code s3a://}) is checked once the session is there
     * ({@link #checkRemote}), and a bare name that
     * is no local file may be a SparkFiles name, found only in the session.
     */
    public static void checkLocal(String option, String path) {
        if (path == null || path.equals(BYTE_LEVEL)) {
            return;
        }
        Path local = LocalFiles.existingLocal(option, path);
        if (local != null && java.nio.file.Files.isDirectory(local)
                && DIRECTORY_FILES.stream().noneMatch(name -> java.nio.file.Files.exists(local.resolve(name)))) {
            throw noTokenizerIn(option, path);
        }
        java.util.regex.Matcher data = local == null ? null
                : DATA_FILE_NAME.matcher(String.valueOf(local.getFileName()).toLowerCase(java.util.Locale.ROOT));
        if (data != null && data.matches() && java.nio.file.Files.isRegularFile(local)) {
            // the input given as the tokenizer (-i and --tokenizer swapped): a .jsonl starts with '{' and was read as a
            // tokenizer.json once Spark had started, failing as "model: missing"
            throw KindlingException.usage(option + " " + path + ": a data file by its name (" + data.group(1) + "), not a tokenizer: "
                    + "expected a tokenizer.json (or a folder holding one), a .gguf, a .tiktoken rank file, a llama2.c tokenizer.bin "
                    + "or a SentencePiece tokenizer.model");
        }
    }

    /** The files a tokenizer directory is read through, any one of them. */
    private static final List<String> DIRECTORY_FILES = List.of("tokenizer.json", "tokenizer.json.gz", "tokenizer.model");

    private static KindlingException noTokenizerIn(String option, String path) {
        return KindlingException.usage(option + " " + path + ": directory holds no tokenizer.json, tokenizer.json.gz or tokenizer.model");
    }

    /**
     * Checks, on the driver before the job, a tokenizer given as a remote path ({@code s3a://}, {@code hdfs://}) with the
     * session's Hadoop settings ({@link LocalFiles#existingRemote}), as {@link #checkLocal} checks a local one: one that is
     * not there failed in the job's first task (exit 1, naming no option).
     */
    public static void checkRemote(String option, String path, org.apache.hadoop.conf.Configuration conf) {
        LocalFiles.RemoteEntry found = LocalFiles.existingRemote(option, path, conf);
        if (found != null && found.status().isDirectory() && DIRECTORY_FILES.stream().noneMatch(found.files()::contains)) {
            throw noTokenizerIn(option, path);
        }
    }

    /**
     * Checks, on the driver before the job, a tokenizer a stage or a SQL function's constant argument gives, as {@link
     * dev.kindling.spark.inference.ExecutorEngines#checkOnDriver} a model: a local path with a local master, a remote one
     * with any. An empty one is left to the caller, which names it its own way.
     */
    public static void checkOnDriver(String option, String path, org.apache.spark.SparkContext sc) {
        if (path == null || path.isBlank()) {
            return;
        }
        if (sc.isLocal()) {
            checkLocal(option, path);
        }
        checkRemote(option, path, sc.hadoopConfiguration());
    }

    /** Names of the data files Kindling reads (JSON Lines, compressed or not, and Parquet), which no tokenizer has. */
    private static final java.util.regex.Pattern DATA_FILE_NAME = java.util.regex.Pattern.compile(".*(\\.jsonl(?:"
            + dev.kindling.spark.io.DataFormat.CODEC_SUFFIXES.stream().map(java.util.regex.Pattern::quote)
                    .collect(java.util.stream.Collectors.joining("|")) + ")?|\\.parquet)");
}
