package dev.kindling.inference.engine;

import dev.kindling.inference.backend.Step;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Failures injected into the steps of every engine of the JVM, for the tests of what a failed step does to its requests
 * (here and in the Spark module, whose engines the executors open themselves). Close what {@link #inject} returns.
 */
public final class StepFaults {
    private StepFaults() {}

    /** Runs {@code fault} before every forward of every scheduler until closed; it throws to fail the step. */
    public static AutoCloseable inject(Consumer<Step> fault) {
        Scheduler.faultInjector = fault;
        return () -> Scheduler.faultInjector = null;
    }

    /** Throws {@code error} (a RuntimeException or an Error) from the next step of any engine, once. */
    public static AutoCloseable once(Throwable error) {
        AtomicBoolean thrown = new AtomicBoolean();
        return inject(step -> {
            if (thrown.compareAndSet(false, true)) {
                if (error instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) error;
            }
        });
    }
}
