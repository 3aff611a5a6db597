package dev.kindling.dedup.filter;

import dev.kindling.dedup.text.WordTokenizer;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Gopher's quality rules (Rae et al. 2021, "Scaling Language Models: Methods, Analysis &amp;
 * Insights from Training Gopher", appendix A, arXiv:2112.11446) with the defaults and reason names
 * of datatrove's {@code GopherQualityFilter}:
 * <ul>
 *   <li>{@code gopher_short_doc} / {@code gopher_long_doc}: fewer than 50 or more than 100,000 words
 *       (words = tokens with at least one character that is not punctuation or a symbol);</li>
 *   <li>{@code gopher_below_avg_threshold} / {@code gopher_above_avg_threshold}: mean word length
 *       outside [3, 10];</li>
 *   <li>{@code gopher_too_many_hashes} / {@code gopher_too_many_ellipsis}: "#" or "..."/"…" per
 *       token above 0.1;</li>
 *   <li>{@code gopher_too_many_bullets}: more than 90% of lines start with "•" or "-";</li>
 *   <li>{@code gopher_too_many_end_ellipsis}: more than 30% of lines end with "..." or "…";</li>
 *   <li>{@code gopher_below_alpha_threshold}: fewer than 80% of tokens contain a letter;</li>
 *   <li>{@code gopher_enough_stop_words}: fewer than 2 of the stop words the, be, to, of, and,
 *       that, have, with (case-sensitive, as datatrove).</li>
 * </ul>
 * Tokens come from {@link WordTokenizer#wordTokenize} (NLTK's rules). "Punctuation" is Unicode P*,
 * S* and control characters, where datatrove lists characters by hand; they agree on ASCII.
 */
public final class GopherQualityFilter implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    /**
     * Thresholds; a null disables that rule, and so does 0 (datatrove tests each for truth: {@code if
     * self.max_doc_words and ...}, so {@code max_doc_words=0} keeps every length instead of dropping every text).
     */
    public record Config(Integer minDocWords, Integer maxDocWords, Double minAvgWordLength, Double maxAvgWordLength,
                         Double maxSymbolWordRatio, Double maxBulletLinesRatio, Double maxEllipsisLinesRatio,
                         Double minAlphaWordsRatio, Integer minStopWords, Set<String> stopWords) implements java.io.Serializable {
        public static final Config DEFAULT = new Config(50, 100_000, 3.0, 10.0, 0.1, 0.9, 0.3, 0.8, 2,
                Set.of("the", "be", "to", "of", "and", "that", "have", "with"));
    }

    private final Config c;

    public GopherQualityFilter() {
        this(Config.DEFAULT);
    }

    public GopherQualityFilter(Config config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "gopher_quality";
    }

    /**
     * The line rules go through the text's lines in place ({@code str.splitlines()}'s, {@link TextStats#lineEnd}), where a
     * list of every line came to about 17 bytes per character of a text's newlines.
     */
    @Override
    public FilterResult apply(String text) {
        WordCounts counts = count(text);
        long nWords = counts.words;
        long nonSymbol = counts.nonSymbol;
        long nonSymbolChars = counts.nonSymbolChars;
        long alpha = counts.alpha;
        long stop = counts.stop;
        if (on(c.minDocWords()) && nonSymbol < c.minDocWords()) {
            return FilterResult.drop("gopher_short_doc");
        }
        if (on(c.maxDocWords()) && nonSymbol > c.maxDocWords()) {
            return FilterResult.drop("gopher_long_doc");
        }
        if (nonSymbol == 0 || nWords == 0) {
            return FilterResult.drop("gopher_short_doc");   // every ratio below divides by these
        }
        double avg = (double) nonSymbolChars / nonSymbol;
        if (on(c.minAvgWordLength()) && avg < c.minAvgWordLength()) {
            return FilterResult.drop("gopher_below_avg_threshold");
        }
        if (on(c.maxAvgWordLength()) && avg > c.maxAvgWordLength()) {
            return FilterResult.drop("gopher_above_avg_threshold");
        }
        if (on(c.maxSymbolWordRatio())) {
            if ((double) TextStats.count(text, "#") / nWords > c.maxSymbolWordRatio()) {
                return FilterResult.drop("gopher_too_many_hashes");
            }
            if ((double) (TextStats.count(text, "...") + TextStats.count(text, "…")) / nWords > c.maxSymbolWordRatio()) {
                return FilterResult.drop("gopher_too_many_ellipsis");
            }
        }
        int lines = 0;
        int bullets = 0;
        int ellipsis = 0;
        for (int start = 0, end; start < text.length(); start = TextStats.nextLine(text, end)) {
            end = TextStats.lineEnd(text, start);
            lines++;
            int a = TextStats.lstripFrom(text, start, end);
            if (a < end && (text.charAt(a) == '•' || text.charAt(a) == '-')) {
                bullets++;
            }
            int b = TextStats.rstripTo(text, start, end);
            if (b - start >= 3 && text.startsWith("...", b - 3) || b > start && text.charAt(b - 1) == '…') {
                ellipsis++;
            }
        }
        if (lines > 0) {
            if (on(c.maxBulletLinesRatio()) && (double) bullets / lines > c.maxBulletLinesRatio()) {
                return FilterResult.drop("gopher_too_many_bullets");
            }
            if (on(c.maxEllipsisLinesRatio()) && (double) ellipsis / lines > c.maxEllipsisLinesRatio()) {
                return FilterResult.drop("gopher_too_many_end_ellipsis");
            }
        }
        if (on(c.minAlphaWordsRatio()) && (double) alpha / nWords < c.minAlphaWordsRatio()) {
            return FilterResult.drop("gopher_below_alpha_threshold");
        }
        if (on(c.minStopWords()) && stop < c.minStopWords()) {
            return FilterResult.drop("gopher_enough_stop_words");
        }
        return FilterResult.keep(text);
    }

    /**
     * The tallies of {@link #apply}, counted as the words come (a long text's words are never all held), and only until
     * the text has more non-symbol words than {@code maxDocWords} (and at least {@code minDocWords}): it is then
     * {@code gopher_long_doc} whatever the rest holds, the first rule to fail, so a 50 MB document is not tokenized
     * whole to be told it is long. The sentence in which the count passes the bound is tokenized whole.
     */
    WordCounts count(String text) {
        WordCounts counts = new WordCounts(c.stopWords());
        Integer max = c.maxDocWords();
        Integer min = c.minDocWords();
        WordTokenizer.wordTokenize(text, counts,
                () -> on(max) && counts.nonSymbol > max && !(on(min) && counts.nonSymbol < min));
        return counts;
    }

    /** A threshold that is set: datatrove's truth test, under which 0 is off too. */
    private static boolean on(Number threshold) {
        return threshold != null && threshold.doubleValue() != 0.0;
    }

    /** The per-word tallies of {@link #apply}. */
    static final class WordCounts implements Consumer<String> {
        private final Set<String> stopWords;
        long words;
        long nonSymbol;
        long nonSymbolChars;
        long alpha;
        long stop;

        WordCounts(Set<String> stopWords) {
            this.stopWords = stopWords;
        }

        @Override
        public void accept(String w) {
            words++;
            if (!TextStats.isSymbolOnly(w)) {
                nonSymbol++;
                nonSymbolChars += TextStats.len(w);
            }
            if (TextStats.hasLetter(w)) {
                alpha++;
            }
            if (stopWords.contains(w)) {
                stop++;
            }
        }
    }
}
