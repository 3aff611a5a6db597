package dev.kindling.inference.cuda;

/**
 * How the CUDA backend runs.
 *
 * @param device         CUDA device ordinal (as the driver numbers the visible devices; in Spark,
 *                       the one the task was assigned: {@code dev.kindling.spark.executor.GpuAssignment})
 * @param memoryFraction share of the device memory left after weights and activations that the KV
 *                       cache takes (the rest stays free for other allocations)
 * @param maxBatchTokens most tokens per forward step (prefill chunk)
 * @param kvBlockSize    positions per KV block
 * @param graphs         replay decode steps as CUDA graphs
 * @param kvBudgetBytes  at most this much KV cache (0 = only the fraction decides)
 */
public record CudaOptions(int device, double memoryFraction, int maxBatchTokens, int kvBlockSize, boolean graphs,
        long kvBudgetBytes) {
    public CudaOptions {
        if (device < 0) {
            throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + device);
        }
        if (!(memoryFraction > 0 && memoryFraction <= 1)) {
            throw new IllegalArgumentException("GPU memory fraction must be in (0, 1], got " + memoryFraction);
        }
        if (maxBatchTokens < 1 || kvBlockSize < 1 || kvBudgetBytes < 0) {
            throw new IllegalArgumentException("batch tokens and KV block size must be positive");
        }
    }

    public static CudaOptions defaults() {
        return new CudaOptions(0, 0.9, 8192, 16, !Kernels.SYNC, 0L);
    }

    public CudaOptions withDevice(int d) {
        return new CudaOptions(d, memoryFraction, maxBatchTokens, kvBlockSize, graphs, kvBudgetBytes);
    }

    public CudaOptions withMemoryFraction(double f) {
        return new CudaOptions(device, f, maxBatchTokens, kvBlockSize, graphs, kvBudgetBytes);
    }

    public CudaOptions withMaxBatchTokens(int n) {
        return new CudaOptions(device, memoryFraction, n, kvBlockSize, graphs, kvBudgetBytes);
    }

    public CudaOptions withKvBlockSize(int n) {
        return new CudaOptions(device, memoryFraction, maxBatchTokens, n, graphs, kvBudgetBytes);
    }

    public CudaOptions withGraphs(boolean g) {
        return new CudaOptions(device, memoryFraction, maxBatchTokens, kvBlockSize, g, kvBudgetBytes);
    }

    public CudaOptions withKvBudgetBytes(long b) {
        return new CudaOptions(device, memoryFraction, maxBatchTokens, kvBlockSize, graphs, b);
    }
}
