package dev.kindling.inference.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** RoPE settings from a Hugging Face {@code config.json}. */
final class Ropes {
    private static final Logger LOG = LoggerFactory.getLogger(Ropes.class);

    private Ropes() {}

    /**
     * Rotary embedding over the first {@code round(partial * headDim)} elements of each head (even), in
     * Hugging Face's {@code rotate_half} pairing, with the config's base and scaling: none, "linear"
     * (positions divided by the factor), "llama3" (Llama 3.1's per-frequency factors, as llama.cpp's
     * converter writes them into {@code rope_freqs}) or "dynamic" (NTK scaling, which only changes
     * anything beyond {@code max_position_embeddings}, the longest context Kindling accepts).
     */
    static Rope fromHf(HfConfig j, int headDim, double partial, double theta) {
        int dims = (int) (headDim * partial);
        dims -= dims % 2;
        if (dims <= 0) {
            throw j.fail("rotary dimensions " + dims + " (head size " + headDim + " x partial factor " + partial + ") must be positive");
        }
        JsonNode s = j.ropeScaling();
        double positionScale = 1;
        float[] factors = null;
        if (s != null) {
            String key = s == j.node("rope_scaling") ? "rope_scaling" : "rope_parameters";
            JsonNode typeNode = s.hasNonNull("rope_type") ? s.get("rope_type") : s.get("type");
            if (typeNode == null || typeNode.isNull()) {
                // transformers has no RoPE for type None and fails; reading it as plain RoPE would drop the factor unseen
                throw j.fail(key + " " + s + " names no rope_type (or type)");
            }
            String type = typeNode.asText();
            switch (type) {
                case "default" -> { }
                case "linear" -> positionScale = 1 / factor(j, key, s, type);
                case "dynamic" -> {
                    factor(j, key, s, type);
                    LOG.info("{}: dynamic NTK RoPE scaling changes nothing within the trained context of {} positions,"
                            + " which is the longest Kindling accepts", j.path(), j.integer(0, "max_position_embeddings"));
                }
                case "llama3" -> factors = llama3Factors(dims, theta, factor(j, key, s, type), s.path("low_freq_factor").asDouble(1),
                        s.path("high_freq_factor").asDouble(4), s.path("original_max_position_embeddings").asInt(8192));
                default -> throw j.fail("rope scaling type " + type
                        + " is not supported (supported: linear, dynamic within the trained context, llama3)");
            }
        }
        return new Rope(RopeStyle.NEOX, dims, theta, positionScale, factors);
    }

    /**
     * The scaling's {@code factor}, which transformers requires ({@code rope_scaling["factor"]}); a default of 1 would
     * run the model unscaled without a word.
     */
    private static double factor(HfConfig j, String key, JsonNode s, String type) {
        JsonNode f = s.get("factor");
        if (f == null || !f.isNumber() || !(f.asDouble() > 0 && f.asDouble() < Double.POSITIVE_INFINITY)) {
            throw j.fail(key + ".factor = " + f + ": " + type + " RoPE scaling needs a positive number");
        }
        return f.asDouble();
    }

    /** Llama 3.1's divisor per rotated pair. */
    static float[] llama3Factors(int dims, double base, double factor, double lowFreqFactor, double highFreqFactor, int oldContext) {
        double lowWavelen = oldContext / lowFreqFactor;
        double highWavelen = oldContext / highFreqFactor;
        float[] f = new float[dims / 2];
        for (int i = 0; i < dims / 2; i++) {
            double freq = 1.0 / Math.pow(base, 2.0 * i / dims);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                f[i] = 1f;
            } else if (wavelen > lowWavelen) {
                f[i] = (float) factor;
            } else {
                double smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return f;
    }

    /** GGUF rope with Llama 3.1's {@code rope_freqs.weight} when the file has one. */
    static Rope fromGguf(GgufHparams h, Checkpoint ck, RopeStyle style, int headDim) {
        float[] factors = null;
        if (ck.has("rope_freqs.weight")) {
            int dims = h.integer("rope.dimension_count", headDim);
            long[] s = ck.shape("rope_freqs.weight");
            if (s[0] * s[1] != dims / 2) {
                throw h.fail("tensor rope_freqs.weight has " + s[0] * s[1] + " values, expected " + dims / 2);
            }
            factors = ck.floats("rope_freqs.weight", 0, dims / 2);
        }
        return h.rope(style, headDim, factors);
    }
}
