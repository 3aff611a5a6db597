package dev.kindling.dedup.filter;

import dev.kindling.dedup.normalize.TextNormalizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Python string semantics the filters are defined with (str.splitlines, str.strip, len, count). */
final class TextStats {
    private TextStats() {}

    /** Python's {@code str.isspace} for one char. */
    static boolean isPySpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || (c >= 0x1c && c <= 0x1f);
    }

    static String strip(String s) {
        int a = lstripFrom(s, 0, s.length());
        return s.substring(a, rstripTo(s, a, s.length()));
    }

    /** Where {@code s}'s {@code [from, to)} starts once lstripped: past its leading white space ({@code to} if all is). */
    static int lstripFrom(String s, int from, int to) {
        int a = from;
        while (a < to && isPySpace(s.charAt(a))) {
            a++;
        }
        return a;
    }

    /** Where {@code s}'s {@code [from, to)} ends once rstripped: before its trailing white space ({@code from} if all is). */
    static int rstripTo(String s, int from, int to) {
        int b = to;
        while (b > from && isPySpace(s.charAt(b - 1))) {
            b--;
        }
        return b;
    }

    /**
     * The end of the line of {@code s} that starts at {@code start}: its first line break (one of those of Python's
     * {@code str.splitlines()}), or the end.
     */
    static int lineEnd(String s, int start) {
        int i = start;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85 || c == 0x2028
                    || c == 0x2029) {
                break;
            }
            i++;
        }
        return i;
    }

    /** Where the line after the one that ends at {@code end} starts: past its line break, a CRLF as one. */
    static int nextLine(String s, int end) {
        return end + 1 < s.length() && s.charAt(end) == '\r' && s.charAt(end + 1) == '\n' ? end + 2 : end + 1;
    }

    /** Python's {@code len}: code points. */
    static int len(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Non-overlapping occurrences, as Python's {@code str.count}. */
    static int count(String s, String sub) {
        int c = 0;
        int i = 0;
        while ((i = s.indexOf(sub, i)) >= 0) {
            c++;
            i += sub.length();
        }
        return c;
    }

    /** datatrove's {@code find_duplicates}: elements seen before, and their total length. */
    static long[] findDuplicates(List<String> items) {
        Set<String> seen = new HashSet<>();
        long dupElements = 0;
        long dupChars = 0;
        for (String x : items) {
            if (!seen.add(x)) {
                dupElements++;
                dupChars += len(x);
            }
        }
        return new long[] {dupElements, dupChars};
    }

    /** A token made only of punctuation, symbols or control characters (Gopher's "symbol words"). */
    static boolean isSymbolOnly(String w) {
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            i += Character.charCount(cp);
            if (!TextNormalizer.isPunctuationOrSymbol(cp)) {
                return false;
            }
        }
        return true;
    }

    /** Python's {@code any(c.isalpha() for c in w)}. */
    static boolean hasLetter(String w) {
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetter(cp)) {
                return true;
            }
        }
        return false;
    }
}
