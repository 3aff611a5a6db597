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
 * GPT-NeoX, Pythia, StableLM-alpha, RedPajama-INCITE ({@code GPTNeoXForCausalLM}): LayerNorms with
 * bias, partial RoPE ({@code rotary_pct}, NEOX pairing), a fused QKV product interleaved per head in
 * Hugging Face checkpoints ({@code [head][q|k|v][headDim]}; llama.cpp's converter reorders it to
 * Q, K, V), GELU MLP with biases, and — with {@code use_parallel_residual} (the default) —
 * {@code x + attn(ln1(x)) + mlp(ln2(x))}.
 */
final class GptNeoX implements Family {
    static final Architecture NEOX = new Architecture("gptneox", Norm.LAYER, Positions.ROPE, Ffn.PLAIN, Activation.GELU,
            Residual.PARALLEL, 0);

    @Override
    public List<String> hfModelTypes() {
        return List.of("gpt_neox");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("gptneox");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        int headDim = dim / heads;
        Architecture a = NEOX.withActivation(j.activation("gelu", "hidden_act"))
                .withResidual(j.bool(true, "use_parallel_residual") ? Residual.PARALLEL : Residual.SEQUENTIAL);
        return new ModelConfig(a, dim, j.integer("intermediate_size"), j.integer("num_hidden_layers"), heads, heads, headDim,
                j.integer("vocab_size"), j.integer(2048, "max_position_embeddings"), (float) j.number(1e-5, "layer_norm_eps"),
                Ropes.fromHf(j, headDim, j.partialRotary(0.25, "rotary_pct"), j.ropeTheta(10000, "rotary_emb_base", "rope_theta")),
                0, j.bool(false, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", "gpt_neox.embed_in.weight")
                .map("output_norm.weight", "gpt_neox.final_layer_norm.weight")
                .map("output_norm.bias", "gpt_neox.final_layer_norm.bias")
                .map("output.weight", "embed_out.weight")
                .map("blk.{i}.attn_qkv.weight", "gpt_neox.layers.{i}.attention.query_key_value.weight",
                        (l, e) -> Layouts.qkvPerHead(c.heads(), c.headDim()))
                .map("blk.{i}.attn_qkv.bias", "gpt_neox.layers.{i}.attention.query_key_value.bias",
                        (l, e) -> Layouts.qkvPerHead(c.heads(), c.headDim()));
        for (String[] p : new String[][] {{"attn_norm", "input_layernorm"}, {"attn_output", "attention.dense"},
                {"ffn_norm", "post_attention_layernorm"}, {"ffn_up", "mlp.dense_h_to_4h"}, {"ffn_down", "mlp.dense_4h_to_h"}}) {
            b.map("blk.{i}." + p[0] + ".weight", "gpt_neox.layers.{i}." + p[1] + ".weight");
            b.map("blk.{i}." + p[0] + ".bias", "gpt_neox.layers.{i}." + p[1] + ".bias");
        }
        return b.build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        GgufHparams h = new GgufHparams(gguf);
        Architecture a = NEOX.withResidual(h.bool("use_parallel_residual", true) ? Residual.PARALLEL : Residual.SEQUENTIAL);
        return LayerNormGguf.config(gguf, a, RopeStyle.NEOX);
    }
}
