package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.util.Locale;

/**
 * What to do with an input row that cannot be read (a line that is not valid JSON, not an object, or
 * not valid UTF-8).
 */
public enum OnError {
    /** Stop the job at the first bad row, naming its file and line (the default). */
    FAIL,
    /** Drop bad rows; they are counted (reason {@code read:<why>}) in the summary and stats. */
    SKIP,
    /** Drop bad rows from the output and write them aside, with file, line and reason. */
    QUARANTINE;

    public static OnError parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage("unknown --on-error '" + s + "' (expected fail, skip or quarantine)");
        }
    }
}
