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
 *
 * <p>What exists follows {@code config.json} as transformers' {@code modeling_opt.py} builds it, not
 * what the file happens to hold: the final LayerNorm only when {@code do_layer_norm_before} and not
 * {@code _remove_final_layer_norm} (a {@code final_layer_norm} stored anyway is ignored, as
 * {@code from_pretrained} ignores it); biases only with {@code enable_bias}; LayerNorms without
 * weight and bias ({@code layer_norm_elementwise_affine = false}, Galactica-30b/120b) are LayerNorms
 * with weight 1. Checked against a numpy transcription of {@code modeling_opt.py}
 * ({@code OptReferenceTest}).
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
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        if (heads <= 0 || dim % heads != 0) {
            // OPTAttention raises the same: head_dim = hidden_size // num_attention_heads must divide exactly
            throw j.fail("hidden_size " + dim + " is not divisible by num_attention_heads " + heads);
        }
        Architecture a = OPT.withActivation(j.activation("relu", "activation_function"))
                .withResidual(preNorm(j) ? Residual.SEQUENTIAL : Residual.POST_NORM);
        // nn.LayerNorm's default eps: OPT passes none
        return new ModelConfig(a, dim, j.integer("ffn_dim"), j.integer("num_hidden_layers"), heads, heads, dim / heads,
                j.integer("vocab_size"), j.integer(2048, "max_position_embeddings"), 1e-5f, null, 0,
                j.bool(true, "tie_word_embeddings"));
    }

    private static boolean preNorm(HfConfig j) {
        return j.bool(true, "do_layer_norm_before");
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        boolean bias = j.bool(true, "enable_bias");
        boolean affine = j.bool(true, "layer_norm_elementwise_affine");
        boolean finalNorm = preNorm(j) && !j.bool(false, "_remove_final_layer_norm");
        // OPTForCausalLM checkpoints say "model.decoder."; some OPTModel exports say "decoder."
        String p = stored.test("model.decoder.embed_tokens.weight") ? "model.decoder." : "decoder.";
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", p + "embed_tokens.weight")
                .map("position_embd.weight", p + "embed_positions.weight")
                .map("proj_in.weight", p + "project_in.weight")
                .map("proj_out.weight", p + "project_out.weight")
                .map("output.weight", "lm_head.weight");
        if (finalNorm) {
            layerNorm(b, "output_norm", p + "final_layer_norm", affine, c.dim());
        } else {
            b.omit("output_norm.weight").omit("output_norm.bias");
        }
        layerNorm(b, "blk.{i}.attn_norm", p + "layers.{i}.self_attn_layer_norm", affine, c.dim());
        layerNorm(b, "blk.{i}.ffn_norm", p + "layers.{i}.final_layer_norm", affine, c.dim());
        for (String[] q : new String[][] {{"attn_q", "self_attn.q_proj"}, {"attn_k", "self_attn.k_proj"},
                {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.out_proj"}, {"ffn_up", "fc1"}, {"ffn_down", "fc2"}}) {
            b.map("blk.{i}." + q[0] + ".weight", p + "layers.{i}." + q[1] + ".weight");
            if (bias) {
                b.map("blk.{i}." + q[0] + ".bias", p + "layers.{i}." + q[1] + ".bias");
            }
        }
        return b.build();
    }

    /** {@code nn.LayerNorm(dim, elementwise_affine=affine)}: its weight and bias, or weight 1 and no bias. */
    private static void layerNorm(TensorNames.Builder b, String canonical, String stored, boolean affine, int dim) {
        if (affine) {
            b.map(canonical + ".weight", stored + ".weight").map(canonical + ".bias", stored + ".bias");
        } else {
            b.constant(canonical + ".weight", dim, 1f);
        }
    }
}
