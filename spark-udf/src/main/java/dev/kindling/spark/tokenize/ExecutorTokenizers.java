package dev.kindling.spark.tokenize;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.executor.LocalFiles;
import dev.kindling.spark.executor.PerJvm;
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
        if (path == null || path.isBlank()) {
            throw KindlingException.usage("no tokenizer given (a tokenizer.json, .gguf, .tiktoken or tokenizer.bin path)");
        }
        return PerJvm.get("tokenizer:" + path, k -> load(path));
    }

    private static Tokenizer load(String path) {
        if (path.equals(BYTE_LEVEL)) {
            return Tokenizers.byteLevel();
        }
        try {
            return Tokenizer.load(LocalFiles.localize(path));
        } catch (ModelFormatException e) {
            throw new KindlingException(KindlingException.FAILURE, "tokenizer " + path + ": " + e.getMessage(), e);
        }
    }
}
