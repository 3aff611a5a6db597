package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JitAdviceTest {
    @Test
    void warnsOnlyBelowTheLimitBeforeJdk25() {
        String advice = JitAdvice.advice(100, 17);
        assertTrue(advice != null && advice.contains("-XX:PerMethodTrapLimit=1000") && advice.contains("is 100"), advice);
        assertNull(JitAdvice.advice(1000, 17));
        assertNull(JitAdvice.advice(100, 25));
        assertNull(JitAdvice.advice(-1, 17)); // not HotSpot: nothing to say
    }

    /** The int16 Q4_0/Q4_K decode kernel: where C2 compiles it well, JDK 25+ or an older JDK with the trap limit. */
    @Test
    void int16DecodeByDefaultWhereTheJitCompilesIt() {
        assertTrue(Simd.int16DecodeByDefault(25, 100));
        assertTrue(Simd.int16DecodeByDefault(17, 1000));
        assertFalse(Simd.int16DecodeByDefault(17, 100));
        assertFalse(Simd.int16DecodeByDefault(21, -1)); // not HotSpot, or the option unreadable
        if (System.getProperty("kindling.simd.int16.decode") == null && Simd.enabled()) {
            assertTrue(Simd.INT16_DECODE, "the build's test JVM (trap limit " + JitAdvice.trapLimit() + ") runs the int16 decode kernel");
        }
    }

    /** The build's JVM flags (the root pom's spark.jvm.flags, surefire's argLine) carry the limit. */
    @Test
    void theBuildsJvmRunsWithTheTrapLimit() {
        assertEquals(JitAdvice.TRAP_LIMIT, JitAdvice.trapLimit(),
                "run the tests through Maven (its argLine carries -XX:PerMethodTrapLimit=" + JitAdvice.TRAP_LIMIT + ")");
    }
}
