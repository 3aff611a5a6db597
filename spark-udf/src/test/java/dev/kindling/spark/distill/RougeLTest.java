package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ROUGE-L against values worked out by hand with rouge_score's definition
 * (F = 2 LCS / (|a| + |b|) over lower-cased alphanumeric tokens).
 */
class RougeLTest {
    @Test
    void tokensAsRougeScoreSplitsAsciiText() {
        assertEquals(List.of("write", "a", "poem", "about", "the", "sea", "3", "lines"),
                RougeL.tokens("Write a poem -- about THE sea (3 lines)!"));
        assertEquals(List.of("café", "über", "東京"), RougeL.tokens("Café, über; 東京"));
        assertEquals(List.of(), RougeL.tokens(" ... "));
    }

    @Test
    void fmeasure() {
        // identical (case and punctuation ignored)
        assertEquals(1.0, RougeL.fmeasure("Write a poem.", "write a POEM"), 1e-12);
        // "the cat sat on the mat" vs "the cat lay on the mat": LCS 5 of 6 and 6 -> 10/12
        assertEquals(10.0 / 12, RougeL.fmeasure("the cat sat on the mat", "the cat lay on the mat"), 1e-12);
        // order matters: "a b c d" vs "d c b a": LCS 1 -> 2/8
        assertEquals(0.25, RougeL.fmeasure("a b c d", "d c b a"), 1e-12);
        // different lengths: "give three tips for staying healthy" (6) vs "give tips for health" (4):
        // LCS give, tips, for = 3 -> 6/10
        assertEquals(0.6, RougeL.fmeasure("Give three tips for staying healthy.", "Give tips for health"), 1e-12);
        assertEquals(0.0, RougeL.fmeasure("", "anything"), 0);
        assertEquals(0.0, RougeL.fmeasure("alpha beta", "gamma delta"), 0);
    }

    /**
     * rouge_score's F is {@code 2 * P * R / (P + R)} with {@code P = lcs / |prediction|}, {@code R = lcs / |target|} in
     * doubles; {@code 2 lcs / (|a| + |b|)} is the same number on paper but differs in the last bit, and at self-instruct's
     * threshold (it drops a score above 0.7) the last bit decides. Expected values: rouge_score's arithmetic in python3.
     */
    @Test
    void fmeasureIsRougeScoresDouble() {
        // 7 of 7 and 13 tokens: P = 7/13, R = 1 -> 0.7000000000000001 (2 * 7 / 20 is 0.7)
        assertEquals(0.7000000000000001, RougeL.fmeasure("Write a short poem about the sea.",
                "Write a short poem about the sea and the sky at dawn today."), 0);
        // 6 of 6 and 10: 0.7499999999999999 (2 * 6 / 16 is 0.75)
        assertEquals(0.7499999999999999, RougeL.fmeasure("Give three tips for staying healthy.",
                "Give three tips for staying healthy and fit at work."), 0);
        // 7 of 10 and 10: exactly 0.7
        assertEquals(0.7, RougeL.fmeasure("Name three primary colors and explain why they are primary.",
                "Name three secondary colors and explain how they are mixed."), 0);
        // 7 of 7 and 11: 0.7777777777777778
        assertEquals(0.7777777777777778, RougeL.fmeasure("Write a short poem about the sea.",
                "Write a short poem about the sea at night in winter."), 0);
    }

    @Test
    void lcsIsSymmetricAndBoundedByTheLengthBound() {
        int[] a = {1, 2, 3, 4, 5, 6, 7};
        int[] b = {2, 9, 4, 6, 7, 1};
        assertEquals(4, RougeL.lcs(a, b));
        assertEquals(4, RougeL.lcs(b, a));
        assertEquals(RougeL.fmeasure(a, b), RougeL.fmeasure(b, a), 0);
        assertEquals(2.0 * 6 / 13, RougeL.upperBound(7, 6), 1e-12);
    }
}
