package dev.kindling.inference.arch;

import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.Architecture.Activation;
import dev.kindling.inference.model.Architecture.Ffn;
import dev.kindling.inference.model.Architecture.Norm;
import dev.kindling.inference.model.Architecture.Positions;
import dev.kindling.inference.model.Architecture.Residual;
import dev.kindling.inference.model.ModelConfig;
import java.util.List;
import java.util.function.Predicate;

/**
 * OPT and Galactica ({@code OPTForCausalLM}; llama.cpp has no OPT): learned positions with OPT's
 * offset of 2 (position {@code p} reads row {@code p + 2}), LayerNorms, biases ({@code enable_bias}),
 * a ReLU MLP ({@code activation_function}; Galactica: GELU), tied embeddings. OPT-350m is post-norm
 * ({@code do_layer_norm_before = false}) and works at width {@code word_embed_proj_dim}, projected in
 * and out of the model width ({@code project_in}, {@code project_out}).
 */
final class Opt implements Family {
    static final Architecture OPT = new Architecture("opt", Norm.LAYER, Positions.LEARNED, Ffn.PLAIN, Activation.RELU,
            Residual.SEQUENTIAL, 2);

    @Override
    public List<String> hfModelTypes() {
        return List.of("opt");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of();
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        if (!j.bool(true, "layer_norm_elementwise_affine")) {
            throw j.fail("layer_norm_elementwise_affine = false is not supported");
        }
        int dim = j.integer("hidden_size");
        int heads = j.integer("num_attention_heads");
        Architecture a = OPT.withActivation(j.activation("relu", "activation_function"))
                .withResidual(j.bool(true, "do_layer_norm_before") ? Residual.SEQUENTIAL : Residual.POST_NORM);
        return new ModelConfig(a, dim, j.integer("ffn_dim"), j.integer("num_hidden_layers"), heads, heads, dim / heads,
                j.integer("vocab_size"), j.integer(2048, "max_position_embeddings"), 1e-5f, null, 0,
                j.bool(true, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        // OPTForCausalLM checkpoints say "model.decoder."; some OPTModel exports say "decoder."
        String p = stored.test("model.decoder.embed_tokens.weight") ? "model.decoder." : "decoder.";
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", p + "embed_tokens.weight")
                .map("position_embd.weight", p + "embed_positions.weight")
                .map("proj_in.weight", p + "project_in.weight")
                .map("proj_out.weight", p + "project_out.weight")
                .map("output_norm.weight", p + "final_layer_norm.weight")
                .map("output_norm.bias", p + "final_layer_norm.bias")
                .map("output.weight", "lm_head.weight");
        for (String[] q : new String[][] {{"attn_norm", "self_attn_layer_norm"}, {"attn_q", "self_attn.q_proj"},
                {"attn_k", "self_attn.k_proj"}, {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.out_proj"},
                {"ffn_norm", "final_layer_norm"}, {"ffn_up", "fc1"}, {"ffn_down", "fc2"}}) {
            b.map("blk.{i}." + q[0] + ".weight", p + "layers.{i}." + q[1] + ".weight");
            b.map("blk.{i}." + q[0] + ".bias", p + "layers.{i}." + q[1] + ".bias");
        }
        return b.build();
    }
}
