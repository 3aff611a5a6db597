package dev.kindling.dedup.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.minhash.MinHasher.Kernel;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MinHashKernelBench's options (no timing): two vector shapes taking turns in one JVM both ran 15-20x slower on
 * AVX-512, so the kernels run in child JVMs of their own, started with this JVM's flags and class path.
 */
class MinHashKernelBenchTest {

    private static MinHashKernelBench.Options parse(String... args) {
        return MinHashKernelBench.parse(args, 512);
    }

    @Test
    void eachKernelRunsInAJvmOfItsOwnWithThisJvmsFlags() {
        MinHashKernelBench.Options o = parse("--kernels", "vector,vector256", "--rounds", "3", "--round-ms", "50");
        assertEquals(List.of(Kernel.VECTOR, Kernel.VECTOR_256), o.kernels());
        assertTrue(o.children(), "two kernels run in child JVMs");
        List<String> cmd = MinHashKernelBench.childCommand(o, Kernel.VECTOR_256);
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        assertEquals(flags, cmd.subList(1, 1 + flags.size()), "the child gets this JVM's flags");
        assertEquals(List.of("-cp", System.getProperty("java.class.path"), MinHashKernelBench.class.getName(),
                "--kernels", "vector256", "--rounds", "3", "--round-ms", "50", "--one-jvm"),
                cmd.subList(1 + flags.size(), cmd.size()));
        assertEquals(ProcessHandle.current().info().command().orElseThrow(), cmd.get(0));

        assertTrue(parse().children(), "the default, scalar and vector, in a JVM each");
        assertEquals(List.of(Kernel.SCALAR, Kernel.VECTOR), parse().kernels());
        assertFalse(parse("--kernels", "vector").children(), "one kernel runs here");
        assertTrue(parse("--kernels", "vector", "--jvms", "3").children(), "one kernel in three JVMs");
        assertFalse(parse("--kernels", "scalar,vector", "--one-jvm").children(), "--one-jvm: taking turns here");
    }

    @Test
    void twoVectorShapesInOneJvmAreRefusedSayingHowToRunThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--kernels", "scalar,vector,vector256", "--one-jvm"));
        assertTrue(e.getMessage().startsWith("--one-jvm with vector (512 bits here) and vector256: two vector shapes")
                && e.getMessage().endsWith("leave out --one-jvm to run each kernel in a JVM of its own"), e.getMessage());
        assertTrue(MinHashKernelBench.parse(new String[] {"--kernels", "vector,vector256", "--one-jvm"}, 256).oneJvm(),
                "where the preferred vector is 256 bits, vector and vector256 are one shape");
        assertEquals("--jvms 3 with --one-jvm: --jvms counts the child JVMs of each kernel, which --one-jvm does without",
                assertThrows(IllegalArgumentException.class, () -> parse("--jvms", "3", "--one-jvm")).getMessage());
        assertEquals("--kernels vector,scalar,vector names vector twice",
                assertThrows(IllegalArgumentException.class, () -> parse("--kernels", "vector,scalar,vector")).getMessage());
        assertEquals("--rounds 0: expected a whole number above 0",
                assertThrows(IllegalArgumentException.class, () -> parse("--rounds", "0")).getMessage());
        assertEquals("--round-ms x: expected a whole number above 0",
                assertThrows(IllegalArgumentException.class, () -> parse("--round-ms", "x")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--rounds")).getMessage()
                .startsWith("--rounds needs a value ("));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--kernel", "vector")).getMessage()
                .startsWith("unknown argument --kernel (expected [--kernels"));
    }

    @Test
    void aChildsMedianAndRangeGiveTheRatiosAgainstScalar() {
        String child = "WARNING: Using incubator modules: jdk.incubator.vector\n{\"bench\":\"minhash-kernels\",\"jvm_flags\":\"\","
                + "\"vector256_ns\":0.154,\"vector256_range\":\"0.146-0.161\",\"rounds\":9,\"sink\":3}";
        assertArrayEquals(new double[] {0.154, 0.146, 0.161}, MinHashKernelBench.medianAndRange(child, Kernel.VECTOR_256));
        assertThrows(IllegalStateException.class, () -> MinHashKernelBench.medianAndRange(child, Kernel.VECTOR));
        assertEquals(",\"vector_ns\":0.073,\"vector_range\":\"0.057-0.080\",\"scalar_ns\":0.345,\"scalar_range\":\"0.331-0.579\""
                + ",\"vector_speed_vs_scalar\":4.73", MinHashKernelBench.results(List.of(Kernel.VECTOR, Kernel.SCALAR),
                new double[] {0.073, 0.345}, new String[] {"0.057-0.080", "0.331-0.579"}));
    }
}
