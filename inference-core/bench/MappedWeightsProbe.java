import com.sun.management.OperatingSystemMXBean;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Prefill/decode tok/s by wall clock and per process CPU-second, load time, heap and RSS (inference-core/bench/mapped-ab.sh runs it). */
public class MappedWeightsProbe {
    static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] a) throws Exception {
        Path p = Path.of(a[0]);
        int pt = Integer.parseInt(a[1]), gen = Integer.parseInt(a[2]), reps = Integer.parseInt(a[3]);
        Runtime rt = Runtime.getRuntime();
        long t0 = System.nanoTime();
        try (Engine e = Engine.open(p, EngineOptions.defaults().withDevice("cpu").withThreads(2).withKvBudgetBytes(64L << 20))) {
            long loadMs = (System.nanoTime() - t0) / 1_000_000;
            System.gc();
            long heap = (rt.totalMemory() - rt.freeMemory()) >> 20;
            int vocab = e.config().vocabSize();
            double[] best = null;
            double pw = 0, pc = 0, dw = 0, dc = 0;
            for (int r = -1; r < reps; r++) {
                int[] prompt = new int[pt];
                long s = 12345 + 104729L * (r + 1);
                prompt[0] = 1;
                for (int i = 1; i < pt; i++) {
                    s = (s * 1103515245L + 12345L) % 2147483648L;
                    prompt[i] = 259 + (int) (s / 2147483648.0 * (vocab - 259));
                }
                long[] first = new long[2];
                long w0 = System.nanoTime(), c0 = OS.getProcessCpuTime();
                e.submit(GenerationRequest.ofTokens(prompt).withMaxTokens(gen + 1).withIgnoreEos(true), (idx, tok, text, lp) -> {
                    if (idx == 0) { first[0] = System.nanoTime(); first[1] = OS.getProcessCpuTime(); }
                }).join();
                long w2 = System.nanoTime(), c2 = OS.getProcessCpuTime();
                if (r >= 0) {
                    pw += (first[0] - w0) / 1e9; pc += (first[1] - c0) / 1e9;
                    dw += (w2 - first[0]) / 1e9; dc += (c2 - first[1]) / 1e9;
                }
            }
            System.out.printf("{\"load_ms\":%d,\"heap_MiB\":%d,\"prefill_tok_s\":%.2f,\"prefill_tok_per_cpu_s\":%.2f,\"decode_tok_s\":%.3f,\"decode_tok_per_cpu_s\":%.3f,\"rss\":\"%s\",\"java\":\"%s\"}%n",
                    loadMs, heap, pt * reps / pw, pt * reps / pc, gen * reps / dw, gen * reps / dc, rss(), System.getProperty("java.version"));
        }
    }

    static String rss() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("RssAnon") || l.startsWith("RssFile")) {
                sb.append(l.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return sb.toString().trim();
    }
}
