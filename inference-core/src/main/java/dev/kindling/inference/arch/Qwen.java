package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import java.util.List;
import java.util.function.Predicate;

/**
 * Qwen (v1, {@code QWenLMHeadModel}): a Llama block with a fused QKV product ({@code c_attn}, with
 * bias, rows Q then K then V) and RoPE in NEOX pairing. Its MLP computes {@code w1(x) * silu(w2(x))},
 * so {@code w2} is the gate and {@code w1} the up product, and {@code intermediate_size} counts
 * both (the FFN is half of it). Qwen's dynamic NTK RoPE and log-n attention scaling only act past
 * {@code seq_length}, which is the longest context Kindling accepts.
 */
final class Qwen implements Family {
    static final Architecture QWEN = Architecture.LLAMA.withName("qwen");

    @Override
    public List<String> hfModelTypes() {
        return List.of("qwen");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("qwen");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        int headDim = j.integer(dim / heads, "kv_channels");
        return new ModelConfig(QWEN, dim, j.integer("intermediate_size") / 2, j.integer("num_hidden_layers"), heads, heads,
                headDim, j.integer("vocab_size"), j.integer(2048, "seq_length", "max_position_embeddings"),
                (float) j.number(1e-6, "layer_norm_epsilon"),
                Ropes.fromHf(j, headDim, j.partialRotary(1.0, "rotary_pct"), j.ropeTheta(10000, "rotary_emb_base")), 0,
                j.bool(false, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        return TensorNames.builder()
                .map("token_embd.weight", "transformer.wte.weight")
                .map("blk.{i}.attn_norm.weight", "transformer.h.{i}.ln_1.weight")
                .map("blk.{i}.attn_qkv.weight", "transformer.h.{i}.attn.c_attn.weight")
                .map("blk.{i}.attn_qkv.bias", "transformer.h.{i}.attn.c_attn.bias")
                .map("blk.{i}.attn_output.weight", "transformer.h.{i}.attn.c_proj.weight")
                .map("blk.{i}.ffn_norm.weight", "transformer.h.{i}.ln_2.weight")
                .map("blk.{i}.ffn_gate.weight", "transformer.h.{i}.mlp.w2.weight")
                .map("blk.{i}.ffn_up.weight", "transformer.h.{i}.mlp.w1.weight")
                .map("blk.{i}.ffn_down.weight", "transformer.h.{i}.mlp.c_proj.weight")
                .map("output_norm.weight", "transformer.ln_f.weight")
                .map("output.weight", "lm_head.weight")
                .build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        // llama.cpp's qwen keeps intermediate_size (both halves) as feed_forward_length and halves it itself
        ModelConfig c = Llama.llamaGguf(gguf, QWEN, RopeStyle.NEOX, false);
        if (c.hiddenDim() % 2 != 0) {
            throw new GgufHparams(gguf).fail("qwen.feed_forward_length = " + c.hiddenDim() + " must be even (it counts both MLP halves)");
        }
        return c.withHiddenDim(c.hiddenDim() / 2);
    }
}
