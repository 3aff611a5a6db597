package dev.kindling.dedup.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A line of a JSON Lines file that is not a document: the file, the line and what is wrong apart, so that a caller
 * reports it as its other data errors are reported, not as a failure to read the file.
 */
public final class BadDocumentException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;
    private final String problem;

    public BadDocumentException(Path file, long line, String problem, Throwable cause) {
        super(file + " line " + line + ": " + problem, cause);
        this.file = file;
        this.line = line;
        this.problem = problem;
    }

    public Path file() {
        return file;
    }

    /** The line number, from 1. */
    public long line() {
        return line;
    }

    /** What is wrong with the line, without the file and line. */
    public String problem() {
        return problem;
    }
}
