package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** The build's JVM flags (the root pom's spark.jvm.flags, surefire's argLine) carry the limit. */
    @Test
    void theBuildsJvmRunsWithTheTrapLimit() {
        assertEquals(JitAdvice.TRAP_LIMIT, JitAdvice.trapLimit(),
                "run the tests through Maven (its argLine carries -XX:PerMethodTrapLimit=" + JitAdvice.TRAP_LIMIT + ")");
    }
}
