package dev.kindling.tokenizer.pretokenize;

import dev.kindling.tokenizer.text.Unicode;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Hand-made scanners for the split regexes every popular byte-level BPE uses, so the hot path does
 * not run {@link java.util.regex}. Each scanner is written from the regex's backtracking semantics
 * (alternatives tried in order, greedy quantifiers backing off) and is tested to give the same
 * pieces as the regex (via {@link RegexPattern}) on the corpora and on fuzzed Unicode text.
 * Unknown patterns fall back to the regex.
 *
 * <p>All these patterns but llama.cpp's GPT-2 form match at every position (every character is a letter, number,
 * whitespace or "other"), so a scanner's match starts where the search starts; that form, which lacks the final
 * {@code \s+}, matches nowhere at a lone whitespace character other than a space before a non-space one, and its
 * {@link Scanner#find} looks one character on there.
 */
public final class Scanners {
    private Scanners() {}

    /** GPT-2 (r50k/p50k, ByteLevel use_regex=true). */
    public static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3 tokenizer.json (and the older cl100k form). */
    public static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2 / Qwen3: as Llama 3 but single digits. */
    public static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** tiktoken cl100k_base (openai_public.py; possessive form with {@code \s++$}). */
    public static final String CL100K_PATTERN = "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s";
    /** tiktoken r50k/p50k (openai_public.py; possessive form with {@code \s++$}). */
    public static final String R50K_PATTERN = "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s";
    /**
     * Mistral's Tekken (tokenizer.json of Mistral Nemo, Pixtral, Ministral, Mistral Small 3; {@code tokenizer.ggml.pre}
     * tekken): o200k's without the contractions, single digits.
     */
    public static final String TEKKEN_PATTERN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** o200k_base / GPT-4o. */
    public static final String O200K_PATTERN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** llama.cpp's adapted Llama 3 form (case-insensitive contractions spelled out). */
    public static final String LLAMA3_LLAMACPP_PATTERN = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** llama.cpp's adapted Qwen2 form ({@code tokenizer.ggml.pre} qwen2, deepseek-r1-qwen, stablelm2): its Llama 3 form with single digits. */
    public static final String QWEN2_LLAMACPP_PATTERN = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /**
     * llama.cpp's GPT-2 form (no final {@code \s+}: leftover whitespace stays a piece anyway), the {@code tokenizer.ggml.pre}
     * of GPT-2, MPT, OLMo, Falcon, StarCoder and others. Its scanner cuts the pieces {@link #GPT2_PATTERN}'s does.
     */
    public static final String GPT2_LLAMACPP_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    /**
     * The known patterns, one row each, with what its scanner does differently. A row of the GPT-2 form gives its
     * contractions and whether a match starts at every position: that form's {@code \p{N}+} takes a number whole and
     * its {@code \s+(?!\S)} white space that ends the text, whatever the regex says after it, and only llama.cpp's
     * form, which lacks the final {@code \s+}, matches nowhere at a lone white space. A row of the other forms, which
     * match everywhere, gives its contractions, the most digits one number piece holds, and whether white space that
     * ends the text is one piece ({@code \s++$} before {@code \s*[\r\n]}). The constructors take only what a form
     * reads and refuse a row that gives a column its form ignores. A pattern of one of the three forms is one more row.
     */
    enum Kind {
        //              pattern                  contractions              everywhere
        GPT2(           GPT2_PATTERN,            Contractions.LOWER_CASE,  true),
        GPT2_LLAMACPP(  GPT2_LLAMACPP_PATTERN,   Contractions.LOWER_CASE,  false),
        R50K(           R50K_PATTERN,            Contractions.LOWER_CASE,  true),
        //              pattern                  form         contractions              digits  trailing
        LLAMA3(         LLAMA3_PATTERN,          Form.LLAMA3, Contractions.ANY_CASE,    3,      false),
        LLAMA3_LLAMACPP(LLAMA3_LLAMACPP_PATTERN, Form.LLAMA3, Contractions.ASCII_CASES, 3,      false),
        QWEN2(          QWEN2_PATTERN,           Form.LLAMA3, Contractions.ANY_CASE,    1,      false),
        QWEN2_LLAMACPP( QWEN2_LLAMACPP_PATTERN,  Form.LLAMA3, Contractions.ASCII_CASES, 1,      false),
        CL100K(         CL100K_PATTERN,          Form.LLAMA3, Contractions.ANY_CASE,    3,      true),
        O200K(          O200K_PATTERN,           Form.O200K,  Contractions.ANY_CASE,    3,      false),
        TEKKEN(         TEKKEN_PATTERN,          Form.O200K,  Contractions.NONE,        1,      false);

        final String pattern;
        final Form form;
        final Contractions contractions;
        final int digitsPerPiece;
        final boolean trailingWhitespaceWhole;
        final boolean matchesEverywhere;

        /** A row of the GPT-2 form: its number and trailing white space pieces are the form's, not the row's. */
        Kind(String pattern, Contractions contractions, boolean matchesEverywhere) {
            this(pattern, Form.GPT2, contractions, ANY_COUNT, true, matchesEverywhere);
        }

        /** A row of the Llama 3 or o200k form, which matches at every position. */
        Kind(String pattern, Form form, Contractions contractions, int digitsPerPiece, boolean trailingWhitespaceWhole) {
            this(pattern, form, contractions, digitsPerPiece, trailingWhitespaceWhole, true);
        }

        /** Refuses a column the form's scanner does not read unless it holds what that form does. */
        private Kind(String pattern, Form form, Contractions contractions, int digitsPerPiece,
                boolean trailingWhitespaceWhole, boolean matchesEverywhere) {
            if (form == Form.GPT2 ? digitsPerPiece != ANY_COUNT || !trailingWhitespaceWhole : !matchesEverywhere) {
                throw new IllegalArgumentException(name() + ": a row of the GPT-2 form is (pattern, contractions, everywhere),"
                        + " one of the other forms (pattern, form, contractions, digits, trailing)");
            }
            this.pattern = pattern;
            this.form = form;
            this.contractions = contractions;
            this.digitsPerPiece = digitsPerPiece;
            this.trailingWhitespaceWhole = trailingWhitespaceWhole;
            this.matchesEverywhere = matchesEverywhere;
        }
    }

    /** The digits of the GPT-2 form's number piece, {@code \p{N}+}: all of the run. */
    private static final int ANY_COUNT = Integer.MAX_VALUE;

    /** The alternatives a pattern is made of, its contractions and digits aside. */
    enum Form {
        /** Contractions, then {@code  ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
        GPT2,
        /**
         * Contractions, then
         * {@code [^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,n}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
         */
        LLAMA3,
        /**
         * Words cut where the case changes, a combining mark a letter of either case, each with an optional contraction
         * after it: {@code [^\r\n\p{L}\p{N}]?[U]*[Lw]+|[^\r\n\p{L}\p{N}]?[U]+[Lw]*}, then
         * {@code \p{N}{1,n}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
         */
        O200K
    }

    /** The contractions 's 't 're 've 'm 'll 'd, and which cases of their letters they take. */
    enum Contractions {
        /** None (Tekken's). */
        NONE,
        /** As written, in lower case: {@code 'S} is none. */
        LOWER_CASE,
        /** Either ASCII case, llama.cpp's spelling {@code '[sS]}: U+017F (long s) is no s. */
        ASCII_CASES,
        /** {@code (?i:'s|...)}: Unicode case folding, so U+017F (long s) is an s too. */
        ANY_CASE
    }

    /** The rows by pattern; two rows of one pattern fail here ("Duplicate key"), not the later one winning. */
    private static final Map<String, Kind> KNOWN = Arrays.stream(Kind.values())
            .collect(Collectors.toUnmodifiableMap(k -> k.pattern, k -> k));

    /** A scanner when {@code regex} is one of the known patterns, else the regex itself. */
    public static SplitPattern forPattern(String regex) {
        Kind k = KNOWN.get(regex);
        return k != null ? new Scanner(k) : new RegexPattern(regex);
    }

    /** Whether {@code regex} has a hand-made scanner. */
    public static boolean hasScanner(String regex) {
        return KNOWN.containsKey(regex);
    }

    // character classes, with an ASCII table for speed
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3; // whitespace other than \r \n
    private static final byte NEWLINE = 4; // \r \n
    private static final byte OTHER = 5;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII[c] = Unicode.isLetter(c) ? LETTER : Unicode.isNumber(c) ? NUMBER
                    : (c == '\r' || c == '\n') ? NEWLINE : Unicode.isWhiteSpace(c) ? SPACE : OTHER;
        }
    }

    // a BMP entry: the class in the low three bits, then o200k's classes
    private static final int CLASS = 7;
    static final int U = 1 << 3; // Lu Lt Lm Lo M
    static final int LW = 1 << 4; // Ll Lm Lo M
    static final int MARK = 1 << 5; // \p{M}

    /**
     * The class, U, LW and MARK of every code point below U+10000 (nearly all text), worked out once, so the scanners'
     * loops read one byte where they would ask {@link Character#getType} and the Unicode 16 table.
     */
    private static final byte[] BMP = bmpTable();

    private static byte[] bmpTable() {
        byte[] table = new byte[0x10000];
        for (int c = 0; c < table.length; c++) {
            table[c] = properties(c, Character.getType(c));
        }
        // the Unicode 16 categories from the table's own list, not 65,536 calls of Unicode.generalCategory, which
        // would teach the JIT that its table search is common; and of the BMP alone, as Character.getType of a
        // character of another plane would make that method's profile megamorphic (see UnicodeAdditions)
        Unicode.forEachCategoryAddition(table.length, (c, unicode16, jdk) -> table[c] = properties(c, unicode16));
        return table;
    }

    private static byte properties(int c, int category) {
        boolean mark = c >= 0x300 && (category == Character.NON_SPACING_MARK || category == Character.COMBINING_SPACING_MARK
                || category == Character.ENCLOSING_MARK);
        return (byte) (classOf(c, category) | upperLower(c, category) | (mark ? MARK : 0));
    }

    static byte classOf(int c) {
        return c < BMP.length ? (byte) (BMP[c] & CLASS) : classOf(c, Unicode.generalCategory(c));
    }

    /** U and LW of {@code c} (o200k's letter classes). */
    static int upperLower(int c) {
        return c < BMP.length ? BMP[c] & (U | LW) : upperLower(c, Unicode.generalCategory(c));
    }

    /** {@code \p{M}}: {@link Unicode#isMark}. */
    static boolean isMark(int c) {
        return c < BMP.length ? (BMP[c] & MARK) != 0 : Unicode.isMark(c);
    }

    /** The class of {@code c}, whose Unicode 16 general category is {@code category}. */
    private static byte classOf(int c, int category) {
        if (c < 128) {
            return ASCII[c];
        }
        if (Unicode.isWhiteSpace(c)) {
            return SPACE;
        }
        switch (category) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    private static int upperLower(int c, int category) {
        if (c < 128) {
            return c >= 'A' && c <= 'Z' ? U : c >= 'a' && c <= 'z' ? LW : 0;
        }
        switch (category) {
            case Character.UPPERCASE_LETTER, Character.TITLECASE_LETTER:
                return U;
            case Character.LOWERCASE_LETTER:
                return LW;
            case Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                    Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK:
                return U | LW;
            default:
                return 0;
        }
    }

    /** A scanner for one known pattern. */
    static final class Scanner implements SplitPattern {
        private final String source;
        // the kind's properties, read once: the loops compare these fields
        private final Form form;
        private final Contractions contractions;
        private final int digitsPerPiece;
        private final boolean trailingWhitespaceWhole;
        private final boolean matchesEverywhere;

        Scanner(Kind kind) {
            source = kind.pattern;
            form = kind.form;
            contractions = kind.contractions;
            digitsPerPiece = kind.digitsPerPiece;
            trailingWhitespaceWhole = kind.trailingWhitespaceWhole;
            matchesEverywhere = kind.matchesEverywhere;
        }

        @Override
        public String source() {
            return source;
        }

        @Override
        public long find(CharSequence t, int from, int to) {
            if (from >= to) {
                return -1;
            }
            if (!matchesEverywhere && loneSpace(t, from, to)) {
                from++; // no alternative matches here; the character after it, not white space, starts a match
            }
            return ((long) from << 32) | matchAt(t, from, to);
        }

        /** White space other than ' ' at p with a character that is not white space after it. */
        private static boolean loneSpace(CharSequence t, int p, int to) {
            char c = t.charAt(p);
            if (c == ' ' || p + 1 >= to) {
                return false;
            }
            byte k = classOf(c);
            byte k1 = classOf(cp(t, p + 1));
            return (k == SPACE || k == NEWLINE) && k1 != SPACE && k1 != NEWLINE;
        }

        /**
         * Adds every piece of {@code t[from, to)} to {@code out} (the Isolated split, without find's overhead); where
         * llama.cpp's GPT-2 form matches nowhere, the character left is a piece of its own, as a match of GPT-2's
         * final {@code \s+} is.
         */
        void splitAll(CharSequence t, int from, int to, Splits out) {
            int p = from;
            while (p < to) {
                int e = matchAt(t, p, to);
                out.add(p, e);
                p = e;
            }
        }

        int matchAt(CharSequence t, int p, int to) {
            return form == Form.O200K ? o200k(t, p, to) : classic(t, p, to);
        }

        private int classic(CharSequence t, int p, int to) {
            int c = cp(t, p);
            int n1 = p + Character.charCount(c);
            byte k = classOf(c);
            if (c == '\'' && n1 < to && contractions != Contractions.NONE) {
                int m = contraction(t, n1, to, contractions);
                if (m > 0) {
                    return m;
                }
            }
            if (form == Form.GPT2) {
                if (c == ' ' && n1 < to) {
                    byte k1 = classOf(cp(t, n1));
                    if (k1 == LETTER || k1 == NUMBER || k1 == OTHER) {
                        return run(t, n1, to, k1);
                    }
                }
                if (k == LETTER || k == NUMBER || k == OTHER) {
                    return run(t, p, to, k);
                }
                int r = run(t, p, to, SPACE, NEWLINE);
                if (r == to) {
                    return r;
                }
                return r - p >= 2 ? r - 1 : r; // \s+(?!\S) keeps the last space for the next word; else \s
            }
            if (k == LETTER) {
                return run(t, p, to, LETTER);
            }
            if (k != NEWLINE && k != NUMBER && n1 < to && classOf(cp(t, n1)) == LETTER) {
                return run(t, n1, to, LETTER); // [^\r\n\p{L}\p{N}]?\p{L}+
            }
            if (k == NUMBER) {
                return numbers(t, p, to, digitsPerPiece);
            }
            if (c == ' ' && n1 < to && classOf(cp(t, n1)) == OTHER) {
                return newlines(t, run(t, n1, to, OTHER), to, false);
            }
            if (k == OTHER) {
                return newlines(t, run(t, p, to, OTHER), to, false);
            }
            return whitespace(t, p, to, trailingWhitespaceWhole);
        }

        /** The alternatives of {@link Form#O200K}. */
        private int o200k(CharSequence t, int p, int to) {
            int c = cp(t, p);
            int n1 = p + Character.charCount(c);
            byte k = classOf(c);
            boolean prefixOk = k != NEWLINE && k != LETTER && k != NUMBER;
            boolean mark = k == OTHER && isMark(c);
            // alternative 1: prefix? [U]*[Lw]+ contraction?
            if (prefixOk && n1 < to) {
                int e = lettersLowerTail(t, n1, to);
                if (e > 0) {
                    return optionalContraction(t, e, to);
                }
            }
            if (k == LETTER || mark) {
                int e = lettersLowerTail(t, p, to);
                if (e > 0) {
                    return optionalContraction(t, e, to);
                }
            }
            // alternative 2: prefix? [U]+[Lw]* contraction?
            if (prefixOk && n1 < to) {
                int e = lettersUpperHead(t, n1, to);
                if (e > 0) {
                    return optionalContraction(t, e, to);
                }
            }
            if (k == LETTER || mark) {
                int e = lettersUpperHead(t, p, to);
                if (e > 0) {
                    return optionalContraction(t, e, to);
                }
            }
            if (k == NUMBER) {
                return numbers(t, p, to, digitsPerPiece);
            }
            if (c == ' ' && n1 < to && classOf(cp(t, n1)) == OTHER) {
                return newlines(t, run(t, n1, to, OTHER), to, true);
            }
            if (k == OTHER) {
                return newlines(t, run(t, p, to, OTHER), to, true);
            }
            return whitespace(t, p, to, trailingWhitespaceWhole);
        }

        /** \p{N}{1,max} at p, which holds a number. */
        private static int numbers(CharSequence t, int p, int to, int max) {
            int e = p;
            for (int i = 0; i < max && e < to; i++) {
                int d = cp(t, e);
                if (classOf(d) != NUMBER) {
                    break;
                }
                e += Character.charCount(d);
            }
            return e;
        }

        /** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+ at q, as backtracking finds it; -1 if none. */
        private static int lettersLowerTail(CharSequence t, int q, int to) {
            int ua = q; // end of the maximal U run
            int lastBoth = -1; // last char in the U run that is also in Lw
            while (ua < to) {
                int c = cp(t, ua);
                int cls = upperLower(c);
                if ((cls & U) == 0) {
                    break;
                }
                if ((cls & LW) != 0) {
                    lastBoth = ua;
                }
                ua += Character.charCount(c);
            }
            if (ua < to && (upperLower(cp(t, ua)) & LW) != 0) {
                return lowerRun(t, ua, to);
            }
            if (lastBoth >= 0) {
                return lowerRun(t, lastBoth, to);
            }
            return -1;
        }

        /** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]* at q; -1 if none. */
        private static int lettersUpperHead(CharSequence t, int q, int to) {
            int ua = q;
            while (ua < to) {
                int c = cp(t, ua);
                if ((upperLower(c) & U) == 0) {
                    break;
                }
                ua += Character.charCount(c);
            }
            if (ua == q) {
                return -1;
            }
            return lowerRun(t, ua, to);
        }

        private static int lowerRun(CharSequence t, int i, int to) {
            while (i < to) {
                int c = cp(t, i);
                if ((upperLower(c) & LW) == 0) {
                    break;
                }
                i += Character.charCount(c);
            }
            return i;
        }

        /** The word that ends at e, with the contraction after it if there is one. */
        private int optionalContraction(CharSequence t, int e, int to) {
            if (contractions != Contractions.NONE && e + 1 < to && t.charAt(e) == '\'') {
                int m = contraction(t, e + 1, to, contractions);
                if (m > 0) {
                    return m;
                }
            }
            return e;
        }

        /** After an apostrophe at i-1: 's 't 're 've 'm 'll 'd, in the cases {@code cases} takes; returns the end or -1. */
        private static int contraction(CharSequence t, int i, int to, Contractions cases) {
            char a = fold(t.charAt(i), cases);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return i + 1;
            }
            if (i + 1 < to) {
                char b = fold(t.charAt(i + 1), cases);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return i + 2;
                }
            }
            return -1;
        }

        /** Case folding for the contraction letters: ASCII, plus U+017F (long s), which folds to s, for ANY_CASE. */
        private static char fold(char c, Contractions cases) {
            if (cases == Contractions.LOWER_CASE) {
                return c;
            }
            if (c >= 'A' && c <= 'Z') {
                return (char) (c + 32);
            }
            return c == '\u017F' && cases == Contractions.ANY_CASE ? 's' : c;
        }

        /** Whitespace alternatives at p: {@code [\s++$] | \s*[\r\n]+ | \s+(?!\S) | \s+}. */
        static int whitespace(CharSequence t, int p, int to, boolean endRule) {
            int r = p;
            int lastNewline = -1;
            while (r < to) {
                char c = t.charAt(r);
                if (c == '\r' || c == '\n') {
                    lastNewline = r;
                } else if (!Unicode.isWhiteSpace(c)) {
                    break;
                }
                r++;
            }
            if (endRule && r == to) {
                return r;
            }
            if (lastNewline >= 0) {
                return lastNewline + 1;
            }
            if (r == to) {
                return r;
            }
            return r - p >= 2 ? r - 1 : r;
        }

        /** Extends over [\r\n]* (or [\r\n/]* for o200k). */
        static int newlines(CharSequence t, int e, int to, boolean slash) {
            while (e < to) {
                char c = t.charAt(e);
                if (c == '\r' || c == '\n' || (slash && c == '/')) {
                    e++;
                } else {
                    break;
                }
            }
            return e;
        }

        private static int run(CharSequence t, int i, int to, byte k) {
            while (i < to) {
                int c = cp(t, i);
                if (classOf(c) != k) {
                    break;
                }
                i += Character.charCount(c);
            }
            return i;
        }

        private static int run(CharSequence t, int i, int to, byte k1, byte k2) {
            while (i < to) {
                int c = cp(t, i);
                byte k = classOf(c);
                if (k != k1 && k != k2) {
                    break;
                }
                i += Character.charCount(c);
            }
            return i;
        }

        private static int cp(CharSequence t, int i) {
            char c = t.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < t.length()) {
                char d = t.charAt(i + 1);
                if (Character.isLowSurrogate(d)) {
                    return Character.toCodePoint(c, d);
                }
            }
            return c;
        }
    }
}
