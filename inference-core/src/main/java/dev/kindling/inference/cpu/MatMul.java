package dev.kindling.inference.cpu;

import dev.kindling.inference.tensor.F16Tensor;
import dev.kindling.inference.tensor.HalfTensor;
import dev.kindling.inference.tensor.Q8BlockTensor;
import dev.kindling.inference.tensor.Tensor;
import java.util.Arrays;

/**
 * Matrix products {@code out = W x} for a batch of tokens, the rows of W split over a
 * {@link WorkerPool}; several products over the same input (Q, K and V; gate and up) go out as one
 * parallel loop, so the threads meet once per group instead of once per matrix.
 *
 * <p>Token {@code t}'s input is {@code x[t*xStride ..]}, its output for row {@code r} goes to
 * {@code out[t*outStride + outOff + r]}. With fewer than {@link #TILE_TOKENS} tokens (decode) a
 * tensor with a fused dot (the quantized types, F32) reads its stored weights directly; F16 and BF16
 * rows are converted as their dot reads them when there is one token, and otherwise widened one row
 * at a time into per-thread scratch, where the row stays in L1 for every token's dot; with more tokens (prefill, batched decode) a tile of
 * {@link #TILE_ROWS} rows is dequantized once into per-thread scratch and multiplied with the tokens
 * four at a time ({@link VectorKernels#dot4x4}). All paths give the same bits for the same row and
 * token (see {@link Simd}). Q8_0, Q4_0 and K-quant weights ({@link Q8BlockTensor}) take their
 * input quantized to Q8_0 (K-quants: Q8_K) blocks and compute a panel of rows at a time with their own kernels
 * (integer block sums; same bits for any number of tokens as well).
 */
public final class MatMul {
    private MatMul() {}

    public static final int TILE_ROWS = 16;
    public static final int TILE_TOKENS = 4;
    /**
     * The one-pass F16/BF16 decode path below (on; off, those products convert the row first, then take the dot).
     * It was off for a while: it gave NaN logits in about one full test run in three, from a shift by a variable
     * count that C2 compiled wrongly once inlined here ({@link VectorKernels#dotHalves}; docs/cpu-inference-log.md).
     */
    static final boolean ONE_PASS_HALVES = true;

    /** One product: weights, input, output layout. */
    public record Job(Tensor w, float[] x, int xStride, float[] out, int outStride, int outOff) {
        public Job(Tensor w, float[] x, float[] out) {
            this(w, x, w.cols(), out, w.rows(), 0);
        }
    }

    /**
     * A job with its input as the kernels take it: {@code x} rounded by the weights'
     * {@link ActivationFormat} (stride {@code xStride}), or for a {@link Q8BlockTensor} the Q8_0
     * integers {@code x} (stride {@code cols}; also as int16 {@code x16} for the int16 kernels,
     * {@link Simd#INT16_DECODE} and {@link Simd#INT16_TILES}), block scales {@code scales} and block sums {@code sums}
     * (stride {@code cols/32}); for Q8_K inputs (K-quant weights) also {@code offsets}, each block's scale times its
     * integer sum ({@link ActivationFormat#quantizeQ8_K}; Q6_K does not read them, Q4_K and Q5_K sharing its input do).
     */
    private record Prepared(Job job, float[] x, short[] x16, int xStride, float[] scales, float[] sums, float[] xScaled,
            float[] offsets) {
        Prepared(Job job, float[] x, short[] x16, int xStride, float[] scales, float[] sums) {
            this(job, x, x16, xStride, scales, sums, null, null);
        }
    }

    /**
     * Per-thread scratch: a tile of dequantized rows (in decode, the one row being multiplied), the
     * 16-bit values of a mapped F16/BF16 row before they are widened, and a lane buffer.
     */
    public static final class Scratch {
        final float[] tile;
        final short[] halves;
        final float[] lanes = new float[80 * Math.max(16, Simd.L)];
        final Q8BlockTensor.Scratch blocks = new Q8BlockTensor.Scratch();

        public Scratch(int maxCols) {
            tile = new float[TILE_ROWS * maxCols];
            halves = new short[maxCols];
        }
    }

    public static void run(WorkerPool pool, Scratch[] scratch, int nTokens, Job... given) {
        Prepared[] jobs = prepareInputs(pool, nTokens, given);
        int[] firstTask = new int[jobs.length + 1];
        long work = 0;
        for (int j = 0; j < jobs.length; j++) {
            Tensor w = jobs[j].job.w;
            int tasks = w instanceof Q8BlockTensor b ? b.panels() : (w.rows() + TILE_ROWS - 1) / TILE_ROWS;
            firstTask[j + 1] = firstTask[j] + tasks;
            work += (long) w.rows() * w.cols() * nTokens;
        }
        pool.run(firstTask[jobs.length], work, (worker, task) -> {
            int j = 0;
            while (task >= firstTask[j + 1]) {
                j++;
            }
            Prepared p = jobs[j];
            Job job = p.job;
            if (job.w instanceof Q8BlockTensor b) {
                b.multiplyPanel(task - firstTask[j], p.x, p.x16, p.scales, p.sums, p.offsets, nTokens, job.out, job.outStride,
                        job.outOff, scratch[worker].blocks);
                return;
            }
            int r0 = (task - firstTask[j]) * TILE_ROWS;
            int r1 = Math.min(job.w.rows(), r0 + TILE_ROWS);
            rows(job, p.x, p.xScaled, p.xStride, r0, r1, nTokens, scratch[worker]);
        });
    }

    /**
     * Each job's input as its kernels take it (jobs with the same input and format share one copy):
     * F32 inputs stay as they are, others are rounded by their {@link ActivationFormat}, or quantized
     * to Q8_0 integers and scales for {@link Q8BlockTensor}s.
     */
    private static Prepared[] prepareInputs(WorkerPool pool, int nTokens, Job[] jobs) {
        Prepared[] out = new Prepared[jobs.length];
        for (int j = 0; j < jobs.length; j++) {
            Job job = jobs[j];
            ActivationFormat f = job.w.activationFormat();
            boolean blocks = job.w instanceof Q8BlockTensor;
            boolean int16 = job.w instanceof Q8BlockTensor b && b.takesInt16Input();
            if (f == ActivationFormat.F32) {
                out[j] = new Prepared(job, job.x, null, job.xStride, null, null);
                continue;
            }
            for (int i = 0; i < j && out[j] == null; i++) {
                Job o = jobs[i];
                if (o.x == job.x && o.xStride == job.xStride && o.w.cols() == job.w.cols()
                        && o.w.activationFormat() == f && (o.w instanceof Q8BlockTensor) == blocks
                        && ownsInputForm(o.w) == ownsInputForm(job.w) && (!ownsInputForm(job.w) || o.w.getClass() == job.w.getClass())
                        && (out[i].x16 != null || !int16) && (out[i].xScaled != null || !(job.w instanceof F16Tensor))) {
                    out[j] = new Prepared(job, out[i].x, out[i].x16, out[i].xStride, out[i].scales, out[i].sums,
                            job.w instanceof F16Tensor ? out[i].xScaled : null, out[i].offsets);
                }
            }
            if (out[j] != null) {
                continue;
            }
            int cols = job.w.cols();
            if (blocks) {
                float[] q = inputBuffer(4 * j, nTokens * cols);
                float[] d = inputBuffer(4 * j + 1, nTokens * (cols / 32));
                float[] sums = inputBuffer(4 * j + 2, nTokens * (cols / 32));
                float[] offsets = f == ActivationFormat.Q8_K ? inputBuffer(4 * j + 3, nTokens * (cols / 32)) : null;
                short[] q16 = int16 ? inputBuffer16(j, nTokens * cols) : null;
                pool.run(nTokens, (long) nTokens * cols, (worker, t) -> {
                    ((Q8BlockTensor) job.w).quantizeInput(job.x, t * job.xStride, q, t * cols, d, sums, offsets, t * (cols / 32));
                    if (q16 != null) {
                        Q8BlockTensor.toInt16(q, t, cols, nTokens, q16);
                    }
                });
                out[j] = new Prepared(job, q, q16, cols, d, sums, null, offsets);
            } else {
                float[] buf = inputBuffer(4 * j, (nTokens - 1) * job.xStride + cols);
                // F16 weights are converted without re-biasing their exponent (F16Tensor.dequantizeRowScaled):
                // the input carries the factor instead, in a second copy
                float[] scaled = job.w instanceof F16Tensor ? inputBuffer(4 * j + 1, buf.length) : null;
                pool.run(nTokens, (long) nTokens * cols, (worker, t) -> {
                    f.roundTrip(job.x, t * job.xStride, cols, buf);
                    if (scaled != null) {
                        for (int k = t * job.xStride; k < t * job.xStride + cols; k++) {
                            scaled[k] = buf[k] * F16Tensor.INPUT_SCALE;
                        }
                    }
                });
                out[j] = new Prepared(job, buf, null, job.xStride, null, null, scaled, null);
            }
        }
        return out;
    }

    /** Whether {@code w} quantizes its input its own way ({@link Q8BlockTensor#ownsInputForm}): shared only with its kind. */
    private static boolean ownsInputForm(Tensor w) {
        return w instanceof Q8BlockTensor b && b.ownsInputForm();
    }

    /** Per calling thread (an engine's step thread), reusable input buffers, four per job slot. */
    private static final ThreadLocal<float[][]> INPUTS = ThreadLocal.withInitial(() -> new float[16][]);

    private static final ThreadLocal<short[][]> INPUTS16 = ThreadLocal.withInitial(() -> new short[4][]);

    /** The int16 copy of job slot {@code slot}'s quantized input (for the int16 kernels). */
    private static short[] inputBuffer16(int slot, int size) {
        short[][] bufs = INPUTS16.get();
        if (slot >= bufs.length) {
            bufs = Arrays.copyOf(bufs, slot + 1);
            INPUTS16.set(bufs);
        }
        if (bufs[slot] == null || bufs[slot].length < size) {
            bufs[slot] = new short[size];
        }
        return bufs[slot];
    }

    private static float[] inputBuffer(int slot, int size) {
        float[][] bufs = INPUTS.get();
        if (slot >= bufs.length) {
            bufs = Arrays.copyOf(bufs, slot + 1);
            INPUTS.set(bufs);
        }
        if (bufs[slot] == null || bufs[slot].length < size) {
            bufs[slot] = new float[size];
        }
        return bufs[slot];
    }

    /** Row {@code r} of {@code w} converted exactly, times one token's input. */
    private static float exactRow(Tensor w, int r, float[] x, int xOff, int cols, Scratch s) {
        w.dequantizeRow(r, s.tile, 0, s.halves);
        return VectorKernels.dot(s.tile, 0, x, xOff, cols, s.lanes);
    }

    /** Rows {@code [r0, r1)} of one job for all tokens (single-threaded). */
    static void rows(Job job, float[] x, float[] xScaled, int xStride, int r0, int r1, int nTokens, Scratch s) {
        Tensor w = job.w;
        // F16 rows converted without re-biasing pair with the input times 2^112 (prepareInputs makes it)
        F16Tensor half = w instanceof F16Tensor f && xScaled != null ? f : null;
        int cols = w.cols();
        float[] out = job.out;
        if (nTokens < TILE_TOKENS) {
            if (w.hasFusedDot()) {
                for (int t = 0; t < nTokens; t++) {
                    int xo = t * xStride;
                    int oo = t * job.outStride + job.outOff;
                    // one row at a time: on JDK 17 the one-row kernel compiles well, a four-row one does not
                    for (int r = r0; r < r1; r++) {
                        out[oo + r] = w.dot(r, x, xo, s.lanes);
                    }
                }
                return;
            }
            if (ONE_PASS_HALVES && w instanceof HalfTensor h && (half != null || !(w instanceof F16Tensor)) && nTokens == 1 && Simd.enabled()) {
                // one token: each row converted as its dot reads it, one pass over the weights
                float[] in = half != null ? xScaled : x;
                int shift = h.widenShift();
                int mask = h.widenMask();
                for (int r = r0; r < r1; r++) {
                    if (!h.onePassRow(r, s.halves)) {
                        out[job.outOff + r] = exactRow(w, r, x, 0, cols, s);
                    } else if (MappedRows.AVAILABLE && h.mappedRow(r) != null) {
                        out[job.outOff + r] = MappedRows.dotHalves(h.mappedRow(r), h.mappedRowOffset(r), in, 0, cols, s.lanes, shift, mask);
                    } else {
                        out[job.outOff + r] = VectorKernels.dotHalves(h.halvesOf(r, s.halves), h.halvesOffset(r), in, 0, cols, s.lanes,
                                shift, mask);
                    }
                }
                return;
            }
            // one row at a time into scratch, still in L1 when each token's dot reads it
            float[] row = s.tile;
            for (int r = r0; r < r1; r++) {
                float[] in = x;
                if (half != null && half.dequantizeRowScaled(r, row, 0, s.halves)) {
                    in = xScaled;
                } else {
                    w.dequantizeRow(r, row, 0, s.halves);
                }
                for (int t = 0; t < nTokens; t++) {
                    out[t * job.outStride + job.outOff + r] = VectorKernels.dot(row, 0, in, t * xStride, cols, s.lanes);
                }
            }
            return;
        }
        float[] wa = s.tile;
        boolean scaled = half != null;
        for (int r = r0; r < r1 && scaled; r++) {
            scaled = half.dequantizeRowScaled(r, wa, (r - r0) * cols, s.halves);
        }
        if (scaled) {
            x = xScaled; // every row of the tile came scaled
        } else {
            for (int r = r0; r < r1; r++) {
                w.dequantizeRow(r, wa, (r - r0) * cols, s.halves);
            }
        }
        int nr = r1 - r0;
        int t = 0;
        if (Simd.enabled()) {
            for (; t + 4 <= nTokens; t += 4) {
                int xo = t * xStride;
                int oo = t * job.outStride + job.outOff + r0;
                int i = 0;
                for (; i + 4 <= nr; i += 4) {
                    VectorKernels.dot4x4(wa, i * cols, cols, x, xo, xStride, cols, out, oo + i, job.outStride, s.lanes);
                }
                for (; i < nr; i++) {
                    for (int tt = 0; tt < 4; tt++) {
                        out[oo + tt * job.outStride + i] = VectorKernels.dot(wa, i * cols, x, xo + tt * xStride, cols, s.lanes);
                    }
                }
            }
        }
        for (; t < nTokens; t++) {
            int xo = t * xStride;
            int oo = t * job.outStride + job.outOff + r0;
            for (int i = 0; i < nr; i++) {
                out[oo + i] = VectorKernels.dot(wa, i * cols, x, xo, cols, s.lanes);
            }
        }
    }
}
