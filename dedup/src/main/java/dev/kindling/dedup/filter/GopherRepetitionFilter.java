package dev.kindling.dedup.filter;

import dev.kindling.dedup.text.WordTokenizer;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Gopher's repetition rules (Rae et al. 2021, arXiv:2112.11446, table A1) with the defaults and
 * reason names of datatrove's {@code GopherRepetitionFilter}:
 * <ul>
 *   <li>{@code dup_para_frac} / {@code dup_para_char_frac}: paragraphs (split on 2+ newlines) that
 *       repeat an earlier one, above 30% of paragraphs or 20% of characters;</li>
 *   <li>{@code dup_line_frac} / {@code dup_line_char_frac}: the same for lines (split on 1+
 *       newlines), 30% and 20%;</li>
 *   <li>{@code top_2_gram}, {@code top_3_gram}, {@code top_4_gram}: the most frequent word n-gram
 *       (joined by spaces; first seen wins a tie) times its count, over the text's length, above
 *       0.20, 0.18, 0.16;</li>
 *   <li>{@code duplicated_5_n_grams} ... {@code duplicated_10_n_grams}: characters of n-grams
 *       (words concatenated) that repeat an earlier n-gram, scanning and skipping n words after a
 *       repeat, above 0.15, 0.14, 0.13, 0.12, 0.11, 0.10.</li>
 * </ul>
 * Lengths are Python lengths (code points). Tokens come from {@link WordTokenizer#wordTokenize}.
 * The n-grams are counted on word ids ({@link WordNGrams}), not as strings, and the tokens are
 * interned as the tokenizer yields them: on a 10.8 MB one-line document the nine n-gram passes take
 * about 4 s of CPU instead of 22 s and allocate tens of MB instead of 4.5 GB (README, Performance).
 */
public final class GopherRepetitionFilter implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    /**
     * Thresholds; a null disables that rule, and so does 0 for the four line/paragraph fractions (datatrove tests them
     * for truth: {@code if self.dup_para_frac and ...}). {@code topNGrams[i] = {n, fraction}}.
     */
    public record Config(Double dupLineFrac, Double dupParaFrac, Double dupLineCharFrac, Double dupParaCharFrac,
                         double[][] topNGrams, double[][] dupNGrams) implements java.io.Serializable {
        public static final Config DEFAULT = new Config(0.3, 0.3, 0.2, 0.2,
                new double[][] {{2, 0.2}, {3, 0.18}, {4, 0.16}},
                new double[][] {{5, 0.15}, {6, 0.14}, {7, 0.13}, {8, 0.12}, {9, 0.11}, {10, 0.10}});
    }

    private static final Pattern PARAGRAPHS = Pattern.compile("\n{2,}");
    private static final Pattern LINES = Pattern.compile("\n+");
    private final Config c;

    public GopherRepetitionFilter() {
        this(Config.DEFAULT);
    }

    public GopherRepetitionFilter(Config config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "gopher_repetition";
    }

    @Override
    public FilterResult apply(String text) {
        int textLen = TextStats.len(text);
        if (textLen == 0) {
            return FilterResult.drop("empty_text");
        }
        List<String> paragraphs = List.of(PARAGRAPHS.split(TextStats.strip(text), -1));
        long[] pd = TextStats.findDuplicates(paragraphs);
        if (on(c.dupParaFrac()) && (double) pd[0] / paragraphs.size() > c.dupParaFrac()) {
            return FilterResult.drop("dup_para_frac");
        }
        if (on(c.dupParaCharFrac()) && (double) pd[1] / textLen > c.dupParaCharFrac()) {
            return FilterResult.drop("dup_para_char_frac");
        }
        List<String> lines = List.of(LINES.split(text, -1));
        long[] ld = TextStats.findDuplicates(lines);
        if (on(c.dupLineFrac()) && (double) ld[0] / lines.size() > c.dupLineFrac()) {
            return FilterResult.drop("dup_line_frac");
        }
        if (on(c.dupLineCharFrac()) && (double) ld[1] / textLen > c.dupLineCharFrac()) {
            return FilterResult.drop("dup_line_char_frac");
        }
        WordNGrams words = new WordNGrams();
        WordTokenizer.wordTokenize(text, words::add);
        for (double[] t : c.topNGrams()) {
            int n = (int) t[0];
            if (words.size() < n) {
                continue;
            }
            if ((double) words.topDuplicate(n) / textLen > t[1]) {
                return FilterResult.drop("top_" + n + "_gram");
            }
        }
        for (double[] t : c.dupNGrams()) {
            int n = (int) t[0];
            if ((double) words.allDuplicate(n) / textLen > t[1]) {
                return FilterResult.drop("duplicated_" + n + "_n_grams");
            }
        }
        return FilterResult.keep(text);
    }

    /** A line/paragraph threshold that is set: datatrove's truth test, under which 0.0 is off too. */
    private static boolean on(Double threshold) {
        return threshold != null && threshold != 0.0;
    }

    /** Length of the most common space-joined n-gram times its count (first seen wins ties). */
    static long topDuplicate(List<String> words, int n) {
        return of(words).topDuplicate(n);
    }

    /** datatrove's {@code find_all_duplicate}: characters of repeated (concatenated) n-grams. */
    static long allDuplicate(List<String> words, int n) {
        return of(words).allDuplicate(n);
    }

    private static WordNGrams of(List<String> words) {
        WordNGrams g = new WordNGrams();
        words.forEach(g::add);
        return g;
    }
}
