package dev.kindling.dedup.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * English word tokenizer with the rules of NLTK's {@code NLTKWordTokenizer} (the improved Penn
 * Treebank tokenizer behind {@code nltk.word_tokenize}, Apache-2.0), which datatrove's quality
 * filters count words with. Quotes, punctuation, brackets, double dashes and contractions are split
 * off ("don't" becomes "do", "n't"); tokens are then the white-space separated pieces.
 *
 * <p>{@link #tokenize(String)} treats its input as one sentence; {@link #wordTokenize(String)}
 * first splits sentences ({@link SentenceSplitter}) as {@code word_tokenize} does with Punkt.
 * Punkt's trained model is not shipped here, so sentence boundaries come from Kindling's rule-based
 * splitter: this matters only for where a sentence-final period is split off ("end." vs "end",
 * "."). Token-for-token agreement of {@link #tokenize} with NLTK 3.8 is tested on corpus lines.
 *
 * <pre>{@code
 * List<String> t = WordTokenizer.tokenize("They'll pay $3.88 (roughly).");
 * // [They, 'll, pay, $, 3.88, (, roughly, ), .]
 * }</pre>
 */
public final class WordTokenizer {
    private WordTokenizer() {}

    /**
     * One NLTK substitution. {@code needs}: characters of which at least one must occur for the
     * regex to match at all (null: always run); checking them first skips most regex scans.
     */
    private record Rule(Pattern p, String replacement, String needs) {
        String apply(String s) {
            if (needs != null && !containsAny(s, needs)) {
                return s;
            }
            return p.matcher(s).replaceAll(replacement);
        }
    }

    private static boolean containsAny(String s, String chars) {
        for (int i = 0; i < chars.length(); i++) {
            if (s.indexOf(chars.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static final int U = Pattern.UNICODE_CHARACTER_CLASS;

    /**
     * NLTK's patterns are Python {@code str} regexes, whose classes differ from Java's Unicode ones at the edges:
     * Python's {@code \s} is {@code str.isspace()}, which also holds for the information separators U+001C..U+001F;
     * its {@code \w} is {@code str.isalnum()} or "_", letters and numbers, where Java's also takes combining marks
     * (an apostrophe, "e" and U+0301 had no word boundary after the "e") and leaves out numbers such as "²".
     * {@code \b} is written out with these.
     */
    private static final String PY_SPACE = "[\\s\\x1c-\\x1f]";
    private static final String PY_WORD = "[\\p{L}\\p{N}_]";
    private static final String PY_WORD_START = "(?<!" + PY_WORD + ")";
    private static final String PY_WORD_END = "(?!" + PY_WORD + ")";

    private static Rule rule(String regex, String replacement, String needs) {
        return new Rule(Pattern.compile(regex, U), replacement, needs);
    }

    private static Rule ruleCi(String regex, String replacement, String needs) {
        return new Rule(Pattern.compile(regex, U | Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE), replacement, needs);
    }

    private static final List<Rule> STARTING_QUOTES = List.of(
            rule("([«“‘„]|[`]+)", " $1 ", "«“‘„`"),
            rule("^\"", "``", "\""),
            rule("(``)", " $1 ", "`"),
            rule("([ (\\[{<])(\"|'{2})", "$1 `` ", "\"'"),
            ruleCi("(')(?!re|ve|ll|m|t|s|d|n)(" + PY_WORD + ")" + PY_WORD_END, "$1 $2", "'"));

    // the first rule's run of closers takes spaces, as the white space after it does: backtracking between the two
    // cost n² steps for a period followed by n spaces (80,000: 35 s). Taken possessively the run is the longest one,
    // which is the only one that can match (a shorter run leaves a closer, or the same non-space, for "\s*$").
    private static final List<Rule> PUNCTUATION = List.of(
            rule("([^.])(\\.)([\\])}>\"'»”’ ]*+)" + PY_SPACE + "*$", "$1 $2 $3 ", "."),
            rule("([:,])([^\\d])", " $1 $2", ":,"),
            rule("([:,])$", " $1 ", ":,"),
            rule("\\.{2,}", " $0 ", "."),
            rule("[;@#$%&]", " $0 ", ";@#$%&"),
            rule("([^.])(\\.)([\\])}>\"']*)" + PY_SPACE + "*$", "$1 $2$3 ", "."),
            rule("[?!]", " $0 ", "?!"),
            rule("([^'])' ", "$1 ' ", "'"),
            rule("[*]", " $0 ", "*"));

    private static final Rule PARENS_BRACKETS = rule("[\\]\\[(){}<>]", " $0 ", "[](){}<>");
    private static final Rule DOUBLE_DASHES = rule("--", " -- ", "-");

    private static final List<Rule> ENDING_QUOTES = List.of(
            rule("([»”’])", " $1 ", "»”’"),
            rule("''", " '' ", "'"),
            rule("\"", " '' ", "\""),
            rule("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 ", "'"),
            rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 ", "'"));

    private static final List<Rule> CONTRACTIONS = List.of(
            ruleCi(PY_WORD_START + "(can)(not)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(d)('ye)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(gim)(me)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(gon)(na)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(got)(ta)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(lem)(me)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(more)('n)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(PY_WORD_START + "(wan)(na)(?=" + PY_SPACE + ")", " $1 $2 ", null),
            ruleCi(" ('t)(is)" + PY_WORD_END, " $1 $2 ", null),
            ruleCi(" ('t)(was)" + PY_WORD_END, " $1 $2 ", null));

    private static final Pattern WHITESPACE = Pattern.compile(PY_SPACE + "+", U);

    /** Tokens of one sentence (NLTK's {@code NLTKWordTokenizer().tokenize}). */
    public static List<String> tokenize(String sentence) {
        String text = sentence;
        for (Rule r : STARTING_QUOTES) {
            text = r.apply(text);
        }
        for (Rule r : PUNCTUATION) {
            text = r.apply(text);
        }
        text = PARENS_BRACKETS.apply(text);
        text = DOUBLE_DASHES.apply(text);
        text = " " + text + " ";
        for (Rule r : ENDING_QUOTES) {
            text = r.apply(text);
        }
        if (mayHaveContraction(text)) {
            for (Rule r : CONTRACTIONS) {
                text = r.apply(text);
            }
        }
        List<String> out = new ArrayList<>();
        for (String t : WHITESPACE.split(text)) {
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static final String[] CONTRACTION_WORDS = {"cannot", "d'ye", "gimme", "gonna", "gotta", "lemme", "more'n",
        "wanna", "'tis", "'twas"};

    /**
     * Whether any contraction rule can match. They are case-insensitive with Unicode case: fold each
     * char as the regex engine does (upper, then lower: "ſ" is "s", "İ" is "i") before looking.
     */
    private static boolean mayHaveContraction(String text) {
        char[] folded = new char[text.length()];
        for (int i = 0; i < folded.length; i++) {
            folded[i] = Character.toLowerCase(Character.toUpperCase(text.charAt(i)));
        }
        String lower = new String(folded);
        for (String w : CONTRACTION_WORDS) {
            if (lower.contains(w)) {
                return true;
            }
        }
        return false;
    }

    /** Tokens of a whole text: sentences first, then {@link #tokenize} on each (datatrove's word_tokenize). */
    public static List<String> wordTokenize(String text) {
        List<String> out = new ArrayList<>();
        wordTokenize(text, out::add);
        return out;
    }

    /**
     * The number of {@link #wordTokenize(String)} tokens of {@code text}, counted up to {@code limit} and no further:
     * {@code spans} are its sentences ({@link SentenceSplitter#spans}), tokenized one by one until the count is reached,
     * so checking a 30 MB document for 50 words tokenizes its first sentences, not all of it (15 s).
     */
    public static int countUpTo(String text, int[] spans, int limit) {
        int n = 0;
        for (int i = 0; i < spans.length && n < limit; i += 2) {
            n += tokenize(text.substring(spans[i], spans[i + 1])).size();
        }
        return Math.min(n, limit);
    }

    /**
     * The tokens of {@link #wordTokenize(String)}, in order, handed to {@code sink} one sentence at a time, so a
     * caller that only counts or interns them never holds a list of every token of a long document.
     */
    public static void wordTokenize(String text, Consumer<String> sink) {
        wordTokenize(text, sink, () -> false);
    }

    /**
     * {@link #wordTokenize(String, Consumer)} that stops at the end of the first sentence after which {@code enough} is
     * true, so a caller whose answer is settled by a text's first words (more words than a bound) does not tokenize the
     * rest of a long document. A single sentence is tokenized whole.
     */
    public static void wordTokenize(String text, Consumer<String> sink, java.util.function.BooleanSupplier enough) {
        int[] spans = SentenceSplitter.spans(text);
        for (int i = 0; i < spans.length && !enough.getAsBoolean(); i += 2) {
            for (String t : tokenize(text.substring(spans[i], spans[i + 1]))) {
                sink.accept(t);
            }
        }
    }
}
