package dev.kindling.notebooks;

import java.util.Arrays;
import java.util.List;

/** The JVM flags of this module's test JVM that the JVMs its tests start take too. */
final class TestJvm {
    private TestJvm() {}

    /** The test JVMs' JIT flags (the root pom's test.jit.flags, passed by surefire; none when it is empty). */
    static List<String> jitFlags() {
        String flags = System.getProperty("kindling.test.jit.flags", "").trim();
        return flags.isEmpty() ? List.of() : Arrays.asList(flags.split("\\s+"));
    }
}
