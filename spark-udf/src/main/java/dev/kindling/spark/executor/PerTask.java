package dev.kindling.spark.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.spark.TaskContext;
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
        TaskContext task = TaskContext.get();
        if (task != null && task.isInterrupted()) {
            throw new org.apache.spark.TaskKilledException("killed while waiting for " + waitingFor);
        }
    }
}
