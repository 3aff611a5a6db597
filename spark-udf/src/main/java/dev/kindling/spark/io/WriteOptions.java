package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.util.List;
import java.util.Locale;

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
    /** Spark's codecs for JSON Lines (zstd is not among them: it failed only when the job wrote). */
    static final List<String> JSONL_CODECS = List.of("none", "uncompressed", "gzip", "bzip2", "deflate", "lz4", "snappy");
    static final List<String> PARQUET_CODECS = List.of("none", "uncompressed", "snappy", "gzip", "zstd", "lz4", "lz4_raw");

    public WriteOptions {
        if (compression != null) {
            List<String> codecs = format == DataFormat.PARQUET ? PARQUET_CODECS : JSONL_CODECS;
            if (!codecs.contains(compression.toLowerCase(Locale.ROOT))) {
                throw KindlingException.usage("--compression " + compression + " is not a codec for "
                        + (format == DataFormat.PARQUET ? "Parquet" : "JSON Lines") + " output; use one of " + String.join(", ", codecs)
                        + (format != DataFormat.PARQUET && compression.equalsIgnoreCase("zstd") ? " (zstd: Parquet only)" : ""));
            }
        }
    }

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
