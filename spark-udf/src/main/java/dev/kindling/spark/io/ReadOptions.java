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

    /**
     * A usage error when the text column and the id column are one ({@code same} says which names are one column: exactly
     * equal before Spark starts, {@link Columns#sameName} once it has). A row's id and its text are two columns of every
     * output, so the reader either named the id column ambiguous ("the input has 'id' and 'id'") or Spark refused the
     * output's columns ({@code COLUMN_ALREADY_EXISTS}), neither naming the options.
     */
    public void requireDistinctColumns(java.util.function.BiPredicate<String, String> same) {
        if (textColumn != null && idColumn != null && same.test(textColumn, idColumn)) {
            throw dev.kindling.spark.KindlingException.usage(textOption + " '" + textColumn + "' is also the id column (--id-column '"
                    + idColumn + "'), and a row's id and its text are two columns: name the input's id column with --id-column"
                    + (idColumnGiven ? "" : " (it is 'id' unless given)") + ", or, where the input has no id column, rename its "
                    + "text column first (rows without an id column get ids made from their text and position)");
        }
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
