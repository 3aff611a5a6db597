package dev.kindling.spark.executor;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Things loaded once per JVM (one per executor), shared by every task thread there, and closed when
 * the JVM ends: tokenizers, inference engines. Keyed by what identifies them (path + options), never
 * serialised with tasks. Loading happens at most once per key even when many tasks ask at the same
 * time; a failed load is not cached, so a later task can retry.
 *
 * <pre>{@code
 * Tokenizer t = PerJvm.get("tokenizer:" + path, k -> Tokenizer.load(LocalFiles.localize(path)));
 * }</pre>
 */
public final class PerJvm {
    /**
     * A value, or the load in progress. Not {@code computeIfAbsent} with the loader: that holds the
     * lock of the key's hash bin for the whole load (a model download, minutes), so every other key
     * of that bin, even one long loaded, waited for it, uninterruptibly.
     */
    private static final ConcurrentHashMap<String, CompletableFuture<Object>> VALUES = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PerJvm::closeAll, "kindling-per-jvm-close"));
    }

    /** How often a task waiting on another's load looks whether it was killed (a wait, not a generation: no hurry). */
    static final long KILL_CHECK_MILLIS = 100;

    private PerJvm() {}

    @SuppressWarnings("unchecked")
    public static <T> T get(String key, Function<String, T> loader) {
        while (true) {
            CompletableFuture<Object> f = VALUES.get(key);
            if (f == null) {
                CompletableFuture<Object> mine = new CompletableFuture<>();
                f = VALUES.putIfAbsent(key, mine);
                if (f == null) {
                    try {
                        T v = loader.apply(key);
                        mine.complete(v);
                        return v;
                    } catch (RuntimeException | Error e) {
                        VALUES.remove(key, mine); // not cached: a later task tries again
                        mine.completeExceptionally(e);
                        throw e;
                    }
                }
            }
            try {
                return (T) await(f, key);
            } catch (ExecutionException | CancellationException e) {
                // another task's load failed (and is forgotten): try it here, as computeIfAbsent did; so too where it was
                // interrupted (its task killed as it opened its engine), which get() throws as that CancellationException
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the task is being killed
                throw new CancellationException("interrupted while waiting for " + key + " to load");
            }
        }
    }

    /**
     * The load's value. A Spark task killed without an interrupt ({@code spark.task.interruptOnKill} false, a SQL query
     * cancelled) is only told by its flag, so the wait looks at it every {@link #KILL_CHECK_MILLIS}: it waited out the whole
     * load (a model downloaded and opened, minutes), its kill unseen.
     */
    private static Object await(CompletableFuture<Object> f, String key) throws InterruptedException, ExecutionException {
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        if (task == null || f.isDone()) {   // a value there already is taken, killed or not: nothing is waited for
            return f.get();
        }
        while (true) {
            PerTask.stopIfKilled(key + " to load");
            try {
                return f.get(KILL_CHECK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // still loading: look at the flag again
            }
        }
    }

    /** Removes (and closes, if AutoCloseable) the value for {@code key}, once loaded when its load is in progress. */
    public static void evict(String key) {
        evict(key, PerJvm::closeQuietly);
    }

    /**
     * Removes the value for {@code key} and hands it to {@code close} (e.g. to close it once its users are done), once
     * loaded when its load is in progress.
     */
    public static void evict(String key, Consumer<Object> close) {
        CompletableFuture<Object> f = VALUES.remove(key);
        if (f != null) {
            // a load in progress is closed when it ends: its loader hands the value to its task, and it is no longer
            // here for a later evict to find
            f.thenAccept(close);
        }
    }

    /** Removes {@code key} if its loaded value is {@code value} (one its owner closed already), leaving any other be. */
    public static void forget(String key, Object value) {
        CompletableFuture<Object> f = VALUES.get(key);
        if (f != null && f.isDone() && !f.isCompletedExceptionally() && f.getNow(null) == value) {
            VALUES.remove(key, f);
        }
    }

    static void closeAll() {
        evictAll("");
    }

    /** {@link #evict}s every value, loaded or loading, whose key starts with {@code prefix}; returns how many there were. */
    public static int evictAll(String prefix) {
        int n = 0;
        for (String k : VALUES.keySet()) {
            if (k.startsWith(prefix)) {
                evict(k);
                n++;
            }
        }
        return n;
    }

    static void closeQuietly(Object v) {
        if (v instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the JVM is going away or the value is being replaced
            }
        }
    }
}
