package dev.kindling.dedup.bench;

import dev.kindling.dedup.minhash.KernelChoice;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MinHash permutation kernels alone, printed as JSON: nanoseconds of the calling thread's CPU time per shingle
 * and permutation ({@code MinHasher.signatureOf} over one {@link Shingler#BLOCK} of random hashes, 112
 * permutations), the median of {@code --rounds} rounds after a warm-up that lets C2 compile the kernel, with the CPU
 * facts the default kernel is chosen from ({@link MinHasher#defaultKernel()}) and, where {@code scalar} is measured,
 * each other kernel's speed against it ({@code vector_speed_vs_scalar}: scalar ns over vector ns).
 *
 * <p>Each kernel runs in a JVM of its own, a child {@code java} started with this JVM's flags and class path, one
 * after the other ({@code --jvms N}: N such rounds of children, the kernels taking turns; each kernel's {@code _ns}
 * is then the median of its JVMs' medians and {@code _range} their range, with one JVM the range of its rounds). On
 * AVX-512 the 512- and 256-bit kernels taking turns in one JVM both ran 15-20x slower, C2 compiling the shared kernel
 * code for both shapes, which no job meets (one kernel per JVM, chosen once). {@code --one-jvm} has the kernels take
 * turns round by round in this JVM instead (so a change in the machine's load hits them alike), and is refused for
 * {@code vector} with {@code vector256} where they are two shapes (the preferred vector wider than 256 bits).
 * <pre>
 * java --add-modules jdk.incubator.vector [-XX:UseAVX=2 | -XX:MaxVectorSize=16] -cp dedup/target/classes:&lt;jackson-core.jar&gt; \
 *     dev.kindling.dedup.bench.MinHashKernelBench [--kernels scalar,vector,vector256] [--rounds 9] [--round-ms 300] \
 *     [--jvms 3 | --one-jvm]
 * </pre>
 */
public final class MinHashKernelBench {
    private MinHashKernelBench() {}

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static final String USAGE = "[--kernels scalar,vector,vector256] [--rounds N] [--round-ms MS] [--jvms N | --one-jvm]";

    /** What the command line asks for. */
    record Options(List<MinHasher.Kernel> kernels, int rounds, long roundMs, int jvms, boolean oneJvm) {
        /** Whether the kernels run in child JVMs: not with {@code --one-jvm}, nor for one kernel in one JVM. */
        boolean children() {
            return !oneJvm && (kernels.size() > 1 || jvms > 1);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args, KernelChoice.cpu().preferredBits());
        } catch (IllegalArgumentException e) {
            System.err.println("MinHashKernelBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println(o.children() ? inChildren(o) : run(o.kernels(), o.rounds(), o.roundMs() * 1_000_000L));
    }

    /** The options of {@code args}, on a CPU whose preferred vector of longs ({@code vector}'s) has {@code vectorBits}. */
    static Options parse(String[] args, int vectorBits) {
        List<MinHasher.Kernel> kernels = new ArrayList<>(List.of(MinHasher.Kernel.SCALAR, MinHasher.Kernel.VECTOR));
        int rounds = 9;
        long roundMs = 300;
        int jvms = 1;
        boolean oneJvm = false;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--one-jvm")) {
                oneJvm = true;
                continue;
            }
            if (!List.of("--kernels", "--rounds", "--round-ms", "--jvms").contains(option)) {
                throw new IllegalArgumentException("unknown argument " + option + " (expected " + USAGE + ")");
            }
            if (++i == args.length) {
                throw new IllegalArgumentException(option + " needs a value (" + USAGE + ")");
            }
            switch (option) {
                case "--kernels" -> {
                    kernels.clear();
                    for (String k : args[i].split(",")) {
                        MinHasher.Kernel kernel = MinHasher.parseKernel(k, "--kernels");
                        if (kernels.contains(kernel)) {
                            throw new IllegalArgumentException("--kernels " + args[i] + " names " + k.strip() + " twice");
                        }
                        kernels.add(kernel);
                    }
                }
                case "--rounds" -> rounds = positive(option, args[i]);
                case "--round-ms" -> roundMs = positive(option, args[i]);
                default -> jvms = positive(option, args[i]);
            }
        }
        if (oneJvm && jvms > 1) {
            throw new IllegalArgumentException("--jvms " + jvms + " with --one-jvm: --jvms counts the child JVMs of each kernel,"
                    + " which --one-jvm does without");
        }
        if (oneJvm && vectorBits > 256 && kernels.contains(MinHasher.Kernel.VECTOR) && kernels.contains(MinHasher.Kernel.VECTOR_256)) {
            throw new IllegalArgumentException("--one-jvm with vector (" + vectorBits + " bits here) and vector256: two vector"
                    + " shapes taking turns in one JVM both run 15-20x slower (C2 compiles the shared kernel for both), so the"
                    + " numbers would mislead; leave out --one-jvm to run each kernel in a JVM of its own");
        }
        return new Options(List.copyOf(kernels), rounds, roundMs, jvms, oneJvm);
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(option + " " + value + ": expected a whole number above 0");
    }

    /** The child JVM that measures {@code kernel} alone: this JVM's java, flags and class path. */
    static List<String> childCommand(Options o, MinHasher.Kernel kernel) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MinHashKernelBench.class.getName(),
                "--kernels", name(kernel), "--rounds", Integer.toString(o.rounds()), "--round-ms", Long.toString(o.roundMs()),
                "--one-jvm"));
        return cmd;
    }

    /** Each kernel in child JVMs, {@code --jvms} rounds of them, the kernels taking turns. */
    private static String inChildren(Options o) throws IOException, InterruptedException {
        List<List<double[]>> runs = new ArrayList<>();
        for (int k = 0; k < o.kernels().size(); k++) {
            runs.add(new ArrayList<>());
        }
        for (int j = 0; j < o.jvms(); j++) {
            for (int k = 0; k < o.kernels().size(); k++) {
                List<String> cmd = childCommand(o, o.kernels().get(k));
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (p.waitFor() != 0) {
                    throw new IOException("the child JVM for " + name(o.kernels().get(k)) + " exited with " + p.exitValue()
                            + ": " + String.join(" ", cmd) + "\n" + out);
                }
                runs.get(k).add(medianAndRange(out, o.kernels().get(k)));
            }
        }
        double[] median = new double[runs.size()];
        String[] range = new String[runs.size()];
        for (int k = 0; k < runs.size(); k++) {
            List<double[]> jvms = runs.get(k);
            double[] medians = jvms.stream().mapToDouble(r -> r[0]).sorted().toArray();
            int mid = medians.length / 2;
            median[k] = medians.length % 2 == 1 ? medians[mid] : (medians[mid - 1] + medians[mid]) / 2;
            range[k] = jvms.size() == 1 ? range(jvms.get(0)[1], jvms.get(0)[2]) : range(medians[0], medians[medians.length - 1]);
        }
        return header() + ",\"jvms_per_kernel\":" + o.jvms() + results(o.kernels(), median, range)
                + ",\"rounds\":" + o.rounds() + "}";
    }

    /** {median, lowest, highest} of {@code kernel} in a child's JSON line (its last line of output). */
    static double[] medianAndRange(String childOutput, MinHasher.Kernel kernel) {
        String line = childOutput.substring(childOutput.lastIndexOf('\n') + 1);
        Matcher m = Pattern.compile("\"" + name(kernel) + "_ns\":([0-9.]+),\"" + name(kernel) + "_range\":\"([0-9.]+)-([0-9.]+)\"")
                .matcher(line);
        if (!m.find()) {
            throw new IllegalStateException("no " + name(kernel) + "_ns and _range in the child JVM's output: " + childOutput);
        }
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))};
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
        double[] median = new double[hashers.length];
        String[] range = new String[hashers.length];
        for (int k = 0; k < hashers.length; k++) {
            double[] v = nsPerOp[k].clone();
            Arrays.sort(v);
            median[k] = v[v.length / 2];
            range[k] = range(v[0], v[v.length - 1]);
        }
        return header() + results(kernels, median, range) + ",\"rounds\":" + rounds + ",\"sink\":" + sink % 10 + '}';
    }

    private static String header() {
        return String.format(Locale.ROOT, "{\"bench\":\"minhash-kernels\",\"jvm_flags\":\"%s\",\"cpu\":\"%s\",\"default_kernel\":\"%s\"",
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))),
                MinHasher.VECTOR_API ? KernelChoice.describeCpu() : "no Vector API",
                MinHasher.defaultKernel());
    }

    /** Each kernel's {@code _ns} and {@code _range}, then each other kernel's speed against scalar where it ran. */
    static String results(List<MinHasher.Kernel> kernels, double[] median, String[] range) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < kernels.size(); k++) {
            sb.append(String.format(Locale.ROOT, ",\"%s_ns\":%.3f,\"%1$s_range\":\"%s\"", name(kernels.get(k)), median[k], range[k]));
        }
        int scalar = kernels.indexOf(MinHasher.Kernel.SCALAR);
        for (int k = 0; k < kernels.size(); k++) {
            if (scalar >= 0 && k != scalar) {
                sb.append(String.format(Locale.ROOT, ",\"%s_speed_vs_scalar\":%.2f", name(kernels.get(k)), median[scalar] / median[k]));
            }
        }
        return sb.toString();
    }

    private static String range(double low, double high) {
        return String.format(Locale.ROOT, "%.3f-%.3f", low, high);
    }

    /** The kernel as {@code --kernels} names it: scalar, vector, vector256. */
    private static String name(MinHasher.Kernel kernel) {
        return kernel.name().toLowerCase(Locale.ROOT).replace("_", "");
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
