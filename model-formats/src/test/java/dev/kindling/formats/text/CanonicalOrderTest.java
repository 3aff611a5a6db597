package dev.kindling.formats.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.Normalizer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A long run of combining marks is put in canonical order by {@link CanonicalOrder}'s merge sort before the JDK's
 * normalisers see it, whose insertion sort took 43 s on "a" and 131,071 pairs of U+0301 U+0316 (NFKC), quadratic in
 * the run: the same text as the JDK's, asking it about a few pairs of marks. {@link #randomMarks} makes the random
 * runs of the dedup and tokenizer tests too.
 */
public class CanonicalOrderTest {

    // marks of many combining classes (1, 7, 8, 9, 202, 216, 220, 230, 232, 240), ones that decompose to marks
    // (U+0344, U+0F73, U+0F75, U+0F81), a modifier letter whose NFKD is a mark (U+FF9E), and letters, precomposed
    // ones, Hangul and compatibility characters between them
    private static final String ALPHABET = "a\u0301\u0316\u0334\u093C\u3099\u094D\u0327\u0323\u0315\u0345\u0344\u0F73"
            + "\u0F75\u0F81\u0F71\u0F72\u0F80\uFF9E\u0308\u05B0\u05B1\u0591\u00E9\u1100\u1161\u11A8\uAC00\uFB01\u00C5 ";

    /** {@code length} characters of {@link #ALPHABET} (a space among them) and up to two supplementary marks. */
    public static String randomMarks(SplittableRandom r, int length) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < length; k++) {
            sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        sb.append("\uD834\uDD65\uD834\uDD6D".substring(0, 2 * r.nextInt(3)));   // supplementary marks (216, 226)
        return sb.toString();
    }

    /** A long run of random marks after "x" (the spaces made marks too). */
    public static String randomLongRun(SplittableRandom r) {
        return "x" + randomMarks(r, CanonicalOrder.LONG_RUN + r.nextInt(300)).replace(" ", "\u0301");
    }

    @Test
    void decompositionIsTheJdks() {
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 1000; t++) {
            String s = randomMarks(r, r.nextInt(40));
            for (Normalizer.Form f : List.of(Normalizer.Form.NFD, Normalizer.Form.NFKD)) {
                assertEquals(Normalizer.normalize(s, f), CanonicalOrder.decompose(s, f),
                        f + " of " + s.codePoints().mapToObj(Integer::toHexString).toList());
            }
        }
    }

    @Test
    void longRunsNormaliseAsTheJdkDoesInEachForm() {
        SplittableRandom r = new SplittableRandom(13);
        for (int t = 0; t < 100; t++) {
            String s = randomLongRun(r);
            for (Normalizer.Form f : Normalizer.Form.values()) {
                assertEquals(Normalizer.normalize(s, f), CanonicalOrder.normalize(s, f),
                        f + " of " + s.codePoints().mapToObj(Integer::toHexString).toList());
            }
        }
    }

    /** What moves with the marks moves as they do; a code point taken as a starter stops them. */
    @Test
    void aRunIsSortedWithItsPayloadAndStopsAtAStarter() {
        int[] cps = {'a', 0x301, 0x316, 0x301, 0x316, 0x1DF6, 0x316};
        int[] with = {0, 1, 2, 3, 4, 5, 6};
        new CanonicalOrder(c -> c == 0x1DF6).sortRuns(cps, with, cps.length);
        assertArrayEquals(new int[] {'a', 0x316, 0x316, 0x301, 0x301, 0x1DF6, 0x316}, cps);
        assertArrayEquals(new int[] {0, 2, 4, 1, 3, 5, 6}, with);
    }

    /** 40,000 marks of two classes on one letter: every one goes through the merge sort, which asks about the one pair. */
    @Test
    void aLongRunOfMarksIsSortedHereAskingAboutEachPairOnce() {
        String text = "a" + "\u0301\u0316".repeat(20_000);
        CanonicalOrder c = new CanonicalOrder();
        long before = CanonicalOrder.marksSorted();
        String d = c.decomposed(text, Normalizer.Form.NFD);
        assertEquals("a" + "\u0316".repeat(20_000) + "\u0301".repeat(20_000), d);
        assertTrue(c.pairsAsked() <= 2, "pairs asked: " + c.pairsAsked());
        assertEquals(40_000, CanonicalOrder.marksSorted() - before);
        assertEquals("\u00E1" + "\u0316".repeat(20_000) + "\u0301".repeat(19_999),
                CanonicalOrder.normalize(text, Normalizer.Form.NFC));
    }

    /** One instance asked for NFD and then NFKD of a ligature gives each form's, where it kept NFD's for both. */
    @Test
    void anInstanceDecomposesEachFormAsItsOwn() {
        CanonicalOrder o = new CanonicalOrder();
        assertEquals("\uFB01", o.decomposed("\uFB01", Normalizer.Form.NFD));
        assertEquals("fi", o.decomposed("\uFB01", Normalizer.Form.NFKD));
        assertEquals("\uFB01", o.decomposed("\uFB01", Normalizer.Form.NFD));
    }
}
