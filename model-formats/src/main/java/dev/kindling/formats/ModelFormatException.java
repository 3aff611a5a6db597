package dev.kindling.formats;

import java.io.IOException;
import java.nio.file.Files;
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

    /**
     * The bytes of {@code file}; a file that cannot be read (absent, a folder, no permission, an I/O error) is this
     * exception, "cannot read: " and the {@link IOException} with its class, which says which of those it was
     * ({@code NoSuchFileException}'s message alone is only the path).
     */
    public static byte[] readAllBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e, e);
        }
    }

    /** The file that could not be read (may be null when the input was not a file). */
    public Path file() {
        return file;
    }
}
