package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import java.util.List;
import java.util.function.Predicate;

/**
 * Llama 1/2/3 and its derivatives — Mistral (sliding window), Mixtral (mixture of experts), Yi,
 * SOLAR, XGen, DeciLM (per-layer KV heads): RMSNorm, RoPE, SwiGLU, sequential residual
 * ({@link Architecture#LLAMA}); optional Q/K/V/O and MLP biases ({@code attention_bias},
 * {@code mlp_bias}) are read when present.
 *
 * <p>RoPE pairing: Hugging Face weights rotate halves ({@code rotate_half}, {@link RopeStyle#NEOX});
 * llama.cpp's converter permutes the Q and K rows of {@code llama} and {@code deci} GGUFs so that
 * adjacent pairs rotate ({@link RopeStyle#ADJACENT}). Both give the same logits (tested).
 *
 * <p>Mixtral: the router's softmax is taken over the experts' logits and renormalised over the top
 * {@code k} (Hugging Face: softmax, top-k, divide by the sum; llama.cpp: the same with
 * {@code expert_weights_norm}) — equal to a softmax over the chosen experts' logits, which is what
 * is computed.
 */
final class Llama implements Family {
    @Override
    public List<String> hfModelTypes() {
        return List.of("llama", "mistral", "mixtral", "Yi", "yi", "deci", "deci_lm");
    }

    @Override
    public List<String> ggufArchitectures() {
        return List.of("llama", "deci");
    }

    @Override
    public ModelConfig fromHf(HfConfig j) {
        int dim = j.integer("hidden_size");
        int heads = j.count("num_attention_heads");
        int layers = j.integer("num_hidden_layers");
        int[] kvPerLayer = j.intArray("num_key_value_heads_per_layer");
        int kvHeads = kvPerLayer != null ? max(kvPerLayer) : j.integer(heads, "num_key_value_heads");
        int headDim = j.integer(dim / heads, "head_dim");
        int window = j.bool(true, "use_sliding_window") ? j.integer(0, "sliding_window") : 0;
        ModelConfig c = new ModelConfig(Architecture.LLAMA.withName(j.modelType()), dim, j.integer("intermediate_size"), layers,
                heads, kvHeads, headDim, j.integer("vocab_size"), j.integer(2048, "max_position_embeddings"),
                (float) j.number(1e-6, "rms_norm_eps"), Ropes.fromHf(j, headDim, 1.0, j.ropeTheta(10000, "rope_theta")),
                window, j.bool(false, "tie_word_embeddings"));
        j.requireSilu("Llama-family");
        if (kvPerLayer != null) {
            c = c.withPerLayer(kvPerLayer, null);
        }
        if (j.integer(0, "num_local_experts") > 0) {
            c = c.withExperts(j.integer("num_local_experts"), j.integer(2, "num_experts_per_tok"));
        }
        return c;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Llama.class);

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static int max(int[] a) {
        int m = 0;
        for (int v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** The attention's projections and the MLP's, as Hugging Face names them under {@code model.layers.N.}. */
    static final List<String> ATTENTION = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj");
    static final List<String> MLP = List.of("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    @Override
    public TensorNames hfNames(HfConfig j, ModelConfig c, Predicate<String> stored) {
        // transformers' LlamaAttention and LlamaMLP take their biases from these keys (false by default; Mistral, Mixtral
        // and DeciLM have none): bias tensors stored beside them are unexpected keys it leaves out
        java.util.Set<String> biased = new java.util.HashSet<>();
        if (j.bool(false, "attention_bias")) {
            biased.addAll(ATTENTION);
        }
        if (j.bool(false, "mlp_bias")) {
            biased.addAll(MLP);
        }
        return llamaNames(j, c, stored, biased).build();
    }

    /**
     * Hugging Face's Llama names (shared with Qwen2 and the MoE variant), with a bias for each projection of {@code biased}.
     * A bias tensor stored for another projection is not read, as transformers does not read it, and said once in the log:
     * it was read whenever present, so a checkpoint whose config.json says {@code attention_bias: false} gave other
     * logits than transformers does.
     */
    static TensorNames.Builder llamaNames(HfConfig j, ModelConfig c, Predicate<String> stored, java.util.Set<String> biased) {
        List<String> unused = new java.util.ArrayList<>();
        for (String p : concat(ATTENTION, MLP)) {
            if (!biased.contains(p) && stored.test("model.layers.0." + p + ".bias")) {
                unused.add(p + ".bias");
            }
        }
        if (!unused.isEmpty()) {
            LOG.warn("kindling: {}: the checkpoint holds {} in its layers, but model_type {} with this config.json "
                    + "(attention_bias, mlp_bias) has no such bias: not used, as transformers does not use them",
                    j.path(), unused, j.modelType());
        }
        TensorNames.Builder b = TensorNames.builder()
                .map("token_embd.weight", "model.embed_tokens.weight")
                .map("output_norm.weight", "model.norm.weight")
                .map("output.weight", "lm_head.weight");
        // the original Yi remote code named the norms ln1 / ln2
        boolean yi = stored.test("model.layers.0.ln1.weight");
        b.map("blk.{i}.attn_norm.weight", yi ? "model.layers.{i}.ln1.weight" : "model.layers.{i}.input_layernorm.weight");
        b.map("blk.{i}.ffn_norm.weight", yi ? "model.layers.{i}.ln2.weight" : "model.layers.{i}.post_attention_layernorm.weight");
        for (String[] p : new String[][] {{"attn_q", "self_attn.q_proj"}, {"attn_k", "self_attn.k_proj"},
                {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.o_proj"}, {"ffn_gate", "mlp.gate_proj"},
                {"ffn_up", "mlp.up_proj"}, {"ffn_down", "mlp.down_proj"}}) {
            b.map("blk.{i}." + p[0] + ".weight", "model.layers.{i}." + p[1] + ".weight");
            if (biased.contains(p[1])) {
                b.map("blk.{i}." + p[0] + ".bias", "model.layers.{i}." + p[1] + ".bias");
            }
        }
        if (c.experts() > 0) {
            if (stored.test("model.layers.0.mlp.experts.gate_up_proj")) {
                // Transformers 5 in memory: experts stacked, gate and up concatenated per expert
                int ff = c.hiddenDim();
                b.map("blk.{i}.ffn_gate_inp.weight", "model.layers.{i}.mlp.gate.weight");
                b.map("blk.{i}.ffn_gate.{e}.weight", "model.layers.{i}.mlp.experts.gate_up_proj", (l, e) -> Layouts.offset(2L * e * ff));
                b.map("blk.{i}.ffn_up.{e}.weight", "model.layers.{i}.mlp.experts.gate_up_proj", (l, e) -> Layouts.offset(2L * e * ff + ff));
                b.map("blk.{i}.ffn_down.{e}.weight", "model.layers.{i}.mlp.experts.down_proj", (l, e) -> Layouts.offset((long) e * c.dim()));
            } else {
                b.map("blk.{i}.ffn_gate_inp.weight", "model.layers.{i}.block_sparse_moe.gate.weight");
                b.map("blk.{i}.ffn_gate.{e}.weight", "model.layers.{i}.block_sparse_moe.experts.{e}.w1.weight");
                b.map("blk.{i}.ffn_up.{e}.weight", "model.layers.{i}.block_sparse_moe.experts.{e}.w3.weight");
                b.map("blk.{i}.ffn_down.{e}.weight", "model.layers.{i}.block_sparse_moe.experts.{e}.w2.weight");
            }
        }
        return b;
    }

    @Override
    public ModelConfig fromGguf(GgufFile gguf) {
        // llama.cpp reads attention.sliding_window for none of these archs; Kindling applies it to `llama` files, where it
        // is Mistral's window (README, "Models"), and not to `deci`, whose models have none
        return llamaGguf(gguf, Architecture.LLAMA.withName(gguf.architecture()), RopeStyle.ADJACENT, gguf.architecture().equals("llama"));
    }

    /**
     * A Llama-block GGUF ({@code llama}, {@code deci}, {@code qwen}, {@code qwen2}) with the given RoPE pairing.
     *
     * @param slidingWindow whether the file's {@code attention.sliding_window} limits attention (else it is ignored)
     */
    static ModelConfig llamaGguf(GgufFile gguf, Architecture arch, RopeStyle style, boolean slidingWindow) {
        GgufHparams h = new GgufHparams(gguf);
        GgufCheckpoint ck = new GgufCheckpoint(gguf, TensorNames.identity());
        try {
            int dim = h.integer("embedding_length");
            int layers = h.integer("block_count");
            if (!h.has("attention.head_count")) {
                throw h.fail("missing " + gguf.architecture() + ".attention.head_count");
            }
            int[] headsPerLayer = h.perLayer("attention.head_count", layers);
            int heads = max(headsPerLayer);
            for (int n : headsPerLayer) {
                if (n != heads) {
                    throw h.fail(gguf.architecture() + ".attention.head_count varies per layer (" + java.util.Arrays.toString(headsPerLayer)
                            + "); layers without attention or with other head counts are not supported");
                }
            }
            int[] kvPerLayer = h.perLayer("attention.head_count_kv", layers);
            int kvHeads = kvPerLayer == null ? heads : max(kvPerLayer);
            int[] ffPerLayer = h.perLayer("feed_forward_length", layers);
            if (ffPerLayer == null) {
                throw h.fail("missing " + gguf.architecture() + ".feed_forward_length");
            }
            int headDim = h.headSize(dim, heads);
            ModelConfig c = new ModelConfig(arch, dim, max(ffPerLayer), layers, heads, kvHeads, headDim, h.vocabSize(),
                    h.contextLength(), h.real("attention.layer_norm_rms_epsilon"),
                    Ropes.fromGguf(h, ck, style, headDim), slidingWindow ? h.integer("attention.sliding_window", 0) : 0,
                    gguf.findTensor("output.weight").isEmpty());
            boolean uniformKv = kvPerLayer == null || min(kvPerLayer) == kvHeads;
            boolean uniformFf = min(ffPerLayer) == max(ffPerLayer);
            if (!uniformKv || !uniformFf) {
                c = c.withPerLayer(uniformKv ? null : kvPerLayer, uniformFf ? null : ffPerLayer);
            }
            int experts = h.integer("expert_count", 0);
            if (experts > 0) {
                c = c.withExperts(experts, h.integer("expert_used_count", 2));
            }
            return c;
        } catch (IllegalArgumentException e) {
            throw h.fail("inconsistent hyper-parameters: " + e.getMessage());
        }
    }

    static int min(int[] a) {
        int m = Integer.MAX_VALUE;
        for (int v : a) {
            m = Math.min(m, v);
        }
        return m;
    }
}
