package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernels at other vector widths than this machine's preferred one: 256-bit (the AVX2 shape)
 * and scalar, each in a child JVM ({@code -Dkindling.simd.bits}) running {@link SimdSelfCheck}.
 */
class SimdWidthTest {
    @ParameterizedTest
    @ValueSource(ints = {256, 0})
    void kernelsWorkAtWidth(int bits) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dkindling.simd.bits=" + bits,
                "-cp", System.getProperty("java.class.path"), SimdSelfCheck.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("ok " + (bits == 0 ? "scalar" : bits + "-bit")), out);
    }
}
