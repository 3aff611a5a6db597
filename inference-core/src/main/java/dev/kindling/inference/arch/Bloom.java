package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
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
 * BLOOM ({@code BloomForCausalLM}): a LayerNorm right after the embedding
 * ({@code word_embeddings_layernorm}), ALiBi (BLOOM's slopes, max bias 8), LayerNorms and biases
 * everywhere, a fused QKV product interleaved per head, {@code bloom_gelu} (the tanh
 * approximation), sequential residual, tied embeddings.
 */
final class Bloom implements Family {
    static final Architecture BLOOM = new Architecture("bloom", Norm.LAYER, Positions.ALIBI, Ffn.PLAIN, Activation.GELU_TANH,
            Residual.SEQUENTIAL, 0);

    @Override
    public List<String> hfModelTypes() {
        return List.of("bloom");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("bloom");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        if (j.bool(false, "apply_residual_connection_post_layernorm")) {
            throw j.fail("apply_residual_connection_post_layernorm = true is not supported");
        }
        int dim = j.integer("hidden_size", "n_embed");
        int heads = j.count("n_head", "num_attention_heads");
        return new ModelConfig(BLOOM, dim, 4 * dim, j.integer("n_layer", "num_hidden_layers"), heads, heads, dim / heads,
                j.integer("vocab_size"), j.integer(2048, "seq_length", "max_position_embeddings"),
                (float) j.number(1e-5, "layer_norm_epsilon"), null, 0, j.bool(true, "tie_word_embeddings"))
                .withAlibi(Alibi.bloom(heads, 8));
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        // checkpoints saved from BloomModel (no LM head) lack the "transformer." prefix
        String p = stored.test("transformer.word_embeddings.weight") ? "transformer." : "";
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", p + "word_embeddings.weight")
                .map("token_embd_norm.weight", p + "word_embeddings_layernorm.weight")
                .map("token_embd_norm.bias", p + "word_embeddings_layernorm.bias")
                .map("output_norm.weight", p + "ln_f.weight")
                .map("output_norm.bias", p + "ln_f.bias")
                .map("output.weight", "lm_head.weight")
                .map("blk.{i}.attn_qkv.weight", p + "h.{i}.self_attention.query_key_value.weight",
                        (l, e) -> Layouts.qkvPerHead(c.heads(), c.headDim()))
                .map("blk.{i}.attn_qkv.bias", p + "h.{i}.self_attention.query_key_value.bias",
                        (l, e) -> Layouts.qkvPerHead(c.heads(), c.headDim()));
        for (String[] q : new String[][] {{"attn_norm", "input_layernorm"}, {"attn_output", "self_attention.dense"},
                {"ffn_norm", "post_attention_layernorm"}, {"ffn_up", "mlp.dense_h_to_4h"}, {"ffn_down", "mlp.dense_4h_to_h"}}) {
            b.map("blk.{i}." + q[0] + ".weight", p + "h.{i}." + q[1] + ".weight");
            b.map("blk.{i}." + q[0] + ".bias", p + "h.{i}." + q[1] + ".bias");
        }
        return b.build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        ModelConfig c = LayerNormGguf.config(gguf, BLOOM, null);
        return c.withAlibi(Alibi.bloom(c.heads(), 8));
    }
}
