package dev.kindling.inference;

/**
 * A request failed because its engine's batched step failed for a reason no one request caused (out of memory, a
 * failure of the engine itself: a step that fails for the request alone while a step of BOS alone fails too): not the
 * request's fault, so a caller that records per-request errors (the Spark stages' error column) fails its work instead, as
 * for {@link EngineClosedException}, and a retry may give the result. A request whose own input makes the step fail fails
 * alone, with its own error (the engine runs the failed step's requests one at a time to find it, and a step of BOS alone
 * to see that the engine works). An out-of-memory error while the engine reads one request's results fails that request
 * alone with this exception.
 *
 * <p>The step's failure is the cause, except an {@link Error} (out of memory, a stack overflow), which is attached as
 * suppressed: a Spark executor whose task fails with an Error among its causes ends its JVM
 * ({@code spark.executor.killOnFatalError.depth}), with every other task in it, and in local mode (a notebook) the
 * driver; the engine caught the Error on its own thread and serves the next step.
 */
public final class EngineStepException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EngineStepException(String message, Throwable failure) {
        super(message, failure instanceof Error ? null : failure);
        if (failure instanceof Error) {
            addSuppressed(failure);
        }
    }
}
