package dev.kindling.spark.session;

import dev.kindling.spark.io.NioLocalFileSystem;
import dev.kindling.spark.progress.ProgressLines;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession every Kindling job runs in, with the defaults a Kindling user expects:
 * the S3A connector configured for {@code s3a://} paths (credentials from the standard AWS chain unless
 * given), outputs to S3 committed by the S3A committers instead of renames, and, for local runs, a quiet UI and local
 * files whose permissions are set without a process each ({@link NioLocalFileSystem}). Anything given with {@code
 * --conf} wins over these defaults.
 */
public final class SparkSessions {
    /** Hadoop's setting for the class of the {@code file:} file system. */
    private static final String LOCAL_FS = "fs.file.impl";

    /** Spark's setting for the commit protocol of file writes. */
    private static final String COMMIT_PROTOCOL = "spark.sql.sources.commitProtocolClass";
    private static final String PATH_OUTPUT_PROTOCOL = "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol";
    /** Named, not loaded: it extends {@link #PATH_OUTPUT_PROTOCOL}, which only spark-hadoop-cloud brings. */
    private static final String COUNTING_PATH_OUTPUT_PROTOCOL = "dev.kindling.spark.io.CountingPathOutputCommitProtocol";

    private SparkSessions() {}

    /**
     * Whether Hadoop's own settings ({@code core-site.xml} on the classpath) name a local file system: read once per JVM, as
     * a {@code Configuration} parses its XML resources again each time one is made, and every getOrCreate asks.
     */
    private static final class HadoopSettings {
        static final boolean NAME_A_LOCAL_FS = new org.apache.hadoop.conf.Configuration().get(LOCAL_FS) != null;
    }

    /**
     * The defaults. The S3A committer settings only take effect for {@code s3a://} outputs; they are
     * the ones Spark documents for its {@code spark-hadoop-cloud} module ("Integration with Cloud
     * Infrastructures"): a {@code PathOutputCommitProtocol} that asks Hadoop's committer factory for
     * the {@code fs.s3a.committer.name} committer ({@code magic} by default: no rename, the data
     * is written as pending multipart uploads and made visible at job commit). The protocol is Kindling's subclass of it
     * (without spark-hadoop-cloud, of Spark's own), which commits alike and counts the files each write committed, for
     * {@code DatasetWriter}'s check that an output holds exactly its run's write.
     */
    public static Map<String, String> defaults(String master) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("spark.app.name", "kindling");
        d.put("spark.master", master);
        if (master.startsWith("local")) {
            d.put("spark.ui.enabled", "false");
            d.put("spark.ui.showConsoleProgress", "false");
            d.put("spark.sql.shuffle.partitions", String.valueOf(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
            d.put("spark.driver.host", "127.0.0.1");
            d.put("spark.driver.bindAddress", "127.0.0.1");
            // permissions set through Java NIO, where Hadoop started a chmod process for every local file and folder it
            // made; not where the Hadoop settings (core-site.xml) name a local file system of their own, nor for
            // local-cluster's executors, other JVMs that may not have the class
            boolean oneJvm = master.equals("local") || master.startsWith("local[");
            if (oneJvm && !HadoopSettings.NAME_A_LOCAL_FS) {
                d.put("spark.hadoop." + LOCAL_FS, NioLocalFileSystem.class.getName());
            }
        }
        d.put("spark.sql.session.timeZone", "UTC");
        // the reader projects every input column through a when(): the optimizer's constraint propagation grows
        // quadratically with them, and a JSON line of 5,000 fields planned for over 5 minutes (55 s without it). Kindling's
        // plans gain nothing from it (no filter on a join key to infer); --conf ...=true turns it back on
        d.put("spark.sql.constraintPropagation.enabled", "false");
        // S3A: credentials from the default AWS provider chain (env, profile, instance role) unless
        // fs.s3a.access.key/secret.key are given with --conf spark.hadoop.fs.s3a.*
        d.put("spark.hadoop.fs.s3a.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
        // S3A committers for s3a:// outputs (requires spark-hadoop-cloud on the classpath)
        if (classPresent(PATH_OUTPUT_PROTOCOL)) {
            d.put("spark.hadoop.mapreduce.outputcommitter.factory.scheme.s3a",
                    "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory");
            d.put("spark.hadoop.fs.s3a.committer.name", "magic");
            d.put("spark.hadoop.fs.s3a.committer.magic.enabled", "true");
            d.put(COMMIT_PROTOCOL, COUNTING_PATH_OUTPUT_PROTOCOL);
            d.put("spark.sql.parquet.output.committer.class",
                    "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter");
        } else {
            d.put(COMMIT_PROTOCOL, dev.kindling.spark.io.CountingCommitProtocol.class.getName());
        }
        return d;
    }

    /**
     * Returns the active session when one exists (inside spark-submit, a notebook or a test), with {@code conf}'s runtime
     * SQL settings set in it and {@link #defaults}' only where it has no value of its own (a notebook's {@code
     * spark.sql.shuffle.partitions} or time zone stays its own), else builds one from {@link #defaults} overlaid with
     * {@code conf}. Its long jobs print their progress on stderr
     * ({@link ProgressLines}: a line every 10 s, flushed, where a notebook cell showed nothing until it ended) unless
     * {@code spark.kindling.progress} is {@code false} ({@code spark.kindling.progress.interval}: another interval): as
     * {@code conf} gives them, else as the conf of the session already there does (a notebook's {@code .config(...)}),
     * else the system properties ({@code --conf}, spark-submit).
     */
    public static SparkSession getOrCreate(String master, Map<String, String> conf) {
        return getOrCreate(master, conf, true);
    }

    /**
     * {@link #getOrCreate(String, Map)}, with {@link ProgressLines} only when {@code progressLines}: a command draws its own
     * progress line ({@code ProgressBar}) and asks for none.
     */
    public static SparkSession getOrCreate(String master, Map<String, String> conf, boolean progressLines) {
        SparkConf sc = new SparkConf(true);
        Map<String, String> effective = new LinkedHashMap<>(defaults(master));
        // a master set by spark-submit (spark.master in the system properties) wins over --master's default
        if (sc.contains("spark.master") && !master.equals(sc.get("spark.master")) && "local[*]".equals(master)) {
            effective.put("spark.master", sc.get("spark.master"));
        }
        effective.putAll(conf);
        for (Map.Entry<String, String> e : effective.entrySet()) {
            if (!sc.contains(e.getKey()) || conf.containsKey(e.getKey())) {
                sc.set(e.getKey(), e.getValue());
            }
        }
        scala.Option<SparkSession> there = sessionThere();
        // the session already there (a notebook's own) as it was: the builder puts these settings into its conf
        Map<String, String> itsOwn = progressSettingsOf(there);
        SparkSession.Builder builder = SparkSession.builder();
        if (there.isDefined()) {
            // the builder sets every runtime SQL setting it is given in the session's conf: Kindling's defaults would
            // replace what the notebook or application chose (its shuffle partitions, its time zone) for its own queries
            // too. A default fills only a setting the session has no value for; what conf gives is set, as asked
            org.apache.spark.sql.RuntimeConfig its = there.get().conf();
            for (Map.Entry<String, String> e : effective.entrySet()) {
                if (conf.containsKey(e.getKey()) || !its.contains(e.getKey())) {
                    builder.config(e.getKey(), e.getValue());
                }
            }
        } else {
            builder.config(sc);
        }
        SparkSession session = builder.getOrCreate();
        countingCommits(session);
        if (progressLines) {
            SparkConf progress = new SparkConf(false);
            for (String key : PROGRESS_SETTINGS) {
                String value = conf.containsKey(key) ? conf.get(key) : itsOwn.getOrDefault(key, sc.get(key, null));
                if (value != null) {
                    progress.set(key, value);
                }
            }
            ProgressLines.follow(session.sparkContext(), progress);
        }
        return session;
    }

    /**
     * Spark's own commit protocol or spark-hadoop-cloud's, set as such (a {@code --conf} that follows Spark's documentation,
     * a session already there), is replaced by Kindling's subclass of it, which commits alike and counts what each write
     * committed; any other protocol is left as it is (DatasetWriter then finds mixed writes only).
     */
    private static void countingCommits(SparkSession session) {
        String protocol;
        try {
            protocol = session.conf().get(COMMIT_PROTOCOL);
        } catch (RuntimeException e) {
            return; // Spark checks the class as it reads the setting: one that cannot be loaded fails the write, as before
        }
        String counting = PATH_OUTPUT_PROTOCOL.equals(protocol) ? COUNTING_PATH_OUTPUT_PROTOCOL
                : org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol.class.getName().equals(protocol)
                ? dev.kindling.spark.io.CountingCommitProtocol.class.getName() : null;
        if (counting != null) {
            session.conf().set(COMMIT_PROTOCOL, counting);
        }
    }

    private static final java.util.List<String> PROGRESS_SETTINGS = java.util.List.of(ProgressLines.ENABLED,
            ProgressLines.INTERVAL);

    /** The progress settings that {@code session}'s conf gives, none without a session. */
    private static Map<String, String> progressSettingsOf(scala.Option<SparkSession> session) {
        Map<String, String> given = new LinkedHashMap<>();
        if (session.isDefined()) {
            for (String key : PROGRESS_SETTINGS) {
                scala.Option<String> value = session.get().conf().getOption(key);
                if (value.isDefined()) {
                    given.put(key, value.get());
                }
            }
        }
        return given;
    }

    /** The session the builder would return (the active one, else the default one, not stopped), if any. */
    private static scala.Option<SparkSession> sessionThere() {
        return running(SparkSession.getActiveSession()).orElse(() -> running(SparkSession.getDefaultSession()));
    }

    private static scala.Option<SparkSession> running(scala.Option<SparkSession> session) {
        return session.filter(s -> !s.sparkContext().isStopped());
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, SparkSessions.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
