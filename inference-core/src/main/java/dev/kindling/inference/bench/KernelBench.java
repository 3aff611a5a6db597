package dev.kindling.inference.bench;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.MatMul;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cpu.Simd;
import dev.kindling.inference.cpu.WorkerPool;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix-product kernels alone, on random weights of a Llama-3.2-1B
 * shape, so that kernel changes can be judged without the whole engine — and on a shared, loaded
 * machine: besides wall time it reports throughput per CPU-second of the computing threads (the work over the
 * CPU time of all of them, not multiplied by their number), which other processes disturb much less.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... dev.kindling.inference.bench.KernelBench \
 *       [--type Q8_0] [--threads 1] [--mb 256] [--reps 5]
 * </pre>
 *
 * {@code --type}: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K or Q6_K (random integers, modest block scales).
 * Each JVM compiles the kernels afresh, so running it a few times is also the quickest way to see a
 * kernel that C2 sometimes compiles into the Vector API's slow fallback: one run 3-5x below the others.
 *
 * Prints one JSON line per measurement: {@code read} (a plain vector read of the same number of bytes, four
 * streams per thread on as many threads: the memory bandwidth the kernels are up against), {@code decode} (one token
 * through a {@code rows x 2048} matrix of about {@code --mb} MB, GB/s of stored weights), and
 * {@code tiled16}/{@code tiled128} (16 and 128 tokens through a 4096 x 2048 matrix, GFLOP/s).
 */
public final class KernelBench {
    private KernelBench() {}

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** The weight types it makes random weights for: every type the engine reads. */
    public static final Set<GgmlType> TYPES = Collections.unmodifiableSet(EnumSet.of(GgmlType.F32, GgmlType.F16,
            GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K));

    public static void main(String[] args) {
        GgmlType type = GgmlType.Q8_0;
        int threads = 1, mb = 256, reps = 5;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--type" -> type = GgmlType.valueOf(args[i + 1].toUpperCase(java.util.Locale.ROOT));
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--mb" -> mb = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        run(type, threads, mb, reps, new PrintWriter(System.out, true, StandardCharsets.UTF_8));
    }

    /** The measurements of {@link KernelBench} for weights of {@code type}, one JSON line each to {@code report}. */
    public static void run(GgmlType type, int threads, int mb, int reps, PrintWriter report) {
        if (threads < 1 || mb < 1 || reps < 1) {
            throw new IllegalArgumentException("threads, mb and reps must be >= 1");
        }
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("KernelBench has no random " + type + " weights; it has " + TYPES);
        }
        int cols = 2048;
        int rows = (int) Math.max(64, (long) mb * 1_000_000 / type.byteSize(cols) / 64 * 64);
        Tensor big = randomTensor(type, rows, cols, 1);
        Tensor mid = randomTensor(type, 4096, cols, 2);
        try (WorkerPool pool = new WorkerPool(threads, 0)) { // every product split over the threads asked for, whatever its size
            MatMul.Scratch[] scratch = new MatMul.Scratch[threads];
            for (int i = 0; i < threads; i++) {
                scratch[i] = new MatMul.Scratch(cols);
            }
            read(pool, big.storedBytes(), reps, report);
            measure("decode", type, pool, scratch, big, 1, reps, report);
            measure("tiled16", type, pool, scratch, mid, 16, reps, report);
            measure("tiled128", type, pool, scratch, mid, 128, Math.max(1, reps / 2), report);
        }
    }

    /** Random weights with modest f16 scales, in the file layout of {@code type}. */
    static Tensor randomTensor(GgmlType type, int rows, int cols, long seed) {
        long rowBytes = type.byteSize(cols);
        byte[] data = new byte[Math.toIntExact(rowBytes * rows)];
        Random r = new Random(seed);
        r.nextBytes(data);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < data.length; i += 4) {
                    b.putFloat(i, (float) r.nextGaussian());
                }
            }
            case F16 -> {
                for (int i = 0; i < data.length; i += 2) {
                    b.putShort(i, ScalarKernels.floatToHalf(0.05f * (float) r.nextGaussian()));
                }
            }
            case BF16 -> {
                for (int i = 0; i < data.length; i += 2) {
                    b.putShort(i, (short) (Float.floatToIntBits(0.05f * (float) r.nextGaussian()) >>> 16));
                }
            }
            default -> {
                // random integers (every bit pattern is valid) with modest f16 block scales in place
                int[] halves = switch (type) {
                    case Q8_0, Q4_0 -> new int[] {0};
                    case Q4_1, Q4_K, Q5_K -> new int[] {0, 2};
                    case Q6_K -> new int[] {208};
                    default -> throw new IllegalArgumentException("KernelBench has no random " + type + " weights");
                };
                for (long i = 0; i < data.length; i += type.typeSize) {
                    for (int h : halves) {
                        b.putShort((int) i + h, ScalarKernels.floatToHalf(0.001f + 0.01f * r.nextFloat()));
                    }
                }
            }
        }
        return Tensors.read("bench", type, rows, cols, (first, count) ->
                ByteBuffer.wrap(data, (int) (first * rowBytes), (int) (count * rowBytes)).slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static void measure(String name, GgmlType type, WorkerPool pool, MatMul.Scratch[] scratch, Tensor w,
            int tokens, int reps, PrintWriter report) {
        int cols = w.cols();
        float[] x = new float[tokens * cols];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] out = new float[tokens * w.rows()];
        MatMul.Job job = new MatMul.Job(w, x, cols, out, w.rows(), 0);
        double[] wall = new double[reps];
        double[] perCpu = new double[reps];
        int passes = Math.max(1, (int) (2e9 / w.storedBytes() / tokens));
        for (int rep = -1; rep < reps; rep++) {
            long c0 = cpuNanos(pool);
            long s0 = System.nanoTime();
            for (int p = 0; p < passes; p++) {
                MatMul.run(pool, scratch, tokens, job);
            }
            long s1 = System.nanoTime();
            long c1 = cpuNanos(pool);
            if (rep >= 0) { // rep -1 warms up
                wall[rep] = (s1 - s0) / 1e9;
                perCpu[rep] = (c1 - c0) / 1e9;
            }
        }
        double work = tokens == 1 ? (double) w.storedBytes() * passes : 2.0 * w.rows() * cols * tokens * passes;
        String unit = tokens == 1 ? "GBps" : "GFLOPs";
        double bestWall = Arrays.stream(wall).min().orElse(0);
        double bestCpu = Arrays.stream(perCpu).min().orElse(0);
        report.println(String.format(Locale.ROOT,
                "{\"kernel\":\"%s\",\"type\":\"%s\",\"threads\":%d,\"tokens\":%d,\"%s_wall\":%.2f,\"%s_per_cpu_second\":%.2f,"
                        + "\"simd\":\"%s\",\"java\":\"%s\"}",
                name, type, pool.threads(), tokens, unit, work / bestWall / 1e9, unit, work / bestCpu / 1e9,
                Simd.describe(), System.getProperty("java.version")));
        report.flush();
    }

    /**
     * CPU time of the calling thread and the pool's workers, read by thread: asking each worker to report from a task
     * missed a worker the OS had not woken in time (its time read as 0: rates came out negative or several times too high).
     */
    private static long cpuNanos(WorkerPool pool) {
        return MX.getCurrentThreadCpuTime() + pool.workerCpuNanos();
    }

    /** Sums {@code n} bytes at each of {@code a[i]}, {@code a[i + quarter]}, ... (a method called often, so C2 compiles it whole). */
    private static long readChunk(byte[] a, int i0, int n, int quarter) {
        VectorSpecies<Byte> sp = ByteVector.SPECIES_PREFERRED;
        ByteVector s0 = ByteVector.zero(sp), s1 = s0, s2 = s0, s3 = s0;
        for (int i = i0; i < i0 + n; i += sp.length()) {
            s0 = s0.add(ByteVector.fromArray(sp, a, i));
            s1 = s1.add(ByteVector.fromArray(sp, a, i + quarter));
            s2 = s2.add(ByteVector.fromArray(sp, a, i + 2 * quarter));
            s3 = s3.add(ByteVector.fromArray(sp, a, i + 3 * quarter));
        }
        return s0.add(s1).add(s2).add(s3).lane(0);
    }

    /**
     * A plain read of {@code bytes} bytes with the pool's threads, each its own slice in four streams: the bandwidth the
     * decode kernel, run on as many threads, is up against (one thread reads well under what two can on most hosts).
     */
    private static void read(WorkerPool pool, long bytes, int reps, PrintWriter report) {
        VectorSpecies<Byte> sp = ByteVector.SPECIES_PREFERRED;
        byte[] a = new byte[(int) Math.min(bytes, Integer.MAX_VALUE - 64) / 256 * 256];
        new Random(4).nextBytes(a);
        int threads = pool.threads();
        int slice = a.length / threads / (4 * sp.length()) * (4 * sp.length());
        int quarter = slice / 4;
        long[] sinks = new long[threads];
        double best = Double.MAX_VALUE;
        double bestCpu = Double.MAX_VALUE;
        // about 2 GB a repetition, as the kernels' passes: one pass over a small --mb timed the hand-off, not the memory
        int passes = Math.max(1, (int) (2e9 / ((double) slice * threads)));
        for (int rep = -1; rep < reps; rep++) {
            long c0 = cpuNanos(pool);
            long t0 = System.nanoTime();
            for (int pass = 0; pass < passes; pass++) {
                pool.run(threads, (worker, t) -> {
                    int step = 1 << 16;
                    long sink = 0;
                    for (int i = 0; i < quarter; i += step) {
                        sink += readChunk(a, t * slice + i, Math.min(step, quarter - i), quarter);
                    }
                    sinks[t] += sink;
                });
            }
            long t1 = System.nanoTime();
            long c1 = cpuNanos(pool);
            if (rep >= 0) {
                best = Math.min(best, (t1 - t0) / 1e9);
                bestCpu = Math.min(bestCpu, (c1 - c0) / 1e9);
            }
        }
        double read = (double) slice * threads * passes;
        report.println(String.format(Locale.ROOT,
                "{\"kernel\":\"read\",\"threads\":%d,\"GBps_wall\":%.2f,\"GBps_per_cpu_second\":%.2f,\"sink\":%d,\"java\":\"%s\"}",
                threads, read / best / 1e9, read / bestCpu / 1e9, java.util.Arrays.stream(sinks).sum() & 1, System.getProperty("java.version")));
        report.flush();
    }
}
