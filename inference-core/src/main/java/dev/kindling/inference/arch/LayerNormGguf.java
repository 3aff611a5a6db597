package dev.kindling.inference.arch;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;

/** The hyper-parameters LayerNorm families share in GGUF ({@code <arch>.attention.layer_norm_epsilon} ...). */
final class LayerNormGguf {
    private LayerNormGguf() {}

    /** @param style RoPE pairing, or null for an architecture without RoPE */
    static ModelConfig config(GgufFile gguf, Architecture arch, RopeStyle style) {
        GgufHparams h = new GgufHparams(gguf);
        try {
            int dim = h.integer("embedding_length");
            int heads = h.integer("attention.head_count");
            int headDim = h.headSize(dim, heads);
            return new ModelConfig(arch, dim, h.integer("feed_forward_length"), h.integer("block_count"), heads,
                    h.integer("attention.head_count_kv", heads), headDim, h.vocabSize(), h.contextLength(),
                    h.real("attention.layer_norm_epsilon"), style == null ? null : h.rope(style, headDim, null), 0,
                    gguf.findTensor("output.weight").isEmpty());
        } catch (IllegalArgumentException e) {
            throw h.fail("inconsistent hyper-parameters: " + e.getMessage());
        }
    }
}
