import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the table in {@code dev.kindling.tokenizer.text.GraphemeBreaks}: each code point's Grapheme_Cluster_Break
 * property and Indic_Conjunct_Break, as Hugging Face tokenizers 0.23.2 cuts clusters (Rust's unicode-segmentation
 * 1.13.3, Unicode 17). The properties are Java 25's (Unicode 16, its regex's {@code \X}: {@code
 * jdk.internal.util.regex.Grapheme} and {@code IndicConjunctBreak}), with two mends: a code point Unicode has not
 * assigned is Other, as UAX #29 has it, unless it is a default ignorable one (Control), where Java 25 makes most of
 * them Control; and where HF's own clusters ({@code offsets/graphemes-hf.jsonl}, whose property rows say which code
 * points join after "a", which join "b" after them and which U+0300 does not join) show another property, the one
 * they show (surrogates, which a Rust string cannot hold, stay Control): the marks and spacing marks of Unicode 17 (Extend), U+11A3A no longer Prepend, U+11720 and U+11721.
 * Run on Java 25 from the repository root (a single-file program, nothing to build), after the test resource's
 * generator ({@code graphemes-hf.mjs}, its header says how):
 *
 * <pre>
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-opens java.base/jdk.internal.util.regex=ALL-UNNAMED \
 *     tokenizer/bench/GraphemeBreakTable.java tokenizer/src/test/resources/offsets/graphemes-hf.jsonl
 * </pre>
 *
 * It prints the Java array literal and, on stderr, the code points mended from HF's rows.
 */
public class GraphemeBreakTable {
    // Java 25's Grapheme constants, which GraphemeBreaks keeps: OTHER 0, CR 1, LF 2, CONTROL 3, EXTEND 4, ZWJ 5,
    // RI 6, PREPEND 7, SPACINGMARK 8, L 9, V 10, T 11, LV 12, LVT 13, EXTENDED_PICTOGRAPHIC 14
    static final int OTHER = 0, CR = 1, LF = 2, CONTROL = 3, EXTEND = 4, ZWJ = 5, PREPEND = 7, SPACINGMARK = 8;
    // Indic_Conjunct_Break, in the bits above: Linker 1, Consonant 2, Extend 3
    static final int LINKER = 1 << 4, CONSONANT = 2 << 4, INCB_EXTEND = 3 << 4;

    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() < 25) {
            throw new IllegalStateException("the properties are Java 25's (Unicode 16): run on Java 25");
        }
        Class<?> g = Class.forName("jdk.internal.util.regex.Grapheme");
        Class<?> icb = Class.forName("jdk.internal.util.regex.IndicConjunctBreak");
        Method type = method(g, "getType");
        Method linker = method(icb, "isLinker");
        Method consonant = method(icb, "isConsonant");
        Method extend = method(icb, "isExtend");
        Map<String, BitSet> hf = properties(Path.of(args[0]));
        int[] prop = new int[Character.MAX_CODE_POINT + 1];
        StringBuilder mended = new StringBuilder();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            int t = (Integer) type.invoke(null, c);
            if (t == CONTROL && Character.getType(c) == Character.UNASSIGNED && !defaultIgnorable(c)) {
                t = OTHER;
            }
            int bytes = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            int was = t;
            if (c >= 0xD800 && c <= 0xDFFF) { // HF's rows have no surrogates (a Rust string has none): Control
                prop[c] = t;
                continue;
            }
            boolean joins = t == EXTEND || t == SPACINGMARK || t == ZWJ;
            if (hf.get("E").get(c) != joins) {
                t = joins ? OTHER : EXTEND;
            }
            if (bytes <= 4 && c != 'b' && hf.get("P").get(c) != (t == PREPEND)) {
                t = t == PREPEND ? OTHER : PREPEND;
            }
            boolean control = t == CONTROL || t == CR || t == LF;
            if (bytes <= 3 && c != 'b' && c != '\n' && c != 0 && hf.get("C").get(c) != control) {
                t = control ? OTHER : CONTROL;
            }
            if (t != was) {
                mended.append(String.format("U+%04X %d -> %d%n", c, was, t));
            }
            int incb = (Boolean) linker.invoke(null, c) ? LINKER : (Boolean) consonant.invoke(null, c) ? CONSONANT
                    : (Boolean) extend.invoke(null, c) ? INCB_EXTEND : 0;
            prop[c] = t | incb;
        }
        System.err.print(mended);
        StringBuilder out = new StringBuilder("        // from Java " + Runtime.version().feature()
                + " and graphemes-hf.jsonl: first code point, property (the class | Indic_Conjunct_Break << 4)\n");
        int ranges = 0;
        int lineItems = 0;
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c > 0 && prop[c] == prop[c - 1]) {
                continue;
            }
            String item = String.format("0x%X, %d,", c, prop[c]);
            if (lineItems == 0) {
                out.append("       ");
            }
            out.append(' ').append(item);
            if (++lineItems == 8) {
                out.append('\n');
                lineItems = 0;
            }
            ranges++;
        }
        System.out.println(out + (lineItems > 0 ? "\n" : "") + "    // " + ranges + " ranges");
    }

    /** Unassigned code points that are Default_Ignorable_Code_Point (UAX #29's Control takes them). */
    static boolean defaultIgnorable(int c) {
        return c == 0x2065 || (c >= 0xFFF0 && c <= 0xFFF8) || (c >= 0xE0000 && c <= 0xE0FFF);
    }

    static Method method(Class<?> c, String name) throws Exception {
        Method m = c.getDeclaredMethod(name, int.class);
        m.setAccessible(true);
        return m;
    }

    /** The E, P and C rows of graphemes-hf.jsonl as sets of code points. */
    static Map<String, BitSet> properties(Path file) throws Exception {
        Map<String, BitSet> sets = new HashMap<>();
        Pattern row = Pattern.compile("^\\{\"property\":\"(\\w)\",\"ranges\":\\[(.*)\\]\\}$");
        Pattern range = Pattern.compile("\\[(\\d+),(\\d+)\\]");
        for (String line : Files.readAllLines(file)) {
            Matcher m = row.matcher(line);
            if (!m.matches()) {
                continue;
            }
            BitSet set = new BitSet();
            for (Matcher r = range.matcher(m.group(2)); r.find(); ) {
                set.set(Integer.parseInt(r.group(1)), Integer.parseInt(r.group(2)) + 1);
            }
            sets.put(m.group(1), set);
        }
        if (!sets.keySet().containsAll(java.util.List.of("E", "P", "C"))) {
            throw new IllegalArgumentException(file + " has no E, P and C rows: write it with graphemes-hf.mjs");
        }
        return sets;
    }
}
