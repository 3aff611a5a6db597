package dev.kindling.dedup.filter;

import dev.kindling.dedup.text.WordTokenizer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The test oracle for {@link GopherRepetitionFilter}: its first implementation, which builds every n-gram as a
 * string exactly as datatrove does ({@code " ".join} for the top n-grams, {@code "".join} for the duplicated
 * ones) and keys sets and maps with them. Simple and slow (26 s of CPU and 5.2 GB allocated on a 10.8 MB
 * one-line document); the filter must agree with it on every decision and every count.
 */
final class GopherRepetitionScalar implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    private final GopherRepetitionFilter.Config c;

    private static final Pattern PARAGRAPHS = Pattern.compile("\n{2,}");
    private static final Pattern LINES = Pattern.compile("\n+");

    GopherRepetitionScalar(GopherRepetitionFilter.Config config) {
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
        if (c.dupParaFrac() != null && (double) pd[0] / paragraphs.size() > c.dupParaFrac()) {
            return FilterResult.drop("dup_para_frac");
        }
        if (c.dupParaCharFrac() != null && (double) pd[1] / textLen > c.dupParaCharFrac()) {
            return FilterResult.drop("dup_para_char_frac");
        }
        List<String> lines = List.of(LINES.split(text, -1));
        long[] ld = TextStats.findDuplicates(lines);
        if (c.dupLineFrac() != null && (double) ld[0] / lines.size() > c.dupLineFrac()) {
            return FilterResult.drop("dup_line_frac");
        }
        if (c.dupLineCharFrac() != null && (double) ld[1] / textLen > c.dupLineCharFrac()) {
            return FilterResult.drop("dup_line_char_frac");
        }
        List<String> words = WordTokenizer.wordTokenize(text);
        for (double[] t : c.topNGrams()) {
            int n = (int) t[0];
            if (words.size() < n) {
                continue;
            }
            if ((double) topDuplicate(words, n) / textLen > t[1]) {
                return FilterResult.drop("top_" + n + "_gram");
            }
        }
        for (double[] t : c.dupNGrams()) {
            int n = (int) t[0];
            if ((double) allDuplicate(words, n) / textLen > t[1]) {
                return FilterResult.drop("duplicated_" + n + "_n_grams");
            }
        }
        return FilterResult.keep(text);
    }

    /** Length of the most common space-joined n-gram times its count (first seen wins ties). */
    static long topDuplicate(List<String> words, int n) {
        Map<String, int[]> counts = new HashMap<>();
        String best = null;
        int bestCount = 0;
        for (int i = 0; i + n <= words.size(); i++) {
            String g = String.join(" ", words.subList(i, i + n));
            int[] cnt = counts.computeIfAbsent(g, k -> new int[1]);
            cnt[0]++;
        }
        // Counter.most_common keeps insertion order among equal counts: scan in text order.
        Set<String> visited = new HashSet<>();
        for (int i = 0; i + n <= words.size(); i++) {
            String g = String.join(" ", words.subList(i, i + n));
            if (!visited.add(g)) {
                continue;
            }
            int cnt = counts.get(g)[0];
            if (cnt > bestCount) {
                best = g;
                bestCount = cnt;
            }
        }
        return best == null ? 0 : (long) TextStats.len(best) * bestCount;
    }

    /** datatrove's {@code find_all_duplicate}: characters of repeated (concatenated) n-grams. */
    static long allDuplicate(List<String> words, int n) {
        Set<String> unique = new HashSet<>();
        long repeated = 0;
        int idx = 0;
        while (idx < words.size() - n + 1) {
            String g = String.join("", words.subList(idx, idx + n));
            if (unique.contains(g)) {
                repeated += TextStats.len(g);
                idx += n;
            } else {
                unique.add(g);
                idx++;
            }
        }
        return repeated;
    }
}
