package dev.kindling.formats;

import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;

/**
 * A file read on a thread that is interrupted (a Spark task killed as it opens a model or loads a tokenizer, a notebook
 * cell interrupted): the interrupt closes a FileChannel the file is read through (ClosedByInterruptException), so a good
 * file read as broken ("neither a GGUF file ...", "unrecognised tokenizer format"). Said as what it is instead.
 */
public final class InterruptedRead {
    private InterruptedRead() {}

    /**
     * What {@code read} gives; where it fails on a thread that is interrupted, a CancellationException naming {@code path}
     * and saying {@code what} ("opening the model") was interrupted and nothing is known to be wrong with the file, the
     * failure attached as its cause and the interrupt left set.
     */
    public static <T> T of(Path path, String what, Supplier<T> read) {
        try {
            return read.get();
        } catch (RuntimeException | Error e) {
            if (!Thread.currentThread().isInterrupted()) {
                throw e;
            }
            CancellationException c = new CancellationException(path + ": " + what + " was interrupted (the thread's"
                    + " interrupt closes the file it reads), so it was not read; nothing is known to be wrong with it");
            c.initCause(e);
            throw c;
        }
    }
}
