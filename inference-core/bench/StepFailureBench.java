import dev.kindling.inference.Completion;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.engine.Scheduler;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * What the engine's per-request failure handling costs: REQUESTS generations of TOKENS tokens each, all submitted at
 * once, on a llama2.c checkpoint with one CPU thread (the step thread does every matmul), in three cases per round:
 * {@code none} (no step fails), {@code one} (the first request's steps fail from position 128 on: that batched step is
 * run again one sequence at a time, the BOS probe runs, the request fails alone and the others finish) and
 * {@code every} (every step of more than one sequence fails: each is run again one sequence at a time, so the batch
 * decodes as single sequences). Prints per case the rows ended (done or failed), the step thread's CPU seconds, rows per
 * step-CPU-second, the steps run and the wall seconds; CPU time is the figure to compare on a shared machine.
 *
 * <pre>
 * bash inference-core/bench/step-failure-bench.sh /work/shared/data/llama2c/stories260K.bin [ROUNDS=5] [REQUESTS=16] [TOKENS=256]
 * </pre>
 */
public class StepFailureBench {
    static final int POISON = 300;
    static final int POISONED_FROM = 128;

    /** The CPU backend, failing the steps {@link #mode} picks. */
    static final class Faulty implements Backend {
        final Backend inner;
        final String mode;
        final List<int[]> poisoned = new ArrayList<>();

        Faulty(Backend inner, String mode) {
            this.inner = inner;
            this.mode = mode;
        }

        @Override
        public void forward(Step s) {
            if (mode.equals("every") && s.sequenceCount() > 1) {
                throw new IllegalStateException("injected: every batched step fails");
            }
            if (mode.equals("one")) {
                for (int t = 0; t < s.tokenCount(); t++) {
                    int[] table = s.blockTable(s.sequenceOf(t));
                    if (s.position(t) == 1 && s.token(t) == POISON && poisoned.stream().noneMatch(p -> p == table)) {
                        poisoned.add(table);
                    }
                    if (s.position(t) >= POISONED_FROM && poisoned.stream().anyMatch(p -> p == table)) {
                        throw new IllegalArgumentException("injected: the kernel cannot take this request's input");
                    }
                }
            }
            inner.forward(s);
        }

        @Override public String describe() { return mode + " " + inner.describe(); }
        @Override public ModelConfig config() { return inner.config(); }
        @Override public int maxBatchTokens() { return inner.maxBatchTokens(); }
        @Override public int kvBlockSize() { return inner.kvBlockSize(); }
        @Override public int kvBlockCount() { return inner.kvBlockCount(); }
        @Override public void close() { inner.close(); }
    }

    public static void main(String[] a) throws Exception {
        Model model = Llama2cLoader.load(Path.of(a[0]));
        int rounds = a.length > 1 ? Integer.parseInt(a[1]) : 5;
        int requests = a.length > 2 ? Integer.parseInt(a[2]) : 16;
        int tokens = a.length > 3 ? Integer.parseInt(a[3]) : 256;
        run(model, "none", requests, tokens); // warm-up: compiles the kernels and the scheduler
        System.out.println("round case rows failed step_cpu_s rows_per_step_cpu_s steps wall_s");
        for (int r = 1; r <= rounds; r++) {
            for (String mode : List.of("none", "one", "every")) {
                double[] m = run(model, mode, requests, tokens);
                System.out.printf("%d %s %d %d %.3f %.2f %d %.3f%n", r, mode, requests, (int) m[0], m[1], requests / m[1],
                        (long) m[2], m[3]);
            }
        }
    }

    /** {failed rows, step-thread CPU seconds, steps, wall seconds} of one run. */
    static double[] run(Model model, String mode, int requests, int tokens) throws Exception {
        Faulty b = new Faulty(new CpuBackend(model, 1, 64, 16, 64L << 20), mode);
        long wall0 = System.nanoTime();
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, requests)) {
            Thread engine = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("kindling-engine") && t.isAlive()).findFirst().orElseThrow();
            var mx = ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getThreadCpuTime(engine.getId());
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int[] prompt = new int[8];
                prompt[0] = 1;
                for (int k = 1; k < prompt.length; k++) {
                    prompt[k] = 3 + (int) Math.floorMod(k * 2654435761L + i * 40503L, 509L);
                }
                if (i == 0) {
                    prompt[1] = POISON;
                }
                fs.add(s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(tokens).withIgnoreEos(true), null));
            }
            int failed = 0;
            for (CompletableFuture<Completion> f : fs) {
                try {
                    if (f.get(600, TimeUnit.SECONDS).tokens().length != tokens) {
                        throw new IllegalStateException("a generation ended short of " + tokens + " tokens");
                    }
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            long cpu = mx.getThreadCpuTime(engine.getId()) - cpu0;
            return new double[] {failed, cpu / 1e9, s.stats().steps, (System.nanoTime() - wall0) / 1e9};
        } finally {
            b.close();
        }
    }
}
