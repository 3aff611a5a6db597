package dev.kindling.inference.model;

/**
 * What a transformer block is made of, as switches over shared building blocks. The forward pass
 * ({@code dev.kindling.inference.cpu.CpuBackend}) reads these instead of having one copy per
 * model family; a new family is a new constant (and, where it brings new tensors, optional fields
 * in {@link LayerWeights}).
 *
 * @param name             GGUF {@code general.architecture} (or a Hugging Face model type)
 * @param norm             normalisation before attention and FFN
 * @param ffn              feed-forward kind
 * @param parallelResidual attention and FFN both read the block input and add to it (NeoX, Phi-2,
 *                         Falcon); false = sequential (Llama)
 */
public record Architecture(String name, Norm norm, Ffn ffn, boolean parallelResidual) {
    public enum Norm { RMS, LAYER }

    public enum Ffn {
        /** {@code down(silu(gate(x)) * up(x))} (Llama, Mistral, Qwen2). */
        SWIGLU
    }

    /** Llama 1/2/3 and derivatives (Mistral and Yi in GGUF use it too). */
    public static final Architecture LLAMA = new Architecture("llama", Norm.RMS, Ffn.SWIGLU, false);
}
