package dev.kindling.inference.cuda.pack;

import dev.kindling.inference.cpu.ScalarKernels;

/** Float rounding to the GPU's 16-bit kinds, bit-identical to CUDA's {@code __float2half_rn} / {@code __float2bfloat16_rn}. */
public final class HalfFloats {
    private HalfFloats() {}

    /** Round to nearest even bfloat16 (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) 0x7FFF;
        }
        return (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }

    /** The value of {@code f} after a round trip through {@code kind}'s storage (F32: unchanged). */
    public static float round(float f, Kind kind) {
        return switch (kind) {
            case F16 -> ScalarKernels.halfToFloat(ScalarKernels.floatToHalf(f));
            case BF16 -> ScalarKernels.bf16ToFloat(floatToBf16(f));
            default -> f;
        };
    }
}
