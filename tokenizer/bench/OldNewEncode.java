import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Encode speed of two builds of the tokenizer module in one JVM, taking turns: each loads the tokenizer from its own
 * class loader, both encode every text once (their ids must be equal, else it stops), then {@code ROUNDS} passes each,
 * alternating which goes first, timed by the thread's CPU time (load on the machine moves both alike). Prints the
 * medians, MB (UTF-8) per CPU-second, the old/new ratio of each round's pair (median, min, max) and the bytes allocated
 * per character. Texts: JSON Lines files ({@code text} field, {@code .gz} too) or {@code shape:NAME[:N]}, one text of
 * about N characters (default 1,000,000) of one repeated unit.
 *
 * <pre>
 * git worktree add /tmp/old HEAD~1 &amp;&amp; (cd /tmp/old &amp;&amp; mvn -B -q -o -pl tokenizer compile)
 * mvn -B -q -o -pl tokenizer compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp $(cat /tmp/cp.txt) tokenizer/bench/OldNewEncode.java /tmp/old/tokenizer/target/classes \
 *     tokenizer/target/classes $(cat /tmp/cp.txt) ../shared/data/llamacpp-vocab/ggml-vocab-gpt-2.gguf 5 \
 *     ../shared/data/corpus/moby-dick.jsonl ../shared/data/corpus/sotu.jsonl.gz
 * </pre>
 */
public class OldNewEncode {
    public static void main(String[] a) throws Exception {
        if (a.length < 6) {
            System.err.println("usage: OldNewEncode OLD_CLASSES NEW_CLASSES DEPENDENCY_CLASSPATH TOKENIZER ROUNDS TEXTS...");
            System.exit(2);
        }
        Object[] toks = new Object[2];
        Method[] enc = new Method[2];
        for (int v = 0; v < 2; v++) {
            List<URL> urls = new ArrayList<>();
            urls.add(Path.of(a[v]).toUri().toURL());
            for (String d : a[2].split(":")) {
                urls.add(Path.of(d).toUri().toURL());
            }
            ClassLoader cl = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            Class<?> tc = cl.loadClass("dev.kindling.tokenizer.Tokenizer");
            toks[v] = tc.getMethod("load", Path.class).invoke(null, Path.of(a[3]));
            enc[v] = tc.getMethod("encode", String.class, boolean.class, boolean.class);
        }
        int rounds = Integer.parseInt(a[4]);
        List<String> texts = new ArrayList<>();
        for (int i = 5; i < a.length; i++) {
            if (a[i].startsWith("shape:")) {
                texts.add(shape(a[i].substring(6)));
            } else {
                texts.addAll(read(Path.of(a[i])));
            }
        }
        long bytes = 0;
        long chars = 0;
        for (String t : texts) {
            bytes += t.getBytes(StandardCharsets.UTF_8).length;
            chars += t.length();
        }
        for (int i = 0; i < texts.size(); i++) {
            int[] x = (int[]) enc[0].invoke(toks[0], texts.get(i), false, false);
            int[] y = (int[]) enc[1].invoke(toks[1], texts.get(i), false, false);
            if (!Arrays.equals(x, y)) {
                throw new AssertionError("the ids differ on text " + i + " (" + texts.get(i).length() + " characters)");
            }
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        double[][] s = new double[2][rounds];
        double[] alloc = new double[2];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int v = r % 2 == 0 ? k : 1 - k;
                long b0 = mx.getThreadAllocatedBytes(tid);
                long c0 = mx.getCurrentThreadCpuTime();
                for (String t : texts) {
                    enc[v].invoke(toks[v], t, false, false);
                }
                s[v][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                alloc[v] = (double) (mx.getThreadAllocatedBytes(tid) - b0) / chars;
            }
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = s[0][r] / s[1][r];
        }
        double old = median(s[0]);
        double now = median(s[1]);
        Arrays.sort(ratio);
        System.out.printf("%s: %d texts, %.2f MB; old %.3f s (%.2f MB/CPU-s, %.1f bytes allocated a character), new %.3f s"
                        + " (%.2f MB/CPU-s, %.1f); old/new %.2f (%.2f-%.2f over %d rounds); the same ids%n",
                Path.of(a[3]).getFileName(), texts.size(), bytes / 1e6, old, bytes / 1e6 / old, alloc[0], now, bytes / 1e6 / now,
                alloc[1], median(ratio), ratio[0], ratio[rounds - 1], rounds);
    }

    static double median(double[] x) {
        double[] c = x.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    static List<String> read(Path f) throws Exception {
        List<String> r = new ArrayList<>();
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        InputStream in = Files.newInputStream(f);
        if (f.toString().endsWith(".gz")) {
            in = new GZIPInputStream(in);
        }
        try (BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = br.readLine()) != null; ) {
                r.add(om.readTree(line).get("text").asText());
            }
        }
        return r;
    }

    /** punct, apos, letters, digits, cjk, spaces, nl-letter, tab-letter, two-spaces-letter, mixed, accented, cyrillic, french. */
    static String shape(String spec) {
        String[] p = spec.split(":");
        int n = p.length > 1 ? Integer.parseInt(p[1]) : 1_000_000;
        String unit = switch (p[0]) {
            case "punct" -> "!";
            case "apos" -> "'";
            case "letters" -> "a";
            case "digits" -> "7";
            case "cjk" -> "\u4E2D";
            case "spaces" -> " ";
            case "nl-letter" -> "\na";
            case "tab-letter" -> "\ta";
            case "two-spaces-letter" -> "  a";
            case "mixed" -> "a\u0436\u4E2D7!";
            case "accented" -> "\u00C9\uFB01 ";
            case "cyrillic" -> "\u041F\u0440\u0438\u0432\u0435\u0442 \u0451\u0436 ";
            case "french" -> "\u00C9l\u00E8ve na\u00EFve \u00E0 l'\u00E9t\u00E9, \u201Cd\u00E9j\u00E0\u201D ";
            default -> throw new IllegalArgumentException("unknown shape " + p[0]);
        };
        return unit.repeat(n / unit.length());
    }
}
