package dev.kindling.dedup.minhash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.bench.MinHashFirstCallBench;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.testing.SharedData;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The first signature of a 10 MB document in a fresh JVM allocated 3.4 GB with the Vector API kernels (and the
 * second as much again): all 1.7 million shingle hashes went through one kernel call, whose loop the JIT could only
 * compile on stack replacement, and that code kept every vector as an object. The kernels now take a block of
 * shingles per call. A child JVM (the test JVM has compiled the kernels already) measures one first call on its
 * thread ({@code ThreadMXBean.getThreadAllocatedBytes}).
 *
 * <p>The bound is about correctness, not speed: normalising this (non-ASCII) text allocates about 12 bytes per
 * character by itself (21 before the Unicode passes ran on pieces: NFKC, NFD, NFC each a fresh whole-text String),
 * which the child measures first, so the bound is
 * on what shingling and the kernel add. That is the vectors of the blocks run before C2 has compiled the kernel
 * (interpreted and C1 code keeps each vector as an object: about 10 MB a block), 73 MB on a 2-core machine with
 * a load of 18; the bound, 200 MB, leaves room for a slower compiler thread and is still 16 times below the old
 * kernel's 3.2 GB.
 */
class MinHashKernelColdStartTest {

    private static final long MB = 1_000_000L;

    /** Child JVM: {@code CORPUS KERNEL}; prints "chars normaliseBytes firstSignatureBytes signature". */
    public static void main(String[] args) {
        String big = MinHashFirstCallBench.bigDocument(JsonlDocuments.read(Path.of(args[0]), "id", "text"), 10 * MB);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long a0 = mx.getThreadAllocatedBytes(tid);
        String normalised = TextNormalizer.normalize(big, NormalizeOptions.NEAR);
        long normalise = mx.getThreadAllocatedBytes(tid) - a0;
        MinHasher hasher = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, MinHasher.Kernel.valueOf(args[1]));
        long a1 = mx.getThreadAllocatedBytes(tid);
        long[] signature = hasher.signature(big);
        long first = mx.getThreadAllocatedBytes(tid) - a1;
        System.out.println(big.length() + " " + normalise + " " + first + " " + normalised.length() + " "
                + Arrays.toString(signature).replace(" ", ""));
    }

    @Test
    void firstSignatureOfATenMegabyteDocumentAllocatesLittleBeyondNormalising() throws Exception {
        Path corpus = SharedData.require("corpus/moby-dick.jsonl");
        String big = MinHashFirstCallBench.bigDocument(JsonlDocuments.read(corpus, "id", "text"), 10 * MB);
        String expected = Arrays.toString(new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR, MinHasher.Kernel.SCALAR)
                .signature(big)).replace(" ", "");
        for (String kernel : List.of("VECTOR", "VECTOR_256")) {
            String[] out = child(corpus, kernel).split(" ");
            long chars = Long.parseLong(out[0]);
            long normalise = Long.parseLong(out[1]);
            long first = Long.parseLong(out[2]);
            assertTrue(chars >= 9_000_000, "the document should hold about 10 MB, has " + chars + " chars");
            assertEquals(expected, out[4], kernel + ": the first signature differs from the scalar kernel's");
            assertTrue(first - normalise < 200 * MB, kernel + ": the first signature of a " + chars + "-char document allocated "
                    + first / MB + " MB, normalising alone " + normalise / MB + " MB; expected under 200 MB more");
        }
    }

    private String child(Path corpus, String kernel) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), getClass().getName(), corpus.toString(), kernel)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        // the JVM warns that jdk.incubator.vector is an incubator module; the answer is the last line
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
