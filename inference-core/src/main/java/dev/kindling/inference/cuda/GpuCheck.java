package dev.kindling.inference.cuda;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.ScoreResult;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.cuda.pack.Kind;
import dev.kindling.inference.engine.Scheduler;
import dev.kindling.inference.gguf.GgufModelLoader;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import dev.kindling.inference.sample.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Everything the GPU machine has to show, in one run ({@code bench/gpu-check.sh} starts it):
 * <ol>
 *   <li><b>env</b>: driver, device, PTX JIT of both variants;</li>
 *   <li><b>kernels</b>: each kernel against its Java twin on random inputs, and the invariances
 *       ({@link GpuKernelChecks});</li>
 *   <li><b>model</b>: the CUDA backend against the CPU backend (logits relative error below 1e-3
 *       for F32 models, 1e-2 for 16-bit activations; argmax agreement), stories260K's greedy ids
 *       equal to llama2.c's, batched and single runs identical, the engine on {@code --device cuda};</li>
 *   <li><b>timing</b>: issue 7's table on synthetic random weights in Llama shapes (bf16), through
 *       the engine's scheduler, with ratios to the transformers figures measured on this machine,
 *       and the projections alone against the bandwidth/compute roofline.</li>
 * </ol>
 * Results are printed, appended to {@code OUT/results.jsonl} as they come, and tabulated at the end.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp '.device/lib/*' dev.kindling.inference.cuda.GpuCheck \
 *       --data .device/data --out $OUT [--skip timing] [--budget-seconds 500]
 * </pre>
 */
public final class GpuCheck {
    /** Transformers on this machine (tools/gpu/README.md, 2026-11-29). */
    static final double HF_1B_B128 = 2144, HF_8B_B64 = 763, HF_8B_SCORE = 33207, HF_8B_B1 = 11.4;
    static final double TB_S = 4.3e12, TFLOPS = 790e12;

    private final CheckReport r;
    private final Path data;
    private final Path work;
    private final long deadline;
    private final List<String> skip;

    GpuCheck(CheckReport r, Path data, Path work, long budgetSeconds, List<String> skip) {
        this.r = r;
        this.data = data;
        this.work = work;
        this.deadline = System.nanoTime() + budgetSeconds * 1_000_000_000L;
        this.skip = skip;
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(".device/data");
        Path out = Path.of("gpu-check-out");
        long budget = 500;
        List<String> skip = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--budget-seconds" -> budget = Long.parseLong(args[++i]);
                case "--skip" -> skip.addAll(Arrays.asList(args[++i].split(",")));
                default -> {
                    System.err.println("usage: GpuCheck [--data DIR] [--out DIR] [--budget-seconds N] [--skip kernels,model,timing,compat]");
                    System.exit(2);
                }
            }
        }
        List<String> sections = List.of("env", "kernels", "model", "timing", "compat");
        try (CheckReport r = new CheckReport(out)) {
            GpuCheck c = new GpuCheck(r, data, Files.createTempDirectory("gpu-check"), budget, skip);
            if (c.env()) {
                c.section("kernels", c::kernels);
                c.section("model", c::model);
                c.section("timing", c::timing);
                c.section("compat", c::compat);
            }
            r.table(sections);
            System.exit(r.count(CheckReport.Status.FAIL) == 0 ? 0 : 1);
        }
    }

    private void section(String name, Runnable body) {
        if (skip.contains(name)) {
            r.add(name, "(section)", CheckReport.Status.SKIP, "", "--skip " + name);
            return;
        }
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            r.fail(name, "(section)", e);
        }
    }

    private boolean timeLeft(String section, String name) {
        if (System.nanoTime() < deadline) {
            return true;
        }
        r.add(section, name, CheckReport.Status.SKIP, "", "out of time (--budget-seconds)");
        return false;
    }

    // ------------------------------------------------------------------ env

    boolean env() {
        CudaProbe.Result p = CudaProbe.get();
        r.check("env", "CUDA available", p.available(), p.available() ? p.devices() + " device(s)" : "no",
                p.available() ? "driver API " + CudaProbe.version(p.driverVersion()) : p.reason());
        if (!p.available()) {
            return false;
        }
        try (CudaContext ctx = CudaContext.open(0)) {
            r.info("env", "device", ctx.info.name(), ctx.info.toString() + ", " + ctx.info.l2Bytes() / 1048576 + " MiB L2, "
                    + ctx.info.sharedPerBlockOptin() / 1024 + " KiB shared/block");
            String variant = Ptx.variantFor(ctx.info.major(), ctx.info.minor());
            r.check("env", "PTX variant for compute " + ctx.info.major() + "." + ctx.info.minor(), variant != null,
                    String.valueOf(variant), "");
            if (variant != null) {
                try (Kernels k = new Kernels(ctx, variant)) {
                    Map<String, Long> ms = k.loadAll();
                    r.check("env", "JIT " + variant + " PTX (every module)", true,
                            ms.values().stream().mapToLong(Long::longValue).sum() + " ms", "per module " + ms);
                } catch (RuntimeException e) {
                    r.fail("env", "JIT " + variant + " PTX", e);
                    return false;
                }
            }
            return variant != null;
        }
    }

    /** The portable compute_80 PTX JIT-compiles on this device too (what an Ampere/Ada GPU would load). */
    void compat() {
        if (!timeLeft("compat", "JIT compute_80 PTX")) {
            return;
        }
        try (CudaContext ctx = CudaContext.open(0); Kernels k = new Kernels(ctx, "compute_80")) {
            Map<String, Long> ms = k.loadAll();
            r.check("compat", "JIT compute_80 PTX (every module)", true, ms.values().stream().mapToLong(Long::longValue).sum() + " ms",
                    "per module " + ms);
        } catch (RuntimeException e) {
            r.fail("compat", "JIT compute_80 PTX", e);
        }
    }

    // ------------------------------------------------------------------ kernels

    void kernels() {
        try (CudaContext ctx = CudaContext.open(0)) {
            Kernels k = new Kernels(ctx, Ptx.variantFor(ctx.info.major(), ctx.info.minor()));
            try {
                GemmConfig[] all = {GemmConfig.S, GemmConfig.M, GemmConfig.L};
                for (Kind kind : Kind.values()) {
                    if (kind != Kind.F32) {
                        for (GemmConfig g : all) {
                            k.allowSharedMemory(g.kernel(kind), g.sharedBytes(kind));
                        }
                    }
                }
                new GpuKernelChecks(r, ctx, k).runAll();
            } finally {
                k.close();
            }
        }
    }

    // ------------------------------------------------------------------ model

    static final CudaOptions CHECK = CudaOptions.defaults().withKvBudgetBytes(1L << 30).withMaxBatchTokens(1200);

    static Model load(Path p) {
        if (GgufFile.looksLikeGguf(p)) {
            try (GgufFile f = GgufFile.open(p)) {
                return GgufModelLoader.load(f);
            }
        }
        return Llama2cLoader.load(p);
    }

    void model() {
        Path stories = data.resolve("llama2c/stories260K.bin");
        for (String f : List.of("llama2c/stories260K.bin", "llama2c/stories260K.gguf", "gguf-models/llama-2-tiny-random.gguf")) {
            if (timeLeft("model", f)) {
                guard("model", f, () -> compareWithCpu(data.resolve(f), f.contains("stories") ? 1e-3 : 1e-2, 40));
            }
        }
        if (timeLeft("model", "stories260K greedy")) {
            guard("model", "stories260K greedy", () -> storiesGreedy(stories));
        }
        for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K)) {
            String name = "random " + t + " (2 layers, 256 wide, GQA 4:1)";
            if (timeLeft("model", name)) {
                guard("model", name, () -> {
                    Path f = work.resolve("small-" + t + ".gguf");
                    RandomModels.small().write(f, t, 42, t == GgmlType.Q4_0);
                    compareWithCpu(f, t == GgmlType.F32 ? 1e-3 : quantized(t) ? 5e-2 : 1e-2, 48);
                });
            }
        }
        RandomModels mid = new RandomModels(2, 2048, 32, 8, 8192, 8000, 4096, 0);
        for (GgmlType t : List.of(GgmlType.F16, GgmlType.BF16, GgmlType.Q4_K)) {
            String name = "random " + t + " (2 layers, 2048 wide, 32/8 heads)";
            if (timeLeft("model", name)) {
                guard("model", name, () -> {
                    Path f = work.resolve("mid-" + t + ".gguf");
                    mid.write(f, t, 7, false);
                    compareWithCpu(f, quantized(t) ? 5e-2 : 1e-2, 24);
                    if (t == GgmlType.F16) {
                        batchedVsSingle(f);
                    }
                });
            }
        }
        RandomModels win = new RandomModels(1, 256, 8, 2, 512, 384, 2048, 300);
        if (timeLeft("model", "sliding window, 1100 positions")) {
            guard("model", "sliding window, 1100 positions", () -> {
                Path f = work.resolve("window.gguf");
                win.write(f, GgmlType.F16, 3, false);
                compareWithCpu(f, 1e-2, 1100);
            });
        }
        if (timeLeft("model", "causal, 1100 positions")) {
            // positions past 512 take several flash-decoding splits with every position attended (the window above
            // leaves the first split empty)
            guard("model", "causal, 1100 positions", () -> {
                Path f = work.resolve("causal.gguf");
                new RandomModels(1, 256, 8, 2, 512, 384, 2048, 0).write(f, GgmlType.F16, 3, false);
                compareWithCpu(f, 1e-2, 1100);
            });
        }
        if (timeLeft("model", "engine --device cuda")) {
            guard("model", "engine --device cuda", () -> engine(stories));
        }
    }

    /** A check that may throw anything: a failure row, never the end of the run. */
    interface Check {
        void run() throws Exception;
    }

    private void guard(String section, String name, Check body) {
        try {
            body.run();
        } catch (Exception | Error e) {
            r.fail(section, name, e);
        }
    }

    static boolean quantized(GgmlType t) {
        return t != GgmlType.F32 && t != GgmlType.F16 && t != GgmlType.BF16;
    }

    static int[] prompt(int n, int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = 3 + rnd.nextInt(vocab - 3);
        }
        return t;
    }

    static float[] prefill(Backend b, int[] tokens) {
        int[] table = new int[(tokens.length + 15) / 16];
        for (int i = 0; i < table.length; i++) {
            table[i] = i;
        }
        Step s = new Step(tokens.length);
        int seq = s.addSequence(table);
        for (int i = 0; i < tokens.length; i++) {
            s.addToken(seq, tokens[i], i, true);
        }
        b.forward(s);
        return Arrays.copyOf(s.logits, tokens.length * b.config().vocabSize());
    }

    void compareWithCpu(Path file, double limit, int tokens) {
        Model m = load(file);
        int vocab = m.config().vocabSize();
        int[] t = prompt(tokens, vocab, 5);
        float[] want;
        try (CpuBackend cpu = new CpuBackend(m, Runtime.getRuntime().availableProcessors(), tokens, 16, 1L << 30)) {
            want = prefill(cpu, t);
        }
        float[] got;
        String describe;
        try (CudaBackend gpu = CudaBackend.open(m, CHECK)) {
            describe = gpu.weights().act + " activations, " + gpu.weights().kv + " KV";
            got = prefill(gpu, t);
        }
        double worst = 0;
        int argmaxSame = 0;
        for (int row = 0; row < tokens; row++) {
            double num = 0, den = 0;
            int ag = 0, aw = 0;
            for (int v = 0; v < vocab; v++) {
                double d = (double) got[row * vocab + v] - want[row * vocab + v];
                num += d * d;
                den += (double) want[row * vocab + v] * want[row * vocab + v];
                if (got[row * vocab + v] > got[row * vocab + ag]) {
                    ag = v;
                }
                if (want[row * vocab + v] > want[row * vocab + aw]) {
                    aw = v;
                }
            }
            double e = Math.sqrt(num / den);
            worst = Math.max(worst, Double.isNaN(e) ? Double.POSITIVE_INFINITY : e);
            argmaxSame += ag == aw ? 1 : 0;
        }
        String name = file.getFileName().toString();
        r.check("model", name + " logits vs CPU", worst < limit, String.format(Locale.ROOT, "worst row %.2e", worst),
                "limit " + limit + ", " + tokens + " positions, " + describe);
        // quantized weights: inputs rounded to Q8 blocks on both sides, a discontinuous rounding that
        // can resolve a near-tie of a random model the other way (see ReferenceBackendTest)
        r.check("model", name + " argmax vs CPU", argmaxSame >= (limit > 1e-2 ? 0.9 : 1.0) * tokens, argmaxSame + "/" + tokens,
                "same next token" + (limit > 1e-2 ? " (at least 90%)" : ""));
    }

    static int[] expectedGreedyIds(Path provenance) throws IOException {
        String md = Files.readString(provenance);
        int at = md.indexOf("Greedy token ids for the first 256");
        int start = md.indexOf("```", at) + 3;
        int end = md.indexOf("```", start);
        return Arrays.stream(md.substring(start, end).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    void storiesGreedy(Path stories) {
        try {
            int[] expected = expectedGreedyIds(data.resolve("llama2c/PROVENANCE.md"));
            for (Path f : List.of(stories, data.resolve("llama2c/stories260K.gguf"))) {
                Model m = load(f);
                try (CudaBackend gpu = CudaBackend.open(m, CHECK); Scheduler s = new Scheduler(gpu, null, new int[] {2}, 1, 4)) {
                    Completion c = s.generate(new int[] {1}, GenerationRequest.ofTokens(1).withMaxTokens(256).withIgnoreEos(true), null).get();
                    int same = 0;
                    while (same < expected.length && same < c.tokens().length && c.tokens()[same] == expected[same]) {
                        same++;
                    }
                    r.check("model", f.getFileName() + " greedy 256 = llama2.c", Arrays.equals(expected, c.tokens()),
                            same + "/256 ids", "graphs replayed " + gpu.graphReplays + ", captured " + gpu.graphCaptures);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void batchedVsSingle(Path file) {
        Model m = load(file);
        int vocab = m.config().vocabSize();
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GenerationRequest g = GenerationRequest.ofTokens(prompt(20 + 7 * i, vocab, 100 + i)).withMaxTokens(24).withIgnoreEos(true);
            reqs.add(i % 2 == 0 ? g : g.withSampling(SamplingParams.temperature(0.9f, 1000 + i).withTopK(40).withTopP(0.95f)));
        }
        try (CudaBackend gpu = CudaBackend.open(m, CHECK)) {
            int[][] together = new int[reqs.size()][];
            try (Scheduler s = new Scheduler(gpu, null, new int[0], 1, 8)) {
                List<CompletableFuture<Completion>> fs = new ArrayList<>();
                for (GenerationRequest q : reqs) {
                    fs.add(s.generate(q.promptTokens(), q, null));
                }
                for (int i = 0; i < fs.size(); i++) {
                    together[i] = fs.get(i).get().tokens();
                }
            }
            int same = 0;
            for (int i = 0; i < reqs.size(); i++) {
                try (Scheduler s = new Scheduler(gpu, null, new int[0], 1, 8)) {
                    int[] alone = s.generate(reqs.get(i).promptTokens(), reqs.get(i), null).get().tokens();
                    same += Arrays.equals(alone, together[i]) ? 1 : 0;
                }
            }
            r.check("model", "batched = single (6 requests, greedy and seeded top-k/top-p)", same == reqs.size(),
                    same + "/" + reqs.size(), "identical token ids");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void engine(Path stories) {
        EngineOptions o = EngineOptions.defaults().withDevice("cuda").withKvBudgetBytes(1L << 28);
        try (Engine e = Engine.open(stories, o)) {
            Completion c = e.generate(GenerationRequest.ofTokens(1).withMaxTokens(256).withIgnoreEos(true));
            int[] expected = expectedGreedyIds(data.resolve("llama2c/PROVENANCE.md"));
            r.check("model", "Engine.open(--device cuda) greedy = llama2.c", e.device().startsWith("cuda")
                    && Arrays.equals(expected, c.tokens()), e.device(), "");
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        paddedVocabulary();
    }

    /**
     * stories260K.gguf with its vocabulary cut to 500 of its 512 rows: generation at temperature 10 (nearly uniform)
     * samples on the device only ids with text, as the CPU engine does, with the same seeds.
     */
    void paddedVocabulary() {
        try {
            Path full = data.resolve("llama2c/stories260K.gguf");
            paddedVocabulary(full, "full vocabulary (512 ids)", 512);
            paddedVocabulary(RandomModels.withVocabularyCut(full, 500, work.resolve("stories-500.gguf")),
                    "padded vocabulary (500 ids, 512 rows)", 500);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Seeded generations at temperature 10 on the device and on the CPU: no id at or past {@code ids}, and the tokens
     * the same but where the two backends' last-bit differences move a draw across a boundary (the first differing
     * position of each request is listed; every later one follows from it). At temperature 10 many tokens are nearly
     * tied, and top-p sorts them: a last-bit difference swaps two and the same coin lands on the other (on the H200,
     * one of the 8 requests, both times a top-p one, with the full vocabulary as with the cut one).
     */
    void paddedVocabulary(Path f, String name, int ids) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            reqs.add(GenerationRequest.ofTokens(1).withMaxTokens(64).withIgnoreEos(true)
                    .withSampling(SamplingParams.temperature(10f, 100 + i).withTopP(i % 2 == 0 ? 1f : 0.99f)));
        }
        List<Completion> gpu;
        List<Completion> cpu;
        try (Engine e = Engine.open(f, EngineOptions.defaults().withDevice("cuda").withKvBudgetBytes(1L << 28))) {
            gpu = e.generate(reqs);
        }
        try (Engine e = Engine.open(f, EngineOptions.defaults().withDevice("cpu"))) {
            cpu = e.generate(reqs);
        }
        int past = 0, sameRequests = 0;
        StringBuilder firstDiff = new StringBuilder();
        for (int i = 0; i < reqs.size(); i++) {
            int[] g = gpu.get(i).tokens(), c = cpu.get(i).tokens();
            int j = 0;
            while (j < g.length && j < c.length && g[j] == c[j]) {
                j++;
            }
            if (j == g.length && g.length == c.length) {
                sameRequests++;
            } else {
                firstDiff.append(" request ").append(i).append(" at ").append(j).append(": ")
                        .append(j < g.length ? g[j] : -1).append(" vs ").append(j < c.length ? c[j] : -1).append(';');
            }
            for (int t : g) {
                past += t >= ids ? 1 : 0;
            }
        }
        r.check("model", name + " on the device", past == 0 && sameRequests >= reqs.size() - 1,
                past + " ids past " + ids + ", " + sameRequests + "/" + reqs.size() + " requests = CPU",
                "temperature 10, device sampling, 8 seeds x 64 tokens" + firstDiff);
    }

    // ------------------------------------------------------------------ timing

    static ModelConfig llama1b() {
        return new ModelConfig(Architecture.LLAMA, 2048, 8192, 16, 32, 8, 64, 128256, 4096, 1e-5f,
                new Rope(RopeStyle.ADJACENT, 64, 500000, 1, null), 0, true);
    }

    static ModelConfig llama8b() {
        return new ModelConfig(Architecture.LLAMA, 4096, 14336, 32, 32, 8, 128, 128256, 4096, 1e-5f,
                new Rope(RopeStyle.ADJACENT, 128, 500000, 1, null), 0, false);
    }

    static final CudaOptions BENCH = CudaOptions.defaults().withKvBudgetBytes(12L << 30).withMaxBatchTokens(8192);

    void timing() {
        if (timeLeft("timing", "1B")) {
            guard("timing", "1B", () -> {
                try (CudaBackend b = CudaBackend.synthetic(llama1b(), Kind.BF16, BENCH, 1)) {
                    r.info("timing", "1B bf16 weights", b.weights().bytesPerToken() / 1_000_000 + " MB/token", b.describe());
                    generateCase(b, "1B batch 128, 128 in / 128 out", 128, 128, 128, HF_1B_B128, 21000);
                    if (timeLeft("timing", "1B projections")) {
                        products(b, "1B");
                    }
                }
            });
        }
        if (timeLeft("timing", "8B")) {
            guard("timing", "8B", () -> {
                try (CudaBackend b = CudaBackend.synthetic(llama8b(), Kind.BF16, BENCH, 2)) {
                    long bytes = b.weights().bytesPerToken();
                    r.info("timing", "8B bf16 weights", bytes / 1_000_000 + " MB/token", b.describe());
                    generateCase(b, "8B batch 64, 128 in / 128 out", 64, 128, 128, HF_8B_B64, 7600);
                    if (timeLeft("timing", "8B scoring")) {
                        scoreCase(b, "8B scoring 16 x 512", 16, 512, HF_8B_SCORE, 33000);
                    }
                    if (timeLeft("timing", "8B batch 1")) {
                        batchOneCase(b, bytes);
                    }
                    if (timeLeft("timing", "8B projections")) {
                        products(b, "8B");
                    }
                }
            });
        }
    }

    /** B requests of P random prompt tokens, G greedy outputs each, through the scheduler; after a warm-up. */
    void generateCase(CudaBackend b, String name, int batch, int promptLen, int gen, double hf, double target) {
        int vocab = b.config().vocabSize();
        runGenerate(b, batch, promptLen, 8, 77); // warm-up: JIT, graph capture for this batch size
        long replays0 = b.graphReplays;
        double sec = runGenerate(b, batch, promptLen, gen, 78);
        double tokS = batch * (double) gen / sec;
        r.check("timing", name + " output tok/s", tokS >= target, String.format(Locale.ROOT, "%.0f", tokS),
                String.format(Locale.ROOT, "%.1fx transformers (%.0f); target %.0f; %.2f s; graph replays %d; vocab %d",
                        tokS / hf, hf, target, sec, b.graphReplays - replays0, vocab));
    }

    static double runGenerate(CudaBackend b, int batch, int promptLen, int gen, long seed) {
        int vocab = b.config().vocabSize();
        try (Scheduler s = new Scheduler(b, null, new int[0], 1, batch)) {
            long t0 = System.nanoTime();
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                int[] p = prompt(promptLen, vocab, seed * 1000 + i);
                fs.add(s.generate(p, GenerationRequest.ofTokens(p).withMaxTokens(gen).withIgnoreEos(true), null));
            }
            for (CompletableFuture<Completion> f : fs) {
                f.get();
            }
            return (System.nanoTime() - t0) / 1e9;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void scoreCase(CudaBackend b, String name, int texts, int len, double hf, double target) {
        int vocab = b.config().vocabSize();
        double sec = 0;
        for (int round = 0; round < 2; round++) { // the first is the warm-up
            try (Scheduler s = new Scheduler(b, null, new int[0], 1, texts)) {
                long t0 = System.nanoTime();
                List<CompletableFuture<ScoreResult>> fs = new ArrayList<>();
                for (int i = 0; i < texts; i++) {
                    fs.add(s.score(prompt(len, vocab, 500 + 100 * round + i)));
                }
                for (CompletableFuture<ScoreResult> f : fs) {
                    f.get();
                }
                sec = (System.nanoTime() - t0) / 1e9;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        double tokS = texts * (double) len / sec;
        r.check("timing", name + " tok/s", tokS >= target, String.format(Locale.ROOT, "%.0f", tokS),
                String.format(Locale.ROOT, "%.2fx transformers (%.0f); target %.0f; %.3f s", tokS / hf, hf, target, sec));
    }

    void batchOneCase(CudaBackend b, long bytesPerToken) {
        int vocab = b.config().vocabSize();
        double perToken = 0;
        for (int round = 0; round < 2; round++) {
            long[] times = new long[64];
            try (Scheduler s = new Scheduler(b, null, new int[0], 1, 1)) {
                int[] p = prompt(128, vocab, 900 + round);
                s.generate(p, GenerationRequest.ofTokens(p).withMaxTokens(64).withIgnoreEos(true),
                        (index, token, text, lp) -> times[index] = System.nanoTime()).get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            perToken = (times[63] - times[1]) / 62e9;
        }
        double gbs = bytesPerToken / perToken;
        double roof = gbs / TB_S;
        r.check("timing", "8B batch 1 decode (128 in / 64 out)", roof >= 0.6, String.format(Locale.ROOT, "%.0f GB/s", gbs / 1e9),
                String.format(Locale.ROOT, "%.0f%% of 4.3 TB/s (target 60%%); %.1f tok/s = %.1fx transformers (%.1f); %.2f ms/token",
                        100 * roof, 1 / perToken, 1 / perToken / HF_8B_B1, HF_8B_B1, perToken * 1e3));
    }

    /** Each projection of a block and the classifier at M = 1 .. 4096, as tools/gpu/gemm_anchor.py measured cuBLAS. */
    void products(CudaBackend b, String model) {
        DeviceWeights w = b.weights();
        DeviceWeights.Layer l = w.layers.get(0);
        DeviceMatrix[] ms = {l.qkv(), l.wo(), l.gateUp(), l.down(), w.output};
        String[] names = {"qkv", "o", "gate_up", "down", "lm_head"};
        CudaContext ctx = b.context();
        int maxM = 4096;
        DeviceBuffer in = ctx.alloc(2L * maxM * Math.max(b.config().hiddenDim(), b.config().dim()), "bench input");
        DeviceBuffer out = ctx.alloc(4L * maxM * w.output.rows(), "bench output");
        try {
            b.kernels().launch("fill_random_16", 1024, 1, 1, 256, 0, in, in.bytes() / 2, 5L, 1f, w.act.ordinal(), 0);
            for (int i = 0; i < ms.length; i++) {
                StringBuilder row = new StringBuilder();
                for (int m : new int[] {1, 64, 128, 512, 4096}) {
                    DeviceMatrix dm = ms[i];
                    int epi = i == 2 ? 2 : 0;
                    for (int rep = 0; rep < 3; rep++) {
                        b.product(dm, in, m, out, epi, w.act);
                    }
                    ctx.synchronize("warm-up");
                    int reps = m >= 512 ? 10 : 50;
                    long t0 = System.nanoTime();
                    for (int rep = 0; rep < reps; rep++) {
                        b.product(dm, in, m, out, epi, epi == 2 ? w.act : Kind.F32);
                    }
                    ctx.synchronize("products");
                    double sec = (System.nanoTime() - t0) / 1e9 / reps;
                    double roof = Math.max(dm.bytes() / TB_S, 2.0 * m * dm.rows() * dm.cols() / TFLOPS);
                    row.append(String.format(Locale.ROOT, "M=%d %.0fus (%.2f) ", m, sec * 1e6, roof / sec));
                }
                r.info("timing", model + " " + names[i] + " " + ms[i].cols() + "->" + ms[i].rows(), "", row.toString().trim());
            }
        } finally {
            ctx.free(in);
            ctx.free(out);
        }
    }
}
