package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.Architecture.Activation;
import dev.kindling.inference.model.Architecture.Ffn;
import dev.kindling.inference.model.Architecture.Norm;
import dev.kindling.inference.model.Architecture.Positions;
import dev.kindling.inference.model.Architecture.Residual;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import java.util.List;
import java.util.function.Predicate;

/**
 * Phi-1/1.5/2 ({@code PhiForCausalLM}): one LayerNorm (with bias) feeds attention and MLP in
 * parallel, {@code x + attn(ln(x)) + mlp(ln(x))}; partial RoPE ({@code partial_rotary_factor} 0.4,
 * NEOX pairing); biases on Q, K, V, dense, fc1, fc2 and the classifier; MLP {@code fc2(gelu_new(fc1(x)))}.
 */
final class Phi2 implements Family {
    static final Architecture PHI2 = new Architecture("phi2", Norm.LAYER, Positions.ROPE, Ffn.PLAIN, Activation.GELU_TANH,
            Residual.PARALLEL, 0);

    @Override
    public List<String> hfModelTypes() {
        return List.of("phi");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("phi2");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        if (j.bool(false, "qk_layernorm")) {
            throw j.fail("qk_layernorm = true is not supported");
        }
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        int headDim = dim / heads;
        return new ModelConfig(PHI2.withActivation(j.activation("gelu_new", "hidden_act")), dim, j.integer("intermediate_size"),
                j.integer("num_hidden_layers"), heads, j.integer(heads, "num_key_value_heads"), headDim, j.integer("vocab_size"),
                j.integer(2048, "max_position_embeddings"), (float) j.number(1e-5, "layer_norm_eps"),
                Ropes.fromHf(j, headDim, j.partialRotary(0.5, "partial_rotary_factor"), j.ropeTheta(10000, "rope_theta")), 0,
                j.bool(false, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", "model.embed_tokens.weight")
                .map("output_norm.weight", "model.final_layernorm.weight")
                .map("output_norm.bias", "model.final_layernorm.bias")
                .map("output.weight", "lm_head.weight")
                .map("output.bias", "lm_head.bias");
        for (String[] p : new String[][] {{"attn_norm", "input_layernorm"}, {"attn_q", "self_attn.q_proj"},
                {"attn_k", "self_attn.k_proj"}, {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.dense"},
                {"ffn_up", "mlp.fc1"}, {"ffn_down", "mlp.fc2"}}) {
            b.map("blk.{i}." + p[0] + ".weight", "model.layers.{i}." + p[1] + ".weight");
            b.map("blk.{i}." + p[0] + ".bias", "model.layers.{i}." + p[1] + ".bias");
        }
        return b.build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        return LayerNormGguf.config(gguf, PHI2, RopeStyle.NEOX);
    }
}
