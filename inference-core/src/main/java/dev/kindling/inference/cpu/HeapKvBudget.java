package dev.kindling.inference.cpu;

import dev.kindling.inference.model.ModelConfig;

/**
 * How much KV cache the CPU engine may hold on the Java heap, decided at open, after the model and the backend's buffers
 * are loaded (weights are mapped, not on the heap; activations and scratch are). The blocks are allocated on first use,
 * so a budget the heap cannot hold surfaced as an OutOfMemoryError in the middle of a batch.
 *
 * <p>{@code free} is the heap the JVM may still grow into ({@code -Xmx} less what is in use) less the logits of a full
 * step ({@code maxBatchTokens x vocabulary} floats, allocated on the first step that asks for them).
 * <ul>
 *   <li>No budget given: a quarter of {@code free}, at most 4 GiB; but at least one block per sequence slot and the blocks
 *       of one full-context sequence, where that fits in half of {@code free}. Less than one block: the engine does not
 *       open.</li>
 *   <li>A budget given ({@code --kv-budget-mb}, {@code EngineOptions.withKvBudgetBytes}): used as given if it fits in
 *       {@code free}, else the engine does not open. It is refused rather than clamped: it was asked for, and a smaller
 *       cache admits fewer sequences at once than the caller planned for, which a warning in an executor's log would
 *       not tell them.</li>
 * </ul>
 */
public final class HeapKvBudget {
    /** Most the default takes. */
    static final long DEFAULT_MAX = 4L << 30;

    private final long requested;
    private final int maxSequences;
    private final int maxBatchTokens;
    private final String model;

    /**
     * @param requested      bytes asked for; 0 = the default
     * @param maxSequences   sequence slots of the engine
     * @param maxBatchTokens tokens in one step (rows of logits at most)
     * @param model          the model's name, for messages
     */
    public HeapKvBudget(long requested, int maxSequences, int maxBatchTokens, String model) {
        this.requested = requested;
        this.maxSequences = maxSequences;
        this.maxBatchTokens = maxBatchTokens;
        this.model = model;
    }

    /**
     * The budget in bytes for blocks of {@code blockBytes} (of {@code blockSize} positions) of {@code c}, measured in this
     * JVM's heap now.
     *
     * @throws IllegalStateException when the heap cannot hold it (the message names -Xmx, the model and --kv-budget-mb)
     */
    public long resolve(ModelConfig c, int blockSize, long blockBytes) {
        Runtime rt = Runtime.getRuntime();
        long budget = budget(c, blockSize, blockBytes, free(rt, c));
        if (budget < 0) {
            // what is in use counts garbage from loading; collect it once before refusing
            System.gc();
            budget = budget(c, blockSize, blockBytes, free(rt, c));
        }
        if (budget >= 0) {
            return budget;
        }
        long free = free(rt, c);
        String heap = "the Java heap (-Xmx: " + mib(rt.maxMemory()) + ") has " + mib(Math.max(0, free)) + " free for the KV cache"
                + " after loading " + model + " and the engine's buffers";
        if (requested > 0) {
            throw new IllegalStateException(model + ": --kv-budget-mb " + mibNumber(requested) + " (EngineOptions.kvBudgetBytes)"
                    + " is more than the heap can hold: " + heap + "; give --kv-budget-mb " + Math.max(0, free >> 20)
                    + " or less, leave it out for the default (a quarter of that), or run with a larger -Xmx"
                    + " (spark.executor.memory)");
        }
        throw new IllegalStateException(model + ": " + heap + ", less than one KV block (" + mib(blockBytes) + ": "
                + blockSize + " positions x " + c.layers() + " layers x K,V): run with a larger -Xmx (spark.executor.memory)"
                + " or a smaller model; --kv-budget-mb cannot make room, it only sets the KV cache's share");
    }

    /** The budget for {@code free} bytes, or -1 when it does not fit. */
    long budget(ModelConfig c, int blockSize, long blockBytes, long free) {
        if (requested > 0) {
            return requested <= free ? requested : -1;
        }
        long oneSequence = (c.contextLength() + (long) blockSize - 1) / blockSize;
        long floor = Math.min(Math.max(maxSequences, oneSequence) * blockBytes, free / 2);
        long budget = Math.min(DEFAULT_MAX, Math.max(free / 4, floor));
        return budget >= blockBytes ? budget : -1;
    }

    private long free(Runtime rt, ModelConfig c) {
        long logits = (long) maxBatchTokens * c.vocabSize() * Float.BYTES;
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - logits;
    }

    static String mib(long bytes) {
        return bytes >= 10L << 20 ? (bytes >> 20) + " MiB" : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String mibNumber(long bytes) {
        return bytes % (1 << 20) == 0 ? String.valueOf(bytes >> 20) : String.format(java.util.Locale.ROOT, "%.2f", bytes / 1048576.0);
    }
}
