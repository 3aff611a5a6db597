package dev.kindling.inference.model;

import dev.kindling.inference.tensor.Tensor;

/**
 * All weights of a model; optional parts are null when the architecture has none.
 *
 * @param tokenEmbedding    {@code vocab x embeddingDim}; a row per token
 * @param positionEmbedding learned positions ({@code positions x dim}; OPT), or null
 * @param embeddingNorm     a norm right after the embedding (BLOOM), or null
 * @param projectIn         embedding width to model width (OPT-350m), or null
 * @param layers            the blocks in order
 * @param finalNorm         the norm after the last block (null when the model has none: post-norm, OPT's
 *                          {@code _remove_final_layer_norm})
 * @param projectOut        model width back to embedding width (OPT-350m), or null
 * @param classifier        {@code vocab x embeddingDim} (the embedding itself when tied), bias optional
 */
public record Weights(Tensor tokenEmbedding, Tensor positionEmbedding, Norm embeddingNorm, Linear projectIn,
        LayerWeights[] layers, Norm finalNorm, Linear projectOut, Linear classifier) {

    /** A Llama model. */
    public Weights(Tensor tokenEmbedding, LayerWeights[] layers, float[] outputNorm, Tensor output) {
        this(tokenEmbedding, null, null, null, layers, new Norm(outputNorm, null), null, Linear.of(output));
    }

    /** Final norm weight (Llama view). */
    public float[] outputNorm() {
        return finalNorm == null ? null : finalNorm.weight();
    }

    /** The classifier matrix. */
    public Tensor output() {
        return classifier.weight();
    }

    /** Bytes of weights one decode step streams (every block matrix a token uses, and the classifier). */
    public long bytesPerToken(int expertsUsed) {
        long b = classifier.weight().storedBytes();
        for (LayerWeights l : layers) {
            b += l.matrixBytes(expertsUsed);
        }
        return b;
    }
}
