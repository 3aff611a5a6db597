package dev.kindling.dedup.filter;

import dev.kindling.dedup.text.SentenceSplitter;
import dev.kindling.dedup.text.WordTokenizer;

/**
 * FineWeb's extra quality rules (Penedo et al. 2024, "The FineWeb Datasets", arXiv:2406.17557)
 * with the defaults and reason names of datatrove's {@code FineWebQualityFilter}; lines are the
 * text split on "\n":
 * <ul>
 *   <li>{@code line_punct_ratio}: share of lines ending in {@code . ' " ! ?} at most 0.12;</li>
 *   <li>{@code short_line_ratio}: share of lines of at most 30 characters at least 0.67;</li>
 *   <li>{@code char_dup_ratio}: characters in non-empty lines that repeat an earlier line, over the
 *       characters outside newlines, at least 0.01;</li>
 *   <li>{@code list_ratio}: newlines per word token above 0.3.</li>
 * </ul>
 */
public final class FineWebQualityFilter implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    /** Thresholds (datatrove's defaults in {@link #DEFAULT}). */
    public record Config(double linePunctThreshold, boolean linePunctExcludeZero, double shortLineThreshold,
                         int shortLineLength, double charDuplicatesRatio, double newLineRatio) implements java.io.Serializable {
        public static final Config DEFAULT = new Config(0.12, false, 0.67, 30, 0.01, 0.3);
    }

    private final Config c;

    public FineWebQualityFilter() {
        this(Config.DEFAULT);
    }

    public FineWebQualityFilter(Config config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "fineweb";
    }

    /**
     * Goes through the text's lines in place, making strings only of the non-empty lines once the two line ratios keep
     * the text, for {@code char_dup_ratio}: the lines of {@code split("\n")} and the list of the non-empty ones came to
     * about 20 bytes per character of a text's newlines and 27 of {@code a.\n}.
     */
    @Override
    public FilterResult apply(String text) {
        int lines = 0;
        int punct = 0;
        int shortLines = 0;
        for (int start = 0, end; start <= text.length(); start = end + 1) {
            end = lineEnd(text, start);
            lines++;
            char last = end > start ? text.charAt(end - 1) : '\n';
            if (last == '.' || last == '\'' || last == '"' || last == '!' || last == '?') {
                punct++;
            }
            if (text.codePointCount(start, end) <= c.shortLineLength()) {
                shortLines++;
            }
        }
        double ratio = (double) punct / lines;
        if (ratio <= c.linePunctThreshold() && !(ratio == 0 && c.linePunctExcludeZero())) {
            return FilterResult.drop("line_punct_ratio");
        }
        if ((double) shortLines / lines >= c.shortLineThreshold()) {
            return FilterResult.drop("short_line_ratio");
        }
        int chars = TextStats.len(text) - TextStats.count(text, "\n");
        if (chars == 0 || (double) duplicateChars(text) / chars >= c.charDuplicatesRatio()) {
            return FilterResult.drop("char_dup_ratio");
        }
        int newLines = TextStats.count(text, "\n");
        int words = words(text, newLines);
        if (words == 0 || (double) newLines / words > c.newLineRatio()) {
            return FilterResult.drop("list_ratio");
        }
        return FilterResult.keep(text);
    }

    /** The end of the line of {@code text} that starts at {@code start}: its next "\n", or the end. */
    private static int lineEnd(String text, int start) {
        int end = text.indexOf('\n', start);
        return end < 0 ? text.length() : end;
    }

    /**
     * datatrove's {@code find_duplicates(non_empty_lines)}'s characters: those of the non-empty lines seen before, found
     * in place. A table of the distinct lines' starts, placed by a hash of their chars, each match checked against the
     * text (the same chars up to a newline or the end), where each non-empty line was made a String kept in a list and a
     * HashSet. The hash is polynomial modulo 2^61 - 1 in a base drawn once per JVM, so no text can be written whose
     * distinct lines all land together (String.hashCode's "Aa" and "BB", which the HashSet's tree bins bounded): a lookup
     * checks about one other line.
     */
    static long duplicateChars(String text) {
        int nonEmpty = 0;
        for (int start = 0, end; start <= text.length(); start = end + 1) {
            end = lineEnd(text, start);
            if (TextStats.lstripFrom(text, start, end) < end) {
                nonEmpty++;
            }
        }
        int slots = 2;
        while (slots < 2L * nonEmpty && slots < 1 << 30) {
            slots <<= 1;
        }
        int[] starts = new int[slots]; // a line's start + 1; 0: free
        long chars = 0;
        for (int start = 0, end; start <= text.length(); start = end + 1) {
            end = lineEnd(text, start);
            if (TextStats.lstripFrom(text, start, end) == end) {
                continue;
            }
            long h = lineHash(text, start, end);
            for (int i = (int) (h ^ (h >>> 31)) & (slots - 1); ; i = (i + 1) & (slots - 1)) {
                int seen = starts[i] - 1;
                if (seen < 0) {
                    starts[i] = start + 1;
                    break;
                }
                if (sameLine(text, seen, start, end)) {
                    chars += text.codePointCount(start, end);
                    break;
                }
            }
        }
        return chars;
    }

    /** 2^61 - 1, a prime: the lines' hashes are polynomials in {@link #BASE} modulo it. */
    private static final long PRIME = (1L << 61) - 1;
    private static final long BASE = (1L << 32) + new java.util.SplittableRandom().nextLong(PRIME - (1L << 33));

    /** The hash of {@code text}'s chars from {@code start} to {@code end}, three chars (each + 1) to a digit. */
    private static long lineHash(String text, int start, int end) {
        long h = 0;
        int i = start;
        for (; i + 3 <= end; i += 3) {
            h = mulAdd(h, (long) (text.charAt(i) + 1) << 34 | (long) (text.charAt(i + 1) + 1) << 17 | text.charAt(i + 2) + 1);
        }
        if (i < end) { // one or two chars: a digit below 2^34, where a whole one is above it
            h = mulAdd(h, i + 1 < end ? (long) (text.charAt(i) + 1) << 17 | text.charAt(i + 1) + 1 : text.charAt(i) + 1);
        }
        return h;
    }

    /** {@code h * BASE + digit} modulo {@link #PRIME}, {@code h} and {@code digit} below it. */
    private static long mulAdd(long h, long digit) {
        long lo = h * BASE; // the product is hi * 2^64 + lo, and 2^61 is 1 modulo PRIME
        long r = (lo & PRIME) + ((lo >>> 61) | (Math.multiplyHigh(h, BASE) << 3)) + digit;
        r = (r & PRIME) + (r >>> 61);
        return r >= PRIME ? r - PRIME : r;
    }

    /** Whether the line of {@code text} at {@code other} is {@code text}'s chars from {@code start} to {@code end}. */
    private static boolean sameLine(String text, int other, int start, int end) {
        int otherEnd = other + end - start;
        return otherEnd <= text.length() && (otherEnd == text.length() || text.charAt(otherEnd) == '\n')
                && text.regionMatches(other, text, start, end - start);
    }

    /**
     * The text's words for {@code list_ratio}, counted only up to the number that settles it for {@code newLines} line
     * breaks ({@link WordTokenizer#countUpTo}): with that many or more the ratio is under {@code newLineRatio} (a word
     * over the exact bound, against rounding), so a long document's first sentences decide, where every word of it was
     * tokenized and held in a list to be counted.
     */
    int words(String text, int newLines) {
        double bound = c.newLineRatio() > 0 ? Math.floor(newLines / c.newLineRatio()) + 2 : Integer.MAX_VALUE;
        return WordTokenizer.countUpTo(text, SentenceSplitter.spans(text), (int) Math.min(bound, Integer.MAX_VALUE));
    }
}
