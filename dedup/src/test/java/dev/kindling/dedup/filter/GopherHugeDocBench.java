package dev.kindling.dedup.filter;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Time and allocation of the Gopher filters on one large document (a file of plain text), measured
 * on the calling thread: {@code java -cp dedup/target/classes:dedup/target/test-classes
 * dev.kindling.dedup.filter.GopherHugeDocBench FILE [repetition|quality|scalar]...}. Wall time on a
 * shared machine waits for a core; thread CPU time does not.
 */
public final class GopherHugeDocBench {
    private GopherHugeDocBench() {}

    public static void main(String[] args) throws Exception {
        String text = Files.readString(Path.of(args[0]));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("ngrams")) {
                nGramPhases(text, mx);
                continue;
            }
            DocumentFilter f = switch (args[i]) {
                case "repetition" -> new GopherRepetitionFilter();
                case "quality" -> new GopherQualityFilter();
                case "scalar" -> new GopherRepetitionScalar(GopherRepetitionFilter.Config.DEFAULT);
                default -> throw new IllegalArgumentException("unknown filter " + args[i] + " (repetition, quality, scalar, ngrams)");
            };
            long a0 = mx.getThreadAllocatedBytes(tid);
            long c0 = mx.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            FilterResult r = f.apply(text);
            long w = System.nanoTime() - w0;
            long c = mx.getCurrentThreadCpuTime() - c0;
            long a = mx.getThreadAllocatedBytes(tid) - a0;
            System.out.printf("%s %s chars=%d: %s wall %.1f s, cpu %.1f s, allocated %.0f MB%n", args[0], args[i],
                    text.length(), r.keep() ? "kept" : r.reason(), w / 1e9, c / 1e9, a / 1e6);
        }
    }

    /** Thread CPU time of the tokenizer and of each n-gram pass of {@link GopherRepetitionFilter}. */
    private static void nGramPhases(String text, com.sun.management.ThreadMXBean mx) {
        long c0 = mx.getCurrentThreadCpuTime();
        WordNGrams words = new WordNGrams();
        dev.kindling.dedup.text.WordTokenizer.wordTokenize(text, words::add);
        StringBuilder sb = new StringBuilder(String.format("%d words: tokenize %.2f s", words.size(), (mx.getCurrentThreadCpuTime() - c0) / 1e9));
        for (int n = 2; n <= 10; n++) {
            c0 = mx.getCurrentThreadCpuTime();
            long chars = n <= 4 ? words.topDuplicate(n) : words.allDuplicate(n);
            sb.append(String.format(", %s%d %d chars %.2f s", n <= 4 ? "top" : "dup", n, chars, (mx.getCurrentThreadCpuTime() - c0) / 1e9));
        }
        System.out.println(sb);
    }
}
