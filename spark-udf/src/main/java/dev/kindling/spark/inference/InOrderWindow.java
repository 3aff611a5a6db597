package dev.kindling.spark.inference;

import dev.kindling.inference.EngineClosedException;
import dev.kindling.inference.EngineStepException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Streams inputs through asynchronous work with at most {@code window} items in flight, handing the
 * results back in input order: the next input is started as soon as the oldest one is handed out,
 * so the engine's batch stays full while the partition's memory stays bounded (a partition larger
 * than memory streams through). A failed item is handed back with its error; the others go on. An
 * item that failed because the engine was closed under it ({@link EngineClosedException}) or because
 * the engine's step failed for a reason no one item caused ({@link EngineStepException}: out of memory)
 * is not the item's error: {@link #next()} throws it, so the task fails and Spark runs it again.
 *
 * <p>{@link #close()} cancels whatever is still in flight (a task that ends early — killed, or
 * failed downstream — does not leave work running in the shared engine).
 */
public final class InOrderWindow<I, O> implements Iterator<InOrderWindow.Outcome<I, O>>, AutoCloseable {

    /** One input and what became of it: a value or an error (never both). */
    public record Outcome<I, O>(I input, O value, Throwable error) {}

    /**
     * How often a wait for the oldest item checks {@code stopCheck} (and a SQL function's wait its task's kill flag):
     * a task killed without an interrupt only learns of it here, and the engine goes on generating its rows until
     * then. At 100 ms a warm engine on stories260K (2,600 tokens a second for two tasks on the Zen 5 host) made about
     * 480 more tokens after the kill, and {@code InferenceSqlTest}'s cancelled query, run after other tests had warmed
     * the engine, generated 496-523 where it asserts fewer than 480 (once in CI, and in both runs with the engine warmed
     * first); at 10 ms, 121-123. The cost, estimated, not measured: 100 timed wake-ups a second per waiting task
     * thread, a few microseconds each, well under 0.1% of a core.
     */
    static final long STOP_CHECK_MILLIS = 10;

    private final Iterator<I> inputs;
    private final Function<I, CompletableFuture<O>> start;
    private final Runnable stopCheck;
    private final int window;
    private final ArrayDeque<Pending<I, O>> inFlight = new ArrayDeque<>();

    private record Pending<I, O>(I input, CompletableFuture<O> future) {}

    /**
     * @param start begins the work for one input; it may throw (that input fails) or return null
     *              (nothing to do: handed back with a null value)
     */
    public InOrderWindow(Iterator<I> inputs, int window, Function<I, CompletableFuture<O>> start) {
        this(inputs, window, start, () -> { });
    }

    /**
     * @param stopCheck run before and while waiting for an item; it throws to stop (a Spark task's
     *                  {@code killTaskIfInterrupted}: a task killed without an interrupt is only told
     *                  by its flag, and with every row of the partition in flight no input read would
     *                  look at it), and the window then cancels what is in flight
     */
    public InOrderWindow(Iterator<I> inputs, int window, Function<I, CompletableFuture<O>> start, Runnable stopCheck) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.inputs = inputs;
        this.window = window;
        this.start = start;
        this.stopCheck = stopCheck;
    }

    private void fill() {
        while (inFlight.size() < window && inputs.hasNext()) {
            I in = inputs.next();
            CompletableFuture<O> f;
            try {
                f = start.apply(in);
                if (f == null) {
                    f = CompletableFuture.completedFuture(null);
                }
            } catch (RuntimeException e) {
                if (isFatal(e)) {
                    throw e;
                }
                f = CompletableFuture.failedFuture(e);
            }
            inFlight.add(new Pending<>(in, f));
        }
    }

    /** Errors that are not about one row (the model cannot be opened...) stop the task instead. */
    private static boolean isFatal(RuntimeException e) {
        return e instanceof dev.kindling.spark.KindlingException;
    }

    /** Items started and not yet handed out. */
    public int inFlight() {
        return inFlight.size();
    }

    @Override
    public boolean hasNext() {
        fill();
        return !inFlight.isEmpty();
    }

    @Override
    public Outcome<I, O> next() {
        fill();
        Pending<I, O> p = inFlight.poll();
        if (p == null) {
            throw new NoSuchElementException();
        }
        try {
            O value = await(p.future());
            return new Outcome<>(p.input(), value, null);
        } catch (CancellationException e) {
            return new Outcome<>(p.input(), null, e);
        } catch (RuntimeException e) {
            // stopCheck said stop: nothing started here will be read
            p.future().cancel(true);
            close();
            throw e;
        } catch (InterruptedException e) {
            // the task is being killed: stop the engine work we started, let Spark see the interrupt
            p.future().cancel(true);
            close();
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the engine");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EngineClosedException closed) {
                // not this item's fault: handed back as its error, it and every item after it became an "engine closed"
                // row of a task that succeeded, which Spark then never ran again on an engine opened anew
                close();
                throw closed;
            }
            if (e.getCause() instanceof EngineStepException failed) {
                // the engine's step failed for no one item (out of memory): as the item's error, every row of every task
                // in that step became an error row of a task that succeeded
                close();
                throw failed;
            }
            return new Outcome<>(p.input(), null, e.getCause() != null ? e.getCause() : e);
        }
    }

    private O await(CompletableFuture<O> f) throws InterruptedException, ExecutionException {
        while (true) {
            stopCheck.run();
            try {
                return f.get(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // not yet: check again
            }
        }
    }

    @Override
    public void close() {
        for (Pending<I, O> p : inFlight) {
            p.future().cancel(true);
        }
        inFlight.clear();
    }

    /**
     * A future of all {@code parts}, in order. The first part to fail fails it at once, with that part's error, and
     * cancels the others (their results would be thrown away: the engine stops their work and frees their KV blocks,
     * where {@code CompletableFuture.allOf} waited for each to finish); cancelling it cancels the parts.
     */
    public static <T> CompletableFuture<java.util.List<T>> allOf(java.util.List<CompletableFuture<T>> parts) {
        CompletableFuture<java.util.List<T>> all = CompletableFuture.allOf(parts.toArray(new CompletableFuture[0]))
                .thenApply(v -> {
                    java.util.List<T> out = new java.util.ArrayList<>(parts.size());
                    for (CompletableFuture<T> p : parts) {
                        out.add(p.join());
                    }
                    return out;
                });
        for (CompletableFuture<T> p : parts) {
            p.whenComplete((v, t) -> {
                if (t != null) {
                    // wrapped as CompletableFuture.allOf wraps it; a later failure, or a cancelled sibling, changes nothing
                    all.completeExceptionally(t instanceof java.util.concurrent.CompletionException ? t
                            : new java.util.concurrent.CompletionException(t));
                }
            });
        }
        all.whenComplete((v, t) -> {
            if (t != null) {
                for (CompletableFuture<T> p : parts) {
                    p.cancel(true);
                }
            }
        });
        return all;
    }

    /**
     * {@code source.thenApply(fn)}, whose cancellation cancels {@code source}: a future made with
     * {@code thenApply} is cancelled alone, so {@link #close()} would leave the engine request behind it
     * running for a row nobody reads.
     */
    public static <T, U> CompletableFuture<U> map(CompletableFuture<T> source, Function<? super T, ? extends U> fn) {
        CompletableFuture<U> out = source.thenApply(fn);
        out.whenComplete((v, t) -> {
            if (out.isCancelled()) {
                source.cancel(true);
            }
        });
        return out;
    }

    /**
     * {@code source.thenCompose(fn)}, whose cancellation cancels {@code source} and the future {@code fn}
     * returned (the second engine request of a row), as {@link #map} does for one.
     */
    public static <T, U> CompletableFuture<U> flatMap(CompletableFuture<T> source,
            Function<? super T, ? extends CompletableFuture<U>> fn) {
        AtomicReference<CompletableFuture<U>> inner = new AtomicReference<>();
        AtomicReference<CompletableFuture<U>> result = new AtomicReference<>();
        CompletableFuture<U> out = source.thenCompose(v -> {
            CompletableFuture<U> f = fn.apply(v);
            inner.set(f);
            CompletableFuture<U> r = result.get();
            if (r != null && r.isCancelled()) {
                f.cancel(true); // cancelled while fn ran: the listener below saw no inner future yet
            }
            return f;
        });
        result.set(out);
        out.whenComplete((v, t) -> {
            if (out.isCancelled()) {
                source.cancel(true);
                CompletableFuture<U> f = inner.get();
                if (f != null) {
                    f.cancel(true);
                }
            }
        });
        return out;
    }
}
