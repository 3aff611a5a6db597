package dev.kindling.spark.inference;

import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.KvCacheType;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * Which engine a stage needs on each executor: the model (a local path, a {@code SparkFiles} name or
 * an {@code s3a://}/{@code hdfs://} URI) and how to run it. Travels with the tasks (it is small and
 * serialisable); the engine itself never does — {@link ExecutorEngines} opens one per executor JVM
 * and spec.
 *
 * @param model           the GGUF file (or llama2.c checkpoint, with {@code tokenizer})
 * @param tokenizer       a tokenizer file instead of the model's vocabulary, or null
 * @param device          {@code auto}, {@code cpu} or {@code cuda}
 * @param threads         engine threads; 0 = the executor's cores ({@link ExecutorCores})
 * @param maxSequences    sequences decoding together in the engine's batch
 * @param maxBatchTokens  tokens per forward step (prefill chunk), at least {@code maxSequences}; 0 = the engine's
 *                        default, raised to {@code maxSequences} when that is more
 * @param kvBudgetBytes   KV cache memory; 0 = the engine's default (a quarter of the free heap, at most 4 GiB)
 * @param truncatePrompts prompts longer than the context keep their end instead of failing the row
 * @param kvCacheType     {@code f32} (default) or {@code f16}: how the CPU backend stores the KV cache (f16: llama.cpp's
 *                        default, twice the positions in the same memory)
 */
public record EngineSpec(String model, String tokenizer, String device, int threads, int maxSequences, int maxBatchTokens,
        long kvBudgetBytes, boolean truncatePrompts, String kvCacheType) implements Serializable {

    public EngineSpec {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("no model given (a .gguf path, SparkFiles name or s3a:// URI)");
        }
        tokenizer = tokenizer == null || tokenizer.isBlank() ? null : tokenizer;
        String named = device == null ? "auto" : dev.kindling.inference.EngineOptions.deviceName(device);
        if (named == null) {
            throw new IllegalArgumentException("device must be auto, cpu or cuda, got " + device);
        }
        device = named;
        kvCacheType = KvCacheType.parse(kvCacheType == null || kvCacheType.isBlank() ? "f32" : kvCacheType).label();
        if (threads > dev.kindling.inference.EngineOptions.MAX_THREADS) {
            throw new IllegalArgumentException("threads must be at most " + dev.kindling.inference.EngineOptions.MAX_THREADS + ", got " + threads);
        }
        // each named with its value: one message for the four did not say which was wrong
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (the executor's cores) or more, got " + threads);
        }
        if (maxSequences < 1) {
            throw new IllegalArgumentException("max sequences must be at least 1, got " + maxSequences);
        }
        if (maxBatchTokens < 0 || kvBudgetBytes < 0) {
            throw new IllegalArgumentException("batch tokens and KV budget must be 0 (the default) or more, got " + maxBatchTokens
                    + " and " + kvBudgetBytes + " bytes");
        }
    }

    /** The model with every setting at its default (threads = the executor's cores). */
    public static EngineSpec of(String model) {
        return new EngineSpec(model, null, "auto", 0, 64, 0, 0L, false, "f32");
    }

    public EngineSpec withThreads(int n) {
        return new EngineSpec(model, tokenizer, device, n, maxSequences, maxBatchTokens, kvBudgetBytes, truncatePrompts, kvCacheType);
    }

    public EngineSpec withMaxSequences(int n) {
        return new EngineSpec(model, tokenizer, device, threads, n, maxBatchTokens, kvBudgetBytes, truncatePrompts, kvCacheType);
    }

    public EngineSpec withDevice(String d) {
        return new EngineSpec(model, tokenizer, d, threads, maxSequences, maxBatchTokens, kvBudgetBytes, truncatePrompts, kvCacheType);
    }

    public EngineSpec withTokenizer(String t) {
        return new EngineSpec(model, t, device, threads, maxSequences, maxBatchTokens, kvBudgetBytes, truncatePrompts, kvCacheType);
    }

    public EngineSpec withKvCacheType(String t) {
        return new EngineSpec(model, tokenizer, device, threads, maxSequences, maxBatchTokens, kvBudgetBytes, truncatePrompts, t);
    }

    /**
     * The settings part of the per-JVM cache key once the thread count is known ({@link ExecutorEngines} adds the
     * placement and the identity of the files, which the model's name alone does not tell).
     */
    String key(int resolvedThreads) {
        return "engine:" + model + "|tok=" + tokenizer + "|dev=" + device + "|t=" + resolvedThreads + "|seq=" + maxSequences
                + "|bt=" + maxBatchTokens + "|kv=" + kvBudgetBytes + "|trunc=" + truncatePrompts + "|cache=" + kvCacheType;
    }

    /** Engine options for local files. */
    EngineOptions options(int resolvedThreads, Path localTokenizer) {
        EngineOptions o = EngineOptions.defaults().withThreads(resolvedThreads).withDevice(device).withMaxSequences(maxSequences)
                .withTruncatePrompts(truncatePrompts).withKvCacheType(KvCacheType.parse(kvCacheType));
        // the engine refuses fewer step tokens than sequences: unset, the step grows with setMaxSequences and
        // --max-sequences past the default (no Spark param or flag sets it)
        o = o.withMaxBatchTokens(maxBatchTokens > 0 ? maxBatchTokens : Math.max(o.maxBatchTokens(), maxSequences));
        if (kvBudgetBytes > 0) {
            o = o.withKvBudgetBytes(kvBudgetBytes);
        }
        if (localTokenizer != null) {
            o = o.withTokenizer(localTokenizer);
        }
        return o;
    }

    /** A short name for logs and the {@code model} column: the file name without directories. */
    public String modelName() {
        String m = model.endsWith("/") ? model.substring(0, model.length() - 1) : model;
        return m.substring(m.lastIndexOf('/') + 1);
    }
}
