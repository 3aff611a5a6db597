package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
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
}
