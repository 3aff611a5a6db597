package dev.kindling.inference;

/**
 * A request failed because its engine's batched step failed for a reason no one request caused (out of memory, a
 * failure of the engine itself, a step that fails for each of its requests alone as well): not the request's fault, so a
 * caller that records per-request errors (the Spark stages' error column) fails its work instead, as for
 * {@link EngineClosedException}, and a retry may give the result. A request whose own input makes the step fail fails
 * alone, with its own error (the engine runs the failed step's requests one at a time to find it).
 */
public final class EngineStepException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EngineStepException(String message, Throwable cause) {
        super(message, cause);
    }
}
