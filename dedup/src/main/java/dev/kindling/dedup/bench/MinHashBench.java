package dev.kindling.dedup.bench;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.minhash.MinHashKernel;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.minhash.KernelChoice;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * MinHash signature throughput on one thread, printed as JSON: MB of UTF-8 text per second of the thread's CPU time
 * (a busy machine makes wall time wait for a core) for the whole signature (normalise + shingle + permute) with the
 * Vector API kernel and with its scalar twin, which of them this JVM picks by default
 * ({@link MinHasher#defaultKernel()}), and the share of time spent shingling.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ... dev.kindling.dedup.bench.MinHashBench \
 *     --input corpus.jsonl[.gz] [--num-perm 112] [--ngram 5] [--seconds 5]
 * </pre>
 */
public final class MinHashBench {
    private MinHashBench() {}

    public static void main(String[] args) {
        Path input = null;
        int numPerm = 112;
        int ngram = 5;
        double seconds = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--input" -> input = Path.of(args[++i]);
                case "--num-perm" -> numPerm = Integer.parseInt(args[++i]);
                case "--ngram" -> ngram = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --input FILE.jsonl [--num-perm N] [--ngram N] [--seconds S])");
            }
        }
        if (input == null) {
            throw new IllegalArgumentException("--input FILE.jsonl is required");
        }
        System.out.println(run(JsonlDocuments.read(input, "id", "text"), numPerm, ngram, seconds, input.toString()));
    }

    /** Runs the measurement and returns the JSON report. */
    public static String run(List<Document> docs, int numPerm, int ngram, double seconds, String source) {
        long bytes = 0;
        String[] texts = new String[docs.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = docs.get(i).text();
            bytes += texts[i].getBytes(StandardCharsets.UTF_8).length;
        }
        MinHashParams params = new MinHashParams(numPerm, 1, 1, ngram, MinHashParams.DEFAULT_SEED);
        MinHasher vector = new MinHasher(params, NormalizeOptions.NEAR, MinHasher.Kernel.VECTOR);
        MinHasher scalar = new MinHasher(params, NormalizeOptions.NEAR, MinHasher.Kernel.SCALAR);
        Shingler shingler = new Shingler(ngram, NormalizeOptions.NEAR);
        double vecMbs = measure(texts, bytes, seconds, t -> vector.signature(t)[0]);
        double scaMbs = measure(texts, bytes, seconds, t -> scalar.signature(t)[0]);
        double shMbs = measure(texts, bytes, seconds, t -> shingler.shingle(t));
        long shingles = 0;
        for (String t : texts) {
            shingles += shingler.shingle(t);
        }
        return String.format(Locale.ROOT,
                "{\"bench\":\"minhash-signatures\",\"input\":\"%s\",\"docs\":%d,\"mb\":%.3f,\"shingles\":%d,"
                        + "\"num_perm\":%d,\"ngram\":%d,\"threads\":1,\"species\":\"%s\",\"cpu\":\"%s\",\"default_kernel\":\"%s\","
                        + "\"vector_mb_per_cpu_s\":%.2f,\"scalar_mb_per_cpu_s\":%.2f,\"vector_over_scalar\":%.2f,"
                        + "\"shingling_only_mb_per_cpu_s\":%.2f,\"shingling_share_of_vector_time\":%.3f,"
                        + "\"java\":\"%s\"}",
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(source)), texts.length, bytes / 1e6, shingles, numPerm, ngram,
                MinHashKernel.PREFERRED, KernelChoice.describeCpu(), MinHasher.defaultKernel(), vecMbs, scaMbs, vecMbs / scaMbs, shMbs, vecMbs / shMbs,
                System.getProperty("java.version"));
    }

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private interface Work {
        long apply(String text);
    }

    private static double measure(String[] texts, long bytes, double seconds, Work work) {
        long sink = 0;
        // Warm up (JIT: C2 must compile the kernel before timing) for 2 s and at least one pass,
        // then time whole passes for at least `seconds` (the thread's CPU time throughout).
        long warmEnd = MX.getCurrentThreadCpuTime() + 2_000_000_000L;
        do {
            for (String t : texts) {
                sink += work.apply(t);
            }
        } while (MX.getCurrentThreadCpuTime() < warmEnd);
        long start = MX.getCurrentThreadCpuTime();
        long passes = 0;
        long deadline = start + (long) (seconds * 1e9);
        do {
            for (String t : texts) {
                sink += work.apply(t);
            }
            passes++;
        } while (MX.getCurrentThreadCpuTime() < deadline);
        double s = (MX.getCurrentThreadCpuTime() - start) / 1e9;
        if (sink == 42) {
            System.err.print("");   // keeps the work observable to the JIT
        }
        return passes * bytes / 1e6 / s;
    }
}
