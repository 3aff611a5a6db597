import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the table in {@code dev.kindling.tokenizer.text.UnicodeAdditions}: the code points whose general
 * category on a newer JDK differs from Java 17's, with the newer category. Two steps, one per JDK
 * (single-file programs, nothing to build):
 *
 * <pre>
 * /usr/lib/jvm/java-17-openjdk-amd64/bin/java tokenizer/bench/UnicodeCategoryTable.java dump /tmp/java17.categories
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java  tokenizer/bench/UnicodeCategoryTable.java table /tmp/java17.categories
 * </pre>
 *
 * The second prints the Java array literal. Java 24 and 25 have Unicode 16.0, the version Hugging Face
 * tokenizers 0.23.2 (Oniguruma) and tiktoken's regex use.
 */
public class UnicodeCategoryTable {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        if (args[0].equals("dump")) {
            byte[] types = new byte[Character.MAX_CODE_POINT + 1];
            for (int c = 0; c < types.length; c++) {
                types[c] = (byte) Character.getType(c);
            }
            Files.write(file, types);
            return;
        }
        byte[] old = Files.readAllBytes(file);
        StringBuilder out = new StringBuilder("    // from Java " + Runtime.version().feature()
                + ": first, last, general category (Character's constants)\n");
        int ranges = 0;
        int lineItems = 0;
        for (int c = 0; c <= Character.MAX_CODE_POINT; ) {
            int t = Character.getType(c);
            if (old[c] == t) {
                c++;
                continue;
            }
            int e = c;
            while (e + 1 <= Character.MAX_CODE_POINT && old[e + 1] == old[c] && Character.getType(e + 1) == t) {
                e++;
            }
            out.append(lineItems == 0 ? "    " : " ").append(String.format("0x%X, 0x%X, %d,", c, e, t));
            if (++lineItems == 6) {
                out.append('\n');
                lineItems = 0;
            }
            ranges++;
            c = e + 1;
        }
        System.out.println(out.toString().stripTrailing());
        System.err.println(ranges + " ranges");
    }
}
