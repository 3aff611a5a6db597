package dev.kindling.inference.cuda.pack;

import dev.kindling.formats.gguf.GgmlType;

/**
 * Element kinds of weights and activations on the GPU. The ordinals are the {@code KIND_*}
 * constants of {@code src/main/cuda/common.cuh}; the packed layout of each is described there and
 * in {@link WeightPacker}.
 */
public enum Kind {
    F32(4, 0, 0),
    F16(2, 0, 0),
    BF16(2, 0, 0),
    /** int8 values + one half scale per 32. */
    Q8_0(1, 32, 0),
    /** nibbles + one half scale per 32. */
    Q4_0(0.5, 32, 0),
    /** nibbles + (scale, min) bytes per 32 + (d, dmin) halves per 256. */
    Q4_K(0.5, 32, 256);

    /** Bytes of the data array per value. */
    public final double dataBytesPerValue;
    /** Values per entry of the scales array (0 = none). */
    public final int scaleGroup;
    /** Values per entry of the dm array (0 = none). */
    public final int dmGroup;

    Kind(double dataBytesPerValue, int scaleGroup, int dmGroup) {
        this.dataBytesPerValue = dataBytesPerValue;
        this.scaleGroup = scaleGroup;
        this.dmGroup = dmGroup;
    }

    public boolean quantized() {
        return this == Q8_0 || this == Q4_0 || this == Q4_K;
    }

    /** A 16-bit float kind (the tensor-core activation kinds). */
    public boolean half() {
        return this == F16 || this == BF16;
    }

    /** Bytes of the data array of an {@code n x k} matrix. */
    public long dataBytes(long n, long k) {
        return (long) (n * k * dataBytesPerValue);
    }

    /** Bytes of the scales array (Q8_0/Q4_0: half per 32; Q4_K: 2 bytes per 32). */
    public long scaleBytes(long n, long k) {
        return scaleGroup == 0 ? 0 : n * (k / scaleGroup) * 2;
    }

    /** Bytes of the dm array (Q4_K: 2 halves per 256). */
    public long dmBytes(long n, long k) {
        return dmGroup == 0 ? 0 : n * (k / dmGroup) * 4;
    }

    /** The kind a GGML tensor keeps when uploaded as is, or null when it must be converted. */
    public static Kind of(GgmlType t) {
        return switch (t) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0 -> Q8_0;
            case Q4_0 -> Q4_0;
            case Q4_K -> Q4_K;
            default -> null;
        };
    }
}
