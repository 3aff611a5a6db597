package dev.kindling.inference.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of {@code threads - 1} daemon workers plus the calling thread, for data-parallel
 * loops ({@link #run}): matmul row tiles, attention heads. Tasks are handed out in shrinking
 * chunks of consecutive indices from a shared counter (guided scheduling, see {@link #work}), so a
 * core slowed by another process simply takes fewer.
 *
 * <p>Hand-off cost matters (a decode step runs ~100 loops of a few hundred microseconds each), so
 * idle workers spin for {@link #SPIN_NANOS} before parking, and the caller spins while the last
 * tasks finish. One loop runs at a time; {@link #run} is not re-entrant and must be called from a
 * single thread at a time (the engine's step thread).
 */
public final class WorkerPool implements AutoCloseable {
    /** A loop body: {@code worker} in {@code [0, threads)} (0 = the caller) selects per-thread scratch. */
    @FunctionalInterface
    public interface Task {
        void run(int worker, int index);
    }

    static final long SPIN_NANOS = 200_000;

    /**
     * Loops of less work than this (multiply-adds, or values read and written) run on the calling thread alone
     * ({@link #run(int, long, Task)}): handing them to the workers costs more than it saves. A tiny model (stories260K,
     * 64 wide) does all of its loops in less than a hand-off, and the caller then spent most of its time spinning for
     * workers, which on a busy machine are often not even scheduled (docs/cpu-inference-log.md, 2026-12-03: the
     * crossover measured with {@code inference-core/bench/InlineWorkProbe.java}). {@code -Dkindling.cpu.inlineWork=N}
     * changes it (0: every loop of more than one task goes to the workers, as before).
     */
    public static final long INLINE_WORK = Long.getLong("kindling.cpu.inlineWork", 1L << 20);

    private final int threads;
    private final Worker[] workers;
    private volatile boolean closed;
    /** The loop the workers are asked to join: a new object per loop, so a worker that comes late touches only its own. */
    private volatile Loop current;

    /**
     * One parallel loop. A worker joins it ({@link #joined}) and then works only while it is not {@link #sealed}; the
     * caller seals it once its own share is done and no task is left to hand out, and then waits only for the workers
     * that joined before the seal. Before, the caller waited for every worker to see the loop, including one the OS had
     * not scheduled since, although the caller had done all the tasks itself.
     */
    private static final class Loop {
        final Task body;
        final int count;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger joined = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean sealed;

        Loop(Task body, int count) {
            this.body = body;
            this.count = count;
        }
    }
    /** Loops handed to the workers so far (written by the calling thread only). */
    private volatile long handOffs;
    private final long inlineWork;
    /** A test's stand-in for a worker the OS schedules late: run by a worker between seeing a loop and joining it. Null outside tests. */
    volatile Runnable beforeJoin;

    public WorkerPool(int threads) {
        this(threads, INLINE_WORK);
    }

    /** {@code inlineWork}: loops of less work run on the calling thread ({@link #INLINE_WORK} by default; 0: none). */
    public WorkerPool(int threads, long inlineWork) {
        this.inlineWork = inlineWork;
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** CPU time of this pool's worker threads so far, in nanoseconds (the calling thread, worker 0, is not among them). */
    public long workerCpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Worker w : workers) {
            sum += Math.max(0, mx.getThreadCpuTime(w.getId())); // -1: not measured or ended
        }
        return sum;
    }

    /** Loops handed to the workers so far (not those run on the calling thread alone). */
    public long handOffs() {
        return handOffs;
    }

    /**
     * As {@link #run(int, Task)}, on the calling thread alone when the whole loop is less than this pool's inline work
     * ({@link #INLINE_WORK} by default) in units of {@code work} (multiply-adds, or values read and written): each index runs as it would on a worker, with
     * worker 0's scratch, so the results are the same bits.
     */
    public void run(int count, long work, Task body) {
        if (work < inlineWork) {
            for (int i = 0; i < count; i++) {
                body.run(0, i);
            }
            return;
        }
        run(count, body);
    }

    /** Runs {@code body(worker, i)} for every {@code i < count}, in parallel; returns when all are done. */
    public void run(int count, Task body) {
        if (count <= 0) {
            return;
        }
        if (workers.length == 0 || count == 1) {
            for (int i = 0; i < count; i++) {
                body.run(0, i);
            }
            return;
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        handOffs++;
        Loop loop = new Loop(body, count);
        current = loop; // publishes the loop
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w);
            }
        }
        work(0, loop);
        // every task is taken: a worker that has not joined by now has nothing to do, and is not waited for (the seal
        // before the read of joined, the worker's join before its read of the seal: one of the two sees the other)
        loop.sealed = true;
        long spinStart = System.nanoTime();
        int spins = 0;
        while (loop.joined.get() > 0) {
            if (++spins < 1 << 14 || System.nanoTime() - spinStart < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        Throwable t = loop.failure.get();
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /**
     * Guided self-scheduling: each grab from the shared counter takes a chunk of consecutive indices,
     * {@code remaining / (2 * threads)} (at least one), so chunks start large and shrink to single
     * tasks at the end. Consecutive matmul panels are consecutive memory, so a thread streams long
     * runs of a matrix instead of every other panel, and the counter's cache line moves between cores
     * a few times per loop instead of once per task; the small chunks at the end keep threads
     * finishing together, and a thread slowed by another process still takes fewer. Measured on 2
     * threads, quiet machine, JDK 17, 1B Q4_0: decode 28-36 tok/s with one task per grab, 33-40 with
     * fixed chunks of an eighth, 39-42 guided; batch-16 decode 77-91, 97-109, 80-113.
     */
    private void work(int worker, Loop loop) {
        int count = loop.count;
        AtomicInteger next = loop.next;
        int first;
        while ((first = next.get()) < count) {
            int end = first + Math.max(1, (count - first) / (2 * threads));
            if (!next.compareAndSet(first, end)) {
                continue;
            }
            for (int i = first; i < end; i++) {
                try {
                    loop.body.run(worker, i);
                } catch (Throwable t) {
                    loop.failure.compareAndSet(null, t);
                    next.set(count); // stop handing out work
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private final class Worker extends Thread {
        private final int index;
        /** The loop this worker last saw; starts at the pool's (none), before any run. */
        private Loop seen;
        volatile boolean parked;

        Worker(int index) {
            super("kindling-cpu-" + index);
            this.index = index;
            this.seen = current;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                Loop loop;
                long spinStart = System.nanoTime();
                int spins = 0;
                while ((loop = current) == seen) {
                    if (closed) {
                        return;
                    }
                    if (++spins < 1 << 12 || System.nanoTime() - spinStart < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (current == seen && !closed) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                seen = loop;
                Runnable delay = beforeJoin;
                if (delay != null) {
                    delay.run();
                }
                loop.joined.incrementAndGet();
                if (!loop.sealed) {
                    work(index, loop);
                }
                loop.joined.decrementAndGet();
            }
        }
    }
}
