package dev.kindling.inference.model;

import dev.kindling.inference.tensor.Tensor;

/**
 * All weights of a model.
 *
 * @param tokenEmbedding {@code vocab x dim}; a row per token
 * @param layers         the blocks in order
 * @param outputNorm     final norm weight
 * @param output         {@code vocab x dim} classifier (the embedding itself when tied)
 */
public record Weights(Tensor tokenEmbedding, LayerWeights[] layers, float[] outputNorm, Tensor output) {

    /** Bytes of weights one decode step streams (every block matrix and the classifier). */
    public long bytesPerToken() {
        long b = output.storedBytes();
        for (LayerWeights l : layers) {
            b += l.matrixBytes();
        }
        return b;
    }
}
