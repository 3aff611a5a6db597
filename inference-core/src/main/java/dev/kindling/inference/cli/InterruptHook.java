package dev.kindling.inference.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a command that writes files does on SIGINT or SIGTERM (Ctrl-C, a scheduler's timeout, {@code kill}): a shutdown
 * hook asks the command to stop ({@link #stopping}), waits up to {@link #WAIT_MILLIS} for it to finish cleanly (it stops
 * at a row's end and closes its outputs, so every row written is whole), then prints each output's state, one line each:
 * {@code complete}, {@code partial, N rows written} or {@code not started}. Without it the JVM ended mid-run, and the
 * output's last line could be cut with nothing said about how far the run had got.
 *
 * <p>Installed by {@link #install} for the time of one run and removed by {@link #close} (so a normal exit runs nothing).
 */
final class InterruptHook implements AutoCloseable {
    /** How long the hook waits for the command to stop. */
    static final long WAIT_MILLIS = 10_000;

    /** One output file and how far the command got with it; written by the command's thread, read by the hook. */
    static final class Output {
        private final Path path;
        private volatile boolean started;
        private volatile boolean complete;
        private volatile long rows;
        private volatile long durableRows;

        Output(Path path) {
            this.path = path;
        }

        /** The file is opened (an existing one truncated). */
        void started() {
            started = true;
        }

        /** One more row handed to the file's writer. */
        void wrote() {
            rows++;
        }

        /** The rows written so far are in the file (its writer flushed or closed). */
        void flushed() {
            durableRows = rows;
        }

        /** Every row is written and the file closed. */
        void complete() {
            durableRows = rows;
            complete = true;
        }

        Path path() {
            return path;
        }

        /** Its state, for the hook's line: the rows counted are those known to be in the file. */
        String state() {
            if (complete) {
                return "complete, " + durableRows + " rows";
            }
            if (!started) {
                return "not started (an existing file was left as it was)";
            }
            return "partial, " + durableRows + " rows written (the first rows of the input, in its order)";
        }
    }

    private final String command;
    private final PrintStream err;
    private final List<Output> outputs;
    private final long waitMillis;
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean stopping;

    private InterruptHook(String command, PrintStream err, List<Output> outputs, long waitMillis) {
        this.command = command;
        this.err = err;
        this.outputs = List.copyOf(outputs);
        this.waitMillis = waitMillis;
        this.hook = new Thread(this::interrupted, command + "-interrupt");
    }

    /** Registers the hook for {@code outputs}; close it when the command ends. */
    static InterruptHook install(String command, PrintStream err, List<Output> outputs) {
        InterruptHook h = new InterruptHook(command, err, outputs, WAIT_MILLIS);
        Runtime.getRuntime().addShutdownHook(h.hook);
        return h;
    }

    /** A hook that is not registered (tests call {@link #interrupted} themselves). */
    static InterruptHook unregistered(String command, PrintStream err, List<Output> outputs, long waitMillis) {
        return new InterruptHook(command, err, outputs, waitMillis);
    }

    /** True once the hook has run: the command stops at the next row's end and closes its outputs. */
    boolean stopping() {
        return stopping;
    }

    /** The hook: asks the command to stop, waits for it, says what each output holds. */
    void interrupted() {
        stopping = true;
        boolean finished;
        try {
            finished = done.await(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        err.println(command + ": interrupted" + (finished ? "" : "; it did not stop within "
                + (waitMillis % 1000 == 0 ? waitMillis / 1000 + " s" : waitMillis + " ms") + ", so an output's last line may be cut"));
        for (Output o : outputs) {
            err.println(command + ": " + o.path() + ": " + o.state());
        }
        err.flush();
    }

    /** The command has ended (normally or not): the hook no longer waits, and is removed if the JVM is not exiting. */
    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is exiting (the hook is running, and has just been told the command ended), or it was never registered
        }
    }
}
