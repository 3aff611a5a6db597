package dev.kindling.spark;

/**
 * An error the user can act on (bad input, missing path, existing output...). The CLI prints its
 * message as one line on stderr and exits with {@link #exitCode()}; a stack trace only with
 * {@code --verbose}.
 */
public class KindlingException extends RuntimeException {
    /** Exit code for a failed run (bad data, I/O error). */
    public static final int FAILURE = 1;
    /** Exit code for a usage error (bad option, missing input path, missing column). */
    public static final int USAGE = 2;

    private final int exitCode;

    public KindlingException(String message) {
        this(FAILURE, message, null);
    }

    public KindlingException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public KindlingException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static KindlingException usage(String message) {
        return new KindlingException(USAGE, message);
    }

    /** A usage error whose {@code cause} ({@code --verbose} shows its stack trace) is what found it. */
    public static KindlingException usage(String message, Throwable cause) {
        return new KindlingException(USAGE, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }

    /** The innermost cause of {@code e} ({@code e} itself where it has none), at most 20 deep, so a cycle of causes ends. */
    public static Throwable rootCause(Throwable e) {
        Throwable root = e;
        for (int depth = 0; depth < 20 && root.getCause() != null && root.getCause() != root; depth++) {
            root = root.getCause();
        }
        return root;
    }
}
