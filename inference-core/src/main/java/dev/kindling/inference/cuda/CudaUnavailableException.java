package dev.kindling.inference.cuda;

/**
 * CUDA cannot be used for this model here: no driver, no (suitable) device, or not enough memory.
 * With {@code device=auto} the engine then runs on the CPU and logs this message; with
 * {@code device=cuda} it is the error.
 */
public class CudaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaUnavailableException(String message) {
        super(message);
    }

    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
