package dev.kindling.spark;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession for all tests of a surefire JVM (starting Spark takes seconds). CLI
 * commands run in-process join it instead of starting their own, and do not stop it. Master
 * {@code local[2,2]}: two task threads, and a failed task is tried twice (as on a cluster), which the
 * tests of task retries rely on.
 *
 * <p>Spark keeps the classes its code generator compiled (Janino) in one cache per JVM, of 100 entries by default
 * ({@code spark.sql.codegen.cache.maxEntries}, a static setting read when the first query is compiled). The tests run
 * the same commands and stages again and again, each run a few dozen queries: with 100 entries each run compiled its
 * classes again (AgainstIndexTest, DedupAgainstCliTest and AgainstEarlierCorpusTest 4,097 compilations together, 729
 * distinct), so the cache here holds {@value #CODEGEN_CACHE_ENTRIES}. The code run is the same; only its compilation
 * is not repeated.
 */
public final class TestSpark {
    /** The code generator's cache of compiled classes in the tests' JVM (Spark's default is 100). */
    static final int CODEGEN_CACHE_ENTRIES = 2000;
    private static SparkSession session;

    private TestSpark() {}

    public static synchronized SparkSession session() {
        if (session == null) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            session = SparkSession.builder()
                    .master("local[2,2]")
                    .appName("kindling-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.session.timeZone", "UTC")
                    .config("spark.hadoop.hadoop.tmp.dir", tmp.resolve("hadoop").toString())
                    .config("spark.local.dir", tmp.resolve("spark-local").toString())
                    .config("spark.sql.warehouse.dir", tmp.resolve("spark-warehouse").toString())
                    // as Kindling's local sessions (SparkSessions.defaults): no chmod process for each file written
                    .config("spark.hadoop.fs.file.impl", dev.kindling.spark.io.NioLocalFileSystem.class.getName())
                    .config("spark.sql.codegen.cache.maxEntries", String.valueOf(CODEGEN_CACHE_ENTRIES))
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> session.stop()));
        }
        SparkSession.setActiveSession(session);
        SparkSession.setDefaultSession(session);
        return session;
    }

    /**
     * The Spark jobs {@code action} starts on this thread (a job group of its own keeps other threads' jobs out), each
     * named by its last stage's call site ({@code json at DatasetWriter.java:338}), in the order they started.
     */
    public static java.util.List<String> jobsOf(Runnable action) {
        SparkSession spark = session();
        String group = "kindling-test-jobs-" + Thread.currentThread().getId();
        java.util.List<String> names = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                if (ofJobGroup(start, group)) {
                    names.add(start.stageInfos().last().name());
                }
            }
        };
        listening(listener, () -> inJobGroup(group, action));
        return new java.util.ArrayList<>(names);
    }

    /** Runs {@code action} with the jobs it starts on this thread in job group {@code group} ({@link #ofJobGroup}). */
    public static void inJobGroup(String group, Runnable action) {
        org.apache.spark.SparkContext sc = session().sparkContext();
        sc.setJobGroup(group, "jobs a test listens to", false);
        try {
            action.run();
        } finally {
            sc.clearJobGroup();
        }
    }

    /** Whether the job that {@code start} starts is in job group {@code group} ({@link #inJobGroup}). */
    public static boolean ofJobGroup(org.apache.spark.scheduler.SparkListenerJobStart start, String group) {
        java.util.Properties p = start.properties();
        return p != null && group.equals(p.getProperty("spark.jobGroup.id"));
    }

    /**
     * Runs {@code action} with {@code listener} on the session's listener bus, which is drained before it is added and
     * before it is removed, so it hears the events of {@code action}'s jobs, all of them, and of no earlier job.
     */
    public static void listening(org.apache.spark.scheduler.SparkListener listener, Runnable action) {
        SparkSession spark = session();
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
            spark.sparkContext().addSparkListener(listener);
            try {
                action.run();
                spark.sparkContext().listenerBus().waitUntilEmpty();
            } finally {
                spark.sparkContext().removeSparkListener(listener);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("Spark's listener bus did not drain", e);
        }
    }

    /**
     * The jobs {@code action} starts on this thread, each named by the Dataset action (the SQL execution) it belongs to: its
     * Spark method and the first three Kindling frames that called it, innermost first, as {@code Dataset.localCheckpoint
     * < Lineage.cut:23 < RowOrder.rank:127 < MinHashDedup.run:457}. With adaptive execution each shuffle is a job of its
     * own, whose last stage is named after a thread pool's lambda, so {@link #jobsOf}'s names do not tell them apart. A job
     * of no SQL execution (a JSON schema's inference) is named by its last stage, as there.
     */
    public static java.util.List<String> jobsByCaller(Runnable action) {
        String group = "kindling-test-callers-" + Thread.currentThread().getId();
        java.util.Map<Long, String> executions = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.List<String[]> jobs = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent event) {
                if (event instanceof org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart start) {
                    executions.put(start.executionId(), callers(start.details()));
                }
            }

            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
                if (ofJobGroup(start, group)) {
                    jobs.add(new String[] {start.properties().getProperty("spark.sql.execution.id"), start.stageInfos().last().name()});
                }
            }
        };
        listening(listener, () -> inJobGroup(group, action));
        java.util.List<String> names = new java.util.ArrayList<>();
        for (String[] j : jobs) {
            String caller = j[0] == null ? null : executions.get(Long.valueOf(j[0]));
            names.add(caller == null ? j[1] : caller);
        }
        return names;
    }

    private static final java.util.regex.Pattern FRAME = java.util.regex.Pattern.compile("([\\w$]+)\\.([\\w$<>]+)\\([\\w.]+?:(\\d+)\\)");

    /** A call site's long form as its first frame's class and method (Spark's API) and the first three Kindling frames. */
    private static String callers(String longForm) {
        String[] lines = longForm.split("\n");
        java.util.regex.Matcher api = FRAME.matcher(lines[0]);
        java.util.List<String> frames = new java.util.ArrayList<>(java.util.List.of(api.find() ? api.group(1) + "." + api.group(2) : lines[0]));
        for (int i = 1; i < lines.length && frames.size() < 4; i++) {
            java.util.regex.Matcher m = FRAME.matcher(lines[i]);
            if (lines[i].contains("dev.kindling.") && m.find()) {
                frames.add(m.group(1) + "." + m.group(2) + ":" + m.group(3));
            }
        }
        return String.join(" < ", frames);
    }
}
