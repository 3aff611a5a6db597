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
 * Falcon ({@code FalconForCausalLM}, and the original {@code RefinedWebModel} / {@code RefinedWeb}
 * remote code): LayerNorms with bias, RoPE (NEOX pairing, whole head), a fused QKV product without
 * bias, GELU MLP, and attention and MLP in parallel on the residual stream.
 * <ul>
 *   <li>Falcon-7B ({@code multi_query}): one KV head; QKV rows are Q, K, V; one norm feeds both.</li>
 *   <li>Falcon-40B/180B ({@code new_decoder_architecture}): {@code num_kv_heads} KV heads, QKV rows
 *       grouped per KV head ({@code [kv][q.., k, v][headDim]}; llama.cpp's converter reorders them);
 *       {@code ln_attn} feeds attention and {@code ln_mlp} the MLP (in GGUF: {@code attn_norm_2} and
 *       {@code attn_norm}); with {@code num_ln_in_parallel_attn = 1} one norm feeds both.</li>
 *   <li>Neither: one KV head per query head, QKV interleaved per head; {@code parallel_attn = false}
 *       makes the block sequential with {@code post_attention_layernorm}.</li>
 * </ul>
 * ALiBi variants ({@code alibi = true}, Falcon-RW) are refused.
 */
final class Falcon implements Family {
    static final Architecture FALCON = new Architecture("falcon", Norm.LAYER, Positions.ROPE, Ffn.PLAIN, Activation.GELU,
            Residual.PARALLEL, 0);

    @Override
    public List<String> hfModelTypes() {
        return List.of("falcon", "RefinedWeb", "RefinedWebModel");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("falcon");
    }

    private static boolean newArch(HfConfig j) {
        return j.bool(j.modelType().equals("RefinedWeb"), "new_decoder_architecture");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        if (j.bool(false, "alibi")) {
            throw j.fail("alibi = true (Falcon-RW) is not supported; Kindling runs the rotary Falcon models");
        }
        int dim = j.integer("hidden_size", "n_embed");
        int heads = j.count("num_attention_heads", "n_head");
        int headDim = dim / heads;
        boolean newArch = newArch(j);
        int kvHeads = newArch ? j.integer("num_kv_heads", "n_head_kv") : j.bool(true, "multi_query") ? 1 : heads;
        boolean parallel = newArch || j.bool(true, "parallel_attn");
        Architecture a = FALCON.withActivation(j.activation("gelu", "activation"))
                .withResidual(parallel ? Residual.PARALLEL : Residual.SEQUENTIAL);
        return new ModelConfig(a, dim, j.integer(4 * dim, "ffn_hidden_size"), j.integer("num_hidden_layers", "n_layer"), heads,
                kvHeads, headDim, j.integer("vocab_size"), j.integer(2048, "max_position_embeddings"),
                (float) j.number(1e-5, "layer_norm_epsilon"), Ropes.fromHf(j, headDim, 1.0, j.ropeTheta(10000, "rope_theta")), 0,
                j.bool(true, "tie_word_embeddings"));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        boolean newArch = newArch(j);
        TensorNames.LayoutFactory qkv = newArch ? (l, e) -> Layouts.qkvGrouped(c.heads(), c.kvHeads(), c.headDim())
                : c.kvHeads() == 1 ? null : (l, e) -> Layouts.qkvPerHead(c.heads(), c.headDim());
        boolean twoNorms = stored.test("transformer.h.0.ln_attn.weight");
        String attnNorm = twoNorms ? "ln_attn" : "input_layernorm";
        String ffnNorm = twoNorms ? "ln_mlp" : "post_attention_layernorm";
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", "transformer.word_embeddings.weight")
                .map("output_norm.weight", "transformer.ln_f.weight")
                .map("output_norm.bias", "transformer.ln_f.bias")
                .map("output.weight", "lm_head.weight")
                .map("blk.{i}.attn_qkv.weight", "transformer.h.{i}.self_attention.query_key_value.weight", qkv)
                .map("blk.{i}.attn_qkv.bias", "transformer.h.{i}.self_attention.query_key_value.bias", qkv);
        for (String[] p : new String[][] {{"attn_norm", attnNorm}, {"ffn_norm", ffnNorm},
                {"attn_output", "self_attention.dense"}, {"ffn_up", "mlp.dense_h_to_4h"}, {"ffn_down", "mlp.dense_4h_to_h"}}) {
            b.map("blk.{i}." + p[0] + ".weight", "transformer.h.{i}." + p[1] + ".weight");
            b.map("blk.{i}." + p[0] + ".bias", "transformer.h.{i}." + p[1] + ".bias");
        }
        return b.build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        return LayerNormGguf.config(gguf, FALCON, RopeStyle.NEOX);
    }

    /** Falcon-40B GGUFs: {@code attn_norm_2} feeds attention, {@code attn_norm} the MLP. */
    @Override
    public TensorNames ggufNames(GgufFile gguf, ModelConfig c) {
        if (gguf.findTensor("blk.0.attn_norm_2.weight").isEmpty()) {
            return TensorNames.identity();
        }
        return TensorNames.builder()
                .map("blk.{i}.attn_norm.weight", "blk.{i}.attn_norm_2.weight")
                .map("blk.{i}.attn_norm.bias", "blk.{i}.attn_norm_2.bias")
                .map("blk.{i}.ffn_norm.weight", "blk.{i}.attn_norm.weight")
                .map("blk.{i}.ffn_norm.bias", "blk.{i}.attn_norm.bias")
                .buildOverIdentity();
    }
}
