package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The pool's loops: every index once, a late worker not waited for, failures thrown to the caller. */
class WorkerPoolTest {

    /**
     * A worker the OS has not scheduled yet (a busy machine: Spark tasks, other executors) held up every loop: the caller
     * did all the tasks itself and then waited for that worker to see the loop. Now it waits only for workers that joined.
     */
    @Test
    void aLateWorkerIsNotWaitedFor() throws Exception {
        try (WorkerPool pool = new WorkerPool(2, 0)) {
            CountDownLatch release = new CountDownLatch(1);
            pool.beforeJoin = () -> {
                try {
                    release.await(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            AtomicIntegerArray runs = new AtomicIntegerArray(64);
            long t0 = System.nanoTime();
            for (int loop = 0; loop < 5; loop++) {
                pool.run(64, (worker, i) -> {
                    assertEquals(0, worker, "index " + i + " ran on a worker held before joining");
                    runs.incrementAndGet(i);
                });
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            release.countDown();
            for (int i = 0; i < 64; i++) {
                assertEquals(5, runs.get(i), "index " + i + " ran " + runs.get(i) + " times in 5 loops");
            }
            assertTrue(ms < 5_000, "5 loops with a worker held before joining took " + ms + " ms: the caller waited for it");
        }
    }

    /** Workers joining at random moments (some early, some after the caller is done): every index of every loop exactly once. */
    @Test
    void everyIndexRunsOnceWhateverTheWorkersTiming() {
        for (int threads : new int[] {2, 4}) {
            try (WorkerPool pool = new WorkerPool(threads, 0)) {
                java.util.Random r = new java.util.Random(threads);
                pool.beforeJoin = () -> {
                    int d;
                    synchronized (r) {
                        d = r.nextInt(4);
                    }
                    if (d == 0) {
                        Thread.yield();
                    } else if (d == 1) {
                        LockSupport.parkNanos(50_000);
                    }
                };
                for (int loop = 0; loop < 2000; loop++) {
                    int count = 1 + loop % 37;
                    AtomicIntegerArray runs = new AtomicIntegerArray(count);
                    long[] out = new long[count];
                    pool.run(count, (worker, i) -> {
                        runs.incrementAndGet(i);
                        out[i] = (long) i * i;
                    });
                    for (int i = 0; i < count; i++) {
                        assertEquals(1, runs.get(i), threads + " threads, loop " + loop + ": index " + i + " ran " + runs.get(i) + " times");
                        assertEquals((long) i * i, out[i], threads + " threads, loop " + loop + ": index " + i + "'s result not seen by the caller");
                    }
                }
            }
        }
    }

    @Test
    void aFailingTaskFailsTheLoopAndThePoolGoesOn() {
        try (WorkerPool pool = new WorkerPool(2, 0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.run(100, (worker, i) -> {
                if (i == 57) {
                    throw new IllegalArgumentException("task 57");
                }
            }));
            assertEquals("task 57", e.getMessage());
            AtomicIntegerArray runs = new AtomicIntegerArray(100);
            pool.run(100, (worker, i) -> runs.incrementAndGet(i));
            for (int i = 0; i < 100; i++) {
                assertEquals(1, runs.get(i), "after a failed loop, index " + i + " ran " + runs.get(i) + " times");
            }
        }
    }
}
