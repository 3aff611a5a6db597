package dev.kindling.inference;

import java.nio.file.Path;

/**
 * How an {@link Engine} runs. Start from {@link #defaults()} and change what you need:
 *
 * <pre>{@code
 * EngineOptions o = EngineOptions.defaults().withThreads(4).withKvBudgetBytes(2L << 30);
 * }</pre>
 *
 * @param threads          compute threads (the caller's step thread plus {@code threads-1} workers);
 *                         default: available processors (in Spark: the executor's cores)
 * @param device           {@code "cpu"}, {@code "cuda"} or {@code "auto"} (CUDA when present, else CPU;
 *                         this build has the CPU backend only, so auto means CPU)
 * @param kvBudgetBytes    memory for the KV cache; requests that do not fit wait; 0 = a quarter of the
 *                         free heap after loading, at most 4 GiB
 * @param kvBlockSize      positions per KV block
 * @param maxBatchTokens   most tokens in one forward step (prefill chunk size)
 * @param maxSequences     most sequences decoding together
 * @param tokenizer        a tokenizer file to use instead of the model's own vocabulary (needed for
 *                         llama2.c checkpoints, e.g. {@code tok512.bin}); null = the model's
 * @param truncatePrompts  prompts longer than the context keep their last tokens (room left for
 *                         {@code maxTokens}) instead of failing
 */
public record EngineOptions(int threads, String device, long kvBudgetBytes, int kvBlockSize, int maxBatchTokens,
        int maxSequences, Path tokenizer, boolean truncatePrompts) {

    public EngineOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (!"cpu".equals(device) && !"cuda".equals(device) && !"auto".equals(device)) {
            throw new IllegalArgumentException("device must be cpu, cuda or auto, got " + device);
        }
        if (kvBudgetBytes < 0 || kvBlockSize < 1 || maxBatchTokens < 1 || maxSequences < 1) {
            throw new IllegalArgumentException("kv budget, block size, batch tokens and sequences must be positive");
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), "auto", 0L, 16, 256, 64, null, false);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts);
    }

    public EngineOptions withDevice(String d) {
        return new EngineOptions(threads, d, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts);
    }

    public EngineOptions withKvBudgetBytes(long b) {
        return new EngineOptions(threads, device, b, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts);
    }

    public EngineOptions withKvBlockSize(int n) {
        return new EngineOptions(threads, device, kvBudgetBytes, n, maxBatchTokens, maxSequences, tokenizer, truncatePrompts);
    }

    public EngineOptions withMaxBatchTokens(int n) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, n, maxSequences, tokenizer, truncatePrompts);
    }

    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, n, tokenizer, truncatePrompts);
    }

    public EngineOptions withTokenizer(Path p) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, p, truncatePrompts);
    }

    public EngineOptions withTruncatePrompts(boolean t) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, t);
    }
}
