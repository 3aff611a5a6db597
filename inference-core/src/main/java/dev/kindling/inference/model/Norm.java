package dev.kindling.inference.model;

/**
 * The weights of one RMSNorm or LayerNorm ({@link Architecture#norm()} says which).
 *
 * @param weight per-element scale
 * @param bias   per-element shift (LayerNorm with bias), or null
 */
public record Norm(float[] weight, float[] bias) {
    public Norm {
        if (weight == null) {
            throw new IllegalArgumentException("a norm needs its weight");
        }
        if (bias != null && bias.length != weight.length) {
            throw new IllegalArgumentException("norm bias has " + bias.length + " values, weight " + weight.length);
        }
    }

    public int size() {
        return weight.length;
    }
}
