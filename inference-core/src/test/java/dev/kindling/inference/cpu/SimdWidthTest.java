package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernels at other vector widths than this machine's preferred one: 256-bit (the AVX2 shape)
 * and scalar, each in a child JVM ({@code -Dkindling.simd.bits}) running {@link SimdSelfCheck};
 * 256-bit both with and without the int16 Q4_0 kernels ({@code -Dkindling.simd.int16.decode/tiles}).
 */
class SimdWidthTest {
    @ParameterizedTest
    @CsvSource({"256,false", "256,true", "0,false"})
    void kernelsWorkAtWidth(int bits, boolean int16) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dkindling.simd.bits=" + bits,
                "-Dkindling.simd.int16.decode=" + int16,
                "-Dkindling.simd.int16.tiles=" + int16, "-cp", System.getProperty("java.class.path"), SimdSelfCheck.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("ok " + (bits == 0 ? "scalar" : bits + "-bit" + (int16 ? " int16-decode int16-tiles" : ""))), out);
    }
}
