package dev.kindling.inference.model;

import java.util.Arrays;

/**
 * The hyper-parameters of a model, read once from the file's metadata ({@code config.json} or GGUF).
 *
 * @param architecture   block structure
 * @param dim            embedding size (the residual stream)
 * @param hiddenDim      feed-forward size (of one expert in a mixture of experts; the largest layer's
 *                       when {@code layerHiddenDims} varies)
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (= heads: MHA; 1: MQA; otherwise GQA); the largest layer's
 *                       when {@code layerKvHeads} varies
 * @param headDim        elements per head
 * @param vocabSize      output classes (rows of the output matrix)
 * @param contextLength  positions the model was trained for (longest sequence the engine accepts)
 * @param normEps        epsilon of RMSNorm / LayerNorm
 * @param rope           rotary embedding (null when positions are ALiBi or learned)
 * @param slidingWindow  attention sees only the last this-many positions (Mistral); 0 = all
 * @param tiedEmbeddings output matrix = token embedding matrix
 * @param layerKvHeads   KV heads per layer (DeciLM), or null when every layer has {@code kvHeads}
 * @param layerHiddenDims feed-forward size per layer, or null when every layer has {@code hiddenDim}
 * @param experts        experts per mixture-of-experts layer (Mixtral: 8); 0 = dense FFN
 * @param expertsUsed    experts each token is routed to (Mixtral: 2)
 * @param alibiSlopes    ALiBi: per query head, the bias {@code -slope * (query pos - key pos)} added to
 *                       the scaled scores; null otherwise
 * @param clampQkv       MPT's {@code clip_qkv}: Q, K, V clamped to [-c, c] after the product; 0 = off
 */
public record ModelConfig(Architecture architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads,
        int headDim, int vocabSize, int contextLength, float normEps, Rope rope, int slidingWindow,
        boolean tiedEmbeddings, int[] layerKvHeads, int[] layerHiddenDims, int experts, int expertsUsed,
        float[] alibiSlopes, float clampQkv) {

    public ModelConfig {
        check(dim > 0, "embedding size must be positive: " + dim);
        check(hiddenDim > 0, "feed-forward size must be positive: " + hiddenDim);
        check(layers > 0, "block count must be positive: " + layers);
        check(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                "head count " + heads + " must be a positive multiple of the KV head count " + kvHeads);
        check(headDim > 0, "head size must be positive: " + headDim);
        // the queries' width is an int: a head_dim of 2000000000 overflowed it, and the error blamed q_proj's shape, which
        // was "expected -589934592 x 64 from the model's hyper-parameters"
        check((long) heads * headDim <= Integer.MAX_VALUE, "head count " + heads + " x head size " + headDim + " = "
                + (long) heads * headDim + " is past the largest width a model can have, " + Integer.MAX_VALUE);
        check(rope == null || rope.dims() <= headDim, "rope dimension count " + (rope == null ? 0 : rope.dims())
                + " exceeds the head size " + headDim);
        check(vocabSize > 0, "vocabulary size must be positive: " + vocabSize);
        check(contextLength > 0, "context length must be positive: " + contextLength);
        check(normEps >= 0 && normEps < Float.POSITIVE_INFINITY, "norm epsilon must be finite and >= 0: " + normEps);
        check(slidingWindow >= 0, "sliding window must be >= 0: " + slidingWindow);
        check(layerKvHeads == null || layerKvHeads.length == layers, "per-layer KV head counts: "
                + (layerKvHeads == null ? 0 : layerKvHeads.length) + " values for " + layers + " layers");
        if (layerKvHeads != null) {
            for (int h : layerKvHeads) {
                check(h > 0 && h <= kvHeads && heads % h == 0, "per-layer KV head count " + h
                        + " must divide the head count " + heads + " and be at most " + kvHeads);
            }
        }
        check(layerHiddenDims == null || layerHiddenDims.length == layers, "per-layer feed-forward sizes: "
                + (layerHiddenDims == null ? 0 : layerHiddenDims.length) + " values for " + layers + " layers");
        if (layerHiddenDims != null) {
            for (int h : layerHiddenDims) {
                check(h > 0 && h <= hiddenDim, "per-layer feed-forward size " + h + " must be in 1.." + hiddenDim);
            }
        }
        check(experts >= 0 && expertsUsed >= 0 && expertsUsed <= experts && (experts == 0 || expertsUsed > 0),
                "experts used per token (" + expertsUsed + ") must be in 1.." + experts);
        check(experts == 0 || architecture.ffn() == Architecture.Ffn.GATED, "mixture-of-experts layers need gated experts");
        Architecture.Positions pos = architecture.positions();
        check(pos != Architecture.Positions.ROPE || rope != null, "a RoPE architecture needs rope parameters");
        // an ALiBi family sets its slopes with withAlibi after the shape is known; the weights
        // loader refuses an ALiBi configuration that still has none
        check(alibiSlopes == null || alibiSlopes.length == heads, "ALiBi needs one slope per head (" + heads + ")");
        check(clampQkv >= 0, "clamp_kqv must be >= 0: " + clampQkv);
    }

    /** A Llama-block configuration (the original 13 parameters; dense, uniform layers). */
    public ModelConfig(Architecture architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads,
            int headDim, int vocabSize, int contextLength, float normEps, Rope rope, int slidingWindow,
            boolean tiedEmbeddings) {
        this(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength, normEps, rope,
                slidingWindow, tiedEmbeddings, null, null, 0, 0, null, 0f);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Size of the concatenated query heads. */
    public int qDim() {
        return heads * headDim;
    }

    /** Size of the concatenated key (or value) heads of the widest layer. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    public int kvHeads(int layer) {
        return layerKvHeads == null ? kvHeads : layerKvHeads[layer];
    }

    public int kvDim(int layer) {
        return kvHeads(layer) * headDim;
    }

    public int hiddenDim(int layer) {
        return layerHiddenDims == null ? hiddenDim : layerHiddenDims[layer];
    }

    /** True when every layer has the same KV heads and FFN size and there are no experts. */
    public boolean uniformDenseLayers() {
        return layerKvHeads == null && layerHiddenDims == null && experts == 0;
    }

    /** Floats of K and V per position over all layers (one KV-cache slot). */
    public long kvFloatsPerPosition() {
        long n = 0;
        for (int l = 0; l < layers; l++) {
            n += 2L * kvDim(l);
        }
        return n;
    }

    public ModelConfig withPerLayer(int[] kvHeadsPerLayer, int[] hiddenPerLayer) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                normEps, rope, slidingWindow, tiedEmbeddings, kvHeadsPerLayer, hiddenPerLayer, experts, expertsUsed,
                alibiSlopes, clampQkv);
    }

    public ModelConfig withExperts(int count, int used) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                normEps, rope, slidingWindow, tiedEmbeddings, layerKvHeads, layerHiddenDims, count, used, alibiSlopes,
                clampQkv);
    }

    /** True when the positions are ALiBi and there is one slope per head. */
    public boolean hasAlibiSlopes() {
        return alibiSlopes != null && alibiSlopes.length == heads;
    }

    public ModelConfig withAlibi(float[] slopes) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                normEps, rope, slidingWindow, tiedEmbeddings, layerKvHeads, layerHiddenDims, experts, expertsUsed, slopes,
                clampQkv);
    }

    public ModelConfig withClampQkv(float c) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                normEps, rope, slidingWindow, tiedEmbeddings, layerKvHeads, layerHiddenDims, experts, expertsUsed,
                alibiSlopes, c);
    }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                normEps, rope, slidingWindow, tied, layerKvHeads, layerHiddenDims, experts, expertsUsed, alibiSlopes,
                clampQkv);
    }

    public ModelConfig withHiddenDim(int h) {
        return new ModelConfig(architecture, dim, h, layers, heads, kvHeads, headDim, vocabSize, contextLength,
                normEps, rope, slidingWindow, tiedEmbeddings, layerKvHeads, layerHiddenDims, experts, expertsUsed,
                alibiSlopes, clampQkv);
    }

    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, v, contextLength,
                normEps, rope, slidingWindow, tiedEmbeddings, layerKvHeads, layerHiddenDims, experts, expertsUsed,
                alibiSlopes, clampQkv);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && architecture.equals(c.architecture) && dim == c.dim && hiddenDim == c.hiddenDim
                && layers == c.layers && heads == c.heads && kvHeads == c.kvHeads && headDim == c.headDim
                && vocabSize == c.vocabSize && contextLength == c.contextLength && Float.compare(normEps, c.normEps) == 0
                && java.util.Objects.equals(rope, c.rope) && slidingWindow == c.slidingWindow
                && tiedEmbeddings == c.tiedEmbeddings && Arrays.equals(layerKvHeads, c.layerKvHeads)
                && Arrays.equals(layerHiddenDims, c.layerHiddenDims) && experts == c.experts
                && expertsUsed == c.expertsUsed && Arrays.equals(alibiSlopes, c.alibiSlopes)
                && Float.compare(clampQkv, c.clampQkv) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(architecture, dim, hiddenDim, layers, heads, kvHeads, headDim, vocabSize, contextLength);
    }

    @Override
    public String toString() {
        return architecture.name() + " (dim " + dim + ", ffn " + hiddenDim + ", " + layers + " layers, " + heads + " heads / "
                + kvHeads + " kv" + (layerKvHeads != null ? " per layer " + Arrays.toString(layerKvHeads) : "")
                + ", head " + headDim + ", vocab " + vocabSize + ", context " + contextLength
                + (experts > 0 ? ", " + expertsUsed + " of " + experts + " experts" : "")
                + (rope != null ? ", rope " + rope.style() + " " + rope.dims() + "/" + headDim + " base " + rope.base() : "")
                + (alibiSlopes != null ? ", alibi" : "") + (slidingWindow > 0 ? ", window " + slidingWindow : "") + ")";
    }
}
