package dev.kindling.spark.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * A one-line progress display for long jobs, from Spark's status tracker (stages, tasks) and task
 * metrics (rows read): {@code [stage 4] 12/16 tasks | 1,204,331 rows | 45.1k rows/s | 0:27}.
 *
 * <p>On a terminal the line redraws in place every 250 ms; otherwise (logs of Airflow, a CI job) a
 * plain line is printed every 30 s. Extra counters (tokens, documents) can be shown with
 * {@link #counter}.
 */
public final class ProgressBar extends SparkListener implements AutoCloseable {
    /**
     * The local property that marks jobs whose rows are not the job's: a read's passes over its input before the work
     * (JSON schema inference reads every row, the empty-input check one), which the line counted as rows read.
     */
    static final String UNCOUNTED = "kindling.progress.uncounted";

    private final SparkContext sc;
    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final AtomicLong rowsRead = new AtomicLong();
    private final AtomicLong rowsWritten = new AtomicLong();
    private final java.util.Set<Integer> uncountedStages = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile String counterName;
    private volatile java.util.function.LongSupplier counter;
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;
    private int lastWidth;

    private ProgressBar(SparkContext sc, PrintStream out, boolean terminal, String label) {
        this.sc = sc;
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        sc.addSparkListener(this);
        thread = new Thread(this::loop, "kindling-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts a progress display on stderr; terminal rendering when stderr is a terminal. */
    public static ProgressBar start(SparkContext sc, String label) {
        return new ProgressBar(sc, System.err, stderrIsTerminal(), label);
    }

    /**
     * Whether stderr is a terminal: as the launcher found it ({@code -Dkindling.stderr.terminal}, from {@code [ -t 2 ]}),
     * else (spark-submit) whether a console is attached, which Java decides from stdin and stdout alone.
     */
    static boolean stderrIsTerminal() {
        String found = System.getProperty("kindling.stderr.terminal");
        return found != null ? Boolean.parseBoolean(found) : System.console() != null;
    }

    /** Shows {@code value} as {@code name} (e.g. tokens) beside the row count. */
    public void counter(String name, AtomicLong value) {
        counter(name, value::get);
    }

    /** Shows {@code value} as {@code name} with its rate (e.g. generated tokens, tokens/s). */
    public void counter(String name, java.util.function.LongSupplier value) {
        this.counterName = name;
        this.counter = value;
    }

    /**
     * Runs {@code work} (on this thread) with its Spark jobs' rows left out of every progress line: for passes over the
     * input that are not the job's work.
     */
    public static <T> T uncounted(SparkContext sc, java.util.function.Supplier<T> work) {
        String before = sc.getLocalProperty(UNCOUNTED);
        sc.setLocalProperty(UNCOUNTED, "true");
        try {
            return work.get();
        } finally {
            sc.setLocalProperty(UNCOUNTED, before);
        }
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        java.util.Properties p = submitted.properties();
        if (p != null && "true".equals(p.getProperty(UNCOUNTED))) {
            uncountedStages.add(submitted.stageInfo().stageId());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() != null && !uncountedStages.contains(end.stageId())) {
            rowsRead.addAndGet(end.taskMetrics().inputMetrics().recordsRead());
            rowsWritten.addAndGet(end.taskMetrics().outputMetrics().recordsWritten());
        }
    }

    private void loop() {
        long lastPlain = System.nanoTime();
        while (running) {
            try {
                Thread.sleep(terminal ? 250 : 1000);
            } catch (InterruptedException e) {
                return;
            }
            String line = render();
            if (line == null) {
                continue;
            }
            if (terminal) {
                draw(line);
            } else if (System.nanoTime() - lastPlain > 30_000_000_000L) {
                out.println("kindling: " + line);
                lastPlain = System.nanoTime();
            }
        }
    }

    private synchronized void draw(String line) {
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastWidth; i++) {
            sb.append(' ');
        }
        lastWidth = line.length();
        out.print(sb);
        out.flush();
    }

    /** The current line, or null when no stage is running. */
    String render() {
        SparkStatusTracker st = sc.statusTracker();
        int[] active = st.getActiveStageIds();
        if (active.length == 0) {
            return null;
        }
        int tasks = 0;
        int done = 0;
        int running = 0;
        int stageId = Integer.MAX_VALUE;
        for (int id : active) {
            SparkStageInfo info = st.getStageInfo(id).getOrElse(() -> null);
            if (info == null) {
                continue;
            }
            stageId = Math.min(stageId, id);
            tasks += info.numTasks();
            done += info.numCompletedTasks();
            running += info.numActiveTasks();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long rows = rowsRead.get();
        StringBuilder sb = new StringBuilder();
        sb.append(label).append(" [stage ").append(stageId == Integer.MAX_VALUE ? "?" : stageId)
                .append(active.length > 1 ? "+" + (active.length - 1) : "").append("] ");
        int width = 20;
        int filled = tasks == 0 ? 0 : (int) Math.round(width * (double) done / tasks);
        sb.append('[');
        for (int i = 0; i < width; i++) {
            sb.append(i < filled ? '=' : i == filled && running > 0 ? '>' : ' ');
        }
        sb.append("] ").append(done).append('/').append(tasks).append(" tasks");
        // every pass over the input counts (a job reading it twice shows twice its rows): "scanned", not the input's size
        sb.append(String.format(Locale.ROOT, " | %,d rows scanned | %s rows/s", rows, human(rows / Math.max(secs, 1e-3))));
        java.util.function.LongSupplier c = counter;
        if (c != null) {
            long v = c.getAsLong();
            sb.append(String.format(Locale.ROOT, " | %,d %s (%s/s)", v, counterName, human(v / Math.max(secs, 1e-3))));
        }
        sb.append(String.format(Locale.ROOT, " | %d:%02d", (long) secs / 60, (long) secs % 60));
        if (done > 0 && done < tasks) {
            // the remaining tasks at the pace of the finished ones (a rough guide for long jobs)
            long eta = (long) (secs * (tasks - done) / done);
            sb.append(String.format(Locale.ROOT, " | ETA %d:%02d", eta / 60, eta % 60));
        }
        return sb.toString();
    }

    static String human(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (v >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }

    /** Rows read by finished tasks so far. */
    public long rowsRead() {
        return rowsRead.get();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sc.removeSparkListener(this);
        if (terminal && lastWidth > 0) {
            synchronized (this) {
                StringBuilder sb = new StringBuilder("\r");
                for (int i = 0; i < lastWidth; i++) {
                    sb.append(' ');
                }
                out.print(sb.append('\r'));
                out.flush();
            }
        }
    }
}
