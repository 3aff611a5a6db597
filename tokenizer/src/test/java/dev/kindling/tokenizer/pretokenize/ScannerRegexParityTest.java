package dev.kindling.tokenizer.pretokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import dev.kindling.tokenizer.text.Unicode;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hand-made scanners cut text exactly where the regex (java.util.regex with Unicode classes,
 * the semantics of Oniguruma / Rust regex for these patterns) cuts it: on the corpora and on fuzzed
 * strings over an alphabet chosen to hit every branch (contractions incl. U+017F, U+0085 and other
 * Unicode spaces, \r\n runs, marks, Lm/Lo/Lt letters, non-ASCII digits, surrogate pairs, '/', and letters, digits
 * and marks of Unicode 14 to 16, which Java 17's tables lack). The fuzzed strings are also split with the matches
 * removed, where a scanner's {@code find} must tell matches from the text between them (llama.cpp's GPT-2 form matches
 * nowhere at a lone tab before a letter).
 */
public class ScannerRegexParityTest {
    public static final String[] ALPHABET = {"a", "Z", "e", "s", "S", "t", "T", "r", "R", "v", "l", "L", "m", "d", "D", "'", "\u017F",
            " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u0085", "\u00A0", "\u2028", "\u3000", "0", "7", "\u0663", "\u2163", "\u00B2",
            ".", ",", "!", "/", "-", "(", "\"", "\u0301", "\u0903", "\u02B0", "\u4E2D", "\u05D0", "\u01C5", "\u00C9", "\u00E9",
            "\uD83D\uDE00", "\uD835\uDC00", "\u00AD", "$", "_", "'s", "'RE", "'Ll",
            "\uD838\uDE90", "\uD807\uDF50", "\uD803\uDD50", "\uD803\uDD70", "\u2C2F", "\u0897", "\u1734", "\uD83E\uDEE8"};

    public static String fuzz(Random rnd, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    static List<String> pieces(SplitPattern p, String text) {
        return pieces(p, text, Split.Behavior.ISOLATED);
    }

    public static List<String> pieces(SplitPattern p, String text, Split.Behavior behavior) {
        Splits in = new Splits();
        in.single(text, true);
        return pieces(new Split(p, behavior, false), in);
    }

    /**
     * Text before and after a piece, pairwise: a later step's piece (or one between added tokens) is not the whole text,
     * and what follows it (a letter, white space or punctuation first, then a digit and a line break) must not be read.
     */
    public static final String[][] AROUND = {{"a '", "a1 \n's"}, {"'s ", " \n!1a"}, {"1 ", "!1 a\n"}};

    /**
     * The pieces of {@code text} as a piece inside a longer text (between each pair of {@link #AROUND}), only it split,
     * one list after the other: what a step sees after an earlier one cut the text, where a search must stop at the piece's
     * end.
     */
    public static List<String> piecesInside(PreTokenizer p, String text) {
        List<String> r = new ArrayList<>();
        for (String[] around : AROUND) {
            Splits in = new Splits();
            in.reset(around[0] + text + around[1]);
            in.add(around[0].length(), around[0].length() + text.length());
            r.addAll(pieces(p, in));
            r.add("|");
        }
        return r;
    }

    public static List<String> piecesInside(SplitPattern p, String text, Split.Behavior behavior) {
        return piecesInside(new Split(p, behavior, false), text);
    }

    public static List<String> pieces(PreTokenizer p, Splits in) {
        Splits out = new Splits();
        p.apply(in, out);
        List<String> r = new ArrayList<>();
        for (int i = 0; i < out.count; i++) {
            r.add(out.piece(i));
        }
        return r;
    }

    /** The scanners' white space (Unicode.isWhiteSpace, DeepSeekV3Scanner's too) is the regex's \\s on every code point. */
    @Test
    void whiteSpaceIsTheRegexs() {
        // every code point but the surrogates in one text, searched once (a lone high and low surrogate side by side
        // would make a pair), the surrogates one by one
        StringBuilder all = new StringBuilder();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE) {
                all.appendCodePoint(c);
            }
        }
        List<Integer> regex = new ArrayList<>();
        Matcher m = RegexPattern.compile("\\s").matcher(all);
        while (m.find()) {
            regex.add(all.codePointAt(m.start()));
        }
        for (int c = Character.MIN_SURROGATE; c <= Character.MAX_SURROGATE; c++) {
            if (m.reset(Character.toString(c)).matches()) {
                regex.add(c);
            }
        }
        List<Integer> scanners = new ArrayList<>();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (Unicode.isWhiteSpace(c)) {
                scanners.add(c);
            }
        }
        regex.sort(null);
        assertEquals(regex, scanners);
        assertEquals(25, scanners.size());
    }

    /**
     * The rows whose pattern is tiktoken's, which runs in Rust's fancy-regex, where X{1,3}+ is possessive; Oniguruma's
     * Ruby syntax (HF's Split) reads it as (?:X{1,3})+, and Kindling refuses that form there.
     */
    private static final Set<Scanners.Kind> TIKTOKEN = EnumSet.of(Scanners.Kind.CL100K, Scanners.Kind.R50K);

    @ParameterizedTest
    @EnumSource(Scanners.Kind.class)
    void scannerEqualsRegex(Scanners.Kind row) throws Exception {
        String kind = row.name();
        String pattern = row.pattern;
        SplitPattern scanner = Scanners.forPattern(pattern);
        SplitPattern regex = TIKTOKEN.contains(row) ? RegexPattern.rustRegex(pattern) : new RegexPattern(pattern);
        assertEquals(false, scanner instanceof RegexPattern, "a scanner exists for " + kind);
        Random rnd = new Random(kind.hashCode());
        for (int i = 0; i < 20000; i++) {
            String s = fuzz(rnd, 1 + rnd.nextInt(24));
            assertEquals(pieces(regex, s), pieces(scanner, s), () -> kind + " on " + dev.kindling.tokenizer.LlamaCppVectors.escape(s));
            assertEquals(pieces(regex, s, Split.Behavior.REMOVED), pieces(scanner, s, Split.Behavior.REMOVED),
                    () -> kind + " removed on " + dev.kindling.tokenizer.LlamaCppVectors.escape(s));
            if (i % 8 == 0) {
                assertEquals(piecesInside(regex, s, Split.Behavior.ISOLATED), piecesInside(scanner, s, Split.Behavior.ISOLATED),
                        () -> kind + " inside a text on " + dev.kindling.tokenizer.LlamaCppVectors.escape(s));
            }
        }
        for (String doc : Corpus.texts(SharedData.require("corpus/moby-dick.jsonl"))) {
            assertEquals(pieces(regex, doc), pieces(scanner, doc), kind + " on Moby Dick");
        }
        List<String> sotu = Corpus.texts(SharedData.require("corpus/sotu.jsonl.gz"));
        for (int i = 0; i < sotu.size(); i += 10) {
            assertEquals(pieces(regex, sotu.get(i)), pieces(scanner, sotu.get(i)), kind + " on SOTU document " + i);
        }
    }
}
