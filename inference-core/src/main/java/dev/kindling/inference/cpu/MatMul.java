package dev.kindling.inference.cpu;

import dev.kindling.inference.tensor.F32Tensor;
import dev.kindling.inference.tensor.Tensor;

/**
 * Matrix products {@code out = W x} for a batch of tokens, the rows of W split over a
 * {@link WorkerPool}; several products over the same input (Q, K and V; gate and up) go out as one
 * parallel loop, so the threads meet once per group instead of once per matrix.
 *
 * <p>Token {@code t}'s input is {@code x[t*xStride ..]}, its output for row {@code r} goes to
 * {@code out[t*outStride + outOff + r]}. With fewer than {@link #TILE_TOKENS} tokens (decode) the
 * tensor's fused dot reads the stored weights directly; with more (prefill, batched decode) a tile
 * of {@link #TILE_ROWS} rows is dequantized once into per-thread scratch and multiplied with the
 * tokens four at a time ({@link VectorKernels#dot4x4}). Both paths give the same bits for the
 * same row and token (see {@link Simd}).
 */
public final class MatMul {
    private MatMul() {}

    public static final int TILE_ROWS = 16;
    public static final int TILE_TOKENS = 4;

    /** One product: weights, input, output layout. */
    public record Job(Tensor w, float[] x, int xStride, float[] out, int outStride, int outOff) {
        public Job(Tensor w, float[] x, float[] out) {
            this(w, x, w.cols(), out, w.rows(), 0);
        }
    }

    /** Per-thread scratch: a tile of dequantized rows and a lane buffer. */
    public static final class Scratch {
        final float[] tile;
        final float[] lanes = new float[64 * Math.max(16, Simd.L)];

        public Scratch(int maxCols) {
            tile = new float[TILE_ROWS * maxCols];
        }
    }

    public static void run(WorkerPool pool, Scratch[] scratch, int nTokens, Job... given) {
        Job[] jobs = roundInputs(pool, nTokens, given);
        int[] firstTile = new int[jobs.length + 1];
        for (int j = 0; j < jobs.length; j++) {
            firstTile[j + 1] = firstTile[j] + (jobs[j].w.rows() + TILE_ROWS - 1) / TILE_ROWS;
        }
        pool.run(firstTile[jobs.length], (worker, task) -> {
            int j = 0;
            while (task >= firstTile[j + 1]) {
                j++;
            }
            Job job = jobs[j];
            int r0 = (task - firstTile[j]) * TILE_ROWS;
            int r1 = Math.min(job.w.rows(), r0 + TILE_ROWS);
            rows(job, r0, r1, nTokens, scratch[worker]);
        });
    }

    /**
     * Replaces each job's input by its {@link ActivationFormat} rounding (jobs with the same input and
     * format share one copy); F32 inputs stay as they are.
     */
    private static Job[] roundInputs(WorkerPool pool, int nTokens, Job[] jobs) {
        Job[] out = jobs.clone();
        for (int j = 0; j < jobs.length; j++) {
            ActivationFormat f = jobs[j].w.activationFormat();
            if (f == ActivationFormat.F32) {
                continue;
            }
            float[] rounded = null;
            for (int i = 0; i < j; i++) {
                if (jobs[i].x == jobs[j].x && jobs[i].w.activationFormat() == f && jobs[i].xStride == jobs[j].xStride) {
                    rounded = out[i].x;
                }
            }
            if (rounded == null) {
                Job job = jobs[j];
                float[] buf = rounded = new float[(nTokens - 1) * job.xStride + job.w.cols()];
                pool.run(nTokens, (worker, t) -> f.roundTrip(job.x, t * job.xStride, job.w.cols(), buf));
            }
            out[j] = new Job(jobs[j].w, rounded, jobs[j].xStride, jobs[j].out, jobs[j].outStride, jobs[j].outOff);
        }
        return out;
    }

    /** Rows {@code [r0, r1)} of one job for all tokens (single-threaded). */
    static void rows(Job job, int r0, int r1, int nTokens, Scratch s) {
        Tensor w = job.w;
        int cols = w.cols();
        float[] x = job.x;
        float[] out = job.out;
        if (nTokens < TILE_TOKENS && w.hasFusedDot()) {
            for (int t = 0; t < nTokens; t++) {
                int xo = t * job.xStride;
                int oo = t * job.outStride + job.outOff;
                // one row at a time: on JDK 17 the one-row kernel compiles well, a four-row one does not
                for (int r = r0; r < r1; r++) {
                    out[oo + r] = w.dot(r, x, xo, s.lanes);
                }
            }
            return;
        }
        float[] wa;
        int wo;
        if (w instanceof F32Tensor f && f.contiguous(r0, r1 - r0)) {
            wa = f.array(r0);
            wo = f.offset(r0);
        } else {
            wa = s.tile;
            wo = 0;
            for (int r = r0; r < r1; r++) {
                w.dequantizeRow(r, wa, (r - r0) * cols);
            }
        }
        int nr = r1 - r0;
        int t = 0;
        if (Simd.enabled()) {
            for (; t + 4 <= nTokens; t += 4) {
                int xo = t * job.xStride;
                int oo = t * job.outStride + job.outOff + r0;
                int i = 0;
                for (; i + 4 <= nr; i += 4) {
                    VectorKernels.dot4x4(wa, wo + i * cols, cols, x, xo, job.xStride, cols, out, oo + i, job.outStride, s.lanes);
                }
                for (; i < nr; i++) {
                    for (int tt = 0; tt < 4; tt++) {
                        out[oo + tt * job.outStride + i] = VectorKernels.dot(wa, wo + i * cols, x, xo + tt * job.xStride, cols, s.lanes);
                    }
                }
            }
        }
        for (; t < nTokens; t++) {
            int xo = t * job.xStride;
            int oo = t * job.outStride + job.outOff + r0;
            for (int i = 0; i < nr; i++) {
                out[oo + i] = VectorKernels.dot(wa, wo + i * cols, x, xo, cols, s.lanes);
            }
        }
    }
}
