package dev.kindling.dedup.bench;

import dev.kindling.dedup.minhash.KernelChoice;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The MinHash permutation kernels alone, printed as JSON: nanoseconds of the calling thread's CPU time per shingle
 * and permutation ({@code MinHasher.signatureOf} over one {@link Shingler#BLOCK} of random hashes, 112
 * permutations), for each kernel asked for, after a warm-up that lets C2 compile them all. The kernels take turns
 * round by round (so a change in the machine's load hits them alike) and the median of the rounds is reported,
 * with the CPU facts the default kernel is chosen from ({@link MinHasher#defaultKernel()}).
 *
 * <p>Run it in a JVM of its own per set of JVM flags, e.g. the AVX2 shape on an AVX-512 machine; on AVX-512 also one
 * JVM per kernel, as 512- and 256-bit kernels in one JVM slow each other down there (dedup/README.md):
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:UseAVX=2 -cp dedup/target/classes \
 *     dev.kindling.dedup.bench.MinHashKernelBench [--kernels scalar,vector,vector256] [--rounds 9] [--round-ms 300]
 * </pre>
 */
public final class MinHashKernelBench {
    private MinHashKernelBench() {}

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        List<MinHasher.Kernel> kernels = new ArrayList<>(List.of(MinHasher.Kernel.SCALAR, MinHasher.Kernel.VECTOR));
        int rounds = 9;
        long roundNs = 300_000_000L;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kernels" -> {
                    kernels.clear();
                    for (String k : args[++i].split(",")) {
                        kernels.add(MinHasher.parseKernel(k, "--kernels"));
                    }
                }
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--round-ms" -> roundNs = Long.parseLong(args[++i]) * 1_000_000L;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected [--kernels scalar,vector,vector256] [--rounds N] [--round-ms MS])");
            }
        }
        System.out.println(run(kernels, rounds, roundNs));
    }

    static String run(List<MinHasher.Kernel> kernels, int rounds, long roundNs) {
        MinHashParams params = MinHashParams.DEFAULT;
        long[] hashes = new SplittableRandom(1).longs(Shingler.BLOCK).toArray();
        MinHasher[] hashers = new MinHasher[kernels.size()];
        for (int k = 0; k < hashers.length; k++) {
            hashers[k] = new MinHasher(params, NormalizeOptions.NEAR, kernels.get(k));
        }
        long[] expected = hashers[0].signatureOf(hashes, hashes.length);
        for (int k = 1; k < hashers.length; k++) {
            if (!Arrays.equals(expected, hashers[k].signatureOf(hashes, hashes.length))) {
                throw new IllegalStateException("kernel " + kernels.get(k) + " gives another signature than " + kernels.get(0));
            }
        }
        long sink = 0;
        for (int w = 0; w < 4; w++) {           // warm-up: every kernel compiled by C2 before any round counts
            for (MinHasher h : hashers) {
                sink += time(h, hashes, roundNs)[1];
            }
        }
        double[][] nsPerOp = new double[hashers.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < hashers.length; k++) {
                long[] cpuAndCalls = time(hashers[k], hashes, roundNs);
                nsPerOp[k][r] = (double) cpuAndCalls[0] / ((double) cpuAndCalls[1] * hashes.length * params.numPerm());
                sink += cpuAndCalls[1];
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "{\"bench\":\"minhash-kernels\",\"jvm_flags\":\"%s\",\"cpu\":\"%s\",\"default_kernel\":\"%s\"",
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))),
                MinHasher.VECTOR_API ? KernelChoice.describeCpu() : "no Vector API",
                MinHasher.defaultKernel()));
        for (int k = 0; k < hashers.length; k++) {
            double[] v = nsPerOp[k].clone();
            Arrays.sort(v);
            sb.append(String.format(Locale.ROOT, ",\"%s_ns\":%.3f,\"%s_range\":\"%.3f-%.3f\"", kernels.get(k).name().toLowerCase(Locale.ROOT),
                    v[v.length / 2], kernels.get(k).name().toLowerCase(Locale.ROOT), v[0], v[v.length - 1]));
        }
        sb.append(",\"rounds\":").append(rounds).append(",\"sink\":").append(sink % 10).append('}');
        return sb.toString();
    }

    /** Runs the kernel on the block until {@code roundNs} of thread CPU time have passed: {CPU ns, calls}. */
    private static long[] time(MinHasher h, long[] hashes, long roundNs) {
        long c0 = MX.getCurrentThreadCpuTime();
        long calls = 0;
        long now;
        do {
            for (int i = 0; i < 16; i++) {
                h.signatureOf(hashes, hashes.length);
            }
            calls += 16;
            now = MX.getCurrentThreadCpuTime();
        } while (now - c0 < roundNs);
        return new long[] {now - c0, calls};
    }
}
