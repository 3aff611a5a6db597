package dev.kindling.spark.io;

import java.util.List;

/**
 * How to read an input dataset.
 *
 * @param paths      files, directories or globs; local or any Hadoop filesystem ({@code s3a://})
 * @param format     the format, or null to infer it from the names
 * @param idColumn   the id column; rows without one (or with a null id) get a stable id: a hash of
 *                   the text and its source position
 * @param textColumn the text column (must be a string), or with {@code messages} the chat messages column
 * @param onError    what to do with rows that cannot be read
 * @param messages   the text column holds chat messages (an array of {@code {role, content}} objects, as Hugging Face's
 *                   {@code messages}), not a string: a NULL one is {@code read:null_text}, none is empty
 * @param idColumnGiven the id column was named by the user ({@code --id-column}): an input without it is an error, where
 *                   the default one, absent, means ids are generated
 * @param textOption the command's option that names the text column ({@code --text-column}; generate's
 *                   {@code --prompt-column} or {@code --messages-column}), for the message when the input lacks it
 */
public record ReadOptions(List<String> paths, DataFormat format, String idColumn, String textColumn, OnError onError,
        boolean messages, boolean idColumnGiven, String textOption) {
    public ReadOptions {
        paths = List.copyOf(paths);
        textOption = textOption == null ? "--text-column" : textOption;
    }

    public ReadOptions(List<String> paths, DataFormat format, String idColumn, String textColumn, OnError onError,
            boolean messages, boolean idColumnGiven) {
        this(paths, format, idColumn, textColumn, onError, messages, idColumnGiven, null);
    }

    public ReadOptions(List<String> paths, DataFormat format, String idColumn, String textColumn, OnError onError,
            boolean messages) {
        this(paths, format, idColumn, textColumn, onError, messages, false);
    }

    public ReadOptions(List<String> paths, DataFormat format, String idColumn, String textColumn, OnError onError) {
        this(paths, format, idColumn, textColumn, onError, false);
    }

    public static ReadOptions of(String path) {
        return new ReadOptions(List.of(path), null, "id", "text", OnError.FAIL);
    }

    public ReadOptions withFormat(DataFormat f) {
        return new ReadOptions(paths, f, idColumn, textColumn, onError, messages, idColumnGiven, textOption);
    }

    public ReadOptions withOnError(OnError e) {
        return new ReadOptions(paths, format, idColumn, textColumn, e, messages, idColumnGiven, textOption);
    }

    public ReadOptions withColumns(String id, String text) {
        return new ReadOptions(paths, format, id, text, onError, messages, idColumnGiven, textOption);
    }
}
