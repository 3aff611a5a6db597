package dev.kindling.inference.model;

import dev.kindling.inference.tensor.Tensor;

/**
 * The weights of one transformer block. Norm weights are plain float arrays; optional parts
 * (biases) are null when the architecture has none.
 */
public record LayerWeights(
        float[] attnNorm,
        Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        float[] ffnNorm,
        Tensor wGate, Tensor wUp, Tensor wDown,
        float[] bq, float[] bk, float[] bv) {

    /** A Llama block (no biases). */
    public static LayerWeights llama(float[] attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
            float[] ffnNorm, Tensor wGate, Tensor wUp, Tensor wDown) {
        return new LayerWeights(attnNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown, null, null, null);
    }

    /** Bytes of matrix weights read per token. */
    public long matrixBytes() {
        return wq.storedBytes() + wk.storedBytes() + wv.storedBytes() + wo.storedBytes()
                + wGate.storedBytes() + wUp.storedBytes() + wDown.storedBytes();
    }
}
