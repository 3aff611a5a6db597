package dev.kindling.inference;

/**
 * A request failed because its engine was closed (before it was submitted, or while it was in it): not the request's
 * fault, so a caller that records per-request errors (the Spark stages' error column) fails its work instead, and a
 * retry on an engine opened anew gives the result.
 */
public final class EngineClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public EngineClosedException(String message) {
        super(message);
    }
}
