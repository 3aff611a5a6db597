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
 * @param device           {@code "cpu"}, {@code "cuda"} or {@code "auto"} (default: CUDA when a usable
 *                         GPU is present, else the CPU, the reason logged once; {@code "cuda"} when
 *                         CUDA cannot be used is an error)
 * @param kvBudgetBytes    memory for the KV cache; requests that do not fit wait; 0 = a quarter of the
 *                         heap free after loading, at most 4 GiB (CPU: {@code cpu.HeapKvBudget}; a budget
 *                         the heap cannot hold fails at open)
 * @param kvBlockSize      positions per KV block
 * @param maxBatchTokens   most tokens in one forward step (prefill chunk size); at least {@code maxSequences},
 *                         one decode token per sequence ({@link Engine#open} refuses fewer, as vLLM refuses
 *                         {@code max_num_batched_tokens < max_num_seqs})
 * @param maxSequences     most sequences decoding together
 * @param tokenizer        a tokenizer file to use instead of the model's own vocabulary (needed for
 *                         llama2.c checkpoints, e.g. {@code tok512.bin}); null = the model's
 * @param truncatePrompts  prompts that fill the context keep their last tokens (room left for
 *                         {@code maxTokens}), after the BOS the tokenizer put first, instead of failing
 * @param gpuDevice        CUDA device ordinal to use (in Spark: the GPU the task was assigned, see
 *                         {@code dev.kindling.spark.executor.GpuAssignment}); -1 = the first visible
 * @param gpuMemoryFraction share of the GPU memory left after weights and buffers that the KV cache
 *                         takes (0, 1]
 * @param kvCacheType      how the CPU backend stores K and V ({@link KvCacheType}): F32 (default) or F16,
 *                         llama.cpp's default, which holds twice the positions in the same budget
 */
public record EngineOptions(int threads, String device, long kvBudgetBytes, int kvBlockSize, int maxBatchTokens,
        int maxSequences, Path tokenizer, boolean truncatePrompts, int gpuDevice, double gpuMemoryFraction,
        KvCacheType kvCacheType) {

    public EngineOptions {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in 1.." + MAX_THREADS + ", got " + threads);
        }
        String named = deviceName(device);
        if (named == null) {
            throw new IllegalArgumentException("device must be cpu, cuda or auto, got " + device);
        }
        device = named;
        if (kvBudgetBytes < 0 || kvBlockSize < 1 || maxBatchTokens < 1 || maxSequences < 1) {
            throw new IllegalArgumentException("kv budget, block size, batch tokens and sequences must be positive");
        }
        if (gpuDevice < -1) {
            throw new IllegalArgumentException("GPU device must be an ordinal >= 0 (or -1 for the first visible), got " + gpuDevice);
        }
        if (!(gpuMemoryFraction > 0 && gpuMemoryFraction <= 1)) {
            throw new IllegalArgumentException("GPU memory fraction must be in (0, 1], got " + gpuMemoryFraction);
        }
        if (kvCacheType == null) {
            throw new IllegalArgumentException("KV cache type must be given (KvCacheType.F32 or F16)");
        }
    }

    /**
     * The most engine threads: past the core count of today's largest hosts (the default, the JVM's processors, is
     * clamped to it), and well under what exhausts native threads (100,000 asked for ran out of them after 44 s instead
     * of failing).
     */
    public static final int MAX_THREADS = 1024;
    /**
     * The most sequences the command lines let an engine decode together: far past what fits a step on any GPU (vLLM's
     * default is 256); 100,000,000 ran an executor out of memory sizing its step buffers.
     */
    public static final int MAX_SEQUENCES = 16384;

    /** The values of {@code device}. */
    public static final java.util.List<String> DEVICES = java.util.List.of("auto", "cpu", "cuda");

    /**
     * The device {@code given} names, in any case and with white space around it ({@code CPU}, {@code " cuda"}), as
     * {@link #DEVICES} spells it; null when it names none. Every front end (the command lines, the Spark stages' param)
     * reads {@code --device} through this, as {@link KvCacheType#parse} reads {@code F16}: {@code --device CPU} was
     * refused where {@code --kv-cache-type F16} was taken.
     */
    public static String deviceName(String given) {
        if (given == null) {
            return null;
        }
        String d = given.strip().toLowerCase(java.util.Locale.ROOT);
        return DEVICES.contains(d) ? d : null;
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Math.min(Runtime.getRuntime().availableProcessors(), MAX_THREADS), "auto", 0L, 16, 256, 64, null, false, -1, 0.9, KvCacheType.F32);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withDevice(String d) {
        return new EngineOptions(threads, d, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withKvBudgetBytes(long b) {
        return new EngineOptions(threads, device, b, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withKvBlockSize(int n) {
        return new EngineOptions(threads, device, kvBudgetBytes, n, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withMaxBatchTokens(int n) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, n, maxSequences, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, n, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withTokenizer(Path p) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, p, truncatePrompts, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withTruncatePrompts(boolean t) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, t, gpuDevice, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withGpuDevice(int d) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, d, gpuMemoryFraction, kvCacheType);
    }

    public EngineOptions withGpuMemoryFraction(double f) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, gpuDevice, f, kvCacheType);
    }

    public EngineOptions withKvCacheType(KvCacheType t) {
        return new EngineOptions(threads, device, kvBudgetBytes, kvBlockSize, maxBatchTokens, maxSequences, tokenizer, truncatePrompts, gpuDevice, gpuMemoryFraction, t);
    }
}
