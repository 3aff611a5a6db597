package dev.kindling.inference.model;

/**
 * Which elements of a head RoPE rotates together.
 *
 * <ul>
 *   <li>{@link #ADJACENT}: pairs {@code (2i, 2i+1)} — GGUF {@code llama} (the converter permuted
 *       Q/K into this order), llama.cpp's rope type "norm", llama2.c checkpoints.</li>
 *   <li>{@link #NEOX}: pairs {@code (i, i + dims/2)} — Hugging Face {@code rotate_half}, GPT-NeoX,
 *       and GGUF architectures llama.cpp marks NEOX (qwen2, phi2, gptneox, ...).</li>
 * </ul>
 */
public enum RopeStyle {
    ADJACENT,
    NEOX
}
