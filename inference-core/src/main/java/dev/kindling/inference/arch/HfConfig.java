package dev.kindling.inference.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face {@code config.json}, with getters that accept a family's alternative key names
 * (first present wins) and fail with a {@link ModelFormatException} naming the file and key.
 *
 * <p>Transformers 5 writes RoPE settings as {@code rope_parameters: {rope_theta, rope_type,
 * partial_rotary_factor, ...}}; earlier versions (most checkpoints) as {@code rope_theta},
 * {@code rope_scaling} and family-specific keys ({@code rotary_pct}, {@code rotary_emb_base}):
 * {@link #ropeTheta} and friends read both.
 */
public final class HfConfig {
    private final Path path;
    private final JsonNode root;

    public HfConfig(Path path, JsonNode root) {
        this.path = path;
        this.root = root;
    }

    public static HfConfig read(Path configJson) {
        byte[] bytes = ModelFormatException.readAllBytes(configJson);
        try {
            JsonNode root = new ObjectMapper().readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new ModelFormatException(configJson, "not a JSON object");
            }
            return new HfConfig(configJson, root);
        } catch (IOException e) {
            throw new ModelFormatException(configJson, "not JSON: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public JsonNode json() {
        return root;
    }

    public ModelFormatException fail(String message) {
        return new ModelFormatException(path, message);
    }

    /** The first of {@code keys} present and not null (dotted keys reach into objects), or null. */
    public JsonNode node(String... keys) {
        for (String k : keys) {
            JsonNode n = root;
            for (String part : k.split("\\.")) {
                n = n == null ? null : n.get(part);
            }
            if (n != null && !n.isNull()) {
                return n;
            }
        }
        return null;
    }

    public boolean has(String... keys) {
        return node(keys) != null;
    }

    public String modelType() {
        return string("model_type", "");
    }

    public int integer(String... keys) {
        JsonNode n = node(keys);
        if (n == null) {
            throw fail("missing " + String.join(" / ", keys));
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw fail(keys[0] + " = " + n + ", expected an integer");
        }
        return n.asInt();
    }

    /**
     * {@link #integer(String...)} of a count that must be at least 1 (the attention heads): a 0 divided the hidden size
     * by it, an ArithmeticException that named neither the file nor the key.
     */
    public int count(String... keys) {
        int n = integer(keys);
        if (n < 1) {
            String key = java.util.Arrays.stream(keys).filter(k -> node(k) != null).findFirst().orElse(keys[0]);
            throw fail(key + " = " + n + ", expected an integer >= 1");
        }
        return n;
    }

    public int integer(int defaultValue, String... keys) {
        return has(keys) ? integer(keys) : defaultValue;
    }

    public double number(double defaultValue, String... keys) {
        JsonNode n = node(keys);
        if (n == null) {
            return defaultValue;
        }
        if (!n.isNumber()) {
            throw fail(keys[0] + " = " + n + ", expected a number");
        }
        return n.asDouble();
    }

    public boolean bool(boolean defaultValue, String... keys) {
        JsonNode n = node(keys);
        if (n == null) {
            return defaultValue;
        }
        if (!n.isBoolean()) {
            throw fail(keys[0] + " = " + n + ", expected true or false");
        }
        return n.asBoolean();
    }

    public String string(String key, String defaultValue) {
        JsonNode n = node(key);
        return n == null ? defaultValue : n.asText();
    }

    public int[] intArray(String key) {
        JsonNode n = node(key);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            throw fail(key + " is not an array");
        }
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) {
            if (!n.get(i).canConvertToInt()) {
                throw fail(key + "[" + i + "] = " + n.get(i) + ", expected an integer");
            }
            a[i] = n.get(i).asInt();
        }
        return a;
    }

    /** RoPE base: {@code rope_parameters.rope_theta}, else the first legacy key present, else the default. */
    public double ropeTheta(double defaultValue, String... legacyKeys) {
        // number() checks the type: asDouble() read a string as 0.0, refused later without the key's name
        return node("rope_parameters.rope_theta") != null ? number(0, "rope_parameters.rope_theta") : number(defaultValue, legacyKeys);
    }

    /** Share of each head that is rotated: {@code rope_parameters.partial_rotary_factor}, else legacy keys. */
    public double partialRotary(double defaultValue, String... legacyKeys) {
        return node("rope_parameters.partial_rotary_factor") != null ? number(0, "rope_parameters.partial_rotary_factor")
                : number(defaultValue, legacyKeys);
    }

    /**
     * The RoPE scaling settings ({@code rope_scaling}, or {@code rope_parameters} when its type is not
     * "default"), or null for plain RoPE.
     */
    public JsonNode ropeScaling() {
        JsonNode s = node("rope_scaling");
        if (s != null && s.isObject()) {
            return s;
        }
        JsonNode p = node("rope_parameters");
        if (p != null && p.isObject()) {
            String type = p.has("rope_type") ? p.get("rope_type").asText() : p.has("type") ? p.get("type").asText() : "default";
            if (!type.equals("default")) {
                return p;
            }
        }
        return null;
    }

    /**
     * Refuses a {@code hidden_act} other than silu (absent is silu) for a family whose kernels run silu alone, naming the
     * family ({@code "Llama-family"}, {@code "Qwen2"}).
     */
    public void requireSilu(String family) {
        if (has("hidden_act") && activation("silu", "hidden_act") != Architecture.Activation.SILU) {
            throw fail("hidden_act = " + string("hidden_act", "") + ": " + family + " models use silu");
        }
    }

    /** The FFN activation named by an HF {@code hidden_act} / {@code activation_function} value. */
    public Architecture.Activation activation(String defaultValue, String... keys) {
        String name = has(keys) ? node(keys).asText() : defaultValue;
        return switch (name) {
            case "gelu" -> Architecture.Activation.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Architecture.Activation.GELU_TANH;
            case "relu" -> Architecture.Activation.RELU;
            case "silu", "swish" -> Architecture.Activation.SILU;
            default -> throw fail((keys.length > 0 ? keys[0] : "activation") + " = " + name
                    + " is not supported (supported: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu)");
        };
    }
}
