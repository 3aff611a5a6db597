import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Writes the tables in {@code dev.kindling.tokenizer.text.HfUnicode} from what Hugging Face tokenizers does to
 * every code point ({@code hf_unicode_rules.mjs} dumps it): where its Lowercase differs from Java 17's
 * {@code toLowerCase}. Run on Java 17 with the tokenizer classes on the class path:
 *
 * <pre>
 * (cd ~/.cache/kindling-ref &amp;&amp; node $OLDPWD/tokenizer/bench/hf_unicode_rules.mjs) &gt; /tmp/hf-unicode-rules.txt
 * /usr/lib/jvm/java-17-openjdk-amd64/bin/java -cp tokenizer/target/classes tokenizer/bench/HfUnicodeTable.java /tmp/hf-unicode-rules.txt
 * </pre>
 *
 * It prints the Java array literal.
 */
public class HfUnicodeTable {
    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() != 17) {
            throw new IllegalStateException("the lowercase table is the difference from Java 17's: run on Java 17");
        }
        TreeMap<Integer, int[]> lower = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            int c = Integer.parseInt(f[1], 16);
            switch (f[0]) {
                case "L" -> {
                    int[] to = new int[f.length - 2];
                    for (int i = 2; i < f.length; i++) {
                        to[i - 2] = Integer.parseInt(f[i], 16);
                    }
                    lower.put(c, to);
                }
                default -> throw new IllegalArgumentException(line);
            }
        }
        StringBuilder lowerOut = new StringBuilder("        // from Hugging Face tokenizers' Lowercase where Java 17 differs: code point, its lowercase\n");
        int items = 0;
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                continue;
            }
            String s = Character.toString(c);
            int[] hf = lower.get(c);
            String expected = hf == null ? s : new String(hf, 0, hf.length);
            if (expected.equals(s.toLowerCase(Locale.ROOT)) || c == 0x3A3) {
                continue; // U+03A3: Java's Final_Sigma rule, which lowercase() handles itself
            }
            if (hf == null || hf.length != 1 || !s.toLowerCase(Locale.ROOT).equals(s)
                    || !expected.toLowerCase(Locale.ROOT).equals(expected)) {
                throw new IllegalStateException(String.format("U+%04X: not a one-to-one mapping of a character Java 17 leaves alone", c));
            }
            lowerOut.append(items % 8 == 0 ? (items == 0 ? "        " : "\n        ") : " ").append(String.format("0x%X, 0x%X,", c, hf[0]));
            items++;
        }
        System.out.println(lowerOut.toString().stripTrailing());
        System.err.println(items + " lowercase mappings");
    }
}
