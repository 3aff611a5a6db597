package dev.kindling.tokenizer.pretokenize;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A regex that is one character class repeated, with an optional one-character prefix, found without running the regex
 * per search: {@code C}, {@code C+}, {@code C{m,n}}, {@code CCC} (the class written m times), {@code C+\z}, and
 * {@code \s?} or {@code " ?"} before {@code C}, {@code C+} or {@code C{1,n}}, where C is a bracket class
 * ({@code [\p{P}\$\+<=>\^~\|]}, {@code [一-龥ࠀ-一가-퟿]}, a negated one) or a single escape ({@code \p{N}}, {@code \s}). These are
 * the steps of llama.cpp's falcon, deepseek-llm, deepseek-coder, bloom, viking and default pre-tokenizers (and
 * deepseek-v3's first two, chameleon's punctuation). Which characters a class holds is asked of the regex's own class
 * ({@link RegexPattern#compile}, Unicode 16's categories), once for each block of 256 code points, as the text first
 * reaches one (twice where two threads reach it at once, to the same table), so the class is the regex's for every code
 * point and nothing is worked out at load. The search is the regex's leftmost one: at each position the prefix is taken
 * if the class can follow it, else the class alone.
 */
public final class ClassRun implements SplitPattern {
    private final String source;
    private final CharClass prefix; // null: none
    private final CharClass cls;
    private final int min;
    private final int max;
    private final boolean atEnd;

    private ClassRun(String source, CharClass prefix, CharClass cls, int min, int max, boolean atEnd) {
        this.source = source;
        this.prefix = prefix;
        this.cls = cls;
        this.min = min;
        this.max = max;
        this.atEnd = atEnd;
    }

    /** A ClassRun for {@code regex}, or null when it has another form. */
    public static ClassRun of(String regex) {
        int i = 0;
        String prefix = null;
        if (regex.startsWith("\\s?")) {
            prefix = "\\s";
            i = 3;
        } else if (regex.startsWith(" ?")) {
            prefix = " ";
            i = 2;
        }
        int e = classEnd(regex, i);
        if (e < 0) {
            return null;
        }
        String cls = regex.substring(i, e);
        String rest = regex.substring(e);
        int min = 1;
        int max = 1;
        boolean atEnd = false;
        if (rest.equals("+")) {
            max = Integer.MAX_VALUE;
        } else if (rest.equals("+\\z") && prefix == null) {
            max = Integer.MAX_VALUE;
            atEnd = true;
        } else if (rest.matches("\\{[1-9][0-9]?,[1-9][0-9]?}")) {
            min = Integer.parseInt(rest.substring(1, rest.indexOf(',')));
            max = Integer.parseInt(rest.substring(rest.indexOf(',') + 1, rest.length() - 1));
        } else if (!rest.isEmpty() && rest.length() % cls.length() == 0 && rest.equals(cls.repeat(rest.length() / cls.length()))) {
            min = max = 1 + rest.length() / cls.length();
        } else if (!rest.isEmpty()) {
            return null;
        }
        if (min > max || (prefix != null && min != 1)) {
            return null;
        }
        return new ClassRun(regex, prefix == null ? null : new CharClass(prefix), new CharClass(cls), min, max, atEnd);
    }

    /** The end of the class that starts at i: a bracket class without brackets inside, or \p{..}, \P{..}, \s, \d, \w. */
    private static int classEnd(String re, int i) {
        if (i >= re.length()) {
            return -1;
        }
        if (re.charAt(i) == '\\' && i + 1 < re.length()) {
            char k = re.charAt(i + 1);
            if ((k == 'p' || k == 'P') && i + 2 < re.length() && re.charAt(i + 2) == '{') {
                int close = re.indexOf('}', i + 3);
                return close < 0 ? -1 : close + 1;
            }
            return "sSdDwW".indexOf(k) >= 0 ? i + 2 : -1;
        }
        if (re.charAt(i) != '[') {
            return -1;
        }
        int j = i + 1;
        if (j < re.length() && re.charAt(j) == '^') {
            j++;
        }
        if (j < re.length() && re.charAt(j) == ']') {
            j++; // a ']' first is a literal
        }
        while (j < re.length()) {
            char c = re.charAt(j);
            if (c == '\\') {
                j += 2;
            } else if (c == '[') {
                return -1; // a nested class or a POSIX bracket: left to the regex
            } else if (c == ']') {
                return j + 1;
            } else {
                j++;
            }
        }
        return -1;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public long find(CharSequence t, int from, int to) {
        if (atEnd) {
            int s = to;
            while (s > from) {
                int c = Character.codePointBefore(t, s);
                int n = Character.charCount(c);
                if (s - n < from || !cls.has(c)) {
                    break;
                }
                s -= n;
            }
            return s < to ? ((long) s << 32) | to : -1;
        }
        for (int i = from; i < to; ) {
            int c = cp(t, i, to);
            int n = Character.charCount(c);
            if (prefix != null && prefix.has(c) && i + n < to) {
                int e = run(t, i + n, to);
                if (e > i + n) {
                    return ((long) i << 32) | e;
                }
            }
            if (cls.has(c)) {
                int e = run(t, i, to);
                if (e >= 0) {
                    return ((long) i << 32) | e;
                }
            }
            i += n;
        }
        return -1;
    }

    /** The end of the class's greedy run at i, at most max, or -1 when it holds fewer than min characters. */
    private int run(CharSequence t, int i, int to) {
        return cls.runEnd(t, i, to, min, max);
    }

    static int cp(CharSequence t, int i, int to) {
        char c = t.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < to) {
            char d = t.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }

    /** A character class, each block of 256 code points asked of the regex's class as the text first reaches it. */
    static final class CharClass {
        private final Pattern pattern;
        private final AtomicReferenceArray<long[]> blocks = new AtomicReferenceArray<>((Character.MAX_CODE_POINT + 1) >> 8);

        CharClass(String source) {
            pattern = RegexPattern.compile(source);
        }

        boolean has(int c) {
            // a table is written before it is published (release) and read after it is seen (acquire): a thread that
            // sees one sees its contents, with no full fence per character
            long[] b = blocks.getAcquire(c >> 8);
            if (b == null) {
                b = block(c >> 8);
                blocks.setRelease(c >> 8, b);
            }
            return (b[(c >> 6) & 3] & (1L << c)) != 0;
        }

        /** The end of the run of the class's characters at i. */
        int runEnd(CharSequence t, int i, int to) {
            return runEnd(t, i, to, 0, Integer.MAX_VALUE);
        }

        /** The end of the run of the class's characters at i, at most max of them, or -1 when it has fewer than min. */
        int runEnd(CharSequence t, int i, int to, int min, int max) {
            int count = 0;
            while (count < max && i < to) {
                int c = cp(t, i, to);
                if (!has(c)) {
                    break;
                }
                i += Character.charCount(c);
                count++;
            }
            return count >= min ? i : -1;
        }

        private long[] block(int k) {
            long[] b = new long[4];
            Matcher m = pattern.matcher("");
            for (int c = k << 8; c < (k + 1) << 8; c++) {
                if (m.reset(Character.toString(c)).matches()) {
                    b[(c >> 6) & 3] |= 1L << c;
                }
            }
            return b;
        }
    }
}
