package dev.kindling.inference.model;

/**
 * What a transformer block is made of, as switches over shared building blocks. The forward pass
 * ({@code dev.kindling.inference.cpu.CpuBackend}) reads these instead of having one copy per model
 * family; each family ({@code dev.kindling.inference.arch}) is a small description that picks them.
 *
 * <pre>
 *   SEQUENTIAL (Llama):    h = x + attn(norm1(x));          x = h + ffn(norm2(h))
 *   PARALLEL (NeoX, Phi-2, Falcon):
 *                          x = x + attn(norm1(x)) + ffn(norm2(x))   (norm2 absent: ffn(norm1(x)))
 *   POST_NORM (OPT-350m):  h = norm1(x + attn(x));          x = norm2(h + ffn(h))
 * </pre>
 *
 * @param name           GGUF {@code general.architecture} or Hugging Face {@code model_type} of the family
 * @param norm           RMSNorm or LayerNorm (weights, optional biases) for every norm of the model
 * @param positions      how positions enter: rotary embedding of Q/K, ALiBi biases on the scores, or
 *                       learned position embeddings added to the token embeddings
 * @param ffn            gated ({@code down(act(gate(x)) * up(x))}) or plain ({@code down(act(up(x)))});
 *                       a mixture-of-experts layer is a router over gated experts ({@link ModelConfig#experts()})
 * @param activation     the FFN's nonlinearity
 * @param residual       how attention and FFN are wired to the residual stream (above)
 * @param positionOffset learned positions: position {@code p} reads row {@code p + positionOffset}
 *                       (OPT keeps 2 rows for its padding scheme); 0 otherwise
 */
public record Architecture(String name, Norm norm, Positions positions, Ffn ffn, Activation activation,
        Residual residual, int positionOffset) {

    public enum Norm { RMS, LAYER }

    public enum Positions { ROPE, ALIBI, LEARNED }

    public enum Ffn { GATED, PLAIN }

    public enum Activation {
        /** {@code x * sigmoid(x)} (SwiGLU's gate). */
        SILU,
        /** {@code x * Phi(x)} with the exact error function (PyTorch {@code nn.GELU()}, HF "gelu"). */
        GELU,
        /** The tanh approximation (HF "gelu_new", "gelu_pytorch_tanh"; BLOOM's {@code bloom_gelu}). */
        GELU_TANH,
        RELU
    }

    public enum Residual { SEQUENTIAL, PARALLEL, POST_NORM }

    /** Llama 1/2/3 and derivatives (Mistral, Mixtral, Yi, SOLAR, DeciLM ... in GGUF use it too). */
    public static final Architecture LLAMA = new Architecture("llama", Norm.RMS, Positions.ROPE, Ffn.GATED,
            Activation.SILU, Residual.SEQUENTIAL, 0);

    public Architecture withName(String n) {
        return new Architecture(n, norm, positions, ffn, activation, residual, positionOffset);
    }

    public Architecture withActivation(Activation a) {
        return new Architecture(name, norm, positions, ffn, a, residual, positionOffset);
    }

    public Architecture withResidual(Residual r) {
        return new Architecture(name, norm, positions, ffn, activation, r, positionOffset);
    }

    /** True when the block is exactly Llama's (RMSNorm, RoPE, SwiGLU, sequential residual). */
    public boolean isLlamaBlock() {
        return norm == Norm.RMS && positions == Positions.ROPE && ffn == Ffn.GATED && activation == Activation.SILU
                && residual == Residual.SEQUENTIAL;
    }
}
