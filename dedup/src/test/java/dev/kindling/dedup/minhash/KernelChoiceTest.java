package dev.kindling.dedup.minhash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kindling.dedup.minhash.KernelChoice.Cpu;
import dev.kindling.dedup.minhash.MinHasher.Kernel;
import dev.kindling.dedup.normalize.NormalizeOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The default MinHash kernel follows the CPU: the Vector API kernel where 64-bit lanes multiply and compare natively
 * (AVX-512, SVE) at 256 bits or more, the scalar twin elsewhere: on AVX2 and at 128 bits the scalar loop is about
 * twice as fast (README, Performance). The choice used to be {@code VECTOR} everywhere.
 */
class KernelChoiceTest {

    private static final String TEXT = "It was the best of times, it was the worst of times, it was the age of wisdom, "
            + "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity.";

    @Test
    void ruleFollowsTheLaneOpsAndTheWidth() {
        assertEquals(Kernel.VECTOR, KernelChoice.choose(null, new Cpu(true, 512, true, "UseAVX=3")), "AVX-512");
        assertEquals(Kernel.VECTOR, KernelChoice.choose(null, new Cpu(true, 256, true, "UseAVX=3")), "AVX-512 at 256 bits");
        assertEquals(Kernel.VECTOR, KernelChoice.choose("", new Cpu(true, 512, true, "UseSVE=1")), "SVE 512");
        assertEquals(Kernel.SCALAR, KernelChoice.choose(null, new Cpu(true, 256, false, "UseAVX=2")), "AVX2");
        assertEquals(Kernel.SCALAR, KernelChoice.choose(null, new Cpu(true, 128, false, "UseAVX=2")), "AVX2 at 128 bits");
        assertEquals(Kernel.SCALAR, KernelChoice.choose(null, new Cpu(true, 128, true, "UseAVX=3")), "AVX-512 at 128 bits");
        assertEquals(Kernel.SCALAR, KernelChoice.choose(null, new Cpu(true, 128, false, "UseSVE=0")), "NEON");
        assertEquals(Kernel.SCALAR, KernelChoice.choose(null, new Cpu(false, 0, true, "UseAVX=3")), "no Vector API");
    }

    @Test
    void propertyOverridesTheRule() {
        Cpu avx512 = new Cpu(true, 512, true, "UseAVX=3");
        Cpu avx2 = new Cpu(true, 256, false, "UseAVX=2");
        assertEquals(Kernel.SCALAR, KernelChoice.choose("scalar", avx512));
        assertEquals(Kernel.VECTOR, KernelChoice.choose("VECTOR", avx2));
        assertEquals(Kernel.VECTOR_256, KernelChoice.choose("vector256", avx2));
        assertEquals(Kernel.VECTOR_256, KernelChoice.choose(" vector_256 ", avx512));
        assertEquals(Kernel.SCALAR, KernelChoice.choose("auto", avx2));
        assertEquals(Kernel.VECTOR, KernelChoice.choose("Auto", avx512));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelChoice.choose("fast", avx2));
        assertTrue(e.getMessage().contains("-Dkindling.minhash.kernel=fast") && e.getMessage().contains("expected auto, vector"),
                e.getMessage());
    }

    /** This JVM's facts are those of the species the vector kernel uses, and the default is the rule's answer. */
    @Test
    void thisJvmUsesTheRule() {
        assumeTrue(System.getProperty(KernelChoice.PROPERTY) == null, "-Dkindling.minhash.kernel is set");
        Cpu cpu = KernelChoice.cpu();
        assertEquals(MinHasher.VECTOR_API, cpu.vectorApi());
        if (cpu.vectorApi()) {
            assertEquals(MinHashKernel.PREFERRED.vectorBitSize(), cpu.preferredBits(), cpu.toString());
        }
        assertEquals(KernelChoice.choose(null, cpu), MinHasher.defaultKernel(), cpu.toString());
        assertEquals(MinHasher.defaultKernel(), new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).kernel());
        System.out.println("MinHash kernel: " + MinHasher.defaultKernel() + " (" + cpu + ")");
    }

    /** Child JVM: prints the default kernel, whether VECTOR_256 is refused, and the default MinHasher's signature. */
    public static void main(String[] args) {
        MinHasher hasher = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR);
        String v256;
        try {
            new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, Kernel.VECTOR_256);
            v256 = "allowed";
        } catch (IllegalStateException e) {
            v256 = "refused";
        }
        System.out.println(hasher.kernel() + " " + v256 + " " + KernelChoice.cpu().preferredBits() + " "
                + Arrays.toString(hasher.signature(TEXT)).replace(" ", ""));
    }

    /**
     * The AVX2 shape ({@code -XX:UseAVX=2}) and 128-bit vectors ({@code -XX:MaxVectorSize=16}) get the scalar kernel
     * on any x86 machine, the property still picks the vector kernel there, and every choice signs alike; at 128 bits
     * the 256-bit kernel (whose vectors would run as objects) is refused.
     */
    @Test
    void narrowOrEmulatedLanesGetTheScalarKernel() throws Exception {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "-XX:UseAVX is an x86 flag; this is " + arch);
        String sig = Arrays.toString(new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, Kernel.SCALAR)
                .signature(TEXT)).replace(" ", "");
        expectChild("SCALAR allowed 256", sig, "-XX:UseAVX=2");
        expectChild("SCALAR refused 128", sig, "-XX:MaxVectorSize=16");
        expectChild("VECTOR allowed 256", sig, "-XX:UseAVX=2", "-Dkindling.minhash.kernel=vector");
        expectChild("VECTOR refused 128", sig, "-XX:MaxVectorSize=16", "-Dkindling.minhash.kernel=vector");
    }

    /** The child's "kernel VECTOR_256 width" and, separately, its signature (a long line). */
    private void expectChild(String kernelAnd256AndBits, String signature, String... jvmArgs) throws Exception {
        String out = child(jvmArgs);
        int cut = out.lastIndexOf(' ');
        assertEquals(kernelAnd256AndBits, out.substring(0, Math.max(cut, 0)), "child JVM " + Arrays.toString(jvmArgs)
                + ": default kernel, VECTOR_256 allowed or refused, preferred bits");
        assertEquals(signature, out.substring(cut + 1), "child JVM " + Arrays.toString(jvmArgs) + ": signature");
    }

    private String child(String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx256m"));
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), getClass().getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM " + Arrays.toString(jvmArgs) + " did not finish");
        assertEquals(0, p.exitValue(), Arrays.toString(jvmArgs) + ": " + out);
        // the JVM warns that jdk.incubator.vector is an incubator module; the answer is the last line
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
