package dev.kindling.dedup.normalize;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * NEAR normalisation cost on the calling thread, printed as one JSON line per input: bytes allocated and CPU
 * nanoseconds per character ({@code com.sun.management.ThreadMXBean}), median of the timed passes after a warm-up
 * of 3 s of CPU. Modes: {@code full} ({@link TextNormalizer#normalize}), {@code pieces} ({@link TextNormalizer#unicodePasses}
 * alone), {@code whole} (its whole-text twin alone). Inputs: each JSONL file's documents one by one, and with
 * {@code --big MB} also the documents joined into one document of about that many MB.
 *
 * <pre>
 * java -cp dedup/target/classes:dedup/target/test-classes:model-formats/target/classes:&lt;jackson-core.jar&gt; dev.kindling.dedup.normalize.NormalizeBench \
 *     --mode full --big 10 ../shared/data/corpus/moby-dick.jsonl ../shared/data/corpus/sotu.jsonl.gz
 * </pre>
 */
public final class NormalizeBench {
    private NormalizeBench() {}

    public static void main(String[] args) {
        String mode = "full";
        double bigMb = 0;
        int passes = 5;
        List<Path> inputs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mode" -> mode = args[++i];
                case "--big" -> bigMb = Double.parseDouble(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                default -> inputs.add(Path.of(args[i]));
            }
        }
        if (!List.of("full", "pieces", "whole").contains(mode)) {
            throw new IllegalArgumentException("--mode " + mode + ": expected full, pieces or whole");
        }
        for (Path p : inputs) {
            List<Document> docs = JsonlDocuments.read(p, "id", "text");
            String[] texts = docs.stream().map(Document::text).toArray(String[]::new);
            System.out.println(measure(p.getFileName() + " (" + texts.length + " docs)", texts, mode, passes));
            if (bigMb > 0) {
                StringBuilder sb = new StringBuilder();
                while (sb.length() < bigMb * 1e6) {
                    for (String t : texts) {
                        sb.append(t).append("\n\n");
                    }
                }
                System.out.println(measure(p.getFileName() + " joined, " + bigMb + " MB", new String[] {sb.toString()}, mode,
                        passes));
            }
        }
    }

    private static String measure(String name, String[] texts, String mode, int passes) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long chars = 0;
        for (String t : texts) {
            chars += t.length();
        }
        double[] bytes = new double[passes];
        double[] ns = new double[passes];
        long sink = 0;
        long warmEnd = mx.getCurrentThreadCpuTime() + 3_000_000_000L;
        for (int w = 0; w < 2 || mx.getCurrentThreadCpuTime() < warmEnd; w++) {   // warm-up: 2 passes and 3 s of CPU
            for (String t : texts) {
                sink += run(mode, t).length();
            }
        }
        for (int p = 0; p < passes; p++) {
            long a0 = mx.getThreadAllocatedBytes(tid);
            long c0 = mx.getCurrentThreadCpuTime();
            for (String t : texts) {
                sink += run(mode, t).length();
            }
            ns[p] = (double) (mx.getCurrentThreadCpuTime() - c0) / chars;
            bytes[p] = (double) (mx.getThreadAllocatedBytes(tid) - a0) / chars;
        }
        Arrays.sort(bytes);
        Arrays.sort(ns);
        return String.format(Locale.ROOT, "{\"input\":\"%s\",\"mode\":\"%s\",\"chars\":%d,\"bytes_per_char\":%.2f,"
                + "\"cpu_ns_per_char\":%.2f,\"cpu_ns_range\":\"%.2f-%.2f\",\"sink\":%d}", name, mode, chars,
                bytes[passes / 2], ns[passes / 2], ns[0], ns[passes - 1], sink % 10);
    }

    private static String run(String mode, String text) {
        return switch (mode) {
            case "full" -> TextNormalizer.normalize(text, NormalizeOptions.NEAR);
            case "pieces" -> TextNormalizer.unicodePasses(text, NormalizeOptions.NEAR);
            default -> TextNormalizer.unicodePassesWholeText(text, NormalizeOptions.NEAR);
        };
    }
}
