package dev.kindling.formats.gguf;

/**
 * A metadata value as stored in a GGUF file. Scalars are boxed ({@link Long} for every integer type,
 * unsigned 64-bit values keep their bit pattern; {@link Float} or {@link Double}; {@link Boolean};
 * {@link String}). Arrays are primitive Java arrays: {@code int[]} for 8/16/32-bit integers (unsigned
 * 32-bit values keep their bit pattern), {@code long[]}, {@code float[]}, {@code double[]},
 * {@code boolean[]}, {@code String[]}, or {@code GgufValue[]} for nested arrays.
 *
 * @param type        the value's type
 * @param elementType for arrays, the type of the elements; otherwise null
 * @param value       the value
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {
    public boolean isArray() {
        return type == GgufValueType.ARRAY;
    }

    /** Number of elements of an array value. */
    public int length() {
        return java.lang.reflect.Array.getLength(value);
    }

    @Override
    public String toString() {
        if (!isArray()) {
            return String.valueOf(value);
        }
        return "array<" + elementType + ">[" + length() + "]";
    }
}
