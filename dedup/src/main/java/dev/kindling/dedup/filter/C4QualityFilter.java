package dev.kindling.dedup.filter;

import dev.kindling.dedup.text.SentenceSplitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * C4's cleaning rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified
 * Text-to-Text Transformer", JMLR 21, section 2.2; TensorFlow Datasets' {@code c4_utils}) with the
 * defaults and reason names of datatrove's {@code C4QualityFilter}. Works line by line and returns
 * the kept lines:
 * <ul>
 *   <li>lines with a word over 1000 characters are dropped;</li>
 *   <li>Wikipedia-style citations ({@code [1]}, {@code [edit]}, {@code [citation needed]}) are removed;</li>
 *   <li>lines not ending in {@code . ? ! " '} (or ending in "...") are dropped;</li>
 *   <li>lines with fewer than 3 words are dropped;</li>
 *   <li>{@code lorem_ipsum}: a kept line containing "lorem ipsum" drops the document;</li>
 *   <li>lines mentioning "javascript" are dropped;</li>
 *   <li>{@code curly_bracket}: a kept line containing "{" drops the document;</li>
 *   <li>lines with "terms of use", "privacy policy", "cookie policy", "uses cookies",
 *       "use of cookies" or "use cookies" are dropped;</li>
 *   <li>{@code too_few_sentences}: fewer than 5 sentences in the kept lines.</li>
 * </ul>
 * The bad-words list of C4 is not applied (datatrove keeps it as a separate filter; the list is
 * not shipped here). Sentences are counted with {@link SentenceSplitter} (datatrove uses Punkt).
 */
public final class C4QualityFilter implements DocumentFilter {
    private static final long serialVersionUID = 1L;
    /** Options, datatrove's defaults in {@link #DEFAULT}; -1 disables a numeric rule. */
    public record Config(boolean removeCitations, boolean filterNoTerminalPunct, int minNumSentences,
                         int minWordsPerLine, int maxWordLength, boolean filterLoremIpsum,
                         boolean filterJavascript, boolean filterCurlyBracket, boolean filterPolicy) implements java.io.Serializable {
        public static final Config DEFAULT = new Config(true, true, 5, 3, 1000, true, true, true, true);
    }

    // datatrove's pattern is a Python str regex, whose \d is any Unicode decimal digit ("[٣]" is a citation too)
    private static final Pattern CITATION = Pattern.compile("\\[\\d*]|\\[edit]|\\[citation needed]",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final String[] END_PUNCTUATION = {".", "?", "!", "\"", "'"};
    private static final String[] POLICY = {"terms of use", "privacy policy", "cookie policy", "uses cookies",
        "use of cookies", "use cookies"};

    private final Config c;

    public C4QualityFilter() {
        this(Config.DEFAULT);
    }

    public C4QualityFilter(Config config) {
        this.c = config;
    }

    @Override
    public String name() {
        return "c4";
    }

    /**
     * Goes through the text's lines in place, making a string of a line only once its words and end keep it (most lines
     * of a page are dropped): a list of every line came to about 15 bytes per character of 1 MB of newlines and 20 of
     * {@code a.\n}.
     */
    @Override
    public FilterResult apply(String text) {
        int sentences = 0;
        List<String> kept = new ArrayList<>();
        int bracket = text.indexOf('['); // the next '[' from the line on, looked for once per '['
        for (int start = 0, end; start < text.length(); start = TextStats.nextLine(text, end)) {
            end = TextStats.lineEnd(text, start);
            int a = TextStats.lstripFrom(text, start, end);
            int b = TextStats.rstripTo(text, a, end);
            int words = wordsUnlessOneIsTooLong(text, a, b);
            if (words < 0) {
                continue;
            }
            if (bracket >= 0 && bracket < a) {
                bracket = text.indexOf('[', a);
            }
            String line = c.removeCitations() && bracket >= 0 && bracket < b
                    ? CITATION.matcher(text.substring(a, b)).replaceAll("") : null;
            if (c.filterNoTerminalPunct() && !endsAsASentence(line == null ? text : line, line == null ? a : 0,
                    line == null ? b : line.length())) {
                continue;
            }
            if (words < c.minWordsPerLine()) {
                continue;
            }
            if (line == null) {
                line = text.substring(a, b);
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if (c.filterLoremIpsum() && lower.contains("lorem ipsum")) {
                return FilterResult.drop("lorem_ipsum");
            }
            if (c.filterJavascript() && lower.contains("javascript")) {
                continue;
            }
            if (c.filterCurlyBracket() && line.contains("{")) {
                return FilterResult.drop("curly_bracket");
            }
            if (c.filterPolicy() && containsAny(lower)) {
                continue;
            }
            sentences += SentenceSplitter.spans(line).length / 2;
            kept.add(line);
        }
        if (sentences < c.minNumSentences()) {
            return FilterResult.drop("too_few_sentences");
        }
        return FilterResult.keep(TextStats.strip(String.join("\n", kept)));
    }

    /**
     * The number of whitespace-separated words of {@code s}'s {@code [from, to)} ({@code str.split()}'s), or -1 where
     * one is longer than {@code maxWordLength} code points; counted in place (a list of the words and a stream over
     * them for each empty line came to about 400 bytes).
     */
    private int wordsUnlessOneIsTooLong(String s, int from, int to) {
        int words = 0;
        int i = from;
        while (i < to) {
            while (i < to && TextStats.isPySpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < to && !TextStats.isPySpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                if (c.maxWordLength() != -1 && s.codePointCount(start, i) > c.maxWordLength()) {
                    return -1;
                }
                words++;
            }
        }
        return words;
    }

    /** Whether {@code s}'s {@code [from, to)} ends in {@code . ? ! " '}, but not in "...". */
    private static boolean endsAsASentence(String s, int from, int to) {
        if (endsWith(s, from, to, "...")) {
            return false;
        }
        for (String p : END_PUNCTUATION) {
            if (endsWith(s, from, to, p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsWith(String s, int from, int to, String suffix) {
        return to - from >= suffix.length() && s.startsWith(suffix, to - suffix.length());
    }

    private static boolean containsAny(String lower) {
        for (String p : POLICY) {
            if (lower.contains(p)) {
                return true;
            }
        }
        return false;
    }
}
