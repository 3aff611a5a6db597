package dev.kindling.spark.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Values looked up once per Spark task attempt and kept until it ends: what a call made for every row (the SQL
 * functions look their tokenizer or engine up per row) would otherwise ask the file system or a remote store for every
 * row. Outside a task (the driver, a thread of the user's own) nothing is kept: every call looks up.
 */
public final class PerTask {
    /** Per running task (the context itself: attempt ids start again at 0 in a later SparkContext of the same JVM). */
    private static final ConcurrentHashMap<TaskContext, Map<String, Object>> VALUES = new ConcurrentHashMap<>();

    private PerTask() {}

    @SuppressWarnings("unchecked")
    public static <T> T get(String key, Supplier<T> lookup) {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return lookup.get();
        }
        Map<String, Object> mine = VALUES.get(task);
        if (mine == null) {
            mine = new ConcurrentHashMap<>();
            VALUES.put(task, mine);
            // a task that has ended already calls the listener at once: nothing is kept for it
            task.addTaskCompletionListener((TaskCompletionListener) VALUES::remove);
        }
        Object v = mine.get(key);
        if (v == null) {
            v = lookup.get();
            mine.put(key, v);
        }
        return (T) v;
    }

    /**
     * Ends the Spark task this thread runs if it was killed, with a {@code TaskKilledException} saying what it waited for:
     * a task killed without an interrupt ({@code spark.task.interruptOnKill} false, a cancelled SQL query) is only told by
     * its flag, which a wait on another task or process has to look at. Outside a task, nothing.
     */
    public static void stopIfKilled(String waitingFor) {
        stopIfKilled(TaskContext.get(), "killed while waiting for " + waitingFor);
    }

    /**
     * Ends {@code task} (null: none, nothing done) if it was killed, with a {@code TaskKilledException} whose reason is
     * Spark's (what the UI and the task's end give: {@code another attempt succeeded}, {@code Stage cancelled: ...}) and
     * then, in brackets, {@code what} the task was doing: {@code Stage cancelled: Job group g cancelled (killed while
     * waiting for the lock on /tmp/m.lock)}. The exception's text is the task's kill reason, where it replaced Spark's.
     */
    public static void stopIfKilled(TaskContext task, String what) {
        if (task != null && task.isInterrupted()) {
            // private[spark] in Scala, public in the bytecode javac reads; empty only if the flag was set without a reason
            scala.Option<String> reason = task.getKillReason();
            throw new TaskKilledException(reason.isDefined() ? reason.get() + " (" + what + ")" : what);
        }
    }
}
