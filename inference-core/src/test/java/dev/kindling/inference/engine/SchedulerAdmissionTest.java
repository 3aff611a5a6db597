package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.cpu.CpuBackend;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A request that fails as it is admitted (its KV blocks reserved, its state not yet set up). */
class SchedulerAdmissionTest {
    /**
     * The CPU backend with a small KV cache (8 blocks of 16 positions) and no hidden states, so an embedding cannot start;
     * its first step waits for the test, as {@link SchedulerCloseTest.Held}'s does.
     */
    static final class NoHiddenStates extends SchedulerCloseTest.Held {
        NoHiddenStates(CpuBackend cpu) {
            super(cpu);
        }

        @Override
        public int kvBlockCount() {
            return 8;
        }

        @Override
        public int hiddenWidth() {
            throw new UnsupportedOperationException("this backend returns no hidden states");
        }
    }

    @Test
    void aRequestThatCannotStartFailsAloneAndFreesItsBlocks() throws Exception {
        // start() threw after the request had left the waiting list with its blocks reserved: the blocks were never
        // released, its caller waited forever, and the step loop's catch failed every running sequence
        NoHiddenStates b = new NoHiddenStates(new CpuBackend(SchedulerCloseTest.stories(), 1, 64, 16, 32L << 20));
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 4)) {
            GenerationRequest oneBlock = GenerationRequest.ofTokens(1).withMaxTokens(16).withIgnoreEos(true);
            CompletableFuture<Completion> running = s.generate(new int[] {1}, oneBlock, null);
            assertTrue(b.inStep.await(30, TimeUnit.SECONDS));
            int[] text = new int[100]; // 7 blocks: the 7 left
            for (int i = 0; i < text.length; i++) {
                text[i] = 1 + i;
            }
            CompletableFuture<float[]> embedding = s.embed(text);
            b.letGo.countDown();
            ExecutionException e = assertThrows(ExecutionException.class, () -> embedding.get(10, TimeUnit.SECONDS));
            assertInstanceOf(UnsupportedOperationException.class, e.getCause());
            assertEquals(16, running.get(30, TimeUnit.SECONDS).tokens().length, "the running generation goes on");
            // 7 blocks again: admitted only if the failed request's blocks came back
            GenerationRequest sevenBlocks = GenerationRequest.ofTokens(1).withMaxTokens(100).withIgnoreEos(true);
            assertEquals(100, s.generate(new int[] {1}, sevenBlocks, null).get(10, TimeUnit.SECONDS).tokens().length);
        } finally {
            b.close();
        }
    }
}
