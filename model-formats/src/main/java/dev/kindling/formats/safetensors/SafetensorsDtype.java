package dev.kindling.formats.safetensors;

import java.util.Locale;

/**
 * The element types a safetensors header may name ({@code "dtype"}), with their sizes, so every
 * tensor's byte range can be checked. Kindling computes with {@link #F32}, {@link #F16} and
 * {@link #BF16} ({@link #isFloatWeight()}); the others are read only far enough to reject a tensor
 * that a model would use.
 */
public enum SafetensorsDtype {
    F64(8), F32(4), F16(2), BF16(2),
    I64(8), I32(4), I16(2), I8(1),
    U64(8), U32(4), U16(2), U8(1),
    BOOL(1),
    F8_E4M3(1), F8_E5M2(1);

    /** Bytes per element. */
    public final int size;

    SafetensorsDtype(int size) {
        this.size = size;
    }

    /** A type Kindling computes with (F32, F16, BF16). */
    public boolean isFloatWeight() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The dtype named in a header, or null when the name is unknown. */
    public static SafetensorsDtype parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
