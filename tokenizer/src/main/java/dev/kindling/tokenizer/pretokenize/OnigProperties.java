package dev.kindling.tokenizer.pretokenize;

import java.lang.Character.UnicodeBlock;
import java.lang.Character.UnicodeScript;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Oniguruma's Unicode property names ({@code \p{...}}) and POSIX brackets ({@code [:alpha:]}) as Java regex classes,
 * as Hugging Face tokenizers 0.23.2 (onig, Ruby syntax, Unicode 16) reads them. Oniguruma ignores case, spaces,
 * hyphens and underscores in a property name and takes general categories by their short or long names, scripts by
 * their bare names ({@code \p{Han}}, Java's {@code \p{IsHan}}), blocks as {@code In_...} and the POSIX names; its
 * POSIX bracket {@code [:punct:]} is punctuation and symbols, while {@code \p{Punct}} is punctuation alone. The
 * sets were checked over every code point against HF's ({@code tokenizer/bench/split_classes_ref.mjs}).
 */
final class OnigProperties {
    private OnigProperties() {}

    /** The POSIX bracket names Oniguruma knows; any other is an error there. */
    static final String[] POSIX = {"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
        "space", "upper", "xdigit", "word"};

    /**
     * Code points Oniguruma's Alphabetic (Unicode 16) has and Java 17's {@code \p{IsAlphabetic}} plus the Unicode 16
     * letters and letter numbers has not (Other_Alphabetic marks), as first-last pairs; from HF's [[:alpha:]].
     */
    private static final int[] ALPHABETIC_ADDITIONS = {0x363, 0x36F, 0x897, 0x897, 0xC04, 0xC04, 0xCF3, 0xCF3, 0xF82, 0xF83,
        0x1ACC, 0x1ACE, 0x1DD3, 0x1DE6, 0x10D69, 0x10D69, 0x10EFC, 0x10EFC, 0x11073, 0x11074, 0x11080, 0x11081, 0x110C2, 0x110C2,
        0x11241, 0x11241, 0x113B8, 0x113C0, 0x113C2, 0x113C2, 0x113C5, 0x113C5, 0x113C7, 0x113CA, 0x113CC, 0x113CD, 0x11F00, 0x11F01,
        0x11F03, 0x11F03, 0x11F34, 0x11F3A, 0x11F3E, 0x11F40, 0x1611E, 0x1612E, 0x1E08F, 0x1E08F};

    /** The same for Lowercase over Java 17's {@code \p{IsLowercase}} plus the Unicode 16 Ll (Other_Lowercase modifiers). */
    private static final int[] LOWERCASE_ADDITIONS = {0x10FC, 0x10FC, 0xA7F2, 0xA7F4, 0xAB69, 0xAB69, 0x10780, 0x10780,
        0x10783, 0x10785, 0x10787, 0x107B0, 0x107B2, 0x107BA, 0x1E030, 0x1E06D};

    /*
     * The code points whose script in HF's Oniguruma (Unicode 16) is not Java 17's (Unicode 13): the characters of
     * Unicode 14-16 in old scripts, and U+16FE2, U+16FE3 (Common to Han), by script; first-last pairs. Written by
     * tokenizer/bench/ScriptAdditionsTable.java from HF's sets; on a newer JDK they change nothing.
     */
    private static final Map<String, int[]> ADDED = Map.ofEntries(
        Map.entry("AHOM", new int[] {0x11740, 0x11746}),
        Map.entry("ARABIC", new int[] {0x61D, 0x61D, 0x870, 0x88E, 0x890, 0x891, 0x897, 0x89F, 0x8B5, 0x8B5, 0x8C8, 0x8D2, 0xFBC2, 0xFBC2, 0xFD40, 0xFD4F, 0xFDCF, 0xFDCF, 0xFDFE, 0xFDFF, 0x10EC2, 0x10EC4, 0x10EFC, 0x10EFF}),
        Map.entry("BALINESE", new int[] {0x1B4C, 0x1B4C, 0x1B4E, 0x1B4F, 0x1B7D, 0x1B7F}),
        Map.entry("BRAHMI", new int[] {0x11070, 0x11075}),
        Map.entry("CANADIAN_ABORIGINAL", new int[] {0x11AB0, 0x11ABF}),
        Map.entry("COMMON", new int[] {0x20C0, 0x20C0, 0x2427, 0x2429, 0x2E53, 0x2E5D, 0x2FFC, 0x2FFF, 0x31E4, 0x31E5, 0x31EF, 0x31EF, 0x1CC00, 0x1CCF9, 0x1CD00, 0x1CEB3, 0x1CF50, 0x1CFC3, 0x1D1E9, 0x1D1EA, 0x1D2C0, 0x1D2D3, 0x1F6DC, 0x1F6DF, 0x1F774, 0x1F776, 0x1F77B, 0x1F77F, 0x1F7D9, 0x1F7D9, 0x1F7F0, 0x1F7F0, 0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1, 0x1F979, 0x1F979, 0x1F9CC, 0x1F9CC, 0x1FA75, 0x1FA77, 0x1FA7B, 0x1FA7C, 0x1FA87, 0x1FA89, 0x1FA8F, 0x1FA8F, 0x1FAA9, 0x1FAAF, 0x1FAB7, 0x1FABF, 0x1FAC3, 0x1FAC6, 0x1FACE, 0x1FACF, 0x1FAD7, 0x1FADC, 0x1FADF, 0x1FAE9, 0x1FAF0, 0x1FAF8, 0x1FBCB, 0x1FBEF}),
        Map.entry("CYRILLIC", new int[] {0x1C89, 0x1C8A, 0x1E030, 0x1E06D, 0x1E08F, 0x1E08F}),
        Map.entry("DEVANAGARI", new int[] {0x11B00, 0x11B09}),
        Map.entry("EGYPTIAN_HIEROGLYPHS", new int[] {0x1342F, 0x1342F, 0x13439, 0x13455, 0x13460, 0x143FA}),
        Map.entry("ETHIOPIC", new int[] {0x1E7E0, 0x1E7E6, 0x1E7E8, 0x1E7EB, 0x1E7ED, 0x1E7EE, 0x1E7F0, 0x1E7FE}),
        Map.entry("GLAGOLITIC", new int[] {0x2C2F, 0x2C2F, 0x2C5F, 0x2C5F}),
        Map.entry("HAN", new int[] {0x9FFD, 0x9FFF, 0x16FE2, 0x16FE3, 0x2A6DE, 0x2A6DF, 0x2B735, 0x2B739, 0x2EBF0, 0x2EE5D, 0x31350, 0x323AF}),
        Map.entry("HIRAGANA", new int[] {0x1B11F, 0x1B11F, 0x1B132, 0x1B132}),
        Map.entry("INHERITED", new int[] {0x1AC1, 0x1ACE, 0x1DFA, 0x1DFA, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46}),
        Map.entry("KAITHI", new int[] {0x110C2, 0x110C2}),
        Map.entry("KANNADA", new int[] {0xCDD, 0xCDD, 0xCF3, 0xCF3}),
        Map.entry("KATAKANA", new int[] {0x1AFF0, 0x1AFF3, 0x1AFF5, 0x1AFFB, 0x1AFFD, 0x1AFFE, 0x1B120, 0x1B122, 0x1B155, 0x1B155}),
        Map.entry("KHITAN_SMALL_SCRIPT", new int[] {0x18CFF, 0x18CFF}),
        Map.entry("KHOJKI", new int[] {0x1123F, 0x11241}),
        Map.entry("LAO", new int[] {0xECE, 0xECE}),
        Map.entry("LATIN", new int[] {0xA7C0, 0xA7C1, 0xA7CB, 0xA7CD, 0xA7D0, 0xA7D1, 0xA7D3, 0xA7D3, 0xA7D5, 0xA7DC, 0xA7F2, 0xA7F4, 0x10780, 0x10785, 0x10787, 0x107B0, 0x107B2, 0x107BA, 0x1DF00, 0x1DF1E, 0x1DF25, 0x1DF2A}),
        Map.entry("MONGOLIAN", new int[] {0x180F, 0x180F}),
        Map.entry("MYANMAR", new int[] {0x116D0, 0x116E3}),
        Map.entry("TAGALOG", new int[] {0x170D, 0x170D, 0x1715, 0x1715, 0x171F, 0x171F}),
        Map.entry("TAKRI", new int[] {0x116B9, 0x116B9}),
        Map.entry("TELUGU", new int[] {0xC3C, 0xC3C, 0xC5D, 0xC5D}));

    private static final Map<String, int[]> REMOVED = Map.ofEntries(
        Map.entry("COMMON", new int[] {0x16FE2, 0x16FE3}));

    private static final Map<String, String> CATEGORY_NAMES = categoryNames();

    private static Map<String, String> categoryNames() {
        String[] pairs = {"L", "letter", "Lu", "uppercaseletter", "Ll", "lowercaseletter", "Lt", "titlecaseletter",
            "Lm", "modifierletter", "Lo", "otherletter", "M", "mark", "M", "combiningmark", "Mn", "nonspacingmark",
            "Mc", "spacingmark", "Me", "enclosingmark", "N", "number", "Nd", "decimalnumber", "Nl", "letternumber",
            "No", "othernumber", "P", "punctuation", "Pc", "connectorpunctuation", "Pd", "dashpunctuation",
            "Ps", "openpunctuation", "Pe", "closepunctuation", "Pi", "initialpunctuation", "Pf", "finalpunctuation",
            "Po", "otherpunctuation", "S", "symbol", "Sm", "mathsymbol", "Sc", "currencysymbol", "Sk", "modifiersymbol",
            "So", "othersymbol", "Z", "separator", "Zs", "spaceseparator", "Zl", "lineseparator", "Zp", "paragraphseparator",
            "C", "other", "Cc", "control", "Cf", "format", "Co", "privateuse", "Cs", "surrogate", "Cn", "unassigned"};
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i].toLowerCase(Locale.ROOT), pairs[i]);
            m.put(pairs[i + 1], pairs[i]);
        }
        return m;
    }

    private static final Map<String, UnicodeScript> SCRIPTS = scripts();

    private static Map<String, UnicodeScript> scripts() {
        Map<String, UnicodeScript> m = new HashMap<>();
        for (UnicodeScript s : UnicodeScript.values()) {
            m.put(loose(s.name()), s);
        }
        return m;
    }

    /** Oniguruma's loose matching of property names: case, spaces, hyphens and underscores do not count. */
    static String loose(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != ' ' && c != '-' && c != '_') {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    /**
     * The Java class for {@code \p{name}} ({@code \P{name}} if negated; a leading {@code ^} in the name negates too),
     * or null when Oniguruma knows no such name (then HF fails to load the pattern too).
     *
     * @param category a general category (its short name) as a class with the Unicode 16 additions
     * @param word Oniguruma's {@code \w} (or {@code \W} if negated) where the property stands (it differs outside brackets)
     */
    static String property(String name, boolean negated, BiFunction<String, Boolean, String> category,
            java.util.function.Function<Boolean, String> word) {
        String n = loose(name);
        if (n.startsWith("^")) {
            negated = !negated;
            n = n.substring(1);
        }
        String cat = CATEGORY_NAMES.get(n);
        if (cat != null) {
            return category.apply(cat, negated);
        }
        String cls = switch (n) {
            case "lc", "casedletter" -> "[" + category.apply("Lu", false) + category.apply("Ll", false) + category.apply("Lt", false) + "]";
            case "alphabetic" -> posix("alpha", category, word);
            case "uppercase" -> posix("upper", category, word);
            case "lowercase" -> posix("lower", category, word);
            case "whitespace" -> posix("space", category, word);
            case "any" -> "[\\x{0}-\\x{10FFFF}]";
            case "punct" -> category.apply("P", false); // \p{Punct} is P alone; [[:punct:]] adds the symbols
            case "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "space", "upper", "xdigit",
                    "word" -> posix(n, category, word);
            default -> null;
        };
        if (cls == null) {
            UnicodeScript script = SCRIPTS.get(n);
            if (script != null) {
                int[] in = ADDED.get(script.name());
                int[] out = REMOVED.get(script.name());
                cls = "\\p{sc=" + script.name() + "}";
                if (in != null || out != null) {
                    cls = "[" + cls + (in == null ? "" : ranges(in)) + (out == null ? "" : "&&[^" + ranges(out) + "]") + "]";
                }
            } else if (n.startsWith("in") && block(n.substring(2)) != null) {
                cls = "\\p{In" + block(n.substring(2)) + "}";
            } else {
                return null;
            }
        }
        return negated ? "[^" + cls + "]" : cls;
    }

    private static String block(String loose) {
        try {
            UnicodeBlock b = UnicodeBlock.forName(loose);
            return b.toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The POSIX bracket {@code [:name:]} (a name of {@link #POSIX}) as a Java class, not negated. */
    static String posix(String name, BiFunction<String, Boolean, String> category, java.util.function.Function<Boolean, String> word) {
        return switch (name) {
            case "alpha" -> alphabetic(category);
            case "alnum" -> "[" + alphabetic(category) + category.apply("Nd", false) + "]";
            case "upper" -> "[\\p{IsUppercase}" + category.apply("Lu", false) + "]";
            case "lower" -> "[\\p{IsLowercase}" + category.apply("Ll", false) + ranges(LOWERCASE_ADDITIONS) + "]";
            case "digit" -> category.apply("Nd", false);
            case "punct" -> "[" + category.apply("P", false) + category.apply("S", false) + "]";
            case "space" -> "\\s";
            case "blank" -> "[\\t" + category.apply("Zs", false) + "]";
            case "cntrl" -> category.apply("Cc", false);
            case "graph" -> graph(category);
            case "print" -> "[" + graph(category) + category.apply("Zs", false) + "]";
            case "xdigit" -> "[0-9A-Fa-f]";
            case "word" -> word.apply(false);
            case "ascii" -> "[\\x{0}-\\x{7F}]";
            default -> throw new IllegalArgumentException("not a POSIX bracket: " + name);
        };
    }

    private static String alphabetic(BiFunction<String, Boolean, String> category) {
        return "[\\p{IsAlphabetic}" + category.apply("L", false) + category.apply("Nl", false) + ranges(ALPHABETIC_ADDITIONS) + "]";
    }

    /** Everything but White_Space, controls, unassigned code points and surrogates. */
    private static String graph(BiFunction<String, Boolean, String> category) {
        return "[^\\s" + category.apply("Cc", false) + category.apply("Cn", false) + category.apply("Cs", false) + "]";
    }

    private static String ranges(int[] pairs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            sb.append("\\x{").append(Integer.toHexString(pairs[i])).append('}');
            if (pairs[i + 1] != pairs[i]) {
                sb.append("-\\x{").append(Integer.toHexString(pairs[i + 1])).append('}');
            }
        }
        return sb.toString();
    }
}
