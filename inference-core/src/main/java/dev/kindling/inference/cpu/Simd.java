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
 * <p>Every dot product follows one arithmetic contract, so that a result never depends on batch
 * size, tiling or thread split (the engine promises the same tokens whatever the batch):
 * <ol>
 *   <li>the vector part {@code [0, n - n % L)} is cut into four equal segments of
 *       {@link #segmentLength} elements, plus a rest (fewer than 8 chunks of L) after them;</li>
 *   <li>segment {@code s} is accumulated by its own vector {@code acc[s]} with
 *       {@code acc = fma(w[k..k+L], x[k..k+L], acc)}, chunk after chunk, and the rest by a fifth,
 *       {@code acc[4]}; four independent chains keep the FMA units busy;</li>
 *   <li>{@link #finish} combines the lanes as {@code ((acc0 + acc1) + (acc2 + acc3)) + acc4}, sums them
 *       left to right, then adds the scalar tail with {@code fma}.</li>
 * </ol>
 * Decode kernels over a row in L1 run the four segments side by side; those that stream a row from
 * memory take the five parts one after the other ({@link #partStart}, {@link #partEnd}: one stream, one
 * load site in the loop); the prefill/batch kernel runs a 4x4 tile of rows and tokens over one segment
 * at a time (K-blocking) — the same sums in the same order. Dequantized weights are always computed by one formula per type. The Vector API's
 * {@code reduceLanes(ADD)} is avoided: its order may differ between interpreter and compiled code.
 */
public final class Simd {
    private Simd() {}

    /** Float lanes per vector, or 0 when the kernels run scalar. */
    public static final int L;
    public static final VectorSpecies<Float> F;
    public static final VectorSpecies<Byte> B;
    public static final VectorSpecies<Short> S;
    public static final VectorSpecies<Integer> I;
    /** Twice {@link #L} bytes (half a vector), widened to {@link #S2}. */
    public static final VectorSpecies<Byte> B2;
    /** Twice {@link #L} int16 lanes: a full vector of shorts. */
    public static final VectorSpecies<Short> S2;

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
            B2 = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 16));
            S2 = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 32));
        } else {
            L = 0;
            B = null;
            S = null;
            I = null;
            B2 = null;
            S2 = null;
        }
    }

    /**
     * Whether the Q4_0 and Q4_K decode kernels sum in 16-bit integer lanes ({@link
     * dev.kindling.inference.tensor.Q4_0Tensor}) rather than in float lanes: both give the same bits
     * (the block sums are exact either way), the int16 one does half the vector work. Its speed depends
     * on the JIT ({@link #int16DecodeByDefault}); {@code -Dkindling.simd.int16.decode=true|false} forces it.
     */
    public static final boolean INT16_DECODE;

    /**
     * Whether Q4_0 products of many tokens (prefill, batched decode) run over an int16 tile ({@link
     * dev.kindling.inference.tensor.Q8BlockTensor}) rather than a float one: same bits, 1.3-1.5x the
     * speed on JDK 17 and 25 alike (measured as above). On by default;
     * {@code -Dkindling.simd.int16.tiles=false} turns it off.
     */
    public static final boolean INT16_TILES;

    static {
        String decode = System.getProperty("kindling.simd.int16.decode");
        INT16_DECODE = L > 0 && (decode != null ? Boolean.parseBoolean(decode)
                : int16DecodeByDefault(Runtime.version().feature(), JitAdvice.trapLimit()));
        INT16_TILES = L > 0 && Boolean.parseBoolean(System.getProperty("kindling.simd.int16.tiles", "true"));
    }

    /**
     * The int16 decode kernel by default on JDK 25+, and on older JDKs when C2's {@code PerMethodTrapLimit} is at
     * least {@link JitAdvice#TRAP_LIMIT} (the build's JVM flags; see {@link JitAdvice}). On 2026-11-30, without
     * that option, JDK 17 ran this kernel at 8-15 GB/s of weights from L2 against 17 for the float kernel, and
     * JDK 25 at 30-37 against 19-21. With it (2026-12-01, Zen 5 host, JDK 17): 33.5 against 22.8 GB/s from cache
     * ({@code KernelBench --type Q4_0 --threads 1 --mb 8}), and engine decode faster in 7 of 8 alternated pairs
     * (Q4_0 46.8-62.5 against 40.9-55.3 tok/s; Q4_K 38.1-40.3 against 34.0-39.0), and in the 256-bit shape 40.8-45.0
     * against 30.4-31.1 (docs/cpu-inference-log.md).
     */
    static boolean int16DecodeByDefault(int jdk, int trapLimit) {
        return jdk >= 25 || trapLimit >= JitAdvice.TRAP_LIMIT;
    }

    /**
     * Whether the many-token tiles of four rows (or four groups of rows) by four tokens run as two passes of half
     * the rows: their 16 accumulators, 4 weight vectors and an input take 21 vector registers, which AVX-512 has
     * (32) and AVX2 (16) has not, so that C2 keeps accumulators on the stack. Same sums in the same order either
     * way. On by default with 256-bit vectors; {@code -Dkindling.simd.halfTiles=true|false} chooses. On an
     * AVX2-only EPYC (Zen 1, 2026-12-03) the Q8_0 float tile ran 1.3x faster (docs/cpu-inference-log.md).
     */
    public static final boolean HALF_TILES = L > 0
            && Boolean.parseBoolean(System.getProperty("kindling.simd.halfTiles", String.valueOf(L < 16)));

    /**
     * Whether Q8_0 weights are stored four rows to an int lane, offset to unsigned bytes ({@link
     * dev.kindling.inference.tensor.Q8_0LanesTensor}), so that the one-token product turns bytes into float lanes
     * with masks instead of a sign-extending load and a conversion per group. Same bits either way. On by default
     * with 256-bit vectors, where the conversion bound the decode kernel: on an AVX2-only EPYC (Zen 1, 2026-12-03)
     * one thread's Q8_0 decode product ran about 1.4x faster (docs/cpu-inference-log.md). Q6_K's and Q5_K's integers,
     * kept as bytes in the same panels, take the same layout ({@link dev.kindling.inference.tensor.Q6KLanesTensor},
     * {@link dev.kindling.inference.tensor.Q5KLanesTensor}: 1.4-1.5x and 1.3-1.5x there). AVX-512 keeps the
     * sign-extending layouts: on a Zen 5 host (2026-12-04) the lanes layouts decoded no faster within the noise, from L2
     * or from memory; {@code -Dkindling.simd.q8_0.lanes=true|false} chooses for all three.
     */
    public static final boolean Q8_0_LANES = L > 0
            && Boolean.parseBoolean(System.getProperty("kindling.simd.q8_0.lanes", String.valueOf(L < 16)));

    /** True when vector kernels are used (256 or 512 bits). */
    public static boolean enabled() {
        return L > 0;
    }

    /** A description for logs and benchmark output, e.g. {@code "512-bit"}. */
    public static String describe() {
        return enabled() ? (L * 32) + "-bit" + (INT16_DECODE ? " int16-decode" : "") + (INT16_TILES ? " int16-tiles" : "")
                + (Q8_0_LANES ? " q8_0-lanes" : "")
                : "scalar";
    }

    /** Elements per segment of the contract above (a multiple of {@code 2L}; 0 for short rows). */
    public static int segmentLength(int n) {
        return L == 0 ? 0 : (n / L / 8) * 2 * L;
    }

    /** First element of part {@code part} (0-3: the segments, 4: the rest) of the contract above, for segments of {@code seg}. */
    public static int partStart(int part, int seg) {
        return Math.min(part, 4) * seg;
    }

    /** End of part {@code part} (see {@link #partStart}); {@code vecEnd} is {@code n - n % L}. */
    public static int partEnd(int part, int seg, int vecEnd) {
        return part < 4 ? (part + 1) * seg : vecEnd;
    }

    /**
     * Step 3 of the contract: {@code spill} holds the five accumulators of one output at
     * {@code spill[off + s*L ..]}; returns their combined lane sum. (Kernels spill their vectors
     * themselves: on JDK 17, passing vectors to a method that is not inlined boxes them.)
     */
    public static float finish(float[] spill, int off) {
        float s = 0f;
        for (int j = 0; j < L; j++) {
            s += ((spill[off + j] + spill[off + L + j]) + (spill[off + 2 * L + j] + spill[off + 3 * L + j]))
                    + spill[off + 4 * L + j];
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
     * Converts the IEEE halves {@code a[off, off + n)} ({@code n} a multiple of {@link #L}) to
     * {@code dst[dOff ..]} exactly (same bits as {@link ScalarKernels#halfToFloat}: the exponent is moved
     * into place and re-biased by a multiplication with 2^112, which is exact for normal and subnormal
     * halves; inf and NaN get the all-ones exponent and keep their payload). Arrays in and out, the loop
     * inside: a vector returned from a method that C2 does not inline is boxed, and its caller's vector
     * operations then compile as calls into the Vector API's slow fallback (docs/cpu-inference-log.md).
     */
    public static void halvesToFloats(short[] a, int off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i += L) {
            IntVector h = shortsToInts(a, off + i); // sign-extended: bit 31 is the half's sign
            IntVector em = h.and(0x7FFF);
            IntVector bits = em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            // inf/NaN (em >= 0x7C00): the exponent field all ones, the payload kept; computed with shifts, not a
            // compare and blend (with those, the conversion alone ran 1.1-1.3x slower on JDK 17)
            IntVector infNan = em.add(0x400).lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 8).and(0x7F800000);
            bits.or(infNan).or(h.and(0x80000000)).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
    }

    /**
     * The IEEE halves {@code a[off, off + n)} ({@code n} a multiple of {@link #L}) times 2^-112 to
     * {@code dst[dOff ..]}: the half's exponent and mantissa moved into the low bits of a float's, not
     * re-biased, which is exact for every finite half (normal halves become normal floats, subnormal ones
     * subnormal floats) and takes three operations where {@link #halvesToFloats} takes eleven. A product
     * with an input scaled by 2^112 is then the same product: {@code fma(w * 2^-112, x * 2^112, a)} equals
     * {@code fma(w, x, a)} bit for bit, since the fma rounds the exact product once (see
     * {@link dev.kindling.inference.tensor.F16Tensor#INPUT_SCALE}). Returns false when some value is inf or
     * NaN (exponent field all ones, which this form would turn into a finite float; the caller then
     * converts with {@link #halvesToFloats}).
     */
    public static boolean halvesToScaledFloats(short[] a, int off, float[] dst, int dOff, int n) {
        IntVector overflow = IntVector.zero(I);
        for (int i = 0; i < n; i += L) {
            // sign-extended, shifted: bits 13-28 hold the half, 29-31 copies of its sign; keep sign and 13-27
            IntVector bits = shortsToInts(a, off + i).lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000);
            // an all-ones exponent (bits 23-27) carries into bit 28, which the mask left clear
            overflow = overflow.or(bits.add(0x00800000));
            bits.reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        return (overflow.reduceLanes(VectorOperators.OR) & 0x10000000) == 0;
    }

    /** Converts the bfloat16 values {@code a[off, off + n)} to {@code dst[dOff ..]} (exact; as {@link #halvesToFloats}). */
    public static void bf16ToFloats(short[] a, int off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i += L) {
            shortsToInts(a, off + i).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
    }
}
