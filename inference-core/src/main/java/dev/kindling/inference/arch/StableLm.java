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
 * StableLM 3B-4E1T and StableLM 2 ({@code StableLmForCausalLM}): LayerNorms with bias, partial RoPE
 * ({@code partial_rotary_factor} 0.25, NEOX pairing), optional Q/K/V biases ({@code use_qkv_bias}),
 * SwiGLU MLP; sequential, or with {@code use_parallel_residual} one norm feeding attention and MLP
 * ({@code x + attn(ln(x)) + mlp(ln(x))}; in GGUF: no {@code ffn_norm}). (The older StableLM-alpha
 * models are GPT-NeoX.)
 */
final class StableLm implements Family {
    static final Architecture STABLELM = new Architecture("stablelm", Norm.LAYER, Positions.ROPE, Ffn.GATED, Activation.SILU,
            Residual.SEQUENTIAL, 0);

    @Override
    public List<String> hfModelTypes() {
        return List.of("stablelm", "stablelm_epoch");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("stablelm");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        if (j.bool(false, "qk_layernorm")) {
            throw j.fail("qk_layernorm = true (StableLM 2 12B's per-head norms) is not supported");
        }
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        int headDim = dim / heads;
        Architecture a = STABLELM.withActivation(j.activation("silu", "hidden_act"))
                .withResidual(j.bool(false, "use_parallel_residual") ? Residual.PARALLEL : Residual.SEQUENTIAL);
        return new ModelConfig(a, dim, j.integer("intermediate_size"), j.integer("num_hidden_layers"), heads,
                j.integer(heads, "num_key_value_heads"), headDim, j.integer("vocab_size"),
                j.integer(4096, "max_position_embeddings"), (float) j.number(1e-5, "layer_norm_eps", "norm_eps"),
                Ropes.fromHf(j, headDim, j.partialRotary(0.25, "partial_rotary_factor", "rope_pct"), j.ropeTheta(10000, "rope_theta")),
                0, j.bool(false, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", "model.embed_tokens.weight")
                .map("output_norm.weight", "model.norm.weight")
                .map("output_norm.bias", "model.norm.bias")
                .map("output.weight", "lm_head.weight");
        for (String[] p : new String[][] {{"attn_norm", "input_layernorm"}, {"attn_q", "self_attn.q_proj"},
                {"attn_k", "self_attn.k_proj"}, {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.o_proj"},
                {"ffn_norm", "post_attention_layernorm"}, {"ffn_gate", "mlp.gate_proj"}, {"ffn_up", "mlp.up_proj"},
                {"ffn_down", "mlp.down_proj"}}) {
            b.map("blk.{i}." + p[0] + ".weight", "model.layers.{i}." + p[1] + ".weight");
            b.map("blk.{i}." + p[0] + ".bias", "model.layers.{i}." + p[1] + ".bias");
        }
        return b.build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        boolean parallel = gguf.findTensor("blk.0.ffn_norm.weight").isEmpty();
        return LayerNormGguf.config(gguf, STABLELM.withResidual(parallel ? Residual.PARALLEL : Residual.SEQUENTIAL), RopeStyle.NEOX);
    }
}
