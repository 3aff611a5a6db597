package dev.kindling.spark.tokenize;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.executor.LocalFiles;
import dev.kindling.spark.executor.PerJvm;
import dev.kindling.spark.inference.HadoopConf;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.Tokenizers;

/**
 * One tokenizer per executor JVM and path, shared by every task thread there (tokenizers are
 * immutable and thread-safe): loaded on first use from a local path, a {@code SparkFiles} name or an
 * {@code s3a://} URI (copied to local disk once per host by {@link LocalFiles}). The path
 * {@value #BYTE_LEVEL} names the built-in byte-level tokenizer (one token per UTF-8 byte).
 */
public final class ExecutorTokenizers {
    /** The built-in tokenizer that needs no file. */
    public static final String BYTE_LEVEL = "byte-level";

    private ExecutorTokenizers() {}

    public static Tokenizer get(String path) {
        return get(path, null);
    }

    /**
     * The tokenizer at {@code path}, a remote one read with {@code hadoop} (the driver's Hadoop configuration, from {@link
     * HadoopConf#forPath}): without it an executor, and the driver under {@code ./kindling}, read {@code s3a://} with
     * Spark's default configuration, which lacks the job's {@code --conf spark.hadoop.fs.s3a.*} (endpoint, keys), so a
     * tokenizer on MinIO failed with "No AWS Credentials", or was looked for on AWS.
     */
    public static Tokenizer get(String path, HadoopConf hadoop) {
        if (path == null || path.isBlank()) {
            throw KindlingException.usage("no tokenizer given (a tokenizer.json, .gguf, .tiktoken or tokenizer.bin path)");
        }
        return PerJvm.get("tokenizer:" + path, k -> load(path, hadoop));
    }

    private static Tokenizer load(String path, HadoopConf hadoop) {
        if (path.equals(BYTE_LEVEL)) {
            return Tokenizers.byteLevel();
        }
        try {
            return Tokenizer.load(hadoop != null ? LocalFiles.localize(path, hadoop.get()) : LocalFiles.localize(path));
        } catch (ModelFormatException e) {
            throw new KindlingException(KindlingException.FAILURE, "tokenizer " + path + ": " + e.getMessage(), e);
        }
    }
}
