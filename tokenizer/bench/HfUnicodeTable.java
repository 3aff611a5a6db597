import dev.kindling.tokenizer.text.Unicode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Writes the tables in {@code dev.kindling.tokenizer.text.HfUnicode} from what Hugging Face tokenizers does to
 * every code point ({@code hf_unicode_rules.mjs} dumps it): where its Lowercase differs from Java 17's
 * {@code toLowerCase}, and where BERT's punctuation, control and non-spacing-mark rules, StripAccents' combining
 * marks and the Digits pre-tokenizer's numbers differ from the Unicode 16 categories of
 * {@link Unicode#generalCategory}, the characters HF's normalization forms do not know, and where a single_word
 * added token's word characters differ from Unicode 16's letters, marks, decimal digits, Nl and Pc. Run on Java 17 with the tokenizer classes on the class path:
 *
 * <pre>
 * (cd ~/.cache/kindling-ref &amp;&amp; node $OLDPWD/tokenizer/bench/hf_unicode_rules.mjs) &gt; /tmp/hf-unicode-rules.txt
 * /usr/lib/jvm/java-17-openjdk-amd64/bin/java -cp tokenizer/target/classes tokenizer/bench/HfUnicodeTable.java /tmp/hf-unicode-rules.txt
 * </pre>
 *
 * It prints the eight Java array literals.
 */
public class HfUnicodeTable {
    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() != 17) {
            throw new IllegalStateException("the lowercase table is the difference from Java 17's: run on Java 17");
        }
        TreeMap<Integer, int[]> lower = new TreeMap<>();
        BitSet punct = new BitSet();
        BitSet control = new BitSet();
        BitSet mark = new BitSet();
        BitSet combining = new BitSet();
        BitSet numeric = new BitSet();
        BitSet unknown = new BitSet();
        BitSet word = new BitSet();
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
                case "P" -> punct.set(c);
                case "C" -> control.set(c);
                case "M" -> mark.set(c);
                case "A" -> combining.set(c);
                case "N" -> numeric.set(c);
                case "U" -> unknown.set(c);
                case "W" -> word.set(c);
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
        // the three BERT rules: where HF's answer is not the one Unicode 16 gives, as ranges [first, last]
        control.clear(0xFFFD); // clean_text drops it by name; it is a symbol (So)
        print("BERT punctuation", punct, c -> c < 0x80
                ? (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)
                : isPunctuation(Unicode.generalCategory(c)));
        print("BERT control", control, c -> {
            int t = Unicode.generalCategory(c);
            return c != '\t' && c != '\n' && c != '\r'
                    && (t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE);
        });
        print("BERT non-spacing mark", mark, c -> Unicode.generalCategory(c) == Character.NON_SPACING_MARK);
        print("StripAccents combining mark", combining, Unicode::isMark);
        print("Digits numeric", numeric, Unicode::isNumber);
        print("Normalization forms", unknown, c -> false, "first, last of each range the unicode-normalization tables do not know");
        print("single_word word character", word, HfUnicodeTable::isWordUnicode16);
    }

    /** {@code \w} as Rust's regex defines it (Alphabetic, M, Nd, Pc, Join_Control), with letters, marks and numbers of Unicode 16. */
    static boolean isWordUnicode16(int c) {
        int t = Unicode.generalCategory(c);
        return Unicode.isLetter(c) || Unicode.isMark(c) || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER
                || t == Character.CONNECTOR_PUNCTUATION || c == 0x200C || c == 0x200D;
    }

    static boolean isPunctuation(int t) {
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }

    static void print(String what, BitSet hf, java.util.function.IntPredicate unicode16) {
        print(what, hf, unicode16, "first, last of each range where HF differs from Unicode 16");
    }

    static void print(String what, BitSet hf, java.util.function.IntPredicate unicode16, String comment) {
        List<int[]> ranges = new ArrayList<>();
        int differing = 0;
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE || hf.get(c) == unicode16.test(c)) {
                continue;
            }
            differing++;
            int[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && last[1] == c - 1) {
                last[1] = c;
            } else {
                ranges.add(new int[] {c, c});
            }
        }
        StringBuilder out = new StringBuilder("        // " + what + ": " + comment + "\n");
        for (int i = 0; i < ranges.size(); i++) {
            out.append(i % 8 == 0 ? (i == 0 ? "        " : "\n        ") : " ").append(String.format("0x%X, 0x%X,", ranges.get(i)[0], ranges.get(i)[1]));
        }
        System.out.println(out.toString().stripTrailing());
        System.err.println(what + ": " + differing + " code points, " + ranges.size() + " ranges");
    }
}
