package dev.kindling.dedup.minhash;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Which MinHash kernel a {@link MinHasher} uses when none is named: the Vector API kernel only where the CPU multiplies
 * and compares 64-bit lanes in one instruction each, at a width of at least {@link #MIN_VECTOR_BITS}; the scalar
 * kernel everywhere else. {@code -Dkindling.minhash.kernel=auto|vector|vector256|scalar} overrides the choice.
 *
 * <p>Why: the kernel is a 64-bit multiply, add and signed min per shingle and permutation. AVX-512 has all three for
 * 64-bit lanes ({@code vpmullq}, {@code vpminsq}); AVX2 has neither, so C2 builds each lane multiply from three
 * 32-bit multiplies and the min from a compare and a blend, and the vector kernel loses to the scalar loop
 * ({@code imul} and {@code cmov}, which C2 unrolls). The table in README (Performance, Curation) has the numbers.
 *
 * <p>What the JDK exposes is used, no CPU name: the preferred long species' width ({@code LongVector.SPECIES_PREFERRED},
 * which {@code -XX:MaxVectorSize} caps) and the instruction set HotSpot compiles for, from its flags through
 * {@link HotSpotDiagnosticMXBean}: {@code UseAVX} 3 (AVX-512) on x86, {@code UseSVE} 1 or more on AArch64 (NEON has
 * no 64-bit lane multiply). A JVM whose flags cannot be read counts as having no such instructions (scalar: slower
 * at worst, never wrong). {@code UseAVX=3} is taken to include AVX512DQ's {@code vpmullq}, as on every AVX-512 server
 * CPU since Skylake-SP and Zen 4 (Xeon Phi, AVX-512F without DQ, would get the vector kernel with an emulated
 * multiply: set the property there). This class needs no Vector API; {@link MinHashKernel} is loaded only when it is there.
 */
public final class KernelChoice {
    private KernelChoice() {}

    /** The system property that overrides the choice. */
    public static final String PROPERTY = "kindling.minhash.kernel";

    /** The narrowest preferred vector at which the vector kernel is chosen by default (see README for the numbers). */
    public static final int MIN_VECTOR_BITS = 256;

    /** What the choice depends on: the Vector API's presence, its preferred width for longs, native 64-bit lane ops. */
    public record Cpu(boolean vectorApi, int preferredBits, boolean native64BitLanes, String isa) {
        @Override
        public String toString() {
            return vectorApi ? preferredBits + "-bit longs, " + isa + (native64BitLanes ? " (64-bit lane multiply and min)"
                    : " (no 64-bit lane multiply/min)") : "no Vector API (" + isa + ")";
        }
    }

    /** This JVM's facts (read once: neither the flags nor the species change while it runs). */
    public static Cpu cpu() {
        return Holder.CPU;
    }

    /** {@link #cpu()} as text for logs and benchmarks, e.g. {@code 512-bit longs, UseAVX=3 (64-bit lane multiply and min)}. */
    public static String describeCpu() {
        return cpu().toString();
    }

    /**
     * The kernel for these facts and override: {@code override} (the property's value, or null) names a kernel, or is
     * null, empty or {@code auto} for the rule above.
     *
     * @throws IllegalArgumentException for an override that names no kernel
     */
    public static MinHasher.Kernel choose(String override, Cpu cpu) {
        if (override != null && !override.isBlank() && !override.strip().equalsIgnoreCase("auto")) {
            try {
                return MinHasher.parseKernel(override, "-D" + PROPERTY);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + override
                        + ": expected auto, vector, vector256 or scalar (the MinHash kernel)", e);
            }
        }
        return cpu.vectorApi() && cpu.native64BitLanes() && cpu.preferredBits() >= MIN_VECTOR_BITS
                ? MinHasher.Kernel.VECTOR : MinHasher.Kernel.SCALAR;
    }

    private static final class Holder {
        static final Cpu CPU = detect();

        private static Cpu detect() {
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            String isa;
            boolean native64;
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                int avx = intFlag("UseAVX");
                isa = "UseAVX=" + avx;
                native64 = avx >= 3;
            } else if (arch.equals("aarch64")) {
                int sve = intFlag("UseSVE");
                isa = "UseSVE=" + sve;
                native64 = sve >= 1;
            } else {
                isa = arch;
                native64 = false;
            }
            int bits = MinHasher.VECTOR_API ? MinHashKernel.PREFERRED.vectorBitSize() : 0;
            return new Cpu(MinHasher.VECTOR_API, bits, native64, isa);
        }

        /** A HotSpot integer flag's value, or -1 where it cannot be read (another JVM, no jdk.management). */
        private static int intFlag(String name) {
            try {
                return Integer.parseInt(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                        .getVMOption(name).getValue());
            } catch (RuntimeException | LinkageError e) {
                return -1;
            }
        }
    }
}
