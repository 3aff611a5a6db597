package dev.kindling.dedup.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.Normalizer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A long run of combining marks is put in canonical order by {@link CanonicalOrder}'s merge sort before the JDK's
 * normalisers see it, whose insertion sort took 43 s on "a" and 131,071 pairs of U+0301 U+0316 (NFKC), quadratic in
 * the run: the same text as the JDK's, asking it about a few pairs of marks.
 */
class CanonicalOrderTest {

    // marks of many combining classes (1, 7, 8, 9, 202, 216, 220, 230, 232, 240), ones that decompose to marks
    // (U+0344, U+0F73, U+0F75, U+0F81), a modifier letter whose NFKD is a mark (U+FF9E), and letters, precomposed
    // ones, Hangul and compatibility characters between them
    private static final String ALPHABET = "a\u0301\u0316\u0334\u093C\u3099\u094D\u0327\u0323\u0315\u0345\u0344\u0F73"
            + "\u0F75\u0F81\u0F71\u0F72\u0F80\uFF9E\u0308\u05B0\u05B1\u0591\u00E9\u1100\u1161\u11A8\uAC00\uFB01\u00C5 ";

    private static String random(SplittableRandom r, int length) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < length; k++) {
            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        sb.append("\uD834\uDD65\uD834\uDD6D".substring(0, 2 * r.nextInt(3)));   // supplementary marks (216, 226)
        return sb.toString();
    }

    /** NFKC then marks dropped as before CanonicalOrder: the JDK's passes on the whole text. */
    private static String jdkPasses(String s, NormalizeOptions o) {
        if (o.nfkc()) {
            s = Normalizer.normalize(s, Normalizer.Form.NFKC);
        }
        if (o.stripDiacritics()) {
            String d = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder sb = new StringBuilder();
            d.codePoints().filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK).forEach(sb::appendCodePoint);
            s = Normalizer.normalize(sb, Normalizer.Form.NFC);
        }
        return s;
    }

    @Test
    void decompositionIsTheJdks() {
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 1000; t++) {
            String s = random(r, r.nextInt(40));
            for (Normalizer.Form f : List.of(Normalizer.Form.NFD, Normalizer.Form.NFKD)) {
                assertEquals(Normalizer.normalize(s, f), CanonicalOrder.decompose(s, f),
                        f + " of " + s.codePoints().mapToObj(Integer::toHexString).toList());
            }
        }
    }

    @Test
    void longRunsNormaliseAsTheJdkDoes() {
        SplittableRandom r = new SplittableRandom(12);
        List<NormalizeOptions> options = List.of(NormalizeOptions.NEAR, NormalizeOptions.EXACT,
                new NormalizeOptions(false, false, false, false, true, NormalizeOptions.Digits.KEEP));
        for (int t = 0; t < 200; t++) {
            String s = "x" + random(r, CanonicalOrder.LONG_RUN + r.nextInt(300)).replace(" ", "\u0301");
            for (NormalizeOptions o : options) {
                assertEquals(jdkPasses(s, o), TextNormalizer.unicodePassesWholeText(s, o),
                        o + " of " + s.codePoints().mapToObj(Integer::toHexString).toList());
            }
        }
    }

    /**
     * 40,000 marks of two classes on one letter: every one goes through the merge sort, which asks the JDK about the
     * one pair, and NEAR keeps the letter alone (the marks dropped), EXACT the letter and the marks in class order.
     */
    @Test
    void aLongRunOfMarksIsSortedHereAskingAboutEachPairOnce() {
        String text = "a" + "\u0301\u0316".repeat(20_000);
        CanonicalOrder c = new CanonicalOrder();
        String d = c.decomposed(text, Normalizer.Form.NFD);
        assertEquals("a" + "\u0316".repeat(20_000) + "\u0301".repeat(20_000), d);
        assertTrue(c.pairsAsked <= 2, "pairs asked: " + c.pairsAsked);
        long before = CanonicalOrder.MARKS_SORTED.get();
        assertEquals("a", TextNormalizer.normalize(text, NormalizeOptions.NEAR));
        assertTrue(CanonicalOrder.MARKS_SORTED.get() - before >= 40_000,
                "marks sorted here, not by the JDK: " + (CanonicalOrder.MARKS_SORTED.get() - before));
        String exact = TextNormalizer.normalize(text, NormalizeOptions.EXACT);
        assertEquals("\u00E1".length() + 39_999, exact.length());   // á (a + U+0301 composed), then the rest in order
        assertTrue(exact.startsWith("\u00E1\u0316") && exact.endsWith("\u0301"), exact.substring(0, 3));
    }
}
