package dev.kindling.inference.model;

/**
 * A feed-forward network: {@code down(act(gate(x)) * up(x))} when gated (SwiGLU), else
 * {@code down(act(up(x)))} ({@link Architecture#ffn()}).
 *
 * @param gate the gate product (null for a plain FFN)
 * @param up   the input product
 * @param down the output product
 */
public record FeedForward(Linear gate, Linear up, Linear down) {
    public FeedForward {
        if (up == null || down == null) {
            throw new IllegalArgumentException("a feed-forward network needs its up and down products");
        }
    }

    /** Hidden size. */
    public int hidden() {
        return up.rows();
    }

    public long storedBytes() {
        return (gate == null ? 0 : gate.weight().storedBytes()) + up.weight().storedBytes() + down.weight().storedBytes();
    }
}
