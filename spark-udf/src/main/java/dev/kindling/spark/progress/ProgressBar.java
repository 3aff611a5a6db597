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
 * A one-line progress display for long jobs, from Spark's status tracker (stages, tasks) and the rows the tasks scanned
 * ({@link ScannedRows}: a DataFrame's scans' rows, a cached one's too, also through an RDD made of it, else the task's
 * input records): {@code [stage 4] 12/16 tasks | 1,204,331 rows | 45.1k rows/s | 0:27}.
 *
 * <p>On a terminal the line redraws in place every 250 ms, from the command's start: while Spark starts, and while no
 * stage runs for a second (the driver plans the next one), it says so with the time so far ({@code demo [starting Spark]
 * | 0:04}, {@code [preparing]}, {@code [between stages]}): the demo on a busy 2-core host showed nothing but its header
 * for 36 s before its first stage, and a line frozen for 10 s between two. Otherwise (logs of Airflow, a CI job) a plain
 * line is printed every 30 s while a stage runs, and nothing else: a log is read afterwards, where a job under 30 s has
 * its summary. {@code --no-progress}: no bar at all. Extra counters (tokens, documents) can be shown with {@link #counter}.
 */
public final class ProgressBar extends SparkListener implements AutoCloseable {
    /**
     * The local property that marks jobs whose rows are not the job's: a read's passes over its input before the work
     * (JSON schema inference reads every row, the empty-input check one), which the line counted as rows read.
     */
    static final String UNCOUNTED = "kindling.progress.uncounted";

    /** Null until {@link #attach}: the line says Spark is starting. */
    private volatile SparkContext sc;
    /** Whether a stage has run: with none running the line says "preparing" before, "between stages" after. */
    private volatile boolean stageSeen;
    /** When a stage was last seen running: a pause under {@link #IDLE_AFTER_NANOS} keeps the stage's line (no flicker). */
    private volatile long lastStageNanos;
    private static final long IDLE_AFTER_NANOS = 1_000_000_000L;
    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final AtomicLong rowsRead = new AtomicLong();
    private final AtomicLong rowsWritten = new AtomicLong();
    private final java.util.Set<Integer> uncountedStages = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ScannedRows scanned = new ScannedRows();
    private volatile String counterName;
    private volatile java.util.function.LongSupplier counter;
    private final long start = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;
    private int lastWidth;

    private ProgressBar(PrintStream out, boolean terminal, String label) {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        thread = new Thread(this::loop, "kindling-progress");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts a progress display on stderr; terminal rendering when stderr is a terminal. */
    public static ProgressBar start(SparkContext sc, String label) {
        ProgressBar bar = start(label);
        bar.attach(sc);
        return bar;
    }

    /** Starts a progress display on stderr before Spark is up ({@link #attach} it to the context once there is one). */
    public static ProgressBar start(String label) {
        return new ProgressBar(System.err, stderrIsTerminal(), label);
    }

    /** Follows the jobs of {@code sc} from now on. */
    public void attach(SparkContext sc) {
        sc.addSparkListener(this);
        this.sc = sc;
        ProgressLines.barAttached(sc); // a session's progress lines wait while this bar draws its jobs
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
    public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart start) {
        scanned.onJobStart(start);
    }

    @Override
    public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent event) {
        scanned.onOtherEvent(event);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() != null && !uncountedStages.contains(end.stageId())) {
            rowsRead.addAndGet(scanned.of(end));
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
            if (terminal) {
                if (line != null) {
                    draw(line);
                } else if (!stageSeen || System.nanoTime() - lastStageNanos > IDLE_AFTER_NANOS) {
                    draw(idle());
                }
            } else if (line != null && System.nanoTime() - lastPlain > 30_000_000_000L) {
                out.println("kindling: " + line);
                lastPlain = System.nanoTime();
            }
        }
    }

    private synchronized void draw(String line) {
        if (!running) {
            return; // closed meanwhile: the line is cleared
        }
        StringBuilder sb = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < lastWidth; i++) {
            sb.append(' ');
        }
        lastWidth = line.length();
        out.print(sb);
        out.flush();
    }

    /** The terminal's line while no stage runs: what is going on and the time so far. */
    String idle() {
        String what = sc == null ? "starting Spark" : stageSeen ? "between stages" : "preparing";
        long secs = (System.nanoTime() - start) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%s [%s] | %d:%02d", label, what, secs / 60, secs % 60);
    }

    /**
     * Clears the terminal's line, for a line written to stdout on the same terminal (it was written after the bar's);
     * the next tick draws it again.
     */
    public synchronized void clearLine() {
        if (terminal && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            out.flush();
            lastWidth = 0;
        }
    }

    /**
     * Clears the terminal's line and runs {@code write} (a line for stdout on the same terminal) before the bar may draw
     * again: cleared first and written after, as two steps, a redraw between them (the bar draws every 250 ms) put the
     * bar's line in front of the written one ({@code kindling bench dedup}'s JSON line, after seconds without a stage).
     */
    public synchronized void whileCleared(Runnable write) {
        clearLine();
        write.run();
    }

    /** The current line, or null when no stage is running (or Spark is not attached yet). */
    String render() {
        SparkContext sc = this.sc;
        if (sc == null) {
            return null;
        }
        SparkStatusTracker st = sc.statusTracker();
        int[] active = st.getActiveStageIds();
        if (active.length == 0) {
            return null;
        }
        stageSeen = true;
        lastStageNanos = System.nanoTime();
        Stages stages = Stages.of(st, active);
        int tasks = stages.tasks();
        int done = stages.done();
        int running = stages.running();
        double secs = (System.nanoTime() - start) / 1e9;
        long rows = rowsRead.get();
        StringBuilder sb = new StringBuilder();
        sb.append(label).append(' ').append(stages.name()).append(' ');
        int width = 20;
        int filled = tasks == 0 ? 0 : (int) Math.round(width * (double) done / tasks);
        sb.append('[');
        for (int i = 0; i < width; i++) {
            sb.append(i < filled ? '=' : i == filled && running > 0 ? '>' : ' ');
        }
        sb.append("] ").append(stages.counts());
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

    /**
     * The running stages {@code ids} of a line: the first's id ({@code [stage 4]}, {@code [stage 4+1]} with one more), and
     * their tasks in all, done and running, from Spark's status tracker.
     */
    record Stages(int first, int count, int tasks, int done, int running) {
        static Stages of(SparkStatusTracker st, int[] ids) {
            int tasks = 0;
            int done = 0;
            int running = 0;
            int first = Integer.MAX_VALUE;
            for (int id : ids) {
                SparkStageInfo info = st.getStageInfo(id).getOrElse(() -> null);
                if (info == null) {
                    continue;
                }
                first = Math.min(first, id);
                tasks += info.numTasks();
                done += info.numCompletedTasks();
                running += info.numActiveTasks();
            }
            return new Stages(first, ids.length, tasks, done, running);
        }

        String name() {
            return "[stage " + (first == Integer.MAX_VALUE ? "?" : first) + (count > 1 ? "+" + (count - 1) : "") + "]";
        }

        /** The tasks done of those in all, {@code 12/40 tasks}, {@code 0/1 task} (a job's done line says {@code 1 task}). */
        String counts() {
            return done + "/" + tasks + (tasks == 1 ? " task" : " tasks");
        }
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

    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sc != null && released.compareAndSet(false, true)) { // once: a second close must not release another bar's hold
            sc.removeSparkListener(this);
            ProgressLines.barClosed(sc);
        }
        clearLine();
    }
}
