package dev.kindling.inference.model;

import dev.kindling.inference.tensor.Tensor;

/**
 * A mixture-of-experts FFN (Mixtral): a router scores the experts for each token, the
 * {@link ModelConfig#expertsUsed()} best are run and their outputs summed, weighted by the softmax
 * of the chosen experts' router logits.
 *
 * @param router  {@code experts x dim}
 * @param experts gated FFNs
 */
public record Moe(Tensor router, FeedForward[] experts) {
    public Moe {
        if (router.rows() != experts.length) {
            throw new IllegalArgumentException("router " + router.name() + " scores " + router.rows() + " experts, but there are "
                    + experts.length);
        }
    }

    public long storedBytes() {
        long b = router.storedBytes();
        for (FeedForward e : experts) {
            b += e.storedBytes();
        }
        return b;
    }
}
