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
 */
public record GenerationConfig(boolean doSample, float temperature, int topK, float topP, float minP, float repetitionPenalty,
        int maxNewTokens, int[] eosTokenIds) {

    /** No file: greedy, no extra stop ids. */
    public static final GenerationConfig NONE = new GenerationConfig(false, 1f, 50, 1f, 0f, 1f, 0, new int[0]);

    /** This configuration ending at {@code ids} instead. */
    public GenerationConfig withEosTokenIds(int[] ids) {
        return new GenerationConfig(doSample, temperature, topK, topP, minP, repetitionPenalty, maxNewTokens, ids.clone());
    }

    /** Reads {@code dir/generation_config.json}; empty when the file is absent. */
    public static Optional<GenerationConfig> read(Path dir) {
        Path p = dir.resolve("generation_config.json");
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(Files.readAllBytes(p));
        } catch (IOException e) {
            throw new ModelFormatException(p, "cannot read: " + e.getMessage(), e);
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
                    (int) number(p, j, "max_new_tokens", 0), ids));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(p, e.getMessage(), e);
        }
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

    /** The author's defaults as sampling parameters (greedy unless {@code do_sample}). */
    public SamplingParams sampling(long seed) {
        if (!doSample || temperature == 0f) {
            return new SamplingParams(0f, 0, 1f, 0f, repetitionPenalty, 0f, 0f, seed, SamplingParams.Kind.DEFAULT);
        }
        // min_p too: it was dropped, so a model whose author ships "min_p": 0.05 sampled its whole tail
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, 0f, 0f, seed, SamplingParams.Kind.DEFAULT);
    }

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
