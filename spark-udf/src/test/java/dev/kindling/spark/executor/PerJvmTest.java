package dev.kindling.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Values loaded once per JVM: one load per key, failures not kept, and one key's load does not hold up others. */
class PerJvmTest {
    @Test
    void aSlowLoadHoldsUpNoOtherKey() throws Exception {
        // "AaAa", "AaBB" and "BBBB" have the same hashCode: with computeIfAbsent the three shared a hash bin, and the
        // bin's lock, held for a whole load (a model download), made a long-loaded value wait for it
        assertEquals("Aa".hashCode(), "BB".hashCode());
        String first = "per-jvm-test:AaAa";
        String loaded = "per-jvm-test:AaBB";
        String slow = "per-jvm-test:BBBB";
        assertEquals(first.hashCode(), slow.hashCode());
        PerJvm.get(first, k -> "first");
        PerJvm.get(loaded, k -> "loaded");
        HeldLoad<String> slowValue = new HeldLoad<>(slow, () -> "slow");
        try {
            CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> PerJvm.get(loaded, k -> "loaded again"));
            assertEquals("loaded", other.get(5, TimeUnit.SECONDS));
        } finally {
            slowValue.release();
        }
        assertEquals("slow", slowValue.value.get(5, TimeUnit.SECONDS));
        assertEquals("slow", PerJvm.get(slow, k -> "again"));
    }

    /**
     * A killed task that asks for a value already loaded gets it (Spark ends the task at its next check): the kill check
     * is for a wait on another task's load, and a task that got an engine open only for the check to throw left that
     * engine open in no cache (ExecutorEngines, an auto-placed engine finding the shared one loaded).
     */
    @Test
    void aKilledTaskAskingForALoadedValueGetsIt() {
        String key = "per-jvm-test:loaded-before-the-kill";
        PerJvm.get(key, k -> "loaded");
        org.apache.spark.TaskContext outer = org.apache.spark.TaskContext.get();
        org.apache.spark.TaskContextImpl task = new org.apache.spark.TaskContextImpl(0, 0, 0, 1, 0, 1, null,
                new java.util.Properties(), null, org.apache.spark.executor.TaskMetrics.empty(), 1,
                scala.collection.immutable.Map$.MODULE$.empty());
        task.markInterrupted("test: killed without an interrupt");
        org.apache.spark.TaskContext$.MODULE$.setTaskContext(task);
        try {
            assertEquals("loaded", PerJvm.get(key, k -> "loaded again"));
        } finally {
            org.apache.spark.TaskContext$.MODULE$.setTaskContext(outer);
        }
    }

    @Test
    void oneLoadPerKeyAndAFailedLoadIsTriedAgain() throws Exception {
        AtomicInteger loads = new AtomicInteger();
        CompletableFuture<?>[] tasks = new CompletableFuture<?>[8];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = CompletableFuture.supplyAsync(() -> PerJvm.get("per-jvm-test:once", k -> {
                loads.incrementAndGet();
                return "v";
            }));
        }
        CompletableFuture.allOf(tasks).get(5, TimeUnit.SECONDS);
        assertEquals(1, loads.get());
        assertThrows(IllegalStateException.class, () -> PerJvm.get("per-jvm-test:fails", k -> {
            throw new IllegalStateException("no");
        }));
        assertEquals("ok", PerJvm.get("per-jvm-test:fails", k -> "ok"));
    }

    /**
     * A load that ends in a CancellationException (its task killed as it opened its engine: Engine.open says the model was
     * not read) is that task's: a task waiting on it, not interrupted, loads the value itself. CompletableFuture.get throws
     * a CancellationException as it is, not as an ExecutionException, so the waiting task failed with the other's.
     */
    @Test
    void aTaskWaitingOnALoadThatWasInterruptedLoadsItItself() throws Exception {
        String key = "per-jvm-test:interrupted-load";
        HeldLoad<String> killed = new HeldLoad<>(key, () -> {
            throw new java.util.concurrent.CancellationException("/m/x.gguf: opening the model was interrupted");
        });
        CompletableFuture<String> waiting = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                waiting.complete(PerJvm.get(key, k -> "loaded by the waiting task"));
            } catch (Throwable t) {
                waiting.completeExceptionally(t);
            }
        });
        waiter.start();
        try {
            while (waiter.getState() != Thread.State.WAITING && !waiting.isDone()) {
                Thread.sleep(1); // until it waits on the load in progress
            }
        } finally {
            killed.release();
        }
        java.util.concurrent.ExecutionException x = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> killed.value.get(5, TimeUnit.SECONDS));
        assertEquals(java.util.concurrent.CancellationException.class, x.getCause().getClass());
        assertEquals("loaded by the waiting task", waiting.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aValueEvictedWhileItLoadsIsClosedWhenTheLoadEnds() throws Exception {
        // ExecutorEngines.closeAll() while an engine opens: the loader hands the engine to its task, but it was no longer
        // in the map, so nothing ever closed it (its threads and KV cache stayed for the JVM's life)
        String key = "per-jvm-test:evicted-while-loading";
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        HeldLoad<AutoCloseable> value = new HeldLoad<>(key, () -> () -> closed.set(true));
        assertEquals(1, PerJvm.evictAll(key));
        value.release();
        value.value.get(5, TimeUnit.SECONDS);
        org.junit.jupiter.api.Assertions.assertTrue(closed.get(), "the value loaded after its eviction is closed");
        assertEquals("new", PerJvm.get(key, k -> "new"));
    }

    /** A load of {@code key} on another thread, under way when made, that gives {@code result} once released. */
    private static final class HeldLoad<T> {
        private final CountDownLatch release = new CountDownLatch(1);
        final CompletableFuture<T> value;

        HeldLoad(String key, java.util.function.Supplier<T> result) throws InterruptedException {
            CountDownLatch loading = new CountDownLatch(1);
            value = CompletableFuture.supplyAsync(() -> PerJvm.get(key, k -> {
                loading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return result.get();
            }));
            loading.await();
        }

        void release() {
            release.countDown();
        }
    }

    static volatile CountDownLatch loading;
    static volatile CountDownLatch release;
    static volatile long waiterAttempt;
    static volatile Thread waiterThread;

    /**
     * Partition 0 loads the key through PerJvm, or holds the lock file's lock, until {@link #release}; partition 1 waits on
     * that load or lock, its first attempt saying which it is.
     */
    static final class LoadOrWait implements org.apache.spark.api.java.function.Function<Integer, String> {
        private final String key;
        private final String lockFile;

        LoadOrWait(String key, String lockFile) {
            this.key = key;
            this.lockFile = lockFile;
        }

        @Override
        public String call(Integer partition) throws Exception {
            if (partition == 0) {
                if (lockFile != null) {
                    try (LockFiles.Lock held = LockFiles.lock(java.nio.file.Path.of(lockFile), 0, false)) {
                        loading.countDown();
                        release.await(60, TimeUnit.SECONDS);
                        return "loaded";
                    }
                }
                return PerJvm.get(key, k -> {
                    loading.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return "loaded";
                });
            }
            loading.await(60, TimeUnit.SECONDS);
            org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
            if (tc.attemptNumber() == 0) {
                waiterThread = Thread.currentThread();
                waiterAttempt = tc.taskAttemptId();
            }
            if (lockFile != null) {
                try (LockFiles.Lock mine = LockFiles.lock(java.nio.file.Path.of(lockFile), 0, false)) {
                    return "loaded";
                }
            }
            return PerJvm.get(key, k -> "loaded by the waiting task");
        }
    }

    /**
     * A task killed without an interrupt (spark.task.interruptOnKill false, a SQL query cancelled: only the task's flag is
     * set) while it waits on another task's load (a model downloaded and opened, minutes) ends then, as a task killed as it
     * generates does; its retry takes the value loaded. It waited for the whole load, its kill unseen.
     */
    @Test
    void aTaskKilledWithoutAnInterruptWhileWaitingOnALoadEndsThen() {
        assertEquals("test: killed without an interrupt (killed while waiting for per-jvm-test:killed-waiter to load)",
                killedWithoutAnInterruptWhileWaiting(new LoadOrWait("per-jvm-test:killed-waiter", null)));
    }

    /**
     * So too a task waiting for a lock file's lock (LocalFiles: another executor on the host copying the model from S3), which
     * waited for the holder to let it go.
     */
    @Test
    void aTaskKilledWithoutAnInterruptWhileWaitingForALockEndsThen(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertEquals("test: killed without an interrupt (killed while waiting for the lock on " + dir.resolve("copy.lock") + ")",
                killedWithoutAnInterruptWhileWaiting(new LoadOrWait(null, dir.resolve("copy.lock").toString())));
    }

    /**
     * Runs {@code tasks} over partitions 0 and 1, kills partition 1's first attempt as it waits, and sees it end before the
     * release; returns the reason its end gives (the UI's): Spark's, then what it waited for, where the wait's text
     * replaced Spark's reason.
     */
    static String killedWithoutAnInterruptWhileWaiting(LoadOrWait tasks) {
        org.apache.spark.sql.SparkSession spark = dev.kindling.spark.TestSpark.session();
        loading = new CountDownLatch(1);
        release = new CountDownLatch(1);
        waiterThread = null;
        waiterAttempt = -1;
        CountDownLatch waiterKilled = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<String> killReason = new java.util.concurrent.atomic.AtomicReference<>();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.taskInfo().taskId() == waiterAttempt && end.reason() instanceof org.apache.spark.TaskKilled killed) {
                    killReason.set(killed.reason());
                    waiterKilled.countDown();
                }
            }
        };
        dev.kindling.spark.TestSpark.listening(listener, () -> {
            CompletableFuture<java.util.List<String>> job = CompletableFuture.supplyAsync(() -> new org.apache.spark.api.java.JavaSparkContext(
                    spark.sparkContext()).parallelize(java.util.List.of(0, 1), 2).map(tasks).collect());
            try {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (waiterThread == null || waiterThread.getState() == Thread.State.RUNNABLE) {
                    org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() < until, "the second task waits");
                    Thread.sleep(5);
                }
                spark.sparkContext().killTaskAttempt(waiterAttempt, false, "test: killed without an interrupt");
                org.junit.jupiter.api.Assertions.assertTrue(waiterKilled.await(10, TimeUnit.SECONDS),
                        "the killed task ended while the other held on");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                release.countDown();
            }
            try {
                assertEquals(java.util.List.of("loaded", "loaded"), job.get(30, TimeUnit.SECONDS), "the retry took the value loaded");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        return killReason.get();
    }
}
