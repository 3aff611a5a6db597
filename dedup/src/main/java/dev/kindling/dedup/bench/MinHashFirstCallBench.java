package dev.kindling.dedup.bench;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.minhash.MinHashKernel;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.normalize.NormalizeOptions;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the first MinHash signature of a large document costs in a fresh JVM (what a Spark executor pays for its
 * first big row: JIT warm-up included), then the steady rate once compiled, printed as JSON. Times are the calling
 * thread's CPU time (a busy machine makes wall time wait for a core) next to wall time; allocation is the calling
 * thread's ({@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}).
 *
 * <p>The large document is the corpus's texts joined by blank lines, repeated until it holds {@code --mb} MB of
 * UTF-8. The steady phase signs it again and again and also signs the corpus's own documents, for
 * {@code --seconds} each after a warm-up. With {@code --mix} the steady phase alternates the chosen kernel with the
 * other Vector API kernel (preferred width and 256 bits) pass by pass, and reports both, to see whether one JVM
 * running both species slows either down.
 *
 * <p>Run it in a JVM of its own (only the first call in the process is a first call):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp dedup/target/classes:model-formats/target/classes:&lt;jackson-core.jar&gt;:&lt;slf4j-api.jar&gt; \
 *     dev.kindling.dedup.bench.MinHashFirstCallBench --input ../shared/data/corpus/moby-dick.jsonl \
 *     [--mb 10] [--kernel vector|vector256|scalar] [--seconds 5] [--mix]
 * </pre>
 */
public final class MinHashFirstCallBench {
    private MinHashFirstCallBench() {}

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        Path input = null;
        double mb = 10;
        MinHasher.Kernel kernel = MinHasher.defaultKernel();
        double seconds = 5;
        boolean mix = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--input" -> input = Path.of(args[++i]);
                case "--mb" -> mb = Double.parseDouble(args[++i]);
                case "--kernel" -> kernel = parseKernel(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--mix" -> mix = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (expected --input FILE.jsonl"
                        + " [--mb MB] [--kernel vector|vector256|scalar] [--seconds S] [--mix])");
            }
        }
        if (input == null) {
            throw new IllegalArgumentException("--input FILE.jsonl is required");
        }
        if (mix && kernel == MinHasher.Kernel.SCALAR) {
            throw new IllegalArgumentException("--mix mixes the two Vector API kernels: use --kernel vector or vector256");
        }
        List<Document> docs = JsonlDocuments.read(input, "id", "text");
        System.out.println(run(docs, bigDocument(docs, (long) (mb * 1e6)), kernel, seconds, mix, input.toString()));
    }

    private static MinHasher.Kernel parseKernel(String name) {
        return MinHasher.parseKernel(name, "--kernel");
    }

    /** The corpus's texts joined by blank lines, repeated until the result holds at least {@code bytes} of UTF-8. */
    public static String bigDocument(List<Document> docs, long bytes) {
        if (docs.isEmpty()) {
            throw new IllegalArgumentException("the corpus has no documents to build a large document from");
        }
        StringBuilder sb = new StringBuilder();
        long have = 0;
        while (have < bytes) {
            long before = have;
            for (Document d : docs) {
                sb.append(d.text()).append("\n\n");
                have += d.text().getBytes(StandardCharsets.UTF_8).length + 2;
                if (have >= bytes) {
                    break;
                }
            }
            if (have == before) {
                throw new IllegalArgumentException("the corpus's texts are all empty: no large document can be built");
            }
        }
        return sb.toString();
    }

    private static String run(List<Document> docs, String big, MinHasher.Kernel kernel, double seconds, boolean mix,
            String source) {
        MinHashParams params = MinHashParams.DEFAULT;
        long bigBytes = big.getBytes(StandardCharsets.UTF_8).length;
        String[] texts = docs.stream().map(Document::text).toArray(String[]::new);
        long corpusBytes = 0;
        for (String t : texts) {
            corpusBytes += t.getBytes(StandardCharsets.UTF_8).length;
        }
        MinHasher hasher = new MinHasher(params, NormalizeOptions.NEAR, kernel);
        long tid = Thread.currentThread().getId();
        long a0 = MX.getThreadAllocatedBytes(tid);
        long c0 = MX.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        long sink = hasher.signature(big)[0];
        double firstWall = (System.nanoTime() - w0) / 1e9;
        double firstCpu = (MX.getCurrentThreadCpuTime() - c0) / 1e9;
        double firstMb = (MX.getThreadAllocatedBytes(tid) - a0) / 1e6;
        long a1 = MX.getThreadAllocatedBytes(tid);
        sink += hasher.signature(big)[0];
        double secondMb = (MX.getThreadAllocatedBytes(tid) - a1) / 1e6;

        MinHasher.Kernel otherKernel = kernel == MinHasher.Kernel.VECTOR ? MinHasher.Kernel.VECTOR_256 : MinHasher.Kernel.VECTOR;
        MinHasher other = mix ? new MinHasher(params, NormalizeOptions.NEAR, otherKernel) : null;
        double[] bigRates = steady(hasher, other, new String[] {big}, bigBytes, seconds);
        double[] corpusRates = steady(hasher, other, texts, corpusBytes, seconds);
        if (sink == 42) {
            System.err.print("");   // keeps the work observable to the JIT
        }
        return String.format(Locale.ROOT,
                "{\"bench\":\"minhash-first-call\",\"input\":\"%s\",\"big_doc_mb\":%.2f,\"kernel\":\"%s\",\"species\":\"%s\","
                        + "\"num_perm\":%d,\"ngram\":%d,\"first_call_wall_s\":%.3f,\"first_call_cpu_s\":%.3f,"
                        + "\"first_call_alloc_mb\":%.1f,\"second_call_alloc_mb\":%.1f,"
                        + "\"steady_big_doc_mb_per_cpu_s\":%.2f,\"steady_big_doc_alloc_mb_per_mb\":%.1f,\"steady_corpus_docs\":%d,"
                        + "\"steady_corpus_mb_per_cpu_s\":%.2f,\"steady_corpus_alloc_mb_per_mb\":%.1f,"
                        + "\"mixed_with\":%s,\"other_big_doc_mb_per_cpu_s\":%s,\"other_big_doc_alloc_mb_per_mb\":%s,"
                        + "\"other_corpus_mb_per_cpu_s\":%s,\"other_corpus_alloc_mb_per_mb\":%s,"
                        + "\"java\":\"%s\"}",
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(source)), bigBytes / 1e6, kernel,
                MinHasher.VECTOR_API ? MinHashKernel.PREFERRED.toString() : "none", params.numPerm(), params.ngram(),
                firstWall, firstCpu, firstMb, secondMb, bigRates[0], bigRates[1], texts.length, corpusRates[0], corpusRates[1],
                mix ? "\"" + otherKernel + "\"" : "null", other(mix, bigRates[2]), other(mix, bigRates[3]),
                other(mix, corpusRates[2]), other(mix, corpusRates[3]),
                System.getProperty("java.version"));
    }

    private static String other(boolean mix, double value) {
        return mix ? String.format(Locale.ROOT, "%.2f", value) : "null";
    }

    /**
     * MB of UTF-8 per CPU-second of {@code hasher} and MB it allocated per MB of text (and, when {@code other} is
     * given, the same of {@code other}, pass by pass in turn): a 2 s warm-up, then whole passes over {@code texts} for
     * at least {@code seconds}.
     */
    private static double[] steady(MinHasher hasher, MinHasher other, String[] texts, long bytes, double seconds) {
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        long[] cost = new long[2];
        do {
            pass(hasher, texts, cost);
            if (other != null) {
                pass(other, texts, cost);
            }
        } while (System.nanoTime() < warmEnd);
        long[] mine = new long[2];
        long[] theirs = new long[2];
        long passes = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        do {
            pass(hasher, texts, mine);
            if (other != null) {
                pass(other, texts, theirs);
            }
            passes++;
        } while (System.nanoTime() < deadline);
        double mb = passes * bytes / 1e6;
        return new double[] {mb / (mine[0] / 1e9), mine[1] / 1e6 / mb,
                other == null ? Double.NaN : mb / (theirs[0] / 1e9), other == null ? Double.NaN : theirs[1] / 1e6 / mb};
    }

    /** Signs every text once, adding the thread CPU nanoseconds and bytes allocated to {@code cost[0]} and {@code cost[1]}. */
    private static void pass(MinHasher hasher, String[] texts, long[] cost) {
        long tid = Thread.currentThread().getId();
        long a0 = MX.getThreadAllocatedBytes(tid);
        long c0 = MX.getCurrentThreadCpuTime();
        long sink = 0;
        for (String t : texts) {
            sink += hasher.signature(t)[0];
        }
        cost[0] += MX.getCurrentThreadCpuTime() - c0;
        cost[1] += MX.getThreadAllocatedBytes(tid) - a0;
        if (sink == 42) {
            System.err.print("");
        }
    }
}
