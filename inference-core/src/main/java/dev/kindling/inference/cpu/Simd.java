package dev.kindling.inference.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the CPU kernels use, fixed once per JVM.
 *
 * <p>{@link #F} is {@code FloatVector.SPECIES_PREFERRED} (512 bits with AVX-512, 256 with AVX2)
 * unless the system property {@code kindling.simd.bits} (256 or 512, or 0 = scalar only) asks for
 * another width; tests use that to check the AVX2 shape on an AVX-512 machine. The companion
 * byte/short/int species hold as many lanes as {@link #F}, so one byte load widens to one float
 * vector.
 *
 * <p>Every vector kernel in this package follows one arithmetic contract so that a result never
 * depends on batch size, tiling or thread split: a dot product keeps ONE accumulator vector per
 * output, adds {@code fma(w[k..k+L], x[k..k+L], acc)} for consecutive chunks in order, then sums
 * the lanes left to right in scalar code ({@link #sumLanes}), then the scalar tail. Dequantized
 * weights are always computed by the same formula. (The Vector API's {@code reduceLanes(ADD)} is
 * deliberately avoided: its order may differ between the interpreter and compiled code.)
 */
public final class Simd {
    private Simd() {}

    /** Float lanes per vector, or 0 when the kernels run scalar. */
    public static final int L;
    public static final VectorSpecies<Float> F;
    public static final VectorSpecies<Byte> B;
    public static final VectorSpecies<Short> S;
    public static final VectorSpecies<Integer> I;

    static {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits = Integer.getInteger("kindling.simd.bits", preferred);
        if (bits > preferred) {
            bits = preferred;
        }
        if (bits >= 512) {
            F = FloatVector.SPECIES_512;
        } else if (bits >= 256) {
            F = FloatVector.SPECIES_256;
        } else {
            F = null;
        }
        if (F != null) {
            L = F.length();
            B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
            S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
            I = VectorSpecies.of(int.class, VectorShape.forBitSize(L * 32));
        } else {
            L = 0;
            B = null;
            S = null;
            I = null;
        }
    }

    /** True when vector kernels are used (256 or 512 bits). */
    public static boolean enabled() {
        return L > 0;
    }

    /** A description for logs and benchmark output, e.g. {@code "512-bit"}. */
    public static String describe() {
        return enabled() ? (L * 32) + "-bit" : "scalar";
    }

    /** The lanes of {@code v} summed left to right (deterministic, unlike reduceLanes). */
    public static float sumLanes(FloatVector v, float[] tmp) {
        v.intoArray(tmp, 0);
        float s = 0f;
        for (int i = 0; i < L; i++) {
            s += tmp[i];
        }
        return s;
    }

    /** Loads {@link #L} bytes and widens them to floats. */
    public static FloatVector bytesToFloats(byte[] a, int off) {
        return (FloatVector) ByteVector.fromArray(B, a, off).castShape(F, 0);
    }

    /** Loads {@link #L} int16 values and widens them to int lanes. */
    static IntVector shortsToInts(short[] a, int off) {
        return (IntVector) ShortVector.fromArray(S, a, off).castShape(I, 0);
    }

    /**
     * Loads {@link #L} IEEE halves and converts them exactly (same values as
     * {@link ScalarKernels#halfToFloat}: the exponent is moved into place and re-biased by a
     * multiplication with 2^112, which is exact for normal and subnormal halves; inf/NaN patched).
     */
    public static FloatVector halvesToFloats(short[] a, int off) {
        IntVector h = shortsToInts(a, off);
        IntVector em = h.and(0x7FFF);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        bits = bits.blend(shifted.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** Loads {@link #L} bfloat16 values as floats (exact). */
    public static FloatVector bf16ToFloats(short[] a, int off) {
        return shortsToInts(a, off).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
