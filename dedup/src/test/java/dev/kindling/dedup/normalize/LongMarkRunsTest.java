package dev.kindling.dedup.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.text.CanonicalOrder;
import dev.kindling.formats.text.CanonicalOrderTest;
import java.text.Normalizer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Normalisation puts a long run of combining marks in canonical order with {@link CanonicalOrder}'s merge sort before
 * the JDK's normalisers see it, whose insertion sort took 43 s on "a" and 131,071 pairs of U+0301 U+0316 (NFKC),
 * quadratic in the run: the same text as the JDK's passes give.
 */
class LongMarkRunsTest {

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
    void longRunsNormaliseAsTheJdkDoes() {
        SplittableRandom r = new SplittableRandom(12);
        List<NormalizeOptions> options = List.of(NormalizeOptions.NEAR, NormalizeOptions.EXACT,
                new NormalizeOptions(false, false, false, false, true, NormalizeOptions.Digits.KEEP));
        for (int t = 0; t < 200; t++) {
            String s = CanonicalOrderTest.randomLongRun(r);
            for (NormalizeOptions o : options) {
                assertEquals(jdkPasses(s, o), TextNormalizer.unicodePassesWholeText(s, o),
                        o + " of " + s.codePoints().mapToObj(Integer::toHexString).toList());
            }
        }
    }

    /**
     * 40,000 marks of two classes on one letter: every one goes through the merge sort, and NEAR keeps the letter
     * alone (the marks dropped), EXACT the letter and the marks in class order.
     */
    @Test
    void aLongRunOfMarksIsSortedByCanonicalOrder() {
        String text = "a" + "\u0301\u0316".repeat(20_000);
        long before = CanonicalOrder.marksSorted();
        assertEquals("a", TextNormalizer.normalize(text, NormalizeOptions.NEAR));
        assertTrue(CanonicalOrder.marksSorted() - before >= 40_000,
                "marks sorted here, not by the JDK: " + (CanonicalOrder.marksSorted() - before));
        String exact = TextNormalizer.normalize(text, NormalizeOptions.EXACT);
        assertEquals("\u00E1".length() + 39_999, exact.length());   // á (a + U+0301 composed), then the rest in order
        assertTrue(exact.startsWith("\u00E1\u0316") && exact.endsWith("\u0301"), exact.substring(0, 3));
    }

    /**
     * Marks of two classes (U+1D16D 226, U+1D165 216; spacing marks, kept by NEAR) each alone between non-spacing
     * marks of class 0 (U+0902): no run to sort until NEAR drops the U+0902s, which joins them into one of 40,000
     * that the JDK's NFC sorted one mark at a time (this test: 6.2 s, now 0.9 s, at load 11): it is sorted here.
     */
    @Test
    void aRunJoinedByDroppingMarksIsSortedHere() {
        String piece = "\uD834\uDD6D\u0902\uD834\uDD65\u0902";
        String small = "a" + piece.repeat(100);
        assertEquals(jdkPasses(small, NormalizeOptions.NEAR), TextNormalizer.unicodePassesWholeText(small, NormalizeOptions.NEAR));
        long before = CanonicalOrder.marksSorted();
        assertEquals("a" + "\uD834\uDD65".repeat(20_000) + "\uD834\uDD6D".repeat(20_000),
                TextNormalizer.normalize("a" + piece.repeat(20_000), NormalizeOptions.NEAR));
        assertTrue(CanonicalOrder.marksSorted() - before >= 40_000,
                "marks sorted here, not by the JDK: " + (CanonicalOrder.marksSorted() - before));
    }
}
