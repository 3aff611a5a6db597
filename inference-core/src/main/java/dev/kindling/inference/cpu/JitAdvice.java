package dev.kindling.inference.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JVM options the CPU kernels compile badly without, checked once per JVM and reported as a warning.
 *
 * <p>{@code -XX:PerMethodTrapLimit=1000} (the build's JVM flags carry it: the root pom's {@code spark.jvm.flags}).
 * C2 adds up the recorded traps of every inlined copy of a method into one total for the compile, and past
 * {@code PerMethodTrapLimit} (default 100) it stops speculating on receiver types. The Vector API routes each
 * lanewise operation through {@code VectorOperators$ImplCache.find}, which some JVMs record 4 class-check traps
 * for; the Q4_K decode kernel inlines it 36 times, so in those JVMs (about 1 in 4 on JDK 17) its compile passes
 * the limit, the species reaching its final {@code intoArray}s is no longer a constant, the stores run boxed and
 * decode is about a third slower for the JVM's life (docs/cpu-inference-log.md, 2026-12-01: 7 of 28 JVMs without
 * the option, 0 of 14 with it). JDK 25 did not show it (0 of 8). The same option also selects the int16 Q4_0/Q4_K
 * decode kernel on JDKs before 25 ({@link Simd#INT16_DECODE}); without it they keep the float kernel, about 10% (Q4_0)
 * and 20% (Q4_K) slower.
 */
public final class JitAdvice {
    private JitAdvice() {}

    private static final Logger LOG = LoggerFactory.getLogger(JitAdvice.class);
    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    /** The trap limit the quantized kernels want (see the class comment). */
    public static final int TRAP_LIMIT = 1000;

    /**
     * Warns once per JVM when its options will make the Q4_K/Q5_K kernels compile badly now and then, or keep Q4_0
     * and Q4_K on the slower float decode kernel. Called when such a tensor is loaded.
     */
    public static void checkForQuantKernels() {
        if (!CHECKED.compareAndSet(false, true)) {
            return;
        }
        String advice = advice(trapLimit(), Runtime.version().feature());
        if (advice != null) {
            LOG.warn(advice);
        }
    }

    /** Read once: the option is fixed for the JVM's life, and both {@link Simd} and {@link #checkForQuantKernels} ask. */
    private static final int JVM_TRAP_LIMIT = readTrapLimit();

    /** This JVM's {@code PerMethodTrapLimit}, or -1 when it cannot be read (not HotSpot). */
    public static int trapLimit() {
        return JVM_TRAP_LIMIT;
    }

    private static int readTrapLimit() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return hs == null ? -1 : Integer.parseInt(hs.getVMOption("PerMethodTrapLimit").getValue());
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** The warning for a JVM with trap limit {@code limit} (-1: unknown) and feature version {@code jdk}, or null. */
    static String advice(int limit, int jdk) {
        if (limit < 0 || limit >= TRAP_LIMIT || jdk >= 25) {
            return null;
        }
        return "JVM option PerMethodTrapLimit is " + limit + ": on JDK " + jdk + " the Q4_K/Q5_K decode kernels then lose"
                + " their vector stores in about 1 JVM in 4 (decode about a third slower for that JVM's life), and Q4_0/Q4_K"
                + " decode keeps the float kernel (about 10-20% slower). Add -XX:PerMethodTrapLimit="
                + TRAP_LIMIT + " to the JVM options (spark.executor.extraJavaOptions and spark.driver.extraJavaOptions;"
                + " ./kindling and the tests carry it).";
    }
}
