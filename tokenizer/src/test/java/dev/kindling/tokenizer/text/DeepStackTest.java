package dev.kindling.tokenizer.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Not beside RegexPatternTest, which counts {@link DeepStack#RETRIES} and would hold the slot. */
@ResourceLock("dev.kindling.tokenizer.text.DeepStack")
class DeepStackTest {
    /**
     * A caller interrupted while its retry runs stops waiting (its interrupt kept, an error saying so), but the slot stays
     * with the retry's thread until that ends: released by the caller, a second retry ran beside the first, past the
     * one-at-a-time bound on their memory.
     */
    @Test
    void anInterruptedCallerLeavesTheSlotWithTheRetryUntilItEnds() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                DeepStack.call(() -> {
                    started.countDown();
                    await(finish);
                    return "first";
                }, () -> "overflow");
            } catch (Throwable e) {
                thrown.set(e);
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        caller.interrupt();
        caller.join(10_000);
        assertFalse(caller.isAlive(), "the interrupted caller stops waiting");
        assertInstanceOf(IllegalStateException.class, thrown.get());
        assertTrue(interruptKept.get(), "the caller's interrupt is kept");
        assertEquals(0, DeepStack.freeSlots(), "the retry still runs: its slot is taken");

        AtomicBoolean secondRan = new AtomicBoolean();
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> DeepStack.call(() -> {
            secondRan.set(true);
            return "second";
        }, () -> "overflow"));
        Thread.sleep(100);
        assertFalse(secondRan.get(), "a second retry waits for the first");
        finish.countDown();
        assertEquals("second", second.get(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (DeepStack.freeSlots() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, DeepStack.freeSlots(), "both ended: the slot is free");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
