package dev.kindling.inference.model;

import dev.kindling.inference.tensor.Tensor;

/**
 * The weights of one transformer block; optional parts (biases, the second norm of a parallel block,
 * the experts) are null when the architecture has none.
 *
 * @param attentionNorm   the norm before attention (the only norm of a parallel block that shares it)
 * @param query           Q product ({@code heads*headDim x dim})
 * @param key             K product ({@code kvHeads*headDim x dim})
 * @param value           V product
 * @param attentionOutput O product ({@code dim x heads*headDim})
 * @param feedForwardNorm the norm before the FFN (null: a parallel block feeds the FFN the attention norm's output)
 * @param feedForward     the dense FFN (null in a mixture-of-experts layer)
 * @param moe             the experts (null in a dense layer)
 */
public record LayerWeights(Norm attentionNorm, Linear query, Linear key, Linear value, Linear attentionOutput,
        Norm feedForwardNorm, FeedForward feedForward, Moe moe) {

    public LayerWeights {
        if ((feedForward == null) == (moe == null)) {
            throw new IllegalArgumentException("a layer has either a dense feed-forward network or experts");
        }
    }

    /** A Llama block (RMSNorm weights, no biases). */
    public static LayerWeights llama(float[] attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
            float[] ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {
        return new LayerWeights(new Norm(attnNorm, null), Linear.of(wq), Linear.of(wk), Linear.of(wv), Linear.of(wo),
                new Norm(ffnNorm, null), new FeedForward(Linear.of(wGate), Linear.of(wUp), Linear.of(wDown)), null);
    }

    // Llama-block views (the CUDA backend, which runs Llama blocks only, reads these)

    public float[] attnNorm() {
        return attentionNorm.weight();
    }

    public float[] ffnNorm() {
        return feedForwardNorm == null ? null : feedForwardNorm.weight();
    }

    public Tensor wq() {
        return query.weight();
    }

    public Tensor wk() {
        return key.weight();
    }

    public Tensor wv() {
        return value.weight();
    }

    public Tensor wo() {
        return attentionOutput.weight();
    }

    public Tensor wGate() {
        return feedForward == null || feedForward.gate() == null ? null : feedForward.gate().weight();
    }

    public Tensor wUp() {
        return feedForward == null ? null : feedForward.up().weight();
    }

    public Tensor wDown() {
        return feedForward == null ? null : feedForward.down().weight();
    }

    public float[] bq() {
        return query.bias();
    }

    public float[] bk() {
        return key.bias();
    }

    public float[] bv() {
        return value.bias();
    }

    /** True when nothing but Q/K/V biases is added to a Llama block (what the CUDA kernels compute). */
    public boolean isLlamaBlock() {
        return attentionNorm.bias() == null && feedForwardNorm != null && feedForwardNorm.bias() == null && attentionOutput.bias() == null
                && feedForward != null && feedForward.gate() != null && feedForward.gate().bias() == null
                && feedForward.up().bias() == null && feedForward.down().bias() == null;
    }

    /** Bytes of matrix weights one token reads (a mixture of experts: the router and the experts it uses). */
    public long matrixBytes(int expertsUsed) {
        long b = query.weight().storedBytes() + key.weight().storedBytes() + value.weight().storedBytes()
                + attentionOutput.weight().storedBytes();
        if (feedForward != null) {
            return b + feedForward.storedBytes();
        }
        long experts = moe.storedBytes() - moe.router().storedBytes();
        return b + moe.router().storedBytes() + experts / moe.experts().length * expertsUsed;
    }
}
