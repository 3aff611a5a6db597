package dev.kindling.formats;

import java.nio.file.Path;

/**
 * A model or vocabulary file that cannot be read as what it claims to be. The message always names
 * the file and, where there is one, the field or tensor, and says what was expected.
 */
public class ModelFormatException extends RuntimeException {
    private final Path file;

    public ModelFormatException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public ModelFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file that could not be read (may be null when the input was not a file). */
    public Path file() {
        return file;
    }
}
