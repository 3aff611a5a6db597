package dev.kindling.tokenizer.pretokenize;

import dev.kindling.tokenizer.text.Unicode;

/**
 * llama.cpp's deepseek-v3 third step, {@link #PATTERN}, without java.util.regex: an ASCII punctuation character before
 * ASCII letters, letters and marks with one character of none of the classes before them, punctuation and symbols with
 * a space before them and line breaks after, then white space as Llama 3's. Its classes are the regex's own
 * ({@link ClassRun.CharClass}), its white space ({@code \s}) the Llama 3 scanner's, {@link Unicode#isWhiteSpace} (the
 * regex's {@code \s} on every code point: ScannerRegexParityTest); where none of the alternatives matches (a digit, a
 * control character) the search goes on at the next character, as the regex's does.
 */
public final class DeepSeekV3Scanner implements SplitPattern {
    public static final String PATTERN = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
            + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

    private final ClassRun.CharClass before = new ClassRun.CharClass("[^\r\n\\p{L}\\p{P}\\p{S}]");
    private final ClassRun.CharClass letters = new ClassRun.CharClass("[\\p{L}\\p{M}]");
    private final ClassRun.CharClass punctuation = new ClassRun.CharClass("[\\p{P}\\p{S}]");

    @Override
    public String source() {
        return PATTERN;
    }

    @Override
    public long find(CharSequence t, int from, int to) {
        for (int p = from; p < to; ) {
            int c = ClassRun.cp(t, p, to);
            int e = matchAt(t, p, c, to);
            if (e > p) { // a match, never empty
                return ((long) p << 32) | e;
            }
            p += Character.charCount(c);
        }
        return -1;
    }

    private int matchAt(CharSequence t, int p, int c, int to) {
        int n1 = p + Character.charCount(c);
        int next = n1 < to ? ClassRun.cp(t, n1, to) : -1;
        if (c < 128 && c > ' ' && !Character.isLetterOrDigit(c) && c != 127 && next >= 0 && isAsciiLetter(next)) {
            int e = n1;
            while (e < to && isAsciiLetter(t.charAt(e))) {
                e++;
            }
            return e;
        }
        if (next >= 0 && before.has(c) && letters.has(next)) {
            return letters.runEnd(t, n1, to);
        }
        if (letters.has(c)) {
            return letters.runEnd(t, p, to);
        }
        if (c == ' ' && next >= 0 && punctuation.has(next)) {
            return Scanners.Scanner.newlines(t, punctuation.runEnd(t, n1, to), to, false);
        }
        if (punctuation.has(c)) {
            return Scanners.Scanner.newlines(t, punctuation.runEnd(t, p, to), to, false);
        }
        return Unicode.isWhiteSpace(c) ? Scanners.Scanner.whitespace(t, p, to, false) : -1;
    }

    private static boolean isAsciiLetter(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
}
