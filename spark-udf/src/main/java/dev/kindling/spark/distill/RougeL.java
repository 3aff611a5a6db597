package dev.kindling.spark.distill;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ROUGE-L F-measure between two texts, as Google's {@code rouge_score} computes it
 * ({@code RougeScorer(["rougeL"]).score(target, prediction).fmeasure}): the longest common
 * subsequence of their tokens, precision {@code P = lcs / |prediction|}, recall {@code R = lcs / |target|},
 * F = {@code 2 * P * R / (P + R)} in doubles, in that order (0 when either is empty). On paper that is
 * {@code 2 lcs / (|a| + |b|)}, but the two differ in the last bit, and a threshold compares exactly: 7 of 7 and 13
 * tokens is 0.7000000000000001 there, above self-instruct's 0.7. Symmetric, bit for bit.
 *
 * <p>Tokens: lower-cased, split at every character that is not a letter or digit, no stemming (self-instruct's
 * {@code use_stemmer=False}). For ASCII text this is {@code rouge_score}'s tokenizer (lower-case, {@code [^a-z0-9]+}
 * as separator); unlike it, letters outside a-z count as letters (rouge_score makes "café" "caf" and a Chinese
 * instruction no tokens at all, so F 0 against everything), so non-English instructions are compared too.
 */
public final class RougeL {
    private RougeL() {}

    /** The tokens of {@code text}. */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        String lower = text.toLowerCase(Locale.ROOT);
        int start = -1;
        for (int i = 0; i < lower.length(); ) {
            int cp = lower.codePointAt(i);
            boolean word = Character.isLetterOrDigit(cp);
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                out.add(lower.substring(start, i));
                start = -1;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(lower.substring(start));
        }
        return out;
    }

    /** ROUGE-L F-measure of two texts. */
    public static double fmeasure(String a, String b) {
        Vocabulary v = new Vocabulary();
        return fmeasure(v.ids(tokens(a)), v.ids(tokens(b)));
    }

    /** ROUGE-L F-measure of two token-id sequences. */
    public static double fmeasure(int[] a, int[] b) {
        return fmeasure(lcs(a, b), a.length, b.length);
    }

    /** The largest F-measure {@code a} and {@code b} could have, from their lengths alone. */
    public static double upperBound(int lengthA, int lengthB) {
        return fmeasure(Math.min(lengthA, lengthB), lengthA, lengthB);
    }

    /** rouge_score's {@code _score_lcs} and {@code scoring.fmeasure}, target of {@code lengthA} tokens, prediction of {@code lengthB}. */
    static double fmeasure(int lcs, int lengthA, int lengthB) {
        if (lengthA == 0 || lengthB == 0) {
            return 0;
        }
        double precision = (double) lcs / lengthB;
        double recall = (double) lcs / lengthA;
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    }

    /** Length of the longest common subsequence (dynamic programming over two rows). */
    public static int lcs(int[] a, int[] b) {
        if (a.length < b.length) {
            int[] t = a;
            a = b;
            b = t;
        }
        int[] prev = new int[b.length + 1];
        int[] cur = new int[b.length + 1];
        for (int x : a) {
            for (int j = 1; j <= b.length; j++) {
                cur[j] = x == b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length];
    }

    /** Token strings to small ints, so many comparisons against the same texts are cheap. */
    public static final class Vocabulary {
        private final Map<String, Integer> ids = new HashMap<>();

        public int[] ids(List<String> tokens) {
            int[] out = new int[tokens.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = ids.computeIfAbsent(tokens.get(i), k -> ids.size());
            }
            return out;
        }
    }
}
