package dev.kindling.inference.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.arch.HfConfig;
import dev.kindling.inference.sample.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * A Hugging Face {@code generation_config.json}: the model author's sampling defaults and the ids
 * that end a generation. Transformers samples only when {@code do_sample} is true; otherwise it
 * decodes greedily whatever the temperature says, and so does {@link #sampling}.
 *
 * <pre>{@code
 * GenerationConfig g = GenerationConfig.read(Path.of("Mistral-7B-Instruct")).orElse(GenerationConfig.NONE);
 * SamplingParams s = g.sampling(42L);
 * }</pre>
 *
 * @param doSample          {@code do_sample} (default false: greedy)
 * @param temperature       {@code temperature} (default 1)
 * @param topK              {@code top_k} (default 50, Transformers' default; 0 or null = off)
 * @param topP              {@code top_p} (default 1)
 * @param minP              {@code min_p} (default 0: off; Transformers' MinPLogitsWarper, which authors ship too)
 * @param repetitionPenalty {@code repetition_penalty} (default 1)
 * @param maxNewTokens      {@code max_new_tokens}, 0 when absent
 * @param eosTokenIds       {@code eos_token_id} (a number or a list), empty when absent
 * @param file              the file read, which {@link #sampling}'s errors name; null for none
 */
public record GenerationConfig(boolean doSample, float temperature, int topK, float topP, float minP, float repetitionPenalty,
        int maxNewTokens, int[] eosTokenIds, Path file) {

    /** No file: greedy, no extra stop ids. */
    public static final GenerationConfig NONE = new GenerationConfig(false, 1f, 50, 1f, 0f, 1f, 0, new int[0]);

    /** A configuration read from no file. */
    public GenerationConfig(boolean doSample, float temperature, int topK, float topP, float minP, float repetitionPenalty,
            int maxNewTokens, int[] eosTokenIds) {
        this(doSample, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, eosTokenIds, null);
    }

    /** This configuration ending at {@code ids} instead. */
    public GenerationConfig withEosTokenIds(int[] ids) {
        return new GenerationConfig(doSample, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, ids.clone(), file);
    }

    /** Reads {@code dir/generation_config.json}; empty when the file is absent. */
    public static Optional<GenerationConfig> read(Path dir) {
        Path p = dir.resolve("generation_config.json");
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        byte[] bytes = ModelFormatException.readAllBytes(p);
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new ModelFormatException(p, "not JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) {
            throw new ModelFormatException(p, "not a JSON object");
        }
        int[] ids = eosTokenIds(p, j);
        try {
            return Optional.of(new GenerationConfig(j.path("do_sample").asBoolean(false), number(p, j, "temperature", 1f),
                    // an explicit null is Transformers' "no top-k" (kwargs.pop("top_k", 50) gives None, and no
                    // TopKLogitsWarper is added); only an absent key means its default of 50
                    j.has("top_k") && j.get("top_k").isNull() ? 0 : (int) number(p, j, "top_k", 50),
                    number(p, j, "top_p", 1f), number(p, j, "min_p", 0f),
                    number(p, j, "repetition_penalty", 1f),
                    (int) number(p, j, "max_new_tokens", 0), ids, p));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(p, e.getMessage(), e);
        }
    }

    /**
     * The keys of a {@code generation_config.json} that vLLM's {@code --generation-config auto} takes as sampling defaults
     * ({@code ModelConfig.get_diff_sampling_param}), in that order; {@code max_new_tokens} is its {@code max_tokens}.
     * {@code do_sample} is not among them: a temperature in the file samples whatever it says.
     */
    public static final java.util.List<String> SAMPLING_KEYS = java.util.List.of("temperature", "top_k", "top_p", "min_p",
            "repetition_penalty", "max_new_tokens");

    /**
     * The sampling defaults of the model at {@code model}, as vLLM's {@code --generation-config auto} reads them: the
     * {@link #SAMPLING_KEYS} its directory's {@code generation_config.json} holds, not null, in that order. Empty when
     * the model is a file (GGUF, llama2.c: vLLM reads no file beside one) or the directory has none.
     */
    public static java.util.Map<String, Double> samplingDefaults(Path model) {
        Path p = model.resolve("generation_config.json");
        if (!Files.isDirectory(model) || !Files.isRegularFile(p)) {
            return java.util.Map.of();
        }
        return samplingDefaults(ModelFormatException.readAllBytes(p), p);
    }

    /**
     * {@link #samplingDefaults(Path)} of the bytes of {@code file} (read by the caller: a Spark driver reads a remote one
     * through Hadoop), each value checked as the option it stands for would be, the error naming the file and key.
     */
    public static java.util.Map<String, Double> samplingDefaults(byte[] json, Path file) {
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new ModelFormatException(file, "not JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) {
            throw new ModelFormatException(file, "not a JSON object");
        }
        java.util.Map<String, Double> values = new java.util.LinkedHashMap<>();
        for (String key : SAMPLING_KEYS) {
            JsonNode n = j.get(key);
            if (n == null || n.isNull()) {
                continue; // vLLM skips a null: top_k null is no top-k, Kindling's default
            }
            double v = n.isNumber() ? n.asDouble() : Double.NaN;
            boolean whole = key.equals("top_k") || key.equals("max_new_tokens");
            // checked as the sampler takes it, a float: 1e39 is infinity there and a top_p of 1e-50 is 0, which passed here
            // and were refused by the option's own check, naming an option not typed: "--temperature must be a finite
            // number >= 0, got null"
            double f = whole ? v : (float) v;
            String expected = switch (key) {
                case "temperature" -> f >= 0 && f < Double.POSITIVE_INFINITY ? null : "a finite number >= 0";
                case "top_k" -> v >= -1 && v == Math.rint(v) && v <= Integer.MAX_VALUE ? null : "a whole number >= -1";
                case "top_p" -> f > 0 && f <= 1 ? null : "a number in (0, 1]";
                case "min_p" -> f >= 0 && f <= 1 ? null : "a number in [0, 1]";
                case "repetition_penalty" -> f > 0 && f < Double.POSITIVE_INFINITY ? null : "a finite number > 0";
                default -> v >= 0 && v == Math.rint(v) && v <= Integer.MAX_VALUE ? null : "a whole number >= 0";
            };
            if (expected != null) {
                throw new ModelFormatException(file, key + " = " + n + ", expected " + expected
                        + (f != v && !Double.isNaN(v) ? " (read as the sampler's 32-bit float, it is " + (float) v + ")" : ""));
            }
            values.put(key, whole && v == -1 ? 0.0 : v); // top_k -1 is vLLM's "off", Kindling's 0
        }
        return values;
    }

    /**
     * Without a {@code generation_config.json}, what Transformers derives from {@code config.json}
     * ({@code GenerationConfig.from_model_config}): greedy, ending at the model's {@code eos_token_id}. Llama 3's
     * config.json lists three end ids where its tokenizer names one, so a checkpoint without the file ran past them.
     */
    public static GenerationConfig fromModelConfig(HfConfig config) {
        int[] ids = eosTokenIds(config.path(), config.json());
        return ids.length == 0 ? NONE : NONE.withEosTokenIds(ids);
    }

    /** {@code eos_token_id}: a number or a list of them; empty when absent or null. */
    private static int[] eosTokenIds(Path p, JsonNode j) {
        JsonNode eos = j.path("eos_token_id");
        if (eos.isMissingNode() || eos.isNull()) {
            return new int[0];
        } else if (eos.isIntegralNumber()) {
            return new int[] {eos.asInt()};
        } else if (eos.isArray()) {
            int[] ids = new int[eos.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!eos.get(i).isIntegralNumber()) {
                    throw new ModelFormatException(p, "eos_token_id[" + i + "] = " + eos.get(i) + ", expected a token id");
                }
                ids[i] = eos.get(i).asInt();
            }
            return ids;
        }
        throw new ModelFormatException(p, "eos_token_id = " + eos + ", expected a token id or a list of ids");
    }

    private static float number(Path p, JsonNode j, String key, float dflt) {
        JsonNode n = j.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw new ModelFormatException(p, key + " = " + n + ", expected a number");
        }
        return (float) n.asDouble();
    }

    /**
     * The author's defaults as sampling parameters (greedy unless {@code do_sample}).
     *
     * @throws ModelFormatException naming the {@link #file} and key when a value it uses is out of the sampler's range
     *         ({@code "top_p": 0}), as {@link #samplingDefaults} refuses it
     */
    public SamplingParams sampling(long seed) {
        try {
            if (!doSample || temperature == 0f) {
                return new SamplingParams(0f, 0, 1f, 0f, repetitionPenalty, 0f, 0f, seed, SamplingParams.Kind.DEFAULT);
            }
            // min_p too: it was dropped, so a model whose author ships "min_p": 0.05 sampled its whole tail
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, 0f, 0f, seed, SamplingParams.Kind.DEFAULT);
        } catch (SamplingParams.InvalidParameterException e) {
            if (file == null) {
                throw e;
            }
            // the sampler's own message named neither the file nor its key: "top-p must be in (0, 1], got 0.0"
            String key = e.parameter().replace('-', '_');
            Object value = switch (key) {
                case "temperature" -> temperature;
                case "top_k" -> topK;
                case "top_p" -> topP;
                case "min_p" -> minP;
                default -> repetitionPenalty;
            };
            throw new ModelFormatException(file, key + " = " + value + (value instanceof Float ? " (as a 32-bit float)" : "")
                    + ": the sampler's " + e.parameter() + " " + e.requirement(), e);
        }
    }

    /** Equal values are equal whatever file they came from. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationConfig g && doSample == g.doSample && temperature == g.temperature && topK == g.topK
                && topP == g.topP && minP == g.minP && repetitionPenalty == g.repetitionPenalty && maxNewTokens == g.maxNewTokens
                && Arrays.equals(eosTokenIds, g.eosTokenIds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(eosTokenIds) * 31 + Float.hashCode(temperature);
    }

    @Override
    public String toString() {
        return "GenerationConfig[doSample=" + doSample + ", temperature=" + temperature + ", topK=" + topK + ", topP=" + topP
                + ", minP=" + minP + ", repetitionPenalty=" + repetitionPenalty + ", maxNewTokens=" + maxNewTokens + ", eos="
                + Arrays.toString(eosTokenIds) + "]";
    }
}
