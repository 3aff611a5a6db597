package dev.kindling.inference.cpu;

import static dev.kindling.inference.cpu.Simd.L;

import dev.kindling.inference.KvCacheType;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.Architecture.Positions;
import dev.kindling.inference.model.FeedForward;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Linear;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Moe;
import dev.kindling.inference.model.Norm;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import dev.kindling.inference.model.Weights;
import dev.kindling.inference.tensor.Tensor;
import java.util.Arrays;

/**
 * The CPU backend: the transformer forward pass over a batch of tokens, reading top to bottom. One
 * pass serves every family; {@link Architecture} picks the building blocks.
 *
 * <pre>
 *   x = embedding[token] (+ position embedding) (-> project in) (-> norm)         embed
 *   per block, by residual layout:
 *     SEQUENTIAL:  x = x + attention(norm1(x));   x = x + ffn(norm2(x))
 *     PARALLEL:    x = x + attention(norm1(x)) + ffn(norm2(x) or norm1(x))
 *     POST_NORM:   x = norm1(x + attention(x));   x = norm2(x + ffn(x))
 *   attention(a) = Wo . softmax(q.k / sqrt(d) [+ ALiBi]) v + bo,  q,k,v = Wq/k/v . a + b (RoPE on q, k)
 *   ffn(a)       = Wdown . act(Wgate . a) * (Wup . a)       gated (SwiGLU), or
 *                  Wdown . act(Wup . a + bup) + bdown      plain, or
 *                  sum over the top-k experts of softmax(router logits) * expert(a)   mixture of experts
 *   logits = Wout . (project out) norm(x) (+ bout)        only for the tokens the step asks for
 * </pre>
 *
 * Matrix products run over all tokens of the step at once (one pass over the weights, rows split
 * over the threads); attention runs per (token, head) over that token's own sequence in the paged
 * KV cache; the element-wise parts run per token. The KV cache lives here: blocks of
 * {@link #kvBlockSize()} positions, each holding, layer after layer, K transposed as
 * {@code [kvDim(layer)][position]} (a query's scores for a block's positions are then vectors of
 * FMAs, see {@link AttentionKernels}) and V as {@code [position][kvDim(layer)]}, allocated on first use
 * up to the budget, as floats or (with {@link KvCacheType#F16}) as IEEE halves that attention converts back,
 * exactly, one KV head and block at a time.
 */
public final class CpuBackend implements Backend {
    /**
     * Blocks of an F16 cache that {@link #attend} converts in one run before their products: one loop of independent
     * loads over 16 blocks keeps more cache lines in flight than a block's worth between the products, where the F16
     * cache's cost is (its first touch: converting one block over and over from cache ran 10-15% faster than the real
     * cache). Decode at 1,024 tokens, 8 alternated JVMs: median 43.1 against 41.5 tok/s for one block at a time, faster
     * in 6 (docs/cpu-inference-log.md). Scratch: 16 blocks of one KV head's keys and values per worker.
     */
    static final int HALF_RUN_BLOCKS = 16;
    private final Model model;
    private final ModelConfig c;
    private final Architecture arch;
    private final Weights w;
    private final WorkerPool pool;
    private final int maxTokens;
    private final int blockSize;
    private final int blockCount;
    /** K and V values per block (all layers). */
    private final int blockValues;
    /** Start of each layer's K and V in a block. */
    private final int[] layerBase;
    private final KvCacheType kvType;
    /** The blocks as floats ({@link KvCacheType#F32}) or IEEE halves ({@link KvCacheType#F16}); the other is null. */
    private final float[][] kvBlocks;
    private final short[][] kvHalfBlocks;
    /**
     * Per worker, with an F16 cache: one KV head's keys of a run of {@link #HALF_RUN_BLOCKS} blocks, then its values, as
     * floats; and the task's queries rounded to halves (see {@link #attend}).
     */
    private final float[][] kvKeys, kvValues, halfQueries;
    private final MatMul.Scratch[] scratch;
    private final float[][] attScores;

    // activations, [token][...] row-major, sized for maxTokens
    private final float[] x, xb, xb2, q, k, v, att, proj, ffnOut, hb, hb2, ropeCos, ropeSin, embed;
    // mixture of experts: router logits, the experts and weights each token uses, gathered rows
    private final float[] routerLogits, moeIn, moeOut;
    private final int[] moeExperts;
    private final float[] moeWeights;
    private final int[] moeRows;
    private float[] logitInput = new float[0];
    private float[] projected = new float[0];

    /**
     * @param kvBudgetBytes memory for the KV cache; at least one sequence of full context is not
     *                      required — the scheduler admits what fits
     */
    public CpuBackend(Model model, int threads, int maxBatchTokens, int kvBlockSize, long kvBudgetBytes) {
        this(model, threads, maxBatchTokens, kvBlockSize, kvBudgetBytes, KvCacheType.F32);
    }

    /**
     * @param kvBudgetBytes memory for the KV cache ({@code kvType}'s bytes per value)
     * @param kvType        F32, or F16 (half the bytes; attention converts a block back to floats exactly, per KV
     *                      head, before its products)
     */
    public CpuBackend(Model model, int threads, int maxBatchTokens, int kvBlockSize, long kvBudgetBytes, KvCacheType kvType) {
        this(model, threads, WorkerPool::new, maxBatchTokens, kvBlockSize, blockBytes -> kvBudgetBytes, kvType);
    }

    /** With {@code pool} as its threads (a test's pool that hands every loop to the workers, {@link WorkerPool#WorkerPool(int, long)}). */
    CpuBackend(Model model, WorkerPool pool, int maxBatchTokens, int kvBlockSize, long kvBudgetBytes) {
        this(model, pool.threads(), threads -> pool, maxBatchTokens, kvBlockSize, blockBytes -> kvBudgetBytes, KvCacheType.F32);
    }

    /**
     * Refuses step buffers for {@code n} tokens that the heap cannot hold, or an array past Java's limit, with the
     * setting that sized them: {@code --max-sequences 100000000} ran the JVM out of memory here (exit 52, "interrupted"),
     * where --kv-budget-mb's excess is one line naming it.
     */
    static void checkStepBuffers(ModelConfig c, Architecture arch, int n, int embDim) {
        int half = c.rope() == null ? 0 : c.rope().dims() / 2;
        long widest = Math.max(Math.max(Math.max(c.dim(), c.qDim()), c.hiddenDim()), embDim);
        long perToken = 5L * c.dim() + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.hiddenDim() + 2L * half
                + (arch.residual() == Architecture.Residual.PARALLEL ? c.dim() : 0) + (embDim != c.dim() ? embDim : 0);
        long bytes = 4L * n * perToken;
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if ((long) n * widest > Integer.MAX_VALUE - 8 || bytes > free) {
            throw new IllegalArgumentException("a step of " + n + " tokens (maxBatchTokens; --max-sequences raises it to "
                    + "itself) needs " + (bytes >> 20) + " MiB of buffers for this model" + ((long) n * widest > Integer.MAX_VALUE - 8
                    ? ", past the largest Java array" : "") + "; the Java heap (-Xmx: " + (rt.maxMemory() >> 20) + " MiB) has "
                    + (free >> 20) + " MiB free: give fewer --max-sequences (or batch tokens), or a larger heap");
        }
    }

    /** Loops of the forward passes so far handed to the workers (not those run on the step thread alone). */
    long handOffs() {
        return pool.handOffs();
    }

    /**
     * @param kvBudget the KV budget, decided in the heap left after the model and this backend's buffers
     *                 ({@link HeapKvBudget}: the engine's default, or a budget checked against the heap)
     */
    public CpuBackend(Model model, int threads, int maxBatchTokens, int kvBlockSize, HeapKvBudget kvBudget, KvCacheType kvType) {
        this(model, threads, WorkerPool::new, maxBatchTokens, kvBlockSize,
                blockBytes -> kvBudget.resolve(model.config(), kvBlockSize, blockBytes), kvType);
    }

    /**
     * {@code kvBudget}: one block's bytes to the budget in bytes, asked once the buffers are allocated; {@code pools}: the
     * pool of {@code threads}, made last, once nothing can refuse the backend (made first, its started workers outlived a
     * refused budget or step buffers: an engine of N threads that failed to open left N - 1 threads for the JVM's life).
     */
    private CpuBackend(Model model, int threads, java.util.function.IntFunction<WorkerPool> pools, int maxBatchTokens,
            int kvBlockSize, java.util.function.LongUnaryOperator kvBudget, KvCacheType kvType) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads); // as the pool says it, before its buffers
        }
        this.model = model;
        this.kvType = java.util.Objects.requireNonNull(kvType, "kvType");
        this.c = model.config();
        this.arch = c.architecture();
        this.w = model.weights();
        this.maxTokens = maxBatchTokens;
        this.blockSize = kvBlockSize;
        this.layerBase = new int[c.layers()];
        long floats = 0;
        for (int l = 0; l < c.layers(); l++) {
            layerBase[l] = Math.toIntExact(floats);
            floats += 2L * kvBlockSize * c.kvDim(l);
        }
        this.blockValues = Math.toIntExact(floats);
        boolean halves = kvType == KvCacheType.F16;
        this.kvKeys = halves ? new float[threads][HALF_RUN_BLOCKS * c.headDim() * kvBlockSize] : null;
        this.kvValues = halves ? new float[threads][HALF_RUN_BLOCKS * c.headDim() * kvBlockSize] : null;
        this.halfQueries = halves ? new float[threads][c.qDim()] : null;
        int embDim = w.tokenEmbedding().cols();
        int maxCols = Math.max(Math.max(Math.max(c.dim(), c.hiddenDim()), c.qDim()), embDim);
        this.scratch = new MatMul.Scratch[threads];
        this.attScores = new float[threads][];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new MatMul.Scratch(maxCols);
            attScores[i] = new float[Math.min(c.contextLength(), 4096)];
        }
        int n = maxBatchTokens;
        checkStepBuffers(c, arch, n, embDim);
        x = new float[n * c.dim()];
        xb = new float[n * c.dim()];
        xb2 = arch.residual() == Architecture.Residual.PARALLEL ? new float[n * c.dim()] : null;
        q = new float[n * c.qDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.qDim()];
        proj = new float[n * c.dim()];
        ffnOut = new float[n * c.dim()];
        hb = new float[n * c.hiddenDim()];
        hb2 = new float[n * c.hiddenDim()];
        int half = c.rope() == null ? 0 : c.rope().dims() / 2;
        ropeCos = new float[n * half];
        ropeSin = new float[n * half];
        embed = embDim != c.dim() ? new float[n * embDim] : null;
        int experts = c.experts();
        routerLogits = new float[n * experts];
        moeExperts = new int[n * c.expertsUsed()];
        moeWeights = new float[n * c.expertsUsed()];
        moeRows = new int[experts > 0 ? n : 0];
        moeIn = new float[experts > 0 ? n * c.dim() : 0];
        moeOut = new float[experts > 0 ? n * c.dim() : 0];
        // the budget last: the heap it may take is what the buffers above left
        long blockBytes = (long) kvType.bytesPerValue() * blockValues;
        long kvBudgetBytes = kvBudget.applyAsLong(blockBytes);
        long blocks = kvBudgetBytes / blockBytes;
        if (blocks < 1) {
            throw new IllegalArgumentException("KV budget of " + kvBudgetBytes + " bytes is less than one block ("
                    + blockBytes + " bytes: " + kvBlockSize + " positions x " + c.layers() + " layers x K,V x "
                    + c.kvDim() + " " + kvType.label() + " values)");
        }
        this.blockCount = (int) Math.min(blocks, Integer.MAX_VALUE / 2);
        this.kvBlocks = halves ? null : new float[blockCount][];
        this.kvHalfBlocks = halves ? new short[blockCount][] : null;
        this.pool = pools.apply(threads);
    }

    @Override
    public int hiddenWidth() {
        return w.projectOut() != null ? w.projectOut().rows() : c.dim();
    }

    @Override
    public String describe() {
        return "cpu (" + pool.threads() + " threads, " + Simd.describe() + " vectors, " + kvType.label() + " KV cache)";
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    public Model model() {
        return model;
    }

    @Override
    public int maxBatchTokens() {
        return maxTokens;
    }

    @Override
    public int kvBlockSize() {
        return blockSize;
    }

    @Override
    public int kvBlockCount() {
        return blockCount;
    }

    @Override
    public void forward(Step s) {
        int n = s.tokenCount();
        if (n == 0) {
            return;
        }
        allocateBlocks(s);
        embed(s, n);
        for (int l = 0; l < c.layers(); l++) {
            block(s, n, l, w.layers()[l]);
        }
        finalOutputs(s, n);
    }

    // ---------------------------------------------------------------- embedding

    private void embed(Step s, int n) {
        int dim = c.dim();
        Tensor table = w.tokenEmbedding();
        for (int t = 0; t < n; t++) {
            int tok = s.token(t);
            if (tok < 0 || tok >= table.rows()) {
                throw new IllegalArgumentException("token id " + tok + " is outside the vocabulary (0.." + (table.rows() - 1) + ")");
            }
            if (embed != null) {
                table.dequantizeRow(tok, embed, t * table.cols());
            } else {
                table.dequantizeRow(tok, x, t * dim);
            }
            if (c.rope() != null) {
                ropeAngles(s.position(t), t);
            }
        }
        if (w.projectIn() != null) {
            linear(w.projectIn(), embed, n, x);
        }
        if (arch.positions() == Positions.LEARNED) {
            float[] row = new float[dim];
            for (int t = 0; t < n; t++) {
                w.positionEmbedding().dequantizeRow(s.position(t) + arch.positionOffset(), row, 0);
                for (int i = 0; i < dim; i++) {
                    x[t * dim + i] += row[i];
                }
            }
        }
        if (w.embeddingNorm() != null) {
            norm(w.embeddingNorm(), x, x, n);
        }
    }

    // ---------------------------------------------------------------- one block

    private void block(Step s, int n, int l, LayerWeights lw) {
        switch (arch.residual()) {
            case SEQUENTIAL -> {
                norm(lw.attentionNorm(), x, xb, n);
                attention(s, n, l, lw, xb, proj);
                add(x, proj, n);
                norm(lw.feedForwardNorm(), x, xb, n);
                feedForward(lw, xb, n, proj);
                add(x, proj, n);
            }
            case PARALLEL -> {
                norm(lw.attentionNorm(), x, xb, n);
                float[] ffnIn = xb;
                if (lw.feedForwardNorm() != null) {
                    norm(lw.feedForwardNorm(), x, xb2, n);
                    ffnIn = xb2;
                }
                attention(s, n, l, lw, xb, proj);
                feedForward(lw, ffnIn, n, ffnOut);
                int dim = c.dim();
                pool.run(n, (long) n * dim, (worker, t) -> {
                    for (int i = t * dim; i < (t + 1) * dim; i++) {
                        x[i] += proj[i] + ffnOut[i];
                    }
                });
            }
            case POST_NORM -> {
                attention(s, n, l, lw, x, proj);
                add(x, proj, n);
                norm(lw.attentionNorm(), x, x, n);
                feedForward(lw, x, n, proj);
                add(x, proj, n);
                norm(lw.feedForwardNorm(), x, x, n);
            }
        }
    }

    /** {@code a += b} over {@code n} tokens of the residual stream. */
    private void add(float[] a, float[] b, int n) {
        int dim = c.dim();
        pool.run(n, (long) n * dim, (worker, t) -> {
            for (int i = t * dim; i < (t + 1) * dim; i++) {
                a[i] += b[i];
            }
        });
    }

    /** RMSNorm or LayerNorm of each token's {@code in} row into {@code out} (may be the same array). */
    private void norm(Norm norm, float[] in, float[] out, int n) {
        int dim = c.dim();
        if (arch.norm() == Architecture.Norm.RMS) {
            pool.run(n, (long) n * dim, (worker, t) -> ScalarKernels.rmsnorm(out, t * dim, in, t * dim, norm.weight(), dim, c.normEps()));
        } else {
            pool.run(n, (long) n * dim, (worker, t) -> ScalarKernels.layernorm(out, t * dim, in, t * dim, norm.weight(), norm.bias(), dim, c.normEps()));
        }
    }

    /** {@code out[t] = W in[t] (+ b)} for {@code n} tokens. */
    private void linear(Linear lin, float[] in, int n, float[] out) {
        MatMul.run(pool, scratch, n, new MatMul.Job(lin.weight(), in, out));
        addBias(lin, out, n);
    }

    private void addBias(Linear lin, float[] out, int n) {
        float[] b = lin.bias();
        if (b != null) {
            int rows = b.length;
            pool.run(n, (long) n * rows, (worker, t) -> {
                for (int i = 0; i < rows; i++) {
                    out[t * rows + i] += b[i];
                }
            });
        }
    }

    // ---------------------------------------------------------------- attention

    private void attention(Step s, int n, int l, LayerWeights lw, float[] in, float[] out) {
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim(l);
        int kvHeads = c.kvHeads(l);
        MatMul.run(pool, scratch, n,
                new MatMul.Job(lw.query().weight(), in, dim, q, qDim, 0),
                new MatMul.Job(lw.key().weight(), in, dim, k, kvDim, 0),
                new MatMul.Job(lw.value().weight(), in, dim, v, kvDim, 0));
        float clamp = c.clampQkv();
        pool.run(n, (long) n * (qDim + 2 * kvDim), (worker, t) -> {
            addBias(q, t * qDim, lw.query().bias(), qDim, clamp);
            addBias(k, t * kvDim, lw.key().bias(), kvDim, clamp);
            addBias(v, t * kvDim, lw.value().bias(), kvDim, clamp);
            if (c.rope() != null) {
                rotate(q, t * qDim, c.heads(), t);
                rotate(k, t * kvDim, kvHeads, t);
            }
            int pos = s.position(t);
            int id = s.blockTable(s.sequenceOf(t))[pos / blockSize];
            int slot = pos % blockSize;
            int kt = layerBase[l] + slot; // keys transposed: dimension d of this slot at kt + d * blockSize
            if (kvHalfBlocks != null) {
                short[] block = kvHalfBlocks[id];
                int vo = kvOffset(l, 1, slot);
                for (int d = 0; d < kvDim; d++) {
                    block[kt + d * blockSize] = ScalarKernels.floatToHalf(k[t * kvDim + d]);
                    block[vo + d] = ScalarKernels.floatToHalf(v[t * kvDim + d]);
                }
            } else {
                float[] block = kvBlocks[id];
                for (int d = 0; d < kvDim; d++) {
                    block[kt + d * blockSize] = k[t * kvDim + d];
                }
                System.arraycopy(v, t * kvDim, block, kvOffset(l, 1, slot), kvDim);
            }
        });
        // one task per (token, KV head, share of its query heads): the query heads that share a KV head go through
        // each KV block together, so that a block is read from memory once and then from L1, not once per query head
        int group = c.heads() / kvHeads;
        int parts = Math.min(group, Math.max(1, (2 * pool.threads() + n * kvHeads - 1) / (n * kvHeads)));
        int per = (group + parts - 1) / parts;
        // its work: each token's query heads against the positions it sees, keys then values
        long work = 0;
        for (int t = 0; t < n; t++) {
            int pos = s.position(t);
            work += 2L * c.heads() * c.headDim() * (pos - (c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0) + 1);
        }
        pool.run(n * kvHeads * parts, work, (worker, task) -> {
            int rest = task % (kvHeads * parts);
            int kvh = rest / parts;
            int h0 = kvh * group + (rest % parts) * per;
            int h1 = Math.min((kvh + 1) * group, h0 + per);
            if (h0 < h1) {
                attend(s, l, task / (kvHeads * parts), h0, h1, worker);
            }
        });
        linear(lw.attentionOutput(), att, n, out);
    }

    /** Adds a bias and clamps to [-clamp, clamp] (MPT's clip_qkv; 0 = no clamp). */
    private static void addBias(float[] a, int off, float[] bias, int n, float clamp) {
        if (bias != null) {
            for (int i = 0; i < n; i++) {
                a[off + i] += bias[i];
            }
        }
        if (clamp > 0) {
            for (int i = off; i < off + n; i++) {
                a[i] = Math.max(-clamp, Math.min(clamp, a[i]));
            }
        }
    }

    /**
     * Causal attention of query heads {@code [h0, h1)} of token {@code t}, which share one KV head, over its
     * sequence's cached positions: block by block, every head's scores (then every head's weighted sum) before
     * the next block. Each head's sums run as they would alone, so the grouping changes no bit.
     */
    private void attend(Step s, int l, int t, int h0, int h1, int worker) {
        int hd = c.headDim();
        int kvDim = c.kvDim(l);
        int kvh = h0 / (c.heads() / c.kvHeads(l));
        int pos = s.position(t);
        int start = c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
        int count = pos - start + 1;
        int heads = h1 - h0;
        int[] table = s.blockTable(s.sequenceOf(t));
        float[] scores = attScores[worker];
        if (scores.length < heads * count) {
            scores = attScores[worker] = new float[Math.max(2 * scores.length, heads * count)];
        }
        float scale = (float) (1.0 / Math.sqrt(hd));
        int kOff = layerBase[l] + kvh * hd * blockSize;
        float[] query = q;
        int qOff = t * c.qDim();
        if (kvHalfBlocks != null) {
            // llama.cpp multiplies an F16 cache with its operand rounded to F16 (ggml's vec_dot_f16 takes halves on both
            // sides): the queries here, the attention weights below. The cache is read as halves x 2^-112 (three vector
            // operations where the exact conversion takes eleven) and the queries and weights are scaled by 2^112 to
            // match: each product, exact inside the fma, is then the same product, so the bits are those of the exact
            // conversion (a rounded query is at most 65504, and 65504 x 2^112 is a float)
            query = halfQueries[worker];
            System.arraycopy(q, qOff + h0 * hd, query, h0 * hd, (h1 - h0) * hd);
            roundToScaledHalves(query, h0 * hd, (h1 - h0) * hd);
            qOff = 0;
        }
        for (int j = start, b = 0; j <= pos; b++) {
            int slot = j % blockSize;
            int m = Math.min(blockSize - slot, pos - j + 1);
            float[] block;
            int ko;
            if (kvHalfBlocks != null) {
                // the KV head's keys (hd rows of blockSize per block) as floats, once for all its query heads, a run of
                // blocks at a time
                block = kvKeys[worker];
                int inRun = b % HALF_RUN_BLOCKS;
                if (inRun == 0) {
                    for (int jj = j, i = 0; jj <= pos && i < HALF_RUN_BLOCKS; i++, jj += blockSize - jj % blockSize) {
                        halvesToScaledFloats(kvHalfBlocks[table[jj / blockSize]], kOff, block, i * hd * blockSize, hd * blockSize);
                    }
                }
                ko = inRun * hd * blockSize + slot;
            } else {
                block = kvBlocks[table[j / blockSize]];
                ko = kOff + slot;
            }
            for (int h = h0; h < h1; h++) {
                AttentionKernels.scores(query, qOff + h * hd, block, ko, blockSize, hd, m, scores,
                        (h - h0) * count + j - start);
            }
            j += m;
        }
        for (int h = h0; h < h1; h++) {
            float slope = c.alibiSlopes() != null ? c.alibiSlopes()[h] : 0f;
            int so = (h - h0) * count;
            for (int j = 0; j < count; j++) {
                // ALiBi: a linear penalty on the distance back to the key
                scores[so + j] = slope == 0f ? scores[so + j] * scale : scores[so + j] * scale - slope * (pos - start - j);
            }
            AttentionKernels.softmax(scores, so, count);
            if (kvHalfBlocks != null) {
                roundToScaledHalves(scores, so, count);
            }
            int outOff = t * c.qDim() + h * hd;
            Arrays.fill(att, outOff, outOff + hd, 0f);
        }
        int vOff = kvOffset(l, 1, 0) + kvh * hd;
        for (int j = start, b = 0, runStart = start; j <= pos; b++) {
            int slot = j % blockSize;
            int m = Math.min(blockSize - slot, pos - j + 1);
            float[] block;
            int vo;
            int stride;
            if (kvHalfBlocks != null) {
                // the KV head's value rows as floats, one after the other, a run of blocks at a time
                block = kvValues[worker];
                if (b % HALF_RUN_BLOCKS == 0) {
                    runStart = j;
                    for (int jj = j, i = 0; jj <= pos && i < HALF_RUN_BLOCKS; i++) {
                        int sl = jj % blockSize;
                        int mm = Math.min(blockSize - sl, pos - jj + 1);
                        short[] src = kvHalfBlocks[table[jj / blockSize]];
                        for (int r = 0; r < mm; r++) {
                            halvesToScaledFloats(src, vOff + (sl + r) * kvDim, block, (jj - j + r) * hd, hd);
                        }
                        jj += mm;
                    }
                }
                vo = (j - runStart) * hd;
                stride = hd;
            } else {
                block = kvBlocks[table[j / blockSize]];
                vo = vOff + slot * kvDim;
                stride = kvDim;
            }
            for (int h = h0; h < h1; h++) {
                AttentionKernels.weightedSum(scores, (h - h0) * count + j - start, block, vo, stride, hd, m,
                        att, t * c.qDim() + h * hd);
            }
            j += m;
        }
    }

    /** {@code a[off, off + n)} rounded to halves ({@link VectorKernels#roundToHalves}), then times 2^112 (exact). */
    static void roundToScaledHalves(float[] a, int off, int n) {
        VectorKernels.roundToHalves(a, off, n);
        for (int i = off; i < off + n; i++) {
            a[i] *= 0x1p112f;
        }
    }

    /**
     * The halves {@code a[off, off + n)} times 2^-112 to {@code dst[dOff ..]}, exactly: {@link Simd#halvesToScaledFloats}
     * where the halves are finite, else (an inf or NaN among them) {@link #halvesToFloats} and the product, which keeps
     * inf and NaN.
     */
    static void halvesToScaledFloats(short[] a, int off, float[] dst, int dOff, int n) {
        int v = L > 0 ? n - n % L : 0;
        if (v > 0 && !Simd.halvesToScaledFloats(a, off, dst, dOff, v)) {
            halvesToFloats(a, off, dst, dOff, v);
            for (int i = dOff; i < dOff + v; i++) {
                dst[i] *= 0x1p-112f;
            }
        }
        for (int i = v; i < n; i++) {
            dst[dOff + i] = ScalarKernels.halfToFloat(a[off + i]) * 0x1p-112f;
        }
    }

    /** {@link Simd#halvesToFloats} for any {@code n} (the lanes, then {@link ScalarKernels#halfToFloat}: the same bits). */
    static void halvesToFloats(short[] a, int off, float[] dst, int dOff, int n) {
        int v = L > 0 ? n - n % L : 0;
        if (v > 0) {
            Simd.halvesToFloats(a, off, dst, dOff, v);
        }
        for (int i = v; i < n; i++) {
            dst[dOff + i] = ScalarKernels.halfToFloat(a[off + i]);
        }
    }

    private int kvOffset(int layer, int kv, int slot) {
        return layerBase[layer] + (kv * blockSize + slot) * c.kvDim(layer);
    }

    private void ropeAngles(int pos, int t) {
        Rope r = c.rope();
        int half = r.dims() / 2;
        for (int i = 0; i < half; i++) {
            double a = r.angle(pos, i);
            ropeCos[t * half + i] = (float) Math.cos(a);
            ropeSin[t * half + i] = (float) Math.sin(a);
        }
    }

    /** Rotates the first {@code rope.dims} elements of each of {@code heads} heads at {@code a[off]}. */
    private void rotate(float[] a, int off, int heads, int t) {
        Rope r = c.rope();
        int half = r.dims() / 2;
        int hd = c.headDim();
        boolean neox = r.style() == RopeStyle.NEOX;
        for (int h = 0; h < heads; h++) {
            int base = off + h * hd;
            for (int i = 0; i < half; i++) {
                float cos = ropeCos[t * half + i];
                float sin = ropeSin[t * half + i];
                int i0 = neox ? base + i : base + 2 * i;
                int i1 = neox ? base + i + half : base + 2 * i + 1;
                float a0 = a[i0];
                float a1 = a[i1];
                a[i0] = a0 * cos - a1 * sin;
                a[i1] = a0 * sin + a1 * cos;
            }
        }
    }

    // ---------------------------------------------------------------- feed-forward

    private void feedForward(LayerWeights lw, float[] in, int n, float[] out) {
        if (lw.moe() != null) {
            mixtureOfExperts(lw.moe(), in, n, out);
        } else {
            dense(lw.feedForward(), in, n, out);
        }
    }

    /** One FFN over {@code n} token rows of {@code in} (stride dim) into {@code out}. */
    private void dense(FeedForward f, float[] in, int n, float[] out) {
        int dim = c.dim();
        int hidden = f.hidden();
        Architecture.Activation act = arch.activation();
        if (f.gate() != null) {
            MatMul.run(pool, scratch, n,
                    new MatMul.Job(f.gate().weight(), in, dim, hb, hidden, 0),
                    new MatMul.Job(f.up().weight(), in, dim, hb2, hidden, 0));
            addBias(f.gate(), hb, n);
            addBias(f.up(), hb2, n);
            pool.run(n, (long) n * hidden, (worker, t) -> Activations.gated(act, hb, t * hidden, hb2, t * hidden, hidden));
        } else {
            MatMul.run(pool, scratch, n, new MatMul.Job(f.up().weight(), in, dim, hb, hidden, 0));
            addBias(f.up(), hb, n);
            pool.run(n, (long) n * hidden, (worker, t) -> Activations.apply(act, hb, t * hidden, hidden));
        }
        MatMul.run(pool, scratch, n, new MatMul.Job(f.down().weight(), hb, hidden, out, dim, 0));
        addBias(f.down(), out, n);
    }

    /**
     * Routes each token to its top {@code expertsUsed} experts (by router logit, lower index first on
     * ties), weighted by the softmax of those experts' logits; each expert runs once over the tokens
     * routed to it (gathered), and a token's output is the weighted sum in expert order.
     */
    private void mixtureOfExperts(Moe moe, float[] in, int n, float[] out) {
        int dim = c.dim();
        int experts = c.experts();
        int used = c.expertsUsed();
        MatMul.run(pool, scratch, n, new MatMul.Job(moe.router(), in, dim, routerLogits, experts, 0));
        pool.run(n, (long) n * experts * used, (worker, t) -> route(t, experts, used));
        Arrays.fill(out, 0, n * dim, 0f);
        for (int e = 0; e < experts; e++) {
            int m = 0;
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < used; j++) {
                    if (moeExperts[t * used + j] == e) {
                        moeRows[m++] = t;
                    }
                }
            }
            if (m == 0) {
                continue;
            }
            for (int r = 0; r < m; r++) {
                System.arraycopy(in, moeRows[r] * dim, moeIn, r * dim, dim);
            }
            dense(moe.experts()[e], moeIn, m, moeOut);
            int expert = e;
            int rows = m;
            pool.run(rows, (long) rows * dim, (worker, r) -> {
                int t = moeRows[r];
                float weight = 0f;
                for (int j = 0; j < used; j++) {
                    if (moeExperts[t * used + j] == expert) {
                        weight = moeWeights[t * used + j];
                    }
                }
                for (int i = 0; i < dim; i++) {
                    out[t * dim + i] += weight * moeOut[r * dim + i];
                }
            });
        }
    }

    /** Picks token {@code t}'s experts and their weights (softmax over the chosen logits). */
    private void route(int t, int experts, int used) {
        int base = t * used;
        for (int j = 0; j < used; j++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                boolean taken = false;
                for (int p = 0; p < j; p++) {
                    taken |= moeExperts[base + p] == e;
                }
                if (!taken && (best < 0 || routerLogits[t * experts + e] > routerLogits[t * experts + best])) {
                    best = e;
                }
            }
            moeExperts[base + j] = best;
        }
        double max = routerLogits[t * experts + moeExperts[base]];
        double sum = 0;
        for (int j = 0; j < used; j++) {
            sum += Math.exp(routerLogits[t * experts + moeExperts[base + j]] - max);
        }
        for (int j = 0; j < used; j++) {
            moeWeights[base + j] = (float) (Math.exp(routerLogits[t * experts + moeExperts[base + j]] - max) / sum);
        }
    }

    // ---------------------------------------------------------------- outputs

    private void finalOutputs(Step s, int n) {
        int dim = c.dim();
        Norm fin = w.finalNorm();
        if (s.wantHidden) {
            if (s.hidden.length < n * hiddenWidth()) {
                s.hidden = new float[n * hiddenWidth()];
            }
            // transformers' last_hidden_state comes after project_out (OPT-350m: word_embed_proj_dim wide), so the
            // normed state then goes to a scratch buffer first
            if (w.projectOut() != null && logitInput.length < n * dim) {
                logitInput = new float[n * dim];
            }
            float[] normed = w.projectOut() != null ? logitInput : s.hidden;
            pool.run(n, (long) n * dim, (worker, t) -> finalNorm(fin, normed, t * dim, t * dim));
            if (w.projectOut() != null) {
                linear(w.projectOut(), normed, n, s.hidden);
            }
        }
        int m = s.logitCount();
        if (m == 0) {
            return;
        }
        if (logitInput.length < m * dim) {
            logitInput = new float[m * dim];
        }
        float[] in = logitInput;
        pool.run(m, (long) m * dim, (worker, i) -> finalNorm(fin, in, i * dim, s.logitToken(i) * dim));
        int vocab = c.vocabSize();
        if (s.logits.length < m * vocab) {
            s.logits = new float[m * vocab];
        }
        float[] classifierIn = in;
        if (w.projectOut() != null) {
            int embDim = w.projectOut().rows();
            if (projected.length < m * embDim) {
                projected = new float[m * embDim];
            }
            linear(w.projectOut(), in, m, projected);
            classifierIn = projected;
        }
        MatMul.run(pool, scratch, m, new MatMul.Job(w.output(), classifierIn, w.output().cols(), s.logits, vocab, 0));
        addBias(w.classifier(), s.logits, m);
    }

    /** The final norm of token row {@code from} of x into {@code out[outOff]} (a copy when there is none). */
    private void finalNorm(Norm fin, float[] out, int outOff, int from) {
        int dim = c.dim();
        if (fin == null) {
            System.arraycopy(x, from, out, outOff, dim);
        } else if (arch.norm() == Architecture.Norm.RMS) {
            ScalarKernels.rmsnorm(out, outOff, x, from, fin.weight(), dim, c.normEps());
        } else {
            ScalarKernels.layernorm(out, outOff, x, from, fin.weight(), fin.bias(), dim, c.normEps());
        }
    }

    private void allocateBlocks(Step s) {
        for (int t = 0; t < s.tokenCount(); t++) {
            int[] table = s.blockTable(s.sequenceOf(t));
            int pos = s.position(t);
            if (pos / blockSize >= table.length) {
                throw new IllegalStateException("position " + pos + " has no KV block (table holds " + table.length + ")");
            }
            int id = table[pos / blockSize];
            if (kvHalfBlocks != null) {
                if (kvHalfBlocks[id] == null) {
                    kvHalfBlocks[id] = new short[blockValues];
                }
            } else if (kvBlocks[id] == null) {
                kvBlocks[id] = new float[blockValues];
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
