package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;

/** An input row that cannot be read, with {@code --on-error fail}: names the file and line. */
public final class BadInputException extends KindlingException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(FAILURE, message);
    }

    /** "file: line N: what" (or "file: byte offset N: what" when the line number is unknown). */
    public static String describe(String file, Long offset, Long line, String what) {
        // a Parquet file's position is its row (Spark's _metadata.row_index, from 0; said from 1, as lines are), not a
        // byte offset
        String where = line != null ? "line " + line : file != null && file.toLowerCase(java.util.Locale.ROOT).endsWith(".parquet")
                ? "row " + (offset + 1) : "byte offset " + offset;
        return file + ": " + where + ": " + what;
    }
}
