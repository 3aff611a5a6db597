package dev.kindling.inference.bench;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.ScoreResult;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the engine costs per row and per step beyond the model's own arithmetic, on a tiny model where that overhead
 * dominates (stories260K): CPU time, which other processes on a shared machine disturb far less than wall time.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... dev.kindling.inference.bench.StepCostBench \
 *       --model stories260K.bin --tokenizer tok512.bin [--threads 2] [--rows 2000] [--rounds 5] [--warmup 1] [--cases gen1,gen64,score]
 * </pre>
 *
 * Three cases, interleaved within every round (so a drift of the machine's speed favours none):
 * <ul>
 *   <li>{@code gen1}: {@code rows} short text prompts, greedy, max tokens 1, kept {@code 2 x maxSequences} in flight as
 *   {@code kindling generate --input} does;</li>
 *   <li>{@code gen64}: 16 prompts generating 64 tokens each (ignoring EOS) together, {@code rows / 250} times;</li>
 *   <li>{@code score}: {@code rows} short texts scored, {@code 2 x maxSequences} in flight (as the Score stage).</li>
 * </ul>
 * Per case and round it prints the rows, the steps the scheduler ran, the process's CPU ms (every thread: callers,
 * step thread, workers, JIT and GC), the step thread's and the workers' CPU ms and the wall ms; the summary gives the
 * medians over the rounds of process CPU ms per row, step-thread CPU ms per row, and process and step-thread CPU
 * microseconds per step.
 */
public final class StepCostBench {
    private StepCostBench() {}

    /** One case's measures in one round. */
    record Measure(int rows, long steps, double processMs, double stepMs, double workerMs, double wallMs) {}

    public static void main(String[] args) throws Exception {
        String model = null, tokenizer = null;
        int threads = Runtime.getRuntime().availableProcessors(), rows = 2000, rounds = 5, warmup = 1;
        List<String> cases = List.of("gen1", "gen64", "score");
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--model" -> { model = v; i++; }
                case "--tokenizer" -> { tokenizer = v; i++; }
                case "--threads" -> { threads = Integer.parseInt(v); i++; }
                case "--rows" -> { rows = Integer.parseInt(v); i++; }
                case "--rounds" -> { rounds = Integer.parseInt(v); i++; }
                case "--warmup" -> { warmup = Integer.parseInt(v); i++; }
                case "--cases" -> { cases = List.of(v.split(",")); i++; }
                default -> {
                    System.err.println("StepCostBench: unknown argument " + args[i]
                            + " (expected --model, --tokenizer, --threads, --rows, --rounds, --warmup, --cases)");
                    System.exit(2);
                }
            }
        }
        if (model == null || tokenizer == null) {
            System.err.println("usage: StepCostBench --model M.bin --tokenizer tok.bin [--threads 2] [--rows 2000] [--rounds 5] [--warmup 1] [--cases gen1,gen64,score]");
            System.exit(2);
        }
        EngineOptions o = EngineOptions.defaults().withThreads(threads).withDevice("cpu").withTokenizer(Path.of(tokenizer));
        Map<String, List<Measure>> all = new LinkedHashMap<>();
        try (Engine e = Engine.open(Path.of(model), o)) {
            System.out.println("# " + e.device() + ", " + rows + " rows, java " + System.getProperty("java.version"));
            System.out.println("round case rows steps process_cpu_ms step_cpu_ms worker_cpu_ms wall_ms");
            for (int r = 0; r < warmup + rounds; r++) {
                // the order of the cases rotates with the round
                for (int k = 0; k < cases.size(); k++) {
                    String c = cases.get((k + r) % cases.size());
                    Measure m = measure(e, c, rows, r);
                    System.out.printf(Locale.ROOT, "%s %s %d %d %.1f %.1f %.1f %.1f%n", r < warmup ? "warmup" : String.valueOf(r - warmup + 1),
                            c, m.rows, m.steps, m.processMs, m.stepMs, m.workerMs, m.wallMs);
                    if (r >= warmup) {
                        all.computeIfAbsent(c, x -> new ArrayList<>()).add(m);
                    }
                }
            }
        }
        System.out.println("case process_ms_per_row step_ms_per_row process_us_per_step step_us_per_step (medians)");
        for (String c : cases) {
            List<Measure> ms = all.get(c);
            System.out.printf(Locale.ROOT, "%s %.3f %.3f %.1f %.1f%n", c,
                    median(ms.stream().mapToDouble(m -> m.processMs / m.rows).toArray()),
                    median(ms.stream().mapToDouble(m -> m.stepMs / m.rows).toArray()),
                    median(ms.stream().mapToDouble(m -> 1000 * m.processMs / m.steps).toArray()),
                    median(ms.stream().mapToDouble(m -> 1000 * m.stepMs / m.steps).toArray()));
        }
    }

    static Measure measure(Engine e, String c, int rows, int round) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long step0 = threadCpu(mx, "kindling-engine");
        long work0 = threadCpu(mx, "kindling-cpu-");
        long proc0 = os.getProcessCpuTime();
        long steps0 = e.stats().steps;
        long wall0 = System.nanoTime();
        int n = switch (c) {
            case "gen1" -> gen1(e, rows, round);
            case "gen64" -> gen64(e, Math.max(1, rows / 250), round);
            case "score" -> score(e, rows, round);
            default -> throw new IllegalArgumentException("unknown case " + c);
        };
        return new Measure(n, e.stats().steps - steps0, (os.getProcessCpuTime() - proc0) / 1e6,
                (threadCpu(mx, "kindling-engine") - step0) / 1e6, (threadCpu(mx, "kindling-cpu-") - work0) / 1e6,
                (System.nanoTime() - wall0) / 1e6);
    }

    /** A short story opening, different for every row and round. */
    static String prompt(int i, int round) {
        String[] who = {"Lily", "Tom", "a little dog", "the sun", "Ben", "a big bird", "Mom", "the cat"};
        String[] did = {"was happy", "saw a tree", "wanted to play", "had a red ball", "went to the park", "was sad"};
        return "Once upon a time, " + who[(i + round) % who.length] + " " + did[(i * 7 + round) % did.length]
                + (i % 3 == 0 ? ". One day" : i % 3 == 1 ? " and" : ". Then");
    }

    private static int gen1(Engine e, int rows, int round) {
        int window = 2 * e.options().maxSequences();
        ArrayDeque<CompletableFuture<Completion>> inFlight = new ArrayDeque<>();
        for (int i = 0; i < rows; i++) {
            if (inFlight.size() >= window) {
                inFlight.poll().join();
            }
            inFlight.add(e.submit(GenerationRequest.of(prompt(i, round)).withMaxTokens(1), null));
        }
        inFlight.forEach(CompletableFuture::join);
        return rows;
    }

    private static int gen64(Engine e, int batches, int round) {
        for (int b = 0; b < batches; b++) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                fs.add(e.submit(GenerationRequest.of(prompt(16 * b + i, round)).withMaxTokens(64).withIgnoreEos(true), null));
            }
            for (CompletableFuture<Completion> f : fs) {
                if (f.join().tokens().length != 64) {
                    throw new IllegalStateException("gen64: a generation ended short of 64 tokens");
                }
            }
        }
        return 16 * batches;
    }

    private static int score(Engine e, int rows, int round) {
        int window = 2 * e.options().maxSequences();
        ArrayDeque<CompletableFuture<ScoreResult>> inFlight = new ArrayDeque<>();
        for (int i = 0; i < rows; i++) {
            if (inFlight.size() >= window) {
                inFlight.poll().join();
            }
            inFlight.add(e.submitScore(e.encode(prompt(i, round + 17))));
        }
        inFlight.forEach(CompletableFuture::join);
        return rows;
    }

    /** CPU nanoseconds of the live threads whose name starts with {@code prefix}. */
    static long threadCpu(ThreadMXBean mx, String prefix) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                long v = mx.getThreadCpuTime(t.getId());
                sum += Math.max(0, v);
            }
        }
        return sum;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
