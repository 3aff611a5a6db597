package dev.kindling.spark.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of the long jobs of a session started from code ({@code SparkSessions.getOrCreate}: a notebook cell, an
 * application), as whole lines on stderr, each flushed: a job that runs longer than the interval ({@value #DEFAULT_INTERVAL}
 * by default) gets a line every interval, {@code kindling: job 3 [stage 5] 12/40 tasks | 1,204,331 rows scanned | 45.1k
 * rows/s | 0:27}, and one when it ends, {@code kindling: job 3 done in 0:47 | 40 tasks | 2,001,544 rows scanned} (one
 * task: {@code 0/1 task}, {@code 1 task}); a shorter job prints nothing. A command's session has {@link ProgressBar} instead. Spark's console bar is off in
 * Kindling's local sessions, and would not do: it redraws with {@code \r} and never flushes, where the tour's Jupyter
 * kernel (rapaio-jupyter-kernel) sends a cell's stderr only when it is flushed, and shows {@code \r} redraws poorly.
 *
 * <p>{@value #ENABLED}{@code =false} turns them off; {@value #INTERVAL} sets the interval (a Spark time, {@code 30s}). A
 * line that cannot be made or written (a stream that throws) is left out with a warning, the first time only, and the
 * lines go on.
 */
public final class ProgressLines extends SparkListener {
    /** The setting that turns the lines off ({@code false}); on by default in sessions started from code. */
    public static final String ENABLED = "spark.kindling.progress";
    /** The setting of the time between two lines of a job, and before its first. */
    public static final String INTERVAL = "spark.kindling.progress.interval";
    static final String DEFAULT_INTERVAL = "10s";
    private static final Logger LOG = LoggerFactory.getLogger(ProgressLines.class);

    /** The lines of each context followed, one at most. */
    private static final Map<SparkContext, ProgressLines> FOLLOWING = new ConcurrentHashMap<>();
    /**
     * The contexts whose jobs a command's {@link ProgressBar} draws, with how many bars: their jobs get no lines meanwhile,
     * as a command run in a notebook's session (in-process) drew both its bar and these lines.
     */
    private static final Map<SparkContext, Integer> BARS = new ConcurrentHashMap<>();

    /** A running job: when it started, its stages, the rows its tasks have read, and when its next line is due. */
    private static final class Job {
        final int id;
        final long start = System.nanoTime();
        final int[] stages;
        final AtomicLong rows = new AtomicLong();
        final AtomicLong tasksDone = new AtomicLong();
        volatile long nextLine;
        volatile boolean shown;

        Job(int id, int[] stages, long interval) {
            this.id = id;
            this.stages = stages;
            this.nextLine = start + interval;
        }
    }

    private final SparkContext sc;
    private final long intervalNanos;
    private final Map<Integer, Job> jobs = new ConcurrentHashMap<>();
    /** The job of each running stage, for its tasks' rows. */
    private final Map<Integer, Job> jobOfStage = new ConcurrentHashMap<>();
    private final ScannedRows scanned = new ScannedRows();
    private final Thread thread;
    private volatile boolean running = true;
    /** Whether a line failed already: one warning per context's lines, not one a tick. */
    private final AtomicBoolean failed = new AtomicBoolean();

    private ProgressLines(SparkContext sc, long intervalMs) {
        this.sc = sc;
        this.intervalNanos = intervalMs * 1_000_000L;
        thread = new Thread(this::loop, "kindling-progress-lines");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Follows the jobs of {@code sc} with lines as {@code settings} say ({@link #ENABLED}, {@link #INTERVAL}): starts them,
     * changes their interval, or stops them. A second session of the context, or the same one asked for again, has the
     * same lines, not a second set.
     */
    public static synchronized void follow(SparkContext sc, SparkConf settings) {
        String enabled = settings.get(ENABLED, "true").trim();
        if (!enabled.equalsIgnoreCase("true") && !enabled.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(ENABLED + " must be true or false, got '" + enabled + "'");
        }
        boolean on = enabled.equalsIgnoreCase("true");
        long intervalMs;
        try {
            intervalMs = settings.getTimeAsMs(INTERVAL, DEFAULT_INTERVAL);
        } catch (NumberFormatException e) {
            intervalMs = -1;
        }
        if (intervalMs <= 0) {
            throw new IllegalArgumentException(INTERVAL + " must be a positive time (10s, 500ms), got '" + settings.get(INTERVAL) + "'");
        }
        ProgressLines now = FOLLOWING.get(sc);
        if (now != null && on && now.intervalNanos == intervalMs * 1_000_000L) {
            return;
        }
        if (now != null) {
            now.stop();
        }
        if (on && !sc.isStopped()) {
            ProgressLines lines = new ProgressLines(sc, intervalMs);
            sc.addSparkListener(lines);
            FOLLOWING.put(sc, lines);
        }
    }

    /**
     * A {@link ProgressBar} draws {@code sc}'s jobs from now on: the jobs that had lines are drawn by the bar, their ends
     * too, so none of them gets a done line unless it gets a line again after the bar closes (another thread's job that
     * runs on). Held off while a line is written ({@link #guarded}), and a job's end waits for it, so a job whose end
     * Spark's listener bus handles after the bar closed, as it may, still ends without a line.
     */
    static synchronized void barAttached(SparkContext sc) {
        BARS.merge(sc, 1, Integer::sum);
        ProgressLines lines = FOLLOWING.get(sc);
        if (lines != null) {
            for (Job job : lines.jobs.values()) {
                job.shown = false;
            }
        }
    }

    /** A {@link ProgressBar} of {@code sc} closed. */
    static void barClosed(SparkContext sc) {
        BARS.computeIfPresent(sc, (k, n) -> n == 1 ? null : n - 1);
    }

    /** Whether {@code sc}'s jobs get lines. */
    public static boolean following(SparkContext sc) {
        return FOLLOWING.containsKey(sc);
    }

    private synchronized void stop() {
        running = false;
        thread.interrupt();
        FOLLOWING.remove(sc, this);
        sc.removeSparkListener(this);
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        int[] stages = new int[start.stageIds().size()];
        for (int i = 0; i < stages.length; i++) {
            stages[i] = (Integer) start.stageIds().apply(i);
        }
        scanned.onJobStart(start);
        Job job = new Job(start.jobId(), stages, intervalNanos);
        jobs.put(job.id, job);
        for (int stage : stages) {
            jobOfStage.put(stage, job);
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        Job job = jobOfStage.get(end.stageId());
        if (job != null) {
            job.rows.addAndGet(scanned.of(end));
        }
        if (job != null && end.reason() instanceof org.apache.spark.Success$) {
            job.tasksDone.incrementAndGet();
        }
    }

    @Override
    public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent event) {
        scanned.onOtherEvent(event);
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
        Job job = jobs.remove(end.jobId());
        if (job == null) {
            return;
        }
        for (int stage : job.stages) {
            jobOfStage.remove(stage, job);
        }
        // a job that had lines ends with one: the last line said where it was, not that it finished; unless a bar
        // attached since, which draws the job from then on, its end too (barAttached)
        boolean ok = end.jobResult() instanceof org.apache.spark.scheduler.JobSucceeded$;
        guarded(job, true, () -> String.format(Locale.ROOT, "kindling: job %d %s in %s | %,d task%s | %,d rows scanned", job.id,
                ok ? "done" : "failed", clock(System.nanoTime() - job.start), job.tasksDone.get(), job.tasksDone.get() == 1 ? "" : "s",
                job.rows.get()));
    }

    @Override
    public void onApplicationEnd(SparkListenerApplicationEnd end) {
        synchronized (ProgressLines.class) {
            stop();
        }
    }

    private void loop() {
        long tick = Math.max(50_000_000L, Math.min(intervalNanos / 4, 1_000_000_000L));
        while (running) {
            try {
                Thread.sleep(tick / 1_000_000L);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            boolean drawnByABar = BARS.containsKey(sc);
            for (Job job : jobs.values()) {
                if (now >= job.nextLine) {
                    job.nextLine = now + intervalNanos;
                    if (!drawnByABar) {
                        guarded(job, false, () -> line(job, now));
                    }
                }
            }
        }
    }

    /**
     * Writes {@code line}'s line, if any, and marks {@code job} as shown, unless a bar draws the context's jobs, or, for
     * an {@code end} line, the job has not been shown since the last bar attached; an exception (the status tracker's, a
     * stream's) leaves the line out and is logged, the first time only: it ended the lines' thread without a word. The
     * checks and the write are one step against {@link #barAttached}: checked before it and written after, a line came
     * under the bar, or a job shown then lost no done line.
     */
    private void guarded(Job job, boolean end, java.util.function.Supplier<String> line) {
        try {
            if (end && !job.shown) {
                return;
            }
            String text = line.get();
            synchronized (ProgressLines.class) {
                if (text != null && !BARS.containsKey(sc) && (!end || job.shown)) {
                    job.shown = true;
                    write(text);
                }
            }
        } catch (RuntimeException e) {
            if (failed.compareAndSet(false, true)) {
                LOG.warn("A progress line of job {} failed and is left out; the lines go on, and further failures are not logged",
                        job.id, e);
            }
        }
    }

    /** The line of a running job, or null when none of its stages runs (the driver plans the next one). */
    String line(Job job, long now) {
        SparkStatusTracker st = sc.statusTracker();
        java.util.Set<Integer> active = new java.util.HashSet<>();
        for (int id : st.getActiveStageIds()) {
            active.add(id);
        }
        int[] running = java.util.Arrays.stream(job.stages).filter(active::contains).toArray();
        if (running.length == 0) {
            return null;
        }
        ProgressBar.Stages stages = ProgressBar.Stages.of(st, running);
        double secs = Math.max(1e-3, (now - job.start) / 1e9);
        long rows = job.rows.get();
        return String.format(Locale.ROOT, "kindling: job %d %s %s | %,d rows scanned | %s rows/s | %s", job.id,
                stages.name(), stages.counts(), rows, ProgressBar.human(rows / secs), clock(now - job.start));
    }

    private static String clock(long nanos) {
        long secs = nanos / 1_000_000_000L;
        return String.format(Locale.ROOT, "%d:%02d", secs / 60, secs % 60);
    }

    /** One whole line on the current stderr (a notebook kernel's, a test's), flushed: a kernel sends stderr on flush. */
    private static synchronized void write(String line) {
        PrintStream err = System.err;
        err.println(line);
        err.flush();
    }
}
