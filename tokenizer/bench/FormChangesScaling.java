import dev.kindling.tokenizer.normalize.NormalizedText;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.text.Normalizer.Form;
import java.util.List;

/**
 * Offsets through a sequence of form changes, on texts where every character is changed by each step: NFKC, Lowercase
 * and StripAccents on a {@link NormalizedText} (what the offsets of a tokenizer.json with that normalizer compose), at
 * 1 and 4 million characters, and one starter with a run of k marks whose last composes with it across the others
 * (FormChanges' composition looks past the run for it). Thread CPU time, best of 3; linear when the time per million
 * characters stays flat:
 *
 * <pre>
 * mvn -B -q -o -pl tokenizer compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx6g -cp tokenizer/target/classes:$(cat /tmp/cp.txt) tokenizer/bench/FormChangesScaling.java
 * </pre>
 */
public class FormChangesScaling {
    public static void main(String[] a) {
        Normalizer steps = Normalizers.sequence(List.of(Normalizers.unicode(Form.NFKC), Normalizers.lowercase(), Normalizers.stripAccents()));
        // Ǆ (NFKC: D and Ž, lowercased, Ž's caron stripped), E with two marks (composed to Ệ), the Angstrom sign, ﬁ
        for (String unit : new String[] {"\u01C4", "E\u0323\u0302", "\u212B", "\uFB01"}) {
            for (int n : new int[] {1_000_000, 4_000_000}) {
                String s = unit.repeat(n / unit.length());
                double seconds = best(steps, s);
                System.out.printf("U+%04X... x %d (%d chars): %.3f s, %.2f s per million chars%n", unit.codePointAt(0),
                        n / unit.length(), s.length(), seconds, seconds / (s.length() / 1e6));
            }
        }
        for (int k : new int[] {10, 1000, 100_000, 999_990}) {
            String s = ("A" + "\u0316".repeat(k) + "\u0301 ").repeat(Math.max(1, 1_000_000 / (k + 3)));
            System.out.printf("A, %d x U+0316, U+0301 (%d chars): %.3f s%n", k, s.length(), best(steps, s));
        }
    }

    private static double best(Normalizer steps, String s) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long c0 = mx.getCurrentThreadCpuTime();
            NormalizedText t = NormalizedText.of(s);
            steps.normalize(t);
            best = Math.min(best, (mx.getCurrentThreadCpuTime() - c0) / 1e9);
        }
        return best;
    }
}
