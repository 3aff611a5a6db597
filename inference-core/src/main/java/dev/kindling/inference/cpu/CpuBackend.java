package dev.kindling.inference.cpu;

import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import dev.kindling.inference.model.Weights;

/**
 * The CPU backend: the transformer forward pass over a batch of tokens, reading top to bottom.
 *
 * <pre>
 *   x = embedding[token]
 *   per block:  h = x + Wo · attention(rope(Wq·norm(x)), rope(Wk·norm(x)), Wv·norm(x))   [KV cache]
 *               x = h + Wdown · (silu(Wgate·norm(h)) * Wup·norm(h))
 *   logits = Wout · norm(x)          (only for the tokens the step asks for)
 * </pre>
 *
 * Matrix products run over all tokens of the step at once (one pass over the weights, rows split
 * over the threads); attention runs per (token, head) over that token's own sequence in the paged
 * KV cache; the element-wise parts run per token. The KV cache lives here: blocks of
 * {@link #kvBlockSize()} positions, each {@code float[layers][K|V][position][kvDim]}, allocated on
 * first use up to the budget.
 */
public final class CpuBackend implements Backend {
    private final Model model;
    private final ModelConfig c;
    private final Weights w;
    private final WorkerPool pool;
    private final int maxTokens;
    private final int blockSize;
    private final int blockCount;
    private final int blockFloats;
    private final float[][] kvBlocks;
    private final MatMul.Scratch[] scratch;
    private final float[][] attScores;
    private final float[] lanes = new float[Math.max(16, Simd.L)];

    // activations, [token][...] row-major, sized for maxTokens
    private final float[] x, xb, q, k, v, att, proj, hb, hb2, ropeCos, ropeSin;
    private float[] logitInput = new float[0];

    /**
     * @param kvBudgetBytes memory for the KV cache; at least one sequence of full context is not
     *                      required — the scheduler admits what fits
     */
    public CpuBackend(Model model, int threads, int maxBatchTokens, int kvBlockSize, long kvBudgetBytes) {
        this.model = model;
        this.c = model.config();
        this.w = model.weights();
        this.pool = new WorkerPool(threads);
        this.maxTokens = maxBatchTokens;
        this.blockSize = kvBlockSize;
        this.blockFloats = c.layers() * 2 * kvBlockSize * c.kvDim();
        long blocks = kvBudgetBytes / (4L * blockFloats);
        if (blocks < 1) {
            throw new IllegalArgumentException("KV budget of " + kvBudgetBytes + " bytes is less than one block ("
                    + 4L * blockFloats + " bytes: " + kvBlockSize + " positions x " + c.layers() + " layers x K,V x "
                    + c.kvDim() + " floats)");
        }
        this.blockCount = (int) Math.min(blocks, Integer.MAX_VALUE / 2);
        this.kvBlocks = new float[blockCount][];
        int maxCols = Math.max(Math.max(c.dim(), c.hiddenDim()), c.qDim());
        this.scratch = new MatMul.Scratch[threads];
        this.attScores = new float[threads][];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new MatMul.Scratch(maxCols);
            attScores[i] = new float[Math.min(c.contextLength(), 4096)];
        }
        int n = maxBatchTokens;
        x = new float[n * c.dim()];
        xb = new float[n * c.dim()];
        q = new float[n * c.qDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.qDim()];
        proj = new float[n * c.dim()];
        hb = new float[n * c.hiddenDim()];
        hb2 = new float[n * c.hiddenDim()];
        ropeCos = new float[n * c.rope().dims() / 2];
        ropeSin = new float[n * c.rope().dims() / 2];
    }

    @Override
    public String describe() {
        return "cpu (" + pool.threads() + " threads, " + Simd.describe() + " vectors)";
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
        int dim = c.dim();
        allocateBlocks(s);
        for (int t = 0; t < n; t++) {
            int tok = s.token(t);
            if (tok < 0 || tok >= w.tokenEmbedding().rows()) {
                throw new IllegalArgumentException("token id " + tok + " is outside the vocabulary (0.." + (w.tokenEmbedding().rows() - 1) + ")");
            }
            w.tokenEmbedding().dequantizeRow(tok, x, t * dim);
            ropeAngles(s.position(t), t);
        }
        for (int l = 0; l < c.layers(); l++) {
            layer(s, n, l, w.layers()[l]);
        }
        finalOutputs(s, n);
    }

    private void layer(Step s, int n, int l, LayerWeights lw) {
        int dim = c.dim();
        int qDim = c.qDim();
        int kvDim = c.kvDim();
        int hidden = c.hiddenDim();
        // attention
        pool.run(n, (worker, t) -> ScalarKernels.rmsnorm(xb, t * dim, x, t * dim, lw.attnNorm(), dim, c.normEps()));
        MatMul.run(pool, scratch, n,
                new MatMul.Job(lw.wq(), xb, dim, q, qDim, 0),
                new MatMul.Job(lw.wk(), xb, dim, k, kvDim, 0),
                new MatMul.Job(lw.wv(), xb, dim, v, kvDim, 0));
        pool.run(n, (worker, t) -> {
            addBias(q, t * qDim, lw.bq(), qDim);
            addBias(k, t * kvDim, lw.bk(), kvDim);
            addBias(v, t * kvDim, lw.bv(), kvDim);
            rotate(q, t * qDim, c.heads(), t);
            rotate(k, t * kvDim, c.kvHeads(), t);
            int pos = s.position(t);
            float[] block = kvBlocks[s.blockTable(s.sequenceOf(t))[pos / blockSize]];
            int slot = pos % blockSize;
            System.arraycopy(k, t * kvDim, block, kvOffset(l, 0, slot), kvDim);
            System.arraycopy(v, t * kvDim, block, kvOffset(l, 1, slot), kvDim);
        });
        pool.run(n * c.heads(), (worker, task) -> attention(s, l, task / c.heads(), task % c.heads(), worker));
        MatMul.run(pool, scratch, n, new MatMul.Job(lw.wo(), att, qDim, proj, dim, 0));
        // feed-forward
        pool.run(n, (worker, t) -> {
            int o = t * dim;
            for (int i = 0; i < dim; i++) {
                x[o + i] += proj[o + i];
            }
            ScalarKernels.rmsnorm(xb, o, x, o, lw.ffnNorm(), dim, c.normEps());
        });
        MatMul.run(pool, scratch, n,
                new MatMul.Job(lw.wGate(), xb, dim, hb, hidden, 0),
                new MatMul.Job(lw.wUp(), xb, dim, hb2, hidden, 0));
        pool.run(n, (worker, t) -> ScalarKernels.swiglu(hb, t * hidden, hb2, t * hidden, hidden));
        MatMul.run(pool, scratch, n, new MatMul.Job(lw.wDown(), hb, hidden, proj, dim, 0));
        pool.run(n, (worker, t) -> {
            int o = t * dim;
            for (int i = 0; i < dim; i++) {
                x[o + i] += proj[o + i];
            }
        });
    }

    private static void addBias(float[] a, int off, float[] bias, int n) {
        if (bias != null) {
            for (int i = 0; i < n; i++) {
                a[off + i] += bias[i];
            }
        }
    }

    /** Causal attention of one query head of token {@code t} over its sequence's cached positions. */
    private void attention(Step s, int l, int t, int h, int worker) {
        int hd = c.headDim();
        int kvDim = c.kvDim();
        int kvh = h / (c.heads() / c.kvHeads());
        int pos = s.position(t);
        int start = c.slidingWindow() > 0 ? Math.max(0, pos - c.slidingWindow() + 1) : 0;
        int[] table = s.blockTable(s.sequenceOf(t));
        float[] scores = attScores[worker];
        if (scores.length < pos - start + 1) {
            scores = attScores[worker] = new float[Math.min(c.contextLength(), Math.max(2 * scores.length, pos - start + 1))];
        }
        int qOff = t * c.qDim() + h * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] tmp = scratch[worker].lanes;
        int kOff = kvOffset(l, 0, 0) + kvh * hd;
        for (int j = start; j <= pos; j++) {
            float[] block = kvBlocks[table[j / blockSize]];
            scores[j - start] = VectorKernels.dot(q, qOff, block, kOff + (j % blockSize) * kvDim, hd, tmp) * scale;
        }
        int count = pos - start + 1;
        ScalarKernels.softmax(scores, 0, count);
        int outOff = t * c.qDim() + h * hd;
        java.util.Arrays.fill(att, outOff, outOff + hd, 0f);
        int vOff = kvOffset(l, 1, 0) + kvh * hd;
        for (int j = start; j <= pos; j++) {
            float[] block = kvBlocks[table[j / blockSize]];
            VectorKernels.axpy(scores[j - start], block, vOff + (j % blockSize) * kvDim, att, outOff, hd);
        }
    }

    private int kvOffset(int layer, int kv, int slot) {
        return ((layer * 2 + kv) * blockSize + slot) * c.kvDim();
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

    private void finalOutputs(Step s, int n) {
        int dim = c.dim();
        if (s.wantHidden) {
            if (s.hidden.length < n * dim) {
                s.hidden = new float[n * dim];
            }
            float[] hidden = s.hidden;
            pool.run(n, (worker, t) -> ScalarKernels.rmsnorm(hidden, t * dim, x, t * dim, w.outputNorm(), dim, c.normEps()));
        }
        int m = s.logitCount();
        if (m == 0) {
            return;
        }
        if (logitInput.length < m * dim) {
            logitInput = new float[m * dim];
        }
        float[] in = logitInput;
        pool.run(m, (worker, i) -> ScalarKernels.rmsnorm(in, i * dim, x, s.logitToken(i) * dim, w.outputNorm(), dim, c.normEps()));
        int vocab = c.vocabSize();
        if (s.logits.length < m * vocab) {
            s.logits = new float[m * vocab];
        }
        MatMul.run(pool, scratch, m, new MatMul.Job(w.output(), in, dim, s.logits, vocab, 0));
    }

    private void allocateBlocks(Step s) {
        for (int t = 0; t < s.tokenCount(); t++) {
            int[] table = s.blockTable(s.sequenceOf(t));
            int pos = s.position(t);
            if (pos / blockSize >= table.length) {
                throw new IllegalStateException("position " + pos + " has no KV block (table holds " + table.length + ")");
            }
            int id = table[pos / blockSize];
            if (kvBlocks[id] == null) {
                kvBlocks[id] = new float[blockFloats];
            }
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
