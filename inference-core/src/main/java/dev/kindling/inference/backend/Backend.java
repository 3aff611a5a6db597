package dev.kindling.inference.backend;

import dev.kindling.inference.model.ModelConfig;

/**
 * What a compute device does for the engine — deliberately small, so a CUDA backend
 * ({@code dev.kindling.inference.cuda}, another issue) slots in beside the CPU one
 * ({@link dev.kindling.inference.cpu.CpuBackend}).
 *
 * <p>The engine (scheduler, KV block accounting, sampling, stop rules, streaming) is shared; a
 * backend owns the weights and the KV cache storage on its device and runs one batched
 * {@link #forward} at a time:
 * <ul>
 *   <li>the KV cache is {@link #kvBlockCount()} blocks of {@link #kvBlockSize()} positions (all
 *       layers, K and V); the engine hands each sequence's block ids to {@link #forward} in the
 *       {@link Step}, and never lets two live sequences write one block;</li>
 *   <li>{@link #forward} computes every token of the step (any mix of prefill chunks and decode
 *       tokens; each token attends to its own sequence's earlier positions), writes their K/V into
 *       the blocks, and returns logits only for the tokens the step asks for (so a device copies
 *       back one row per sequence, not the whole batch), plus final hidden states on request;</li>
 *   <li>results for a token must not depend on which other tokens share the step (the engine
 *       promises the same text for a seed whatever the batch).</li>
 * </ul>
 * Not thread-safe: the engine calls it from its single step thread.
 */
public interface Backend extends AutoCloseable {
    /** For logs and benchmark output, e.g. {@code "cpu (2 threads, 512-bit vectors, f32 KV cache)"}. */
    String describe();

    ModelConfig config();

    /** Most tokens one {@link Step} may hold. */
    int maxBatchTokens();

    /** Positions per KV block. */
    int kvBlockSize();

    /** KV blocks available within the memory budget. */
    int kvBlockCount();

    /** Runs the model over the step's tokens; see the class comment. */
    void forward(Step step);

    /**
     * True when {@link #forward} honours {@link Step#reductions} (computes them where the logits
     * are instead of returning full rows). The CPU backend returns false: its logits are already
     * on the host.
     */
    default boolean reducesLogits() {
        return false;
    }

    /**
     * Values per token of {@link Step#hidden}: the model's dimension, or what a final projection (OPT's
     * {@code project_out}) makes of it.
     */
    default int hiddenWidth() {
        return config().dim();
    }

    /** True when the model runs on a GPU (where {@code device=auto} chose CUDA). */
    default boolean onGpu() {
        return false;
    }

    @Override
    void close();
}
