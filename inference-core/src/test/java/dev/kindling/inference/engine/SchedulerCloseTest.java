package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.EngineClosedException;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.testing.SharedData;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Closing the scheduler while a step runs, and listeners that fail. */
class SchedulerCloseTest {
    /** The CPU backend, whose forward can be held inside a step. */
    static class Held extends DelegatingBackend {
        final CountDownLatch inStep = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        final AtomicBoolean stepping = new AtomicBoolean();
        final AtomicBoolean closedDuringStep = new AtomicBoolean();
        final AtomicInteger closes = new AtomicInteger();

        Held(CpuBackend cpu) {
            super(cpu);
        }

        @Override
        public void forward(Step s) {
            stepping.set(true);
            inStep.countDown();
            try {
                letGo.await();
                inner.forward(s);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stepping.set(false);
            }
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            closedDuringStep.compareAndSet(false, stepping.get());
            inner.close();
        }
    }

    static Model stories() {
        return Llama2cLoader.load(SharedData.require("llama2c/stories260K.bin"));
    }

    @Test
    void aStepOutlastingTheCloseWaitKeepsItsBackendUntilItEnds() throws Exception {
        // the engine closed its backend as soon as the scheduler's wait (10 s) ran out, under a step still running: a
        // CPU backend's workers went away beneath the step's matmuls
        Held b = new Held(new CpuBackend(stories(), 1, 64, 16, 32L << 20));
        Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4);
        CompletableFuture<Completion> f = s.generate(new int[] {1}, GenerationRequest.ofTokens(1).withMaxTokens(5), null);
        assertTrue(b.inStep.await(30, TimeUnit.SECONDS));
        s.close(b::close, 50);
        assertEquals(0, b.closes.get(), "the backend stays open while its step runs");
        b.letGo.countDown();
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // failed as closed, or done if the step finished it
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (b.closes.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, b.closes.get(), "closed once, when the step ended");
        assertFalse(b.closedDuringStep.get());
        s.close(b::close, 50);
        assertEquals(2, b.closes.get(), "a close after the thread stopped releases at once");
    }

    @Test
    void anAssertionErrorInOneListenerFailsNoOtherRequest() throws Exception {
        // a listener's Error went past its catch to the step's, which failed every running request of every caller; then
        // it was logged and the generation went on, streaming to a caller whose check had failed: now it ends that
        // generation alone, as a listener's exception does
        CpuBackend b = new CpuBackend(stories(), 1, 64, 16, 32L << 20);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4)) {
            GenerationRequest r = GenerationRequest.ofTokens(1).withMaxTokens(8).withIgnoreEos(true);
            AssertionError check = new AssertionError("a caller's check");
            CompletableFuture<Completion> failing = s.generate(new int[] {1}, r, (i, token, piece, lp) -> {
                throw check;
            });
            CompletableFuture<Completion> other = s.generate(new int[] {1}, r, null);
            assertEquals(8, other.get(30, TimeUnit.SECONDS).tokens().length);
            ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(30, TimeUnit.SECONDS));
            assertInstanceOf(RuntimeException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("request 1"), e.getCause().getMessage());
            assertSame(check, e.getCause().getCause());
        } finally {
            b.close();
        }
    }

    @Test
    void aStackOverflowInOneListenerIsAttachedToItsRequestsErrorNotItsCause() throws Exception {
        // Spark ends an executor's JVM for a task failing with a StackOverflowError among its causes
        CpuBackend b = new CpuBackend(stories(), 1, 64, 16, 32L << 20);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4)) {
            GenerationRequest r = GenerationRequest.ofTokens(1).withMaxTokens(8).withIgnoreEos(true);
            CompletableFuture<Completion> failing = s.generate(new int[] {1}, r, (i, token, piece, lp) -> {
                throw new StackOverflowError("a caller's recursion");
            });
            CompletableFuture<Completion> other = s.generate(new int[] {1}, r, null);
            assertEquals(8, other.get(30, TimeUnit.SECONDS).tokens().length);
            ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(30, TimeUnit.SECONDS));
            assertNull(e.getCause().getCause());
            assertInstanceOf(StackOverflowError.class, e.getCause().getSuppressed()[0]);
        } finally {
            b.close();
        }
    }

    /** Throws {@code t} past Java's checks, as a Scala or Kotlin lambda throws a checked exception. */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> void sneaky(Throwable t) throws E {
        throw (E) t;
    }

    @Test
    void aCheckedExceptionFromAListenerFailsOnlyItsRequest() throws Exception {
        // a listener's IOException (Scala, Kotlin) went past the listener's catch (RuntimeException | Error) and the
        // step's, to the loop's: every running request of every caller failed as an engine failure, which the Spark
        // stages retry as a task failure
        CpuBackend b = new CpuBackend(stories(), 1, 64, 16, 32L << 20);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4)) {
            GenerationRequest r = GenerationRequest.ofTokens(1).withMaxTokens(8).withIgnoreEos(true);
            java.io.IOException socket = new java.io.IOException("socket closed");
            CompletableFuture<Completion> failing = s.generate(new int[] {1}, r, (i, token, piece, lp) -> {
                if (i == 3) {
                    sneaky(socket);
                }
            });
            CompletableFuture<Completion> other = s.generate(new int[] {1}, r, null);
            assertEquals(8, other.get(30, TimeUnit.SECONDS).tokens().length);
            ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("request 1"), e.getCause().getMessage());
            assertSame(socket, e.getCause().getCause());
        } finally {
            b.close();
        }
    }

    @Test
    void anInterruptFromAListenerLeavesTheEngineServing() throws Exception {
        // the step thread left its loop on an InterruptedException (thrown through by a listener, or from its own next
        // wait after a listener restored the interrupt flag): the requests in flight failed as "engine closed", the
        // scheduler did not say closed, and every later request waited for ever
        CpuBackend b = new CpuBackend(stories(), 1, 64, 16, 32L << 20);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4)) {
            GenerationRequest r = GenerationRequest.ofTokens(1).withMaxTokens(8).withIgnoreEos(true);
            int[] alone = s.generate(new int[] {1}, r, null).get(30, TimeUnit.SECONDS).tokens();
            CompletableFuture<Completion> thrown = s.generate(new int[] {1}, r, (i, token, piece, lp) -> {
                if (i == 3) {
                    sneaky(new InterruptedException("queue.put interrupted"));
                }
            });
            CompletableFuture<Completion> flagged = s.generate(new int[] {1}, r, (i, token, piece, lp) -> {
                if (i == 3) {
                    Thread.currentThread().interrupt();
                }
            });
            CompletableFuture<Completion> other = s.generate(new int[] {1}, r, null);
            assertArrayEquals(alone, other.get(30, TimeUnit.SECONDS).tokens());
            assertArrayEquals(alone, flagged.get(30, TimeUnit.SECONDS).tokens(), "its listener returned normally");
            ExecutionException e = assertThrows(ExecutionException.class, () -> thrown.get(30, TimeUnit.SECONDS));
            assertInstanceOf(InterruptedException.class, e.getCause().getCause());
            // the engine still serves, after an idle wait too (where a left-over flag made the wait throw)
            Thread.sleep(300);
            assertArrayEquals(alone, s.generate(new int[] {1}, r, null).get(30, TimeUnit.SECONDS).tokens());
        } finally {
            b.close();
        }
    }

    @Test
    void closeReleasesTheCallersWhenTheStepThreadIsBlocked() throws Exception {
        // a future's dependent stage runs on the step thread: one that blocks (waits for another request of the same
        // engine, a full queue) held the thread, close() returned after its wait, and every caller in flight waited for ever
        CpuBackend b = new CpuBackend(stories(), 1, 64, 16, 32L << 20);
        CountDownLatch unblock = new CountDownLatch(1);
        try {
            Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4);
            GenerationRequest longOne = GenerationRequest.ofTokens(1).withMaxTokens(400).withIgnoreEos(true);
            CompletableFuture<Completion> victim = s.generate(new int[] {1}, longOne, null);
            CountDownLatch blocking = new CountDownLatch(1);
            // a listener blocking the step thread (a full queue whose consumer left): the same thread a dependent stage
            // runs on, taken here because a listener's moment is certain (a dependent attached after its future
            // completed runs on the caller's thread instead)
            CompletableFuture<Completion> blocked = s.generate(new int[] {1}, longOne, (i, token, piece, lp) -> {
                if (i == 1) {
                    blocking.countDown();
                    try {
                        unblock.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            assertTrue(blocking.await(30, TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            s.close(null, 200);
            ExecutionException e = assertThrows(ExecutionException.class, () -> victim.get(5, TimeUnit.SECONDS));
            assertInstanceOf(EngineClosedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("did not stop within 200 ms"), e.getCause().getMessage());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
            assertThrows(ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
            // a request after close fails at once
            assertThrows(ExecutionException.class, () -> s.generate(new int[] {1}, longOne, null).get(1, TimeUnit.SECONDS));
        } finally {
            unblock.countDown();
            b.close();
        }
    }
}
