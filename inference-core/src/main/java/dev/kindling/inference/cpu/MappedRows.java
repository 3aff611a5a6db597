package dev.kindling.inference.cpu;

import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.L;
import static dev.kindling.inference.cpu.Simd.S;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Decode dot products that read a row straight from the mapped file, with no copy into an array first
 * ({@link #dotHalves} for F16/BF16, {@link #dotFloats} for F32): on JDK 17 and 18 only, whose Vector API
 * loads from a {@link ByteBuffer} ({@code fromByteBuffer}; later JDKs replaced it with
 * {@code fromMemorySegment}, which this code, built for Java 17, cannot name). Elsewhere {@link #AVAILABLE}
 * is false and these kernels are never called, so their calls to the missing methods are never linked.
 * The copy costs more than it seems: it runs while the arithmetic waits, and the arithmetic runs while
 * memory idles; read in place, the two overlap (docs/cpu-inference-log.md). Each kernel takes the
 * contract's five accumulators one after the other with one load site in its loop, as
 * {@link VectorKernels#dotHalves} explains.
 */
public final class MappedRows {
    private MappedRows() {}

    /** True when these kernels can run on this JVM. */
    public static final boolean AVAILABLE = Simd.enabled() && Runtime.version().feature() < 19;

    /**
     * {@link VectorKernels#dotHalves} of the {@code n} 16-bit values at byte {@code byteOff} of {@code b}
     * (little-endian): the same sums in the same order, so the same bits.
     */
    public static float dotHalves(ByteBuffer b, int byteOff, float[] x, int xOff, int n, float[] spill, int shift, int mask) {
        int seg = Simd.segmentLength(n);
        int vecEnd = n - n % L;
        boolean bf16 = VectorKernels.checkShift(shift); // a literal count in each loop: see VectorKernels.dotHalves
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, vecEnd);
            FloatVector acc = FloatVector.zero(F);
            if (bf16) {
                for (int k = from; k < to; k += L) {
                    FloatVector w = ShortVector.fromByteBuffer(S, b, byteOff + 2 * k, ByteOrder.LITTLE_ENDIAN).castShape(I, 0)
                            .reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).and(mask).reinterpretAsFloats();
                    acc = w.fma(FloatVector.fromArray(F, x, xOff + k), acc);
                }
            } else {
                for (int k = from; k < to; k += L) {
                    FloatVector w = ShortVector.fromByteBuffer(S, b, byteOff + 2 * k, ByteOrder.LITTLE_ENDIAN).castShape(I, 0)
                            .reinterpretAsInts().lanewise(VectorOperators.LSHL, 13).and(mask).reinterpretAsFloats();
                    acc = w.fma(FloatVector.fromArray(F, x, xOff + k), acc);
                }
            }
            acc.intoArray(spill, part * L);
        }
        float s = Simd.finish(spill, 0);
        for (int k = vecEnd; k < n; k++) {
            s = Math.fma(Float.intBitsToFloat((b.getShort(byteOff + 2 * k) << shift) & mask), x[xOff + k], s);
        }
        return s;
    }

    /**
     * {@link VectorKernels#dot} of the {@code n} floats at byte {@code byteOff} of {@code b} (little-endian)
     * and {@code x[xOff ..]}: the same sums in the same order, so the same bits.
     */
    public static float dotFloats(ByteBuffer b, int byteOff, float[] x, int xOff, int n, float[] spill) {
        int seg = Simd.segmentLength(n);
        int vecEnd = n - n % L;
        for (int part = 0; part < 5; part++) {
            int from = Simd.partStart(part, seg);
            int to = Simd.partEnd(part, seg, vecEnd);
            FloatVector acc = FloatVector.zero(F);
            for (int k = from; k < to; k += L) {
                acc = FloatVector.fromByteBuffer(F, b, byteOff + 4 * k, ByteOrder.LITTLE_ENDIAN)
                        .fma(FloatVector.fromArray(F, x, xOff + k), acc);
            }
            acc.intoArray(spill, part * L);
        }
        float s = Simd.finish(spill, 0);
        for (int k = vecEnd; k < n; k++) {
            s = Math.fma(b.getFloat(byteOff + 4 * k), x[xOff + k], s);
        }
        return s;
    }
}
