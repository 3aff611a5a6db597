package dev.kindling.dedup.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.testing.SharedData;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Unicode passes (NFKC, NFD, marks dropped, NFC) run on the pieces of a text around its non-ASCII characters
 * instead of the whole text three times over: the same output as the whole-text twin, on every corpus document and
 * on texts made to put marks, compositions and compatibility characters next to the cuts, with far less allocated.
 */
class UnicodePassesTest {

    private static final List<NormalizeOptions> OPTIONS = List.of(NormalizeOptions.NEAR, NormalizeOptions.EXACT,
            new NormalizeOptions(false, false, false, false, true, NormalizeOptions.Digits.KEEP));

    private static List<Document> corpus() {
        List<Document> docs = new ArrayList<>(JsonlDocuments.read(SharedData.require("corpus/moby-dick.jsonl"), "id", "text"));
        docs.addAll(JsonlDocuments.read(SharedData.require("corpus/sotu.jsonl.gz"), "id", "text"));
        return docs;
    }

    @Test
    void sameAsTheWholeTextTwinOnTheCorpus() {
        List<Document> docs = corpus();
        assertTrue(docs.size() > 300, "corpus documents: " + docs.size());
        int nonAscii = 0;
        for (Document d : docs) {
            nonAscii += TextNormalizer.isAscii(d.text()) ? 0 : 1;
            for (NormalizeOptions o : OPTIONS) {
                assertEquals(TextNormalizer.unicodePassesWholeText(d.text(), o), TextNormalizer.unicodePasses(d.text(), o),
                        "document " + d.id() + ", " + o);
            }
        }
        assertTrue(nonAscii > 100, "documents with non-ASCII characters: " + nonAscii);
    }

    @Test
    void sameAsTheWholeTextTwinAtTheCuts() {
        String[] cases = {
            "e\u0301", "cafe\u0301 au lait", "\u0301e", "a\u0308\u0301b", "A\u030A\u0323x", "\u1100\u1161\u11A8 k",
            "\uFB01 \u00B2 \uFF34he", "\u0B47\u0B3E", "x\u0B47\u0B3Ey", "\u00E9\u0301.", "a\u200D\u0301", "\u212B",
            "\u1E9B\u0323", "i\u0307\u0301", "\uD835\uDC00\u0301 z", "a\uD800b", "\u0301", "ABC\u0300\u0300\u0300D",
        };
        for (String c : cases) {
            for (NormalizeOptions o : OPTIONS) {
                assertEquals(TextNormalizer.unicodePassesWholeText(c, o), TextNormalizer.unicodePasses(c, o), c + ", " + o);
            }
        }
        // random texts over ASCII, combining marks, precomposed letters, Hangul jamo, compatibility characters
        String alphabet = "aeiouAEO .,-0\u0300\u0301\u0308\u0323\u0327\u0345\u00E9\u00C5\u1E9B\u1100\u1161\u11A8\uAC00"
                + "\uFB01\u00B2\uFF21\u2014\u2019\u0B47\u0B3E\u0915\u093C\u3099\u304B";
        SplittableRandom r = new SplittableRandom(5);
        for (int t = 0; t < 5000; t++) {
            StringBuilder sb = new StringBuilder();
            for (int k = r.nextInt(12); k > 0; k--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String text = sb.toString();
            for (NormalizeOptions o : OPTIONS) {
                assertEquals(TextNormalizer.unicodePassesWholeText(text, o), TextNormalizer.unicodePasses(text, o),
                        "random text " + text.codePoints().mapToObj(Integer::toHexString).toList() + ", " + o);
            }
        }
    }

    /**
     * The chars the segmented passes skip without a look at {@link java.text.Normalizer} ({@code isInert}) are left
     * alone by every pass, between ASCII characters and next to each other: none is the second or later char of a
     * canonical decomposition (so none composes with what comes before it), and NFKC, NFD and NFC keep each.
     */
    @Test
    void skippedCharsAreInertInContext() {
        java.util.BitSet seconds = new java.util.BitSet(0x10000);
        for (int cp = 0; cp < 0x30000; cp++) {
            if (Character.isSurrogate((char) cp) && cp < 0x10000) {
                continue;
            }
            String nfd = java.text.Normalizer.normalize(new String(Character.toChars(cp)), java.text.Normalizer.Form.NFD);
            for (int k = 1; k < nfd.length(); k++) {
                seconds.set(nfd.charAt(k));
            }
        }
        int inert = 0;
        for (char c = 128; c < 0xFFFF; c++) {
            if (!TextNormalizer.isInert(c)) {
                continue;
            }
            inert++;
            String hex = Integer.toHexString(c);
            assertTrue(!seconds.get(c), "U+" + hex + " follows another char in a canonical decomposition");
            for (String text : new String[] {"a" + c + "e", "<" + c + c + " ", "\u2014" + c + "\u2019"}) {
                for (NormalizeOptions o : OPTIONS) {
                    assertEquals(text, TextNormalizer.unicodePassesWholeText(text, o), "U+" + hex + ", " + o);
                }
            }
        }
        assertTrue(TextNormalizer.isInert('\u2014') && TextNormalizer.isInert('\u2019') && TextNormalizer.isInert('\u201C'));
        assertTrue(!TextNormalizer.isInert('\u00E9') && !TextNormalizer.isInert('\u2026') && !TextNormalizer.isInert('\u00A0')
                && !TextNormalizer.isInert('\u0301') && !TextNormalizer.isInert('\u00B2'));
        assertTrue(inert > 3000, "inert chars: " + inert);
    }

    @Test
    void unchangedTextIsReturnedAsItIs() {
        String text = "It\u2019s a whale\u2014a white one.";
        assertSame(text, TextNormalizer.unicodePasses(text, NormalizeOptions.NEAR));
    }

    /**
     * Moby-Dick's chapters (curly quotes and dashes in ASCII prose): the whole-text passes allocate about 6 bytes per
     * character of them (and about 21 on the chapters joined into one 10 MB document); the pieces about 0.5.
     */
    @Test
    void allocatesLessThanTheWholeTextTwin() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        List<Document> docs = JsonlDocuments.read(SharedData.require("corpus/moby-dick.jsonl"), "id", "text");
        long chars = 0;
        for (Document d : docs) {
            chars += d.text().length();
        }
        long[] bytes = new long[2];
        for (int rep = 0; rep < 3; rep++) {   // the last pass counts (the first warms the JIT)
            for (int way = 0; way < 2; way++) {
                long a0 = mx.getThreadAllocatedBytes(tid);
                for (Document d : docs) {
                    String out = way == 0 ? TextNormalizer.unicodePassesWholeText(d.text(), NormalizeOptions.NEAR)
                            : TextNormalizer.unicodePasses(d.text(), NormalizeOptions.NEAR);
                    assertTrue(out.length() > 0 || d.text().isBlank());
                }
                bytes[way] = mx.getThreadAllocatedBytes(tid) - a0;
            }
        }
        double whole = (double) bytes[0] / chars;
        double pieces = (double) bytes[1] / chars;
        System.out.printf("Unicode passes, Moby-Dick NEAR: whole text %.2f, pieces %.2f bytes per char%n", whole, pieces);
        assertTrue(whole > 3, "the whole-text twin allocated " + whole + " bytes per char; expected about 6");
        assertTrue(pieces < whole / 4, "the segmented passes allocated " + pieces + " bytes per char, the twin " + whole
                + "; expected under a quarter");
    }
}
