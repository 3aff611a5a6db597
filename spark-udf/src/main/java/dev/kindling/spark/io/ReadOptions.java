package dev.kindling.spark.io;

import java.util.List;

/**
 * How to read an input dataset.
 *
 * @param paths      files, directories or globs; local or any Hadoop filesystem ({@code s3a://})
 * @param format     the format, or null to infer it from the names
 * @param idColumn   the id column; rows without one (or with a null id) get a stable id: a hash of
 *                   the text and its source position
 * @param textColumn the text column (must be a string)
 * @param onError    what to do with rows that cannot be read
 */
public record ReadOptions(List<String> paths, DataFormat format, String idColumn, String textColumn, OnError onError) {
    public ReadOptions {
        paths = List.copyOf(paths);
    }

    public static ReadOptions of(String path) {
        return new ReadOptions(List.of(path), null, "id", "text", OnError.FAIL);
    }

    public ReadOptions withFormat(DataFormat f) {
        return new ReadOptions(paths, f, idColumn, textColumn, onError);
    }

    public ReadOptions withOnError(OnError e) {
        return new ReadOptions(paths, format, idColumn, textColumn, e);
    }

    public ReadOptions withColumns(String id, String text) {
        return new ReadOptions(paths, format, id, text, onError);
    }
}
