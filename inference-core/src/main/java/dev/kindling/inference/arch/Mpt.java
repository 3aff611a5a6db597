package dev.kindling.inference.arch;

import com.fasterxml.jackson.databind.JsonNode;
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
 * MPT ({@code MptForCausalLM}): ALiBi ({@code alibi_bias_max} 8, MPT's slopes), LayerNorms without
 * bias, a fused QKV product (rows Q, K, V) optionally clamped ({@code clip_qkv}), GELU MLP, no
 * biases, sequential residual, tied embeddings. With {@code alibi = false} MPT uses learned
 * positions ({@code wpe}).
 */
final class Mpt implements Family {
    static final Architecture MPT = new Architecture("mpt", Norm.LAYER, Positions.ALIBI, Ffn.PLAIN, Activation.GELU,
            Residual.SEQUENTIAL, 0);

    @Override
    public List<String> hfModelTypes() {
        return List.of("mpt");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("mpt");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        JsonNode attn = j.node("attn_config");
        if (attn != null && attn.path("qk_ln").asBoolean(false)) {
            throw j.fail("attn_config.qk_ln = true is not supported");
        }
        if (attn != null && attn.hasNonNull("softmax_scale")) {
            throw j.fail("attn_config.softmax_scale is set; Kindling scales scores by 1/sqrt(head size) only");
        }
        boolean alibi = attn == null || attn.path("alibi").asBoolean(true);
        int dim = j.integer("d_model", "hidden_size");
        int heads = j.count("n_heads", "num_attention_heads");
        Architecture a = alibi ? MPT : new Architecture("mpt", Norm.LAYER, Positions.LEARNED, Ffn.PLAIN, Activation.GELU,
                Residual.SEQUENTIAL, 0);
        ModelConfig c = new ModelConfig(a, dim, j.integer(4, "expansion_ratio") * dim, j.integer("n_layers", "num_hidden_layers"),
                heads, heads, dim / heads, j.integer("vocab_size"), j.integer(2048, "max_seq_len"),
                (float) j.number(1e-5, "layer_norm_epsilon"), null, 0, true);
        if (alibi) {
            c = c.withAlibi(Alibi.mpt(heads, attn == null ? 8 : attn.path("alibi_bias_max").asDouble(8)));
        }
        if (attn != null && attn.hasNonNull("clip_qkv")) {
            c = c.withClampQkv((float) attn.get("clip_qkv").asDouble());
        }
        return c;
    }

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", "transformer.wte.weight")
                .map("position_embd.weight", "transformer.wpe.weight")
                .map("output_norm.weight", "transformer.norm_f.weight")
                .map("output_norm.bias", "transformer.norm_f.bias");
        for (String[] p : new String[][] {{"attn_norm", "norm_1"}, {"attn_qkv", "attn.Wqkv"}, {"attn_output", "attn.out_proj"},
                {"ffn_norm", "norm_2"}, {"ffn_up", "ffn.up_proj"}, {"ffn_down", "ffn.down_proj"}}) {
            b.map("blk.{i}." + p[0] + ".weight", "transformer.blocks.{i}." + p[1] + ".weight");
            b.map("blk.{i}." + p[0] + ".bias", "transformer.blocks.{i}." + p[1] + ".bias");
        }
        return b.build();
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        GgufHparams h = new GgufHparams(gguf);
        boolean learned = gguf.findTensor("position_embd.weight").isPresent();
        Architecture a = learned ? new Architecture("mpt", Norm.LAYER, Positions.LEARNED, Ffn.PLAIN, Activation.GELU,
                Residual.SEQUENTIAL, 0) : MPT;
        ModelConfig c = LayerNormGguf.config(gguf, a, null);
        if (!learned) {
            c = c.withAlibi(Alibi.mpt(c.heads(), h.real("attention.max_alibi_bias", 8f)));
        }
        return c.withClampQkv(h.real("attention.clamp_kqv", 0f));
    }
}
