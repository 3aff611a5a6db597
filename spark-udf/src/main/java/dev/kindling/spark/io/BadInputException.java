package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;

/** An input row that cannot be read, with {@code --on-error fail}: names the file and line. */
public final class BadInputException extends KindlingException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(FAILURE, message);
    }

    /**
     * "file: line N: what", "file: row N: what" for a Parquet row ({@code rowIndex}: the offset is Spark's
     * {@code _metadata.row_index}, from 0, said from 1 as lines are), or "file: byte offset N: what" when the line number
     * is unknown. The row was told by a {@code .parquet} name, and a Hive-written {@code 000000_0} read with
     * {@code --input-format parquet} had its row index said as a byte offset.
     */
    public static String describe(String file, Long offset, Long line, String what, boolean rowIndex) {
        String where = line != null ? "line " + line : rowIndex ? "row " + (offset + 1) : "byte offset " + offset;
        return shown(file) + ": " + where + ": " + what;
    }

    /**
     * A file as a message names it: a local one by its path ({@code /data/in.jsonl}), as the user typed it and greps a log
     * for, not the {@code file:/data/in.jsonl} URI Spark's file listing gives; others as they are ({@code s3a://...}).
     */
    public static String shown(String file) {
        if (file != null && file.startsWith("file:")) {
            try {
                return LocalPaths.ofFileUri(new java.net.URI(file)).toString();
            } catch (java.net.URISyntaxException | RuntimeException e) {
                return file.substring("file:".length());
            }
        }
        return file;
    }
}
