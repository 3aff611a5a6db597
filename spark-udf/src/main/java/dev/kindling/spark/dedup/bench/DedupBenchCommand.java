package dev.kindling.spark.dedup.bench;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.BadDocumentException;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.lsh.SimilarityJoin;
import dev.kindling.dedup.minhash.MinHashKernel;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.cli.SparkJobOptions;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.io.BadInputException;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.io.OnError;
import dev.kindling.spark.io.ReadOptions;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.RunReport;
import dev.kindling.spark.stage.StageContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindling bench dedup}: near-dedup speed and quality, printed as one JSON line.
 *
 * <ul>
 *   <li>MinHash signatures on one thread (MB/s of UTF-8 text; normalise + shingle + 112 permutations);</li>
 *   <li>the whole {@code --minhash} job on {@code --master} (default {@code local[2]}): read, order,
 *       signatures, buckets, verification, connected components, write; MB/s and where the time went;</li>
 *   <li>the truth: every pair at Jaccard ≥ threshold by an exact all-pairs similarity join
 *       ({@link SimilarityJoin}); precision and recall of the pairs each run puts in one cluster;</li>
 *   <li>{@code --compare-mllib}: the same input through Spark MLlib's MinHashLSH (5 tables),
 *       {@code approxSimilarityJoin} at distance 1 - threshold and GraphX connected components
 *       ({@link MllibBaseline}), timed over the same span (read to clusters), and the ratio.</li>
 * </ul>
 * {@code --generate FILE --corpus DIR} writes the benchmark input (the corpus near-duplicate set
 * plus short boilerplate pages); {@code --memory N} runs the job over N generated short documents
 * and reports the time and the peak heap.
 */
@Command(name = "dedup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Near-dedup benchmark: signature MB/s (one thread), the --minhash job on local[2] with its phases, "
                + "precision/recall against an exact all-pairs join, and with --compare-mllib the ratio against "
                + "Spark MLlib MinHashLSH + approxSimilarityJoin + GraphX connected components. One JSON line.",
                "--input is one local JSON Lines file (not a folder or glob), every row with an id and a text."})
public final class DedupBenchCommand extends SparkCommand {
    @Option(names = "--compare-mllib", description = "Also run Spark MLlib's MinHashLSH (5 tables) + approxSimilarityJoin + GraphX.")
    boolean compareMllib;

    @Option(names = "--threshold", paramLabel = "J", defaultValue = "0.8", description = "Jaccard threshold (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "5", description = "Time budget of the one-thread signature measurement (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--no-truth", description = "Skip the exact all-pairs truth (and precision/recall).")
    boolean noTruth;

    @Option(names = "--generate", paramLabel = "FILE.jsonl", description = "Write the benchmark input instead of measuring (needs --corpus).")
    Path generate;

    @Option(names = "--corpus", paramLabel = "DIR", description = "Directory holding sotu.jsonl.gz and moby-dick.jsonl (shared/data/corpus).")
    Path corpus;

    @Option(names = "--bases", paramLabel = "N", defaultValue = "500", description = "With --generate: base documents (x3 with their variants; default: ${DEFAULT-VALUE}).")
    int bases;

    @Option(names = "--pages", paramLabel = "N", defaultValue = "750", description = "With --generate: short pages sharing a boilerplate line (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--page-words", paramLabel = "N", defaultValue = "40", description = "With --generate: words per page before the boilerplate (default: ${DEFAULT-VALUE}).")
    int pageWords;

    @Option(names = "--memory", paramLabel = "N", description = "Memory benchmark: the --minhash job over N generated short documents.")
    Long memoryDocs;

    /** What the measurements read: where Spark runs and how it logs. */
    private static final Set<String> SPARK_OPTIONS = Set.of("--master", "--conf", "--verbose", "--no-progress");
    /**
     * What --generate reads: it writes the input of the measurements on this machine, measures nothing and starts no Spark
     * (it started a session it never used: seconds of start-up and a screen of Spark's logs), so Spark's options are refused.
     */
    static final Set<String> GENERATE_OPTIONS = Set.of("--verbose", "--generate", "--corpus", "--bases", "--pages", "--page-words");
    /** What --memory reads: the job over documents it writes itself, with their own id and text fields, and no truth. */
    static final Set<String> MEMORY_OPTIONS = union(SPARK_OPTIONS, "--memory", "--threshold");
    /** What the measurement of an --input file reads. */
    static final Set<String> INPUT_MODE_OPTIONS = union(SPARK_OPTIONS, "--input", "--id-column", "--text-column", "--threshold",
            "--seconds", "--no-truth", "--compare-mllib");

    private static Set<String> union(Set<String> base, String... more) {
        Set<String> all = new HashSet<>(base);
        all.addAll(List.of(more));
        return Set.copyOf(all);
    }

    /** Reads one JSON Lines file, failing on a bad row, and writes only into a temporary directory. */
    @Override
    protected Set<String> unusedInheritedOptions() {
        Set<String> unused = new HashSet<>(SparkJobOptions.OUTPUT_OPTIONS);
        unused.addAll(SparkJobOptions.BAD_ROW_OPTIONS);
        unused.add("--input-format");
        return unused;
    }

    @Override
    protected void validate() {
        if (!spec.commandLine().getParseResult().hasMatchedOption("--master")) {
            job.master = "local[2]";
        }
        if (generate != null) {
            refuseOptionsNotReadBy("--generate", GENERATE_OPTIONS, "the measurements (--input FILE, --memory N)");
        } else if (memoryDocs != null) {
            refuseOptionsNotReadBy("--memory", MEMORY_OPTIONS, "--input FILE or --generate FILE");
        } else {
            refuseOptionsNotReadBy("--input", INPUT_MODE_OPTIONS, "--generate FILE or --memory N");
        }
        if (generate != null && corpus == null) {
            throw KindlingException.usage("--generate needs --corpus DIR (shared/data/corpus)");
        }
        if (generate == null && memoryDocs == null && job.input.size() != 1) {
            throw KindlingException.usage("give one --input FILE.jsonl (or --generate FILE --corpus DIR, or --memory N)");
        }
        if (generate == null && memoryDocs == null && Files.isDirectory(Path.of(job.input.get(0)))) {
            // read as one file on this machine (the truth is computed here): a folder was "cannot read X: Is a directory", exit 1
            throw KindlingException.usage("--input " + job.input.get(0) + " is a directory; bench dedup reads one JSON Lines file");
        }
        // each value as typed, named (--memory -5 printed "documents":-5, --bases 0 was "/ by zero", --threshold 0 named
        // MinHashDedup's param)
        if (!(threshold > 0 && threshold < 1)) {
            throw KindlingException.usage("--threshold must be strictly between 0 and 1, got " + threshold);
        }
        if (!(seconds > 0 && seconds < Double.POSITIVE_INFINITY)) {
            throw KindlingException.usage("--seconds must be a finite number above 0, got " + seconds);
        }
        if (memoryDocs != null && memoryDocs < 1) {
            throw KindlingException.usage("--memory must be >= 1, got " + memoryDocs);
        }
        if (generate != null) {
            if (bases < 1) {
                throw KindlingException.usage("--bases must be >= 1, got " + bases);
            }
            if (pages < 0) {
                throw KindlingException.usage("--pages must be >= 0, got " + pages);
            }
            if (pageWords < 1) {
                throw KindlingException.usage("--page-words must be >= 1, got " + pageWords);
            }
            if (!Files.isDirectory(corpus)) {
                throw KindlingException.usage("--corpus " + corpus + " is not a directory (shared/data/corpus)");
            }
            // as every other writer refuses an existing output: a file of the user's there was replaced in silence
            if (Files.isDirectory(generate)) {
                throw KindlingException.usage("--generate " + generate + " is a directory; --generate names the JSON Lines file to write");
            }
            if (Files.exists(generate, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw KindlingException.usage("--generate " + generate + " already exists; remove it or give another file");
            }
        }
    }

    /** {@code --generate}: the benchmark input written without Spark. */
    @Override
    protected Integer runWithoutSpark() throws Exception {
        if (generate == null) {
            return null;
        }
        List<Document> docs;
        try {
            docs = BenchInputs.corpus(corpus, bases, 300, pages, pageWords, 5);
        } catch (IllegalArgumentException e) { // more words asked for than the corpus has: a value to change
            throw KindlingException.usage("--bases " + bases + ": " + e.getMessage());
        }
        BenchInputs.write(docs, generate);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bench", "dedup-generate");
        report.put("output", generate.toString());
        report.put("documents", docs.size());
        report.put("boilerplate_pages", pages);
        String line = new ObjectMapper().writeValueAsString(report);
        if (spec.commandLine().getOut() != null) {
            spec.commandLine().getOut().println(line);
            spec.commandLine().getOut().flush();
        } else {
            System.out.println(line);
        }
        return 0;
    }

    @Override
    protected int run(JobRun run) throws Exception {
        Map<String, Object> report;
        if (memoryDocs != null) {
            report = memory(run.spark(), memoryDocs);
        } else {
            report = measure(run.spark(), Path.of(job.input.get(0)));
        }
        run.out().println(new ObjectMapper().writeValueAsString(report));
        return 0;
    }

    private Map<String, Object> measure(SparkSession spark, Path input) throws IOException {
        List<Document> docs = readDocuments(input);
        if (docs.isEmpty()) {
            throw KindlingException.usage("input " + input + " has no documents to measure");
        }
        // the truth and the clusters are pairs of ids: an id given twice collapsed them (precision 2.0, a self-pair found)
        Set<String> ids = new HashSet<>();
        for (Document d : docs) {
            if (!ids.add(d.id())) {
                throw KindlingException.usage("input " + input + " has the id '" + d.id() + "' more than once; the benchmark pairs "
                        + "documents by id (--id-column " + job.idColumn + "): give each document its own");
            }
        }
        long bytes = 0;
        for (Document d : docs) {
            bytes += d.text().getBytes(StandardCharsets.UTF_8).length;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("bench", "dedup");
        r.put("input", input.toString());
        r.put("documents", docs.size());
        r.put("mb", bytes / 1e6);
        r.put("threshold", threshold);
        r.put("master", spark.sparkContext().master());
        r.put("signatures", signatureSpeed(docs, bytes));

        Set<String> truth = null;
        if (!noTruth) {
            long t = System.nanoTime();
            truth = truth(docs, threshold);
            Map<String, Object> tr = new LinkedHashMap<>();
            tr.put("pairs", truth.size());
            tr.put("method", "exact all-pairs similarity join (prefix filtering), single thread");
            tr.put("seconds", (System.nanoTime() - t) / 1e9);
            r.put("truth", tr);
        }
        Path work = Files.createTempDirectory("kindling-bench-dedup");
        try {
            // warm-up on a slice (JIT, Spark code generation), not timed
            Path slice = work.resolve("warmup.jsonl");
            BenchInputs.write(docs.subList(0, Math.min(300, docs.size())), slice);
            kindling(spark, slice, work.resolve("warm-k"));
            if (compareMllib) {
                mllib(spark, slice);
            }
            Map<String, Object> k = kindling(spark, input, work.resolve("kindling"));
            double kSeconds = (Double) k.get("seconds");
            k.put("mb_per_s", bytes / 1e6 / kSeconds);
            if (truth != null) {
                @SuppressWarnings("unchecked")
                Map<String, String> clusters = (Map<String, String>) k.remove("_clusters");
                k.putAll(quality(clusters, truth));
            }
            k.remove("_clusters");
            r.put("kindling", k);
            if (compareMllib) {
                Map<String, Object> m = mllib(spark, input);
                double mSeconds = (Double) m.get("seconds");
                m.put("mb_per_s", bytes / 1e6 / mSeconds);
                @SuppressWarnings("unchecked")
                Map<String, String> clusters = (Map<String, String>) m.remove("_clusters");
                if (truth != null) {
                    m.putAll(quality(clusters, truth));
                }
                r.put("mllib", m);
                r.put("kindling_speedup_vs_mllib", mSeconds / kSeconds);
            }
        } finally {
            delete(work);
        }
        r.put("java", System.getProperty("java.version"));
        r.put("cores", Runtime.getRuntime().availableProcessors());
        return r;
    }

    /**
     * The input's documents. A bad row is a data error naming file and line, as the other commands report one (it was
     * "cannot read FILE: FILE line 2: ..." with the hint to rerun with --verbose), and a missing file a usage error.
     */
    private List<Document> readDocuments(Path input) {
        try {
            return JsonlDocuments.read(input, job.idColumn, job.textColumn);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof BadDocumentException bad) {
                throw new BadInputException(BadInputException.describe(bad.file().toString(), null, bad.line(), bad.problem(), false));
            }
            if (e.getCause() instanceof NoSuchFileException) {
                throw KindlingException.usage("input " + input + " does not exist");
            }
            throw e;
        }
    }

    private Map<String, Object> signatureSpeed(List<Document> docs, long bytes) {
        MinHasher hasher = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR);
        long sink = 0;
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        do {
            for (Document d : docs) {
                sink += hasher.signature(d.text())[0];
            }
        } while (System.nanoTime() < warmEnd);
        // CPU time of this thread beside the wall time: on a shared machine the wall-clock rate says
        // how much of a core the thread got, the CPU-time rate what one core does
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpuTimed = threads.isCurrentThreadCpuTimeSupported();
        long cpuStart = cpuTimed ? threads.getCurrentThreadCpuTime() : 0;
        long start = System.nanoTime();
        long passes = 0;
        long deadline = start + (long) (seconds * 1e9);
        do {
            for (Document d : docs) {
                sink += hasher.signature(d.text())[0];
            }
            passes++;
        } while (System.nanoTime() < deadline);
        double s = (System.nanoTime() - start) / 1e9;
        double cpu = cpuTimed ? (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9 : Double.NaN;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threads", 1);
        m.put("num_perm", 112);
        m.put("ngram", 5);
        m.put("species", MinHashKernel.PREFERRED.toString());
        m.put("kernel", hasher.kernel().toString());
        m.put("mb_per_s", passes * bytes / 1e6 / s);
        if (cpuTimed) {
            m.put("mb_per_cpu_s", passes * bytes / 1e6 / cpu);
            m.put("cpu_share", cpu / s);
        }
        m.put("checksum", sink);
        return m;
    }

    private ReadOptions readOptions(Path input) {
        return new ReadOptions(List.of(input.toString()), DataFormat.JSONL, job.idColumn, job.textColumn, OnError.FAIL);
    }

    /** The --minhash job: read, MinHashDedup, write every row with its cluster id. */
    private Map<String, Object> kindling(SparkSession spark, Path input, Path output) {
        long t0 = System.nanoTime();
        Dataset<Row> docs = DatasetReader.read(spark, readOptions(input));
        MinHashDedup stage = new MinHashDedup().setThreshold(threshold).setClusterColumns(true);
        StageContext ctx = new StageContext(spark, job.idColumn, job.textColumn);
        Dataset<Row> out = stage.apply(docs, ctx);
        long tWrite = System.nanoTime();
        RunReport report = PipelineOutput.write(out, ctx,
                new PipelineOutput.Targets(new WriteOptions(output.toString(), DataFormat.JSONL, true, null), true, null, null),
                List.of("read", stage.name()), Set.of(), t0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        MinHashDedup.Run last = stage.lastRun();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", seconds);
        m.put("bands", last.params().bands());
        m.put("rows", last.params().rows());
        Map<String, Long> phases = new LinkedHashMap<>(last.phaseMillis());
        phases.put("output", (System.nanoTime() - tWrite) / 1_000_000);
        m.put("phases_ms", phases);
        m.put("candidate_pairs", last.candidatePairs());
        m.put("similar_pairs", last.similarPairs());
        m.put("duplicates", last.duplicates());
        m.put("documents_kept", report.documentsKept());
        Map<String, String> clusters = new HashMap<>();
        for (Row row : spark.read().json(output.toString()).select(job.idColumn, "cluster_id").collectAsList()) {
            clusters.put(row.getString(0), row.getString(1));
        }
        m.put("_clusters", clusters);
        return m;
    }

    private Map<String, Object> mllib(SparkSession spark, Path input) {
        long t0 = System.nanoTime();
        Dataset<Row> docs = DatasetReader.read(spark, readOptions(input)).where(col("reason").isNull());
        MllibBaseline.Result res = MllibBaseline.run(spark, docs, job.idColumn, job.textColumn, threshold, 42);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", seconds);
        m.put("hash_tables", 5);
        m.put("distance_threshold", Math.round((1 - threshold) * 1e9) / 1e9); // inclusive (see MllibBaseline)
        m.put("phases_ms", res.phaseMillis());
        m.put("join_pairs", res.joinPairs());
        Map<String, String> clusters = new HashMap<>();
        for (Row row : res.clusters().collectAsList()) {
            clusters.put(row.getString(0), Long.toString(row.getLong(1)));
        }
        res.clusters().unpersist(false);
        m.put("_clusters", clusters);
        return m;
    }

    /**
     * Precision and recall of the pairs put in one cluster (documents absent from the map, or with no cluster, are alone:
     * the rows the reader set aside, empty texts among them, have a null cluster_id, and were counted as one cluster).
     */
    static Map<String, Object> quality(Map<String, String> clusterOf, Set<String> truth) {
        Map<String, List<String>> members = new HashMap<>();
        clusterOf.forEach((id, c) -> {
            if (c != null) {
                members.computeIfAbsent(c, k -> new ArrayList<>()).add(id);
            }
        });
        long clusterPairs = 0;
        for (List<String> m : members.values()) {
            clusterPairs += (long) m.size() * (m.size() - 1) / 2;
        }
        long tp = 0;
        for (String p : truth) {
            String[] ab = p.split("\t");
            String ca = clusterOf.get(ab[0]);
            if (ca != null && ca.equals(clusterOf.get(ab[1]))) {
                tp++;
            }
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("cluster_pairs", clusterPairs);
        q.put("precision", clusterPairs == 0 ? 1.0 : (double) tp / clusterPairs);
        q.put("recall", truth.isEmpty() ? 1.0 : (double) tp / truth.size());
        return q;
    }

    static Set<String> truth(List<Document> docs, double threshold) {
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        List<long[]> sets = new ArrayList<>();
        for (Document d : docs) {
            sets.add(sh.shingleSet(d.text()));
        }
        Set<String> out = new HashSet<>();
        for (int[] p : SimilarityJoin.pairs(sets, threshold)) {
            String a = docs.get(p[0]).id();
            String b = docs.get(p[1]).id();
            out.add(a.compareTo(b) < 0 ? a + "\t" + b : b + "\t" + a);
        }
        return out;
    }

    private Map<String, Object> memory(SparkSession spark, long n) throws IOException {
        Path work = Files.createTempDirectory("kindling-bench-memory");
        try {
            Path input = work.resolve("short.jsonl");
            long tg = System.nanoTime();
            BenchInputs.writeShort(input, n, 7);
            double genSeconds = (System.nanoTime() - tg) / 1e9;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            HeapSampler sampler = new HeapSampler();
            sampler.start();
            Map<String, Object> k;
            try {
                k = kindlingNoClusters(spark, input, work.resolve("out"));
            } finally {
                sampler.stop = true;
            }
            long peakPools = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                    peakPools += pool.getPeakUsage().getUsed();
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("bench", "dedup-memory");
            r.put("documents", n);
            r.put("mb", Files.size(input) / 1e6);
            r.put("generate_seconds", genSeconds);
            r.putAll(k);
            r.put("max_heap_mb", Runtime.getRuntime().maxMemory() / 1e6);
            r.put("peak_heap_used_mb", sampler.peak / 1e6);
            r.put("peak_heap_pools_mb", peakPools / 1e6);
            r.put("master", spark.sparkContext().master());
            return r;
        } finally {
            delete(work);
        }
    }

    private Map<String, Object> kindlingNoClusters(SparkSession spark, Path input, Path output) {
        long t0 = System.nanoTime();
        Dataset<Row> docs = DatasetReader.read(spark, readOptions(input));
        MinHashDedup stage = new MinHashDedup().setThreshold(threshold);
        StageContext ctx = new StageContext(spark, job.idColumn, job.textColumn);
        Dataset<Row> out = stage.apply(docs, ctx);
        long tWrite = System.nanoTime();
        RunReport report = PipelineOutput.write(out, ctx,
                new PipelineOutput.Targets(new WriteOptions(output.toString(), DataFormat.JSONL, true, null), false, null, null),
                List.of("read", stage.name()), Set.of(), t0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", (System.nanoTime() - t0) / 1e9);
        Map<String, Long> phases = new LinkedHashMap<>(stage.lastRun().phaseMillis());
        phases.put("output", (System.nanoTime() - tWrite) / 1_000_000);
        m.put("phases_ms", phases);
        m.put("candidate_pairs", stage.lastRun().candidatePairs());
        m.put("similar_pairs", stage.lastRun().similarPairs());
        m.put("documents_kept", report.documentsKept());
        m.put("documents_dropped", report.documentsDropped());
        return m;
    }

    /** Samples the used heap every 50 ms (the peak of Runtime's used memory). */
    private static final class HeapSampler extends Thread {
        volatile boolean stop;
        volatile long peak;

        HeapSampler() {
            setDaemon(true);
            setName("kindling-heap-sampler");
        }

        @Override
        public void run() {
            Runtime rt = Runtime.getRuntime();
            while (!stop) {
                peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void delete(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temporary files: best effort
        }
    }
}
