package dev.kindling.inference.model;

import dev.kindling.inference.tensor.Tensor;

/**
 * A matrix product {@code y = W x (+ b)}: the weight ({@code out x in}) and its optional bias.
 *
 * @param weight {@code rows = outputs}, {@code cols = inputs}
 * @param bias   one value per output, or null
 */
public record Linear(Tensor weight, float[] bias) {
    public Linear {
        if (weight == null) {
            throw new IllegalArgumentException("a linear layer needs its weight");
        }
        if (bias != null && bias.length != weight.rows()) {
            throw new IllegalArgumentException(weight.name() + ": bias has " + bias.length + " values for " + weight.rows()
                    + " outputs");
        }
    }

    public static Linear of(Tensor weight) {
        return new Linear(weight, null);
    }

    /** Outputs. */
    public int rows() {
        return weight.rows();
    }

    /** Inputs. */
    public int cols() {
        return weight.cols();
    }
}
