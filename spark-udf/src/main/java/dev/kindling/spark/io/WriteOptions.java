package dev.kindling.spark.io;

/**
 * Where and how to write a dataset.
 *
 * @param path        output directory (local or {@code s3a://}); Spark writes part files into it
 * @param format      {@link DataFormat#JSONL} or {@link DataFormat#PARQUET}
 * @param overwrite   replace an existing output; without it an existing output is an error
 * @param compression codec ({@code none}, {@code gzip}, {@code snappy}, {@code zstd}...), or null for
 *                    the format's default (none for JSONL, snappy for Parquet)
 */
public record WriteOptions(String path, DataFormat format, boolean overwrite, String compression) {
    public static WriteOptions of(String path) {
        return new WriteOptions(path, DataFormat.fromName(path) == DataFormat.PARQUET ? DataFormat.PARQUET : DataFormat.JSONL,
                false, null);
    }

    public WriteOptions withPath(String p) {
        return new WriteOptions(p, format, overwrite, compression);
    }

    public WriteOptions withOverwrite(boolean o) {
        return new WriteOptions(path, format, o, compression);
    }
}
