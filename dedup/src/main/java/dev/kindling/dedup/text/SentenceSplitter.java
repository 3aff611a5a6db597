package dev.kindling.dedup.text;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * Rule-based sentence boundaries, the stand-in for NLTK's Punkt (whose trained English model is not
 * shipped with Kindling). A sentence ends:
 * <ul>
 *   <li>at a line break (web text puts one block per line; C4 and datatrove count sentences per line);</li>
 *   <li>after a run of {@code . ! ? …} (plus closing quotes or brackets) followed by white space and
 *       a character that is not a lower-case letter, unless the word before a single {@code .} is
 *       an abbreviation ("Mr.", "Dr.", "U.S.", "e.g.") or one capital letter (an initial), also behind an
 *       opening quote or bracket ({@code "Dr.}, {@code [Fig.}, {@code “J.});</li>
 *   <li>right after {@code 。！？} (Chinese and Japanese need no space after them).</li>
 * </ul>
 * White space is Python's, as Punkt's {@code \s} reads it: the no-break spaces (U+00A0, U+2007, U+202F) and U+0085
 * too, so "He left." and a no-break space before "Then" end a sentence, as in NLTK. Spans exclude surrounding white
 * space; empty sentences are skipped.
 *
 * <pre>{@code
 * int[] spans = SentenceSplitter.spans("Mr. Smith came. He sat.\nDone");
 * // [0,15, 16,23, 24,28]: "Mr. Smith came." "He sat." "Done"
 * }</pre>
 */
public final class SentenceSplitter {
    private SentenceSplitter() {}

    private static final Set<String> ABBREVIATIONS = Set.of(
            "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "cf", "no", "nos",
            "gen", "gov", "sen", "rep", "col", "lt", "capt", "sgt", "maj", "rev", "hon", "messrs", "mt", "ft",
            "u.s", "u.s.a", "u.k", "inc", "ltd", "co", "corp", "dept", "univ", "approx", "fig", "vol", "pp",
            "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "a.m", "p.m");

    /** Start/end offsets of every sentence, flattened: {@code [s0, e0, s1, e1, ...]}. */
    public static int[] spans(String text) {
        int[] out = new int[16];
        int n = 0;
        int len = text.length();
        int start = 0;
        int i = 0;
        while (i < len) {
            char c = text.charAt(i);
            int end = -1;
            int next = i + 1;
            if (c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029') {
                end = i;
            } else if (c == '。' || c == '！' || c == '？') {
                int j = i + 1;
                while (j < len && isCloser(text.charAt(j))) {
                    j++;
                }
                end = j;
                next = j;
            } else if (c == '.' || c == '!' || c == '?' || c == '…') {
                int j = i;
                while (j < len && isTerminal(text.charAt(j))) {
                    j++;
                }
                while (j < len && isCloser(text.charAt(j))) {
                    j++;
                }
                next = j;
                if (j == len || isSpace(text.charAt(j))) {
                    int k = j;
                    while (k < len && isSpace(text.charAt(k)) && text.charAt(k) != '\n') {
                        k++;
                    }
                    boolean lowerNext = k < len && Character.isLowerCase(text.charAt(k));
                    boolean singlePeriod = c == '.' && (i + 1 == len || text.charAt(i + 1) != '.');
                    if (!lowerNext && !(singlePeriod && abbreviationBefore(text, start, i))) {
                        end = j;
                    }
                }
            }
            if (end >= 0) {
                n = add(text, start, end, out, n);
                if (n == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                start = Math.max(next, end);
            }
            i = next;
        }
        n = add(text, start, len, out, n);
        return Arrays.copyOf(out, n);
    }

    private static int add(String text, int s, int e, int[] out, int n) {
        while (s < e && isSpace(text.charAt(s))) {
            s++;
        }
        while (e > s && isSpace(text.charAt(e - 1))) {
            e--;
        }
        if (e > s && n + 2 <= out.length) {
            out[n] = s;
            out[n + 1] = e;
            return n + 2;
        }
        return n;
    }

    /**
     * Python's white space ({@code str.isspace}, the {@code \s} of Punkt's patterns): Java's {@code isWhitespace} leaves out
     * the no-break spaces and U+0085, so a sentence ended by a period and a no-break space ran on into the next.
     */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /**
     * An opening bracket or quote: a word behind one is read without it, as Punkt's word tokens start after an
     * opening bracket or quote, so {@code "Dr.} is the abbreviation {@code Dr.} and {@code “J.} an initial.
     */
    private static boolean isOpener(char c) {
        int type = Character.getType(c);
        return type == Character.START_PUNCTUATION || type == Character.INITIAL_QUOTE_PUNCTUATION;
    }

    private static boolean isTerminal(char c) {
        return c == '.' || c == '!' || c == '?' || c == '…';
    }

    private static boolean isCloser(char c) {
        return c == '"' || c == '\'' || c == '”' || c == '’' || c == ')' || c == ']' || c == '»' || c == '」' || c == '』';
    }

    /** True when the word ending at the period {@code dot} is an abbreviation or a single capital. */
    private static boolean abbreviationBefore(String text, int sentenceStart, int dot) {
        int w = dot;
        while (w > sentenceStart && !isSpace(text.charAt(w - 1)) && !isOpener(text.charAt(w - 1))) {
            w--;
        }
        // ASCII quotes open a word only at its start (an apostrophe inside one, "O'B.", is part of it)
        while (w < dot && (text.charAt(w) == '"' || text.charAt(w) == '\'' || text.charAt(w) == '`')) {
            w++;
        }
        String word = text.substring(w, dot);
        if (word.length() == 1 && Character.isUpperCase(word.charAt(0))) {
            return true;
        }
        return ABBREVIATIONS.contains(word.toLowerCase(Locale.ROOT));
    }
}
