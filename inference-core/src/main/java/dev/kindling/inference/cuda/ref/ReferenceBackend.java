package dev.kindling.inference.cuda.ref;

import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.LogitReduction;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cuda.RopeTable;
import dev.kindling.inference.cuda.StepPlan;
import dev.kindling.inference.cuda.pack.Kind;
import dev.kindling.inference.cuda.pack.MatrixPlan;
import dev.kindling.inference.cuda.pack.ModelPlan;
import dev.kindling.inference.cuda.pack.PackedChunk;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend's forward pass, step for step, in plain Java over the same packed weights
 * ({@link ModelPlan}), the same activation and KV-cache rounding and the same attention
 * decomposition ({@link KernelMath}). Slow (a test oracle for small models): it shows on a machine
 * without a GPU that the GPU's data path — F16/BF16 activations, dequantized tiles, F16 KV cache,
 * split online softmax, fused QKV and gate/up — gives the CPU backend's results within the
 * tolerances, and that a token's result does not depend on the batch it runs in.
 */
public final class ReferenceBackend implements Backend {
    private final ModelPlan plan;
    private final ModelConfig c;
    private final int maxTokens;
    private final int blockSize;
    private final int blockCount;
    private final float[] kv;
    private final PackedChunk embedding;
    private final PackedChunk output;
    private final List<PackedChunk[]> layers = new ArrayList<>();

    public ReferenceBackend(ModelPlan plan, int maxBatchTokens, int kvBlockSize, int kvBlocks) {
        this.plan = plan;
        this.c = plan.config;
        this.maxTokens = maxBatchTokens;
        this.blockSize = kvBlockSize;
        this.blockCount = kvBlocks;
        this.kv = new float[Math.toIntExact((long) kvBlocks * c.layers() * 2 * kvBlockSize * c.kvDim())];
        this.output = packAll(plan.output);
        this.embedding = plan.embedding == plan.output ? output : packAll(plan.embedding);
        for (ModelPlan.Layer l : plan.layers) {
            layers.add(new PackedChunk[] {packAll(l.qkv()), packAll(l.wo()), packAll(l.gateUp()), packAll(l.down())});
        }
    }

    private static PackedChunk packAll(MatrixPlan m) {
        return m.pack(0, m.rows());
    }

    @Override
    public String describe() {
        return "reference of the cuda backend (" + plan.act + " activations, " + plan.kv + " KV cache)";
    }

    @Override
    public ModelConfig config() {
        return c;
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
    public boolean reducesLogits() {
        return true;
    }

    @Override
    public void forward(Step step) {
        int n = step.tokenCount();
        if (n == 0) {
            return;
        }
        StepPlan p = new StepPlan(step, c, blockSize);
        int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), hidden = c.hiddenDim(), hd = c.headDim();
        int qkvN = qDim + 2 * kvDim;
        Kind act = plan.act;
        float[] x = new float[n * dim];
        for (int t = 0; t < n; t++) {
            int tok = p.tokenIds[t];
            if (tok < 0 || tok >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tok + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
            for (int i = 0; i < dim; i++) {
                x[t * dim + i] = KernelMath.weightValue(embedding, tok, i);
            }
        }
        float[] xb = new float[n * dim];
        float[] qkv = new float[n * qkvN];
        float[] att = new float[n * qDim];
        float[] hb = new float[n * hidden];
        int half = c.rope().dims() / 2;
        for (int l = 0; l < c.layers(); l++) {
            ModelPlan.Layer lp = plan.layers.get(l);
            PackedChunk[] w = layers.get(l);
            for (int t = 0; t < n; t++) {
                KernelMath.rmsnorm(x, t * dim, lp.attnNorm(), c.normEps(), xb, t * dim, Kind.F32);
                KernelMath.roundInput(xb, t * dim, dim, lp.qkv().format(), act);
            }
            KernelMath.gemm(w[0], xb, n, qkv, KernelMath.EPI_STORE, Kind.F32);
            for (int t = 0; t < n; t++) {
                float[] cs = RopeTable.compute(c.rope(), p.positions[t], 1);
                KernelMath.ropeStoreKv(qkv, t * qkvN, c.heads(), c.kvHeads(), hd, 2 * half, c.rope().style() == RopeStyle.NEOX,
                        cs, lp.bq(), lp.bk(), lp.bv(), kv,
                        KernelMath.kvOffset(p.slots[t], blockSize, l, c.layers(), 0, kvDim),
                        KernelMath.kvOffset(p.slots[t], blockSize, l, c.layers(), 1, kvDim), plan.kv);
            }
            KernelMath.attention(p, qkv, kv, l, c.layers(), blockSize, c.heads(), c.kvHeads(), hd, c.slidingWindow(), att, Kind.F32);
            for (int t = 0; t < n; t++) {
                KernelMath.roundInput(att, t * qDim, qDim, lp.wo().format(), act);
            }
            KernelMath.gemm(w[1], att, n, x, KernelMath.EPI_ACCUM, Kind.F32);
            for (int t = 0; t < n; t++) {
                KernelMath.rmsnorm(x, t * dim, lp.ffnNorm(), c.normEps(), xb, t * dim, Kind.F32);
                KernelMath.roundInput(xb, t * dim, dim, lp.gateUp().format(), act);
            }
            KernelMath.gemm(w[2], xb, n, hb, KernelMath.EPI_SWIGLU, Kind.F32);
            for (int t = 0; t < n; t++) {
                KernelMath.roundInput(hb, t * hidden, hidden, lp.down().format(), act);
            }
            KernelMath.gemm(w[3], hb, n, x, KernelMath.EPI_ACCUM, Kind.F32);
        }
        if (step.wantHidden) {
            if (step.hidden.length < n * dim) {
                step.hidden = new float[n * dim];
            }
            for (int t = 0; t < n; t++) {
                KernelMath.rmsnorm(x, t * dim, plan.outputNorm, c.normEps(), step.hidden, t * dim, Kind.F32);
            }
        }
        int m = p.logitRows;
        if (m == 0) {
            return;
        }
        float[] xl = new float[m * dim];
        for (int i = 0; i < m; i++) {
            KernelMath.rmsnorm(x, p.logitTokens[i] * dim, plan.outputNorm, c.normEps(), xl, i * dim, Kind.F32);
            KernelMath.roundInput(xl, i * dim, dim, plan.output.format(), act);
        }
        int vocab = c.vocabSize();
        if (step.logits.length < m * vocab) {
            step.logits = new float[m * vocab];
        }
        KernelMath.gemm(output, xl, m, step.logits, KernelMath.EPI_STORE, Kind.F32);
        LogitReduction[] red = step.reductions;
        if (red != null) {
            if (step.reducedTokens.length < m) {
                step.reducedTokens = new int[m];
                step.reducedValues = new float[m];
            }
            for (int i = 0; i < m; i++) {
                if (red[i] != null) {
                    red[i].reduce(step.logits, i * vocab, vocab, step.reducedTokens, step.reducedValues, i);
                }
            }
        }
    }

    @Override
    public void close() {}
}
