package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import java.util.List;
import java.util.function.Predicate;

/**
 * Qwen2 (and Qwen1.5): a Llama block with biases on Q, K and V, RoPE in NEOX pairing in both
 * formats (llama.cpp's converter does not permute Qwen2's Q/K), often tied embeddings.
 */
final class Qwen2 implements Family {
    static final Architecture QWEN2 = Architecture.LLAMA.withName("qwen2");

    @Override
    public List<String> hfModelTypes() {
        return List.of("qwen2");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("qwen2");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        if (j.bool(false, "use_sliding_window")) {
            throw j.fail("use_sliding_window = true (sliding attention on the upper layers only) is not supported");
        }
        // Qwen2MLP applies ACT2FN[hidden_act]: it was not read, so a "gelu" ran silu without a word
        j.requireSilu("Qwen2");
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        int headDim = j.integer(dim / heads, "head_dim");
        return new ModelConfig(QWEN2, dim, j.integer("intermediate_size"), j.integer("num_hidden_layers"), heads,
                j.integer(heads, "num_key_value_heads"), headDim, j.integer("vocab_size"),
                j.integer(32768, "max_position_embeddings"), (float) j.number(1e-6, "rms_norm_eps"),
                Ropes.fromHf(j, headDim, 1.0, j.ropeTheta(10000, "rope_theta")), 0, j.bool(false, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        // Qwen2Attention: Q, K and V with biases, O without; the MLP without
        return Llama.llamaNames(j, c, stored, java.util.Set.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")).build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        // attention.sliding_window is ignored, as llama.cpp ignores it for qwen2 and as transformers ignores Qwen2's
        // sliding_window unless use_sliding_window is set (false by default; a GGUF has no such key): a window there
        // masked positions the model was run with
        return Llama.llamaGguf(gguf, QWEN2, RopeStyle.NEOX, false);
    }
}
