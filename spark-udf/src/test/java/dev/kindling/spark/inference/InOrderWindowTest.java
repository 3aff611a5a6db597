package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.EngineStepException;
import dev.kindling.inference.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class InOrderWindowTest {
    @Test
    void resultsComeBackInInputOrderWithBoundedWorkInFlight() {
        ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger maxOutstanding = new AtomicInteger();
        AtomicInteger handed = new AtomicInteger();
        try {
            // later inputs finish first (shorter delays)
            InOrderWindow<Integer, Integer> w = new InOrderWindow<>(IntStream.range(0, 50).boxed().iterator(), 5, i -> {
                int s = started.incrementAndGet();
                maxOutstanding.accumulateAndGet(s - handed.get(), Math::max);
                CompletableFuture<Integer> f = new CompletableFuture<>();
                pool.schedule(() -> f.complete(i * 10), 20 - (i % 5) * 4, TimeUnit.MILLISECONDS);
                return f;
            });
            List<Integer> out = new ArrayList<>();
            while (w.hasNext()) {
                InOrderWindow.Outcome<Integer, Integer> o = w.next();
                handed.incrementAndGet();
                assertNull(o.error());
                assertEquals(o.input() * 10, o.value());
                out.add(o.input());
            }
            assertEquals(IntStream.range(0, 50).boxed().toList(), out);
            assertTrue(maxOutstanding.get() <= 5, "at most the window in flight, saw " + maxOutstanding.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedItemCarriesItsErrorAndTheOthersGoOn() {
        InOrderWindow<Integer, String> w = new InOrderWindow<>(List.of(1, 2, 3, 4).iterator(), 2, i -> {
            if (i == 2) {
                throw new IllegalArgumentException("bad row " + i);
            }
            if (i == 3) {
                return CompletableFuture.failedFuture(new IllegalStateException("engine said no"));
            }
            return i == 4 ? null : CompletableFuture.completedFuture("ok" + i);
        });
        List<String> seen = new ArrayList<>();
        while (w.hasNext()) {
            InOrderWindow.Outcome<Integer, String> o = w.next();
            seen.add(o.input() + ":" + (o.error() != null ? o.error().getMessage() : o.value()));
        }
        assertEquals(List.of("1:ok1", "2:bad row 2", "3:engine said no", "4:null"), seen);
    }

    @Test
    void anEngineStepFailureIsThrownNotHandedBackAsTheItemsErrorAndCancelsTheRest() {
        // the engine's step failed for no one row (out of memory): as each row's error, every row of every task in the
        // step became an error row of a task that succeeded, and Spark never ran them again
        CompletableFuture<String> later = new CompletableFuture<>();
        EngineStepException failed = new EngineStepException("engine step failed", new OutOfMemoryError("injected"));
        InOrderWindow<Integer, String> w = new InOrderWindow<>(List.of(1, 2, 3).iterator(), 3, i -> switch (i) {
            case 1 -> CompletableFuture.completedFuture("ok1");
            case 2 -> CompletableFuture.<String>failedFuture(failed).thenApply(v -> v);
            default -> later;
        });
        assertEquals("ok1", w.next().value());
        assertSame(failed, assertThrows(EngineStepException.class, w::next));
        assertTrue(later.isCancelled(), "what was still in flight is cancelled");
        assertEquals(0, w.inFlight());
    }

    @Test
    void closeCancelsWhatIsInFlight() {
        List<CompletableFuture<String>> started = new ArrayList<>();
        InOrderWindow<Integer, String> w = new InOrderWindow<>(IntStream.range(0, 10).boxed().iterator(), 3, i -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            started.add(f);
            return f;
        });
        assertTrue(w.hasNext());
        assertEquals(3, started.size());
        w.close();
        assertTrue(started.stream().allMatch(CompletableFuture::isCancelled));
    }

    @Test
    void aStopCheckThatThrowsWhileWaitingCancelsWhatIsInFlight() {
        // a Spark task killed without an interrupt: its flag is all there is, and with every row in flight the
        // window waited for all of them
        List<CompletableFuture<String>> started = new ArrayList<>();
        AtomicInteger checks = new AtomicInteger();
        InOrderWindow<Integer, String> w = new InOrderWindow<>(IntStream.range(0, 3).boxed().iterator(), 5, i -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            started.add(f);
            return f;
        }, () -> {
            if (checks.incrementAndGet() == 3) {
                throw new IllegalStateException("killed");
            }
        });
        assertTrue(w.hasNext());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, w::next);
        assertEquals("killed", e.getMessage());
        assertEquals(3, started.size());
        assertTrue(started.stream().allMatch(CompletableFuture::isCancelled), "the engine work is cancelled");
        assertEquals(0, w.inFlight());
    }

    @Test
    void allOfCancelsItsParts() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<List<String>> all = InOrderWindow.allOf(List.of(a, b));
        all.cancel(true);
        assertTrue(a.isCancelled() && b.isCancelled());
        CompletableFuture<String> c = CompletableFuture.completedFuture("c");
        CompletableFuture<String> d = CompletableFuture.completedFuture("d");
        assertEquals(List.of("c", "d"), InOrderWindow.allOf(List.of(c, d)).join());
    }

    /**
     * A part that fails fails the whole at once, with its error, and cancels the other parts: their results would be
     * thrown away (a Score's later windows after the first was refused, the other samples of a Generate with n > 1), and
     * {@code CompletableFuture.allOf} waited for every one of them to finish first. A part before it in the list that
     * fails later (its work no longer stops when cancelled) does not replace that error: {@code CompletableFuture.allOf}
     * reported the first failed part in list order, once all had finished.
     */
    @Test
    void allOfFailsWithTheFirstPartThatFailsAndCancelsTheOthers() {
        AtomicBoolean cancelAsked = new AtomicBoolean();
        CompletableFuture<String> a = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                cancelAsked.set(true);
                return false; // past the point where its work can be stopped: it completes on its own
            }
        };
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<String> c = new CompletableFuture<>();
        CompletableFuture<List<String>> all = InOrderWindow.allOf(List.of(a, b, c));
        IllegalArgumentException refused = new IllegalArgumentException("refused");
        b.completeExceptionally(refused);
        assertTrue(all.isCompletedExceptionally(), "failed without waiting for the other parts");
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class, all::join);
        assertSame(refused, e.getCause(), "the part's own error");
        assertTrue(cancelAsked.get() && c.isCancelled(), "the other parts are cancelled");
        a.completeExceptionally(new IllegalStateException("later"));
        assertSame(refused, assertThrows(java.util.concurrent.CompletionException.class, all::join).getCause(),
                "the first failure's error, not a later one's");
    }

    /** The engine stops the generation of a part cancelled so: a refused sibling leaves no 400 tokens generated for nobody. */
    @Test
    void aRefusedPartStopsItsSiblingsGenerationInTheEngine() throws Exception {
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(1))) {
            e.generate(GenerationRequest.of("Once").withMaxTokens(2)); // warm
            long before = e.stats().generatedTokens;
            CompletableFuture<Completion> sibling = e.submit(GenerationRequest.of("Once").withMaxTokens(400).withIgnoreEos(true), null);
            CompletableFuture<Completion> refused = e.submit(GenerationRequest.ofTokens(new int[] {1, 99999}), null);
            java.util.concurrent.CompletionException x = assertThrows(java.util.concurrent.CompletionException.class,
                    () -> InOrderWindow.allOf(List.of(sibling, refused)).join());
            assertTrue(x.getCause().getMessage().contains("99999"), x.getCause().toString());
            assertTrue(sibling.isCancelled());
            long steps = -1;
            while (steps != e.stats().steps) { // until the engine is idle (it is warm: a step takes milliseconds)
                steps = e.stats().steps;
                Thread.sleep(500);
            }
            long generated = e.stats().generatedTokens - before;
            assertTrue(generated < 200, "generated for nobody: " + generated);
            assertEquals(2, e.generate(GenerationRequest.of("Once").withMaxTokens(2)).tokens().length, "the engine goes on");
        }
    }

    @Test
    void mapAndFlatMapCancelTheEngineWorkBehindThem() {
        // a future from thenApply/thenCompose is cancelled alone: the window's close() left Score, Embed and Judge
        // requests running in the engine
        CompletableFuture<String> source = new CompletableFuture<>();
        CompletableFuture<Integer> mapped = InOrderWindow.map(source, String::length);
        mapped.cancel(true);
        assertTrue(source.isCancelled());
        assertEquals(2, InOrderWindow.map(CompletableFuture.completedFuture("ab"), String::length).join());

        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<Integer> waiting = InOrderWindow.flatMap(first, s -> new CompletableFuture<>());
        waiting.cancel(true);
        assertTrue(first.isCancelled(), "cancelled before the second request: the first is cancelled");

        CompletableFuture<String> done = new CompletableFuture<>();
        CompletableFuture<Integer> second = new CompletableFuture<>();
        CompletableFuture<Integer> composed = InOrderWindow.flatMap(done, s -> second);
        done.complete("x");
        composed.cancel(true);
        assertTrue(second.isCancelled(), "cancelled during the second request: that one is cancelled");
        assertEquals(3, InOrderWindow.flatMap(CompletableFuture.completedFuture("abc"),
                s -> CompletableFuture.completedFuture(s.length())).join());
    }
}
