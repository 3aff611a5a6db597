package dev.kindling.spark.cli;

import java.io.FileDescriptor;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.function.BooleanSupplier;

/**
 * Whether anyone still reads the command's standard output. {@code kindling demo | head -1} kept running its whole
 * pipeline (some 85 s) after {@code head} had gone: the demo writes its header, then nothing until its table, and Java's
 * {@code PrintStream} swallows the EPIPE of a write to a pipe without a reader (the JVM ignores SIGPIPE, which stops
 * {@code yes | head -1}). A command whose only product is its stdout (a {@link SparkCommand} that writes no output,
 * {@link SparkCommand#writesAnOutput}) watches it and stops quietly with {@link #EXIT_CODE}, as a shell reports a program
 * SIGPIPE stopped.
 *
 * <p>The process's stdout is polled ({@code poll(2)} sets POLLERR on a pipe's write end once its read end is closed), so
 * the run stops within {@link #POLL_MILLIS} of the reader going, not at its next write; the command's writer is asked
 * too ({@code checkError}: a writer that failed, as the tests give one). Run as the JVM's main, the command ends the JVM
 * (its shutdown hooks clean up as after SIGTERM, without a word); run in-process (tests, {@link KindlingCli#run}), it
 * cancels the run's Spark jobs and the run returns {@link #EXIT_CODE} at the first one it starts. The poll goes through {@code sun.nio.ch.Net},
 * which Spark's JVM flags open ({@code --add-opens=java.base/sun.nio.ch=ALL-UNNAMED}, the launcher's and
 * spark-submit's); where it is not open the run ends as before, at its end.
 */
final class ClosedStdout {
    /** 128 + SIGPIPE (13): what a shell reports for {@code yes} in {@code yes | head -1} (the engine's commands give it too). */
    static final int EXIT_CODE = dev.kindling.inference.cli.Utf8Console.STDOUT_CLOSED_EXIT;
    /** How often a watch looks. */
    static final long POLL_MILLIS = 200;

    private ClosedStdout() {}

    /** Whether the process's stdout is the command's (set by {@link KindlingCli#main}; in-process runs write elsewhere). */
    private static volatile boolean processStdout;

    /** {@link KindlingCli#main}: the command writes to this process's stdout, so the watch polls it. */
    static void commandWritesProcessStdout() {
        processStdout = true;
    }

    /** Whether the command runs as this JVM's main ({@link KindlingCli#main}, spark-submit), and may end it. */
    static boolean commandOwnsTheJvm() {
        return processStdout;
    }

    /** Whether {@code out} (the command's writer, may be null) failed, or the process's stdout has lost its reader. */
    static boolean closed(PrintWriter out) {
        return (out != null && out.checkError()) || (processStdout && pipeWithoutReader(FileDescriptor.out));
    }

    /**
     * Starts a daemon thread that runs {@code onClosed} every {@link #POLL_MILLIS} once {@code closed} says so (again
     * each time: it cancels Spark jobs, and the run may start another), until the thread is interrupted.
     */
    static Thread watch(BooleanSupplier closed, Runnable onClosed) {
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    if (closed.getAsBoolean()) {
                        onClosed.run();
                    }
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                // the run is over
            }
        }, "kindling-stdout-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static final Method POLL;
    private static final int POLLOUT;
    private static final int POLLERR;

    static {
        Method poll = null;
        int out = 0;
        int err = 0;
        try {
            Class<?> net = Class.forName("sun.nio.ch.Net");
            poll = net.getDeclaredMethod("poll", FileDescriptor.class, int.class, long.class);
            poll.setAccessible(true);
            out = constant(net, "POLLOUT");
            err = constant(net, "POLLERR");
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            poll = null; // not opened to us, or another JDK: no watch
        }
        POLL = poll;
        POLLOUT = out;
        POLLERR = err;
    }

    private static int constant(Class<?> c, String name) throws ReflectiveOperationException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return ((Number) f.get(null)).intValue();
    }

    /** Whether {@code fd} is a pipe whose read end is closed (POLLERR, without waiting); false where it cannot tell. */
    static boolean pipeWithoutReader(FileDescriptor fd) {
        if (POLL == null) {
            return false;
        }
        try {
            int revents = (Integer) POLL.invoke(null, fd, POLLOUT, 0L);
            return revents > 0 && (revents & POLLERR) != 0;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
