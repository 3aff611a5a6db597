package dev.kindling.inference.model;

/**
 * The hyper-parameters of a model, read once from the file's metadata.
 *
 * @param architecture   block structure
 * @param dim            embedding size
 * @param hiddenDim      feed-forward size
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (= heads: MHA; 1: MQA; otherwise GQA)
 * @param headDim        elements per head
 * @param vocabSize      output classes (rows of the output matrix)
 * @param contextLength  positions the model was trained for (longest sequence the engine accepts)
 * @param normEps        epsilon of RMSNorm / LayerNorm
 * @param rope           rotary embedding
 * @param slidingWindow  attention sees only the last this-many positions (Mistral); 0 = all
 * @param tiedEmbeddings output matrix = token embedding matrix
 */
public record ModelConfig(Architecture architecture, int dim, int hiddenDim, int layers, int heads, int kvHeads,
        int headDim, int vocabSize, int contextLength, float normEps, Rope rope, int slidingWindow,
        boolean tiedEmbeddings) {

    public ModelConfig {
        check(dim > 0, "embedding size must be positive: " + dim);
        check(hiddenDim > 0, "feed-forward size must be positive: " + hiddenDim);
        check(layers > 0, "block count must be positive: " + layers);
        check(heads > 0 && kvHeads > 0 && heads % kvHeads == 0,
                "head count " + heads + " must be a positive multiple of the KV head count " + kvHeads);
        check(headDim > 0, "head size must be positive: " + headDim);
        check(rope == null || rope.dims() <= headDim, "rope dimension count " + (rope == null ? 0 : rope.dims())
                + " exceeds the head size " + headDim);
        check(vocabSize > 0, "vocabulary size must be positive: " + vocabSize);
        check(contextLength > 0, "context length must be positive: " + contextLength);
        check(slidingWindow >= 0, "sliding window must be >= 0: " + slidingWindow);
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

    /** Size of the concatenated key (or value) heads. */
    public int kvDim() {
        return kvHeads * headDim;
    }
}
