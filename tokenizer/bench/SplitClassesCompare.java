import dev.kindling.tokenizer.pretokenize.RegexPattern;
import dev.kindling.tokenizer.text.Unicode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;

/**
 * Compares Kindling's Split regex classes with Hugging Face tokenizers' (the dump of {@code split_classes_ref.mjs}):
 * each class X as Kindling compiles it ({@link RegexPattern#compile} of {@code \x01X\x02}, matched against
 * {@code \x01 c \x02}) and, for the classes the hand-made scanners use, {@link Unicode}'s predicates, over every code
 * point. Prints one line per class that differs, with the code points only HF or only Kindling puts in it, and exits
 * with 1 if any does. Needs the compiled tokenizer module:
 *
 * <pre>
 * mvn -B -q -o -pl tokenizer compile
 * java -cp tokenizer/target/classes tokenizer/bench/SplitClassesCompare.java /tmp/hf-split-classes.txt
 * </pre>
 *
 * Run it with Java 17 and with Java 25 ({@code /usr/lib/jvm/temurin-25-jdk-amd64/bin/java}): the answer must not
 * depend on the JDK. Measured: "0 classes differ" on both, for the 167 classes of split_classes_ref.mjs (~7 min each).
 */
public class SplitClassesCompare {
    public static void main(String[] args) throws Exception {
        Map<String, IntPredicate> predicates = Map.of(
                "\\p{L}", Unicode::isLetter,
                "\\p{N}", Unicode::isNumber,
                "\\p{M}", Unicode::isMark,
                "\\s", Unicode::isWhiteSpace);
        int differing = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            int tab = line.indexOf('\t');
            String cls = line.substring(0, tab);
            boolean[] hf = new boolean[Character.MAX_CODE_POINT + 1];
            for (String r : line.substring(tab + 1).split(" ")) {
                if (r.isEmpty()) {
                    continue;
                }
                int dash = r.indexOf('-');
                int first = Integer.parseInt(dash < 0 ? r : r.substring(0, dash), 16);
                int last = dash < 0 ? first : Integer.parseInt(r.substring(dash + 1), 16);
                for (int c = first; c <= last; c++) {
                    hf[c] = true;
                }
            }
            Pattern p = RegexPattern.compile("\\x01" + cls + "\\x02");
            differing += report(cls + " (regex)", hf, c -> p.matcher("\u0001" + Character.toString(c) + "\u0002").matches());
            IntPredicate predicate = predicates.get(cls);
            if (predicate != null) {
                differing += report(cls + " (Unicode)", hf, predicate);
            }
        }
        System.out.println(differing + " classes differ (Java " + Runtime.version() + ")");
        System.exit(differing == 0 ? 0 : 1);
    }

    private static int report(String name, boolean[] hf, IntPredicate kindling) {
        List<String> onlyHf = new ArrayList<>();
        List<String> onlyKindling = new ArrayList<>();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                continue;
            }
            boolean k = kindling.test(c);
            if (k != hf[c]) {
                (hf[c] ? onlyHf : onlyKindling).add(String.format("%X", c));
            }
        }
        if (onlyHf.isEmpty() && onlyKindling.isEmpty()) {
            return 0;
        }
        System.out.println(name + ": only HF " + onlyHf.size() + " " + abbreviate(onlyHf) + "; only Kindling "
                + onlyKindling.size() + " " + abbreviate(onlyKindling));
        return 1;
    }

    private static String abbreviate(List<String> cps) {
        return cps.size() <= 40 ? cps.toString() : cps.subList(0, 40) + "...";
    }
}
