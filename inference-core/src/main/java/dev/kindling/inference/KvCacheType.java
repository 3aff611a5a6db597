package dev.kindling.inference;

import java.util.Locale;

/**
 * How the CPU backend stores the KV cache: {@link #F32} (the default; the exact activations, as llama2.c keeps
 * them) or {@link #F16} (IEEE halves, rounded to nearest even as ggml rounds them: llama.cpp's default cache type,
 * half the memory, so the same KV budget holds twice the positions and twice the sequences decode together).
 * Attention reads an F16 cache converted back to floats exactly, so the F16 cache changes only the rounding of K
 * and V. The CUDA backend keeps its own cache type.
 */
public enum KvCacheType {
    F32(4),
    F16(2);

    private final int bytesPerValue;

    KvCacheType(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /** Bytes per cached K or V value. */
    public int bytesPerValue() {
        return bytesPerValue;
    }

    /** {@code f32} or {@code f16}, any case (llama.cpp's {@code --cache-type-k} names). */
    public static KvCacheType parse(String name) {
        if (name != null) {
            for (KvCacheType t : values()) {
                if (t.name().equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("KV cache type must be f32 or f16, got " + name);
    }

    /** The lower-case name ({@code f32}, {@code f16}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
