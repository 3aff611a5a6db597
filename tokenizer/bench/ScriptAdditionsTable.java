import java.lang.Character.UnicodeScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the table in {@code dev.kindling.tokenizer.pretokenize.ScriptAdditions}: the code points whose script in
 * Hugging Face tokenizers' Oniguruma (Unicode 16) is not the one this JDK gives ({@link UnicodeScript#of}), by
 * script. Run on Java 17 (Unicode 13); single-file programs, nothing to build:
 *
 * <pre>
 * cd ~/.cache/kindling-ref
 * node /path/to/tokenizer/bench/split_classes_ref.mjs $(java /path/to/tokenizer/bench/ScriptAdditionsTable.java names) \
 *     > /tmp/hf-scripts.txt      (~7 min)
 * java /path/to/tokenizer/bench/ScriptAdditionsTable.java table /tmp/hf-scripts.txt
 * </pre>
 *
 * {@code names} prints {@code \p{NAME}} for every script of this JDK but Unknown; {@code table} prints the Java
 * array literals: per script, the first-last ranges HF adds to this JDK's script and those it takes away.
 */
public class ScriptAdditionsTable {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("names")) {
            for (UnicodeScript s : UnicodeScript.values()) {
                if (s != UnicodeScript.UNKNOWN) {
                    System.out.println("\\p{" + s.name() + "}");
                }
            }
            return;
        }
        String[] hf = new String[Character.MAX_CODE_POINT + 1]; // the script HF puts each code point in
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            int tab = line.indexOf('\t');
            String name = line.substring(3, tab - 1); // \p{NAME}
            for (String r : line.substring(tab + 1).split(" ")) {
                if (r.isEmpty()) {
                    continue;
                }
                int dash = r.indexOf('-');
                int first = Integer.parseInt(dash < 0 ? r : r.substring(0, dash), 16);
                int last = dash < 0 ? first : Integer.parseInt(r.substring(dash + 1), 16);
                for (int c = first; c <= last; c++) {
                    if (hf[c] != null) {
                        throw new IllegalStateException("U+" + Integer.toHexString(c) + " is in " + hf[c] + " and " + name);
                    }
                    hf[c] = name;
                }
            }
        }
        Map<String, List<Integer>> added = new TreeMap<>();
        Map<String, List<Integer>> removed = new TreeMap<>();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c == 1 || c == 2 || (c >= 0xD800 && c <= 0xDFFF)) {
                continue; // split_classes_ref.mjs runs these otherwise; all are Common here and there
            }
            String jdk = UnicodeScript.of(c).name();
            String now = hf[c] == null ? "UNKNOWN" : hf[c];
            if (!now.equals(jdk)) {
                if (!now.equals("UNKNOWN")) {
                    added.computeIfAbsent(now, k -> new ArrayList<>()).add(c);
                }
                if (!jdk.equals("UNKNOWN")) {
                    removed.computeIfAbsent(jdk, k -> new ArrayList<>()).add(c);
                }
            }
        }
        print("ADDED", added);
        print("REMOVED", removed);
    }

    private static void print(String name, Map<String, List<Integer>> table) {
        StringBuilder out = new StringBuilder("    private static final Map<String, int[]> " + name + " = Map.ofEntries(\n");
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : table.entrySet()) {
            StringBuilder sb = new StringBuilder("        Map.entry(\"" + e.getKey() + "\", new int[] {");
            List<Integer> cs = e.getValue();
            for (int i = 0; i < cs.size(); ) {
                int j = i;
                while (j + 1 < cs.size() && cs.get(j + 1) == cs.get(j) + 1) {
                    j++;
                }
                sb.append(i == 0 ? "" : ", ").append(String.format("0x%X, 0x%X", cs.get(i), cs.get(j)));
                i = j + 1;
            }
            entries.add(sb.append("})").toString());
        }
        out.append(String.join(",\n", entries)).append(");");
        System.out.println(out);
    }
}
