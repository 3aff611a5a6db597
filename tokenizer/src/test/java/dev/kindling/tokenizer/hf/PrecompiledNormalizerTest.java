package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.tokenizer.OffsetAsserts;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.normalize.CharsMapBlob;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.normalize.PrecompiledCharsMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code Precompiled} normalizer of a tokenizer.json (how transformers' converter writes a T5/ALBERT/XLM-R
 * SentencePiece map), on a map written in the test. HF applies it per grapheme cluster with the shortest key, where
 * sentencepiece takes the longest key anywhere; the expected ids and offsets were produced by tokenizers 0.23.2
 * (through shared/tools/ref) on this same map and vocabulary.
 */
class PrecompiledNormalizerTest {
    @TempDir
    Path tmp;

    /** ﬁ, half-width ｶ and ﾞ and their pair, x and xy, full-width Ａ, BEL deleted, U+3000 a space. */
    static final byte[] MAP = new CharsMapBlob().rule("\uFB01", "fi").rule("\uFF76", "\u30AB").rule("\uFF76\uFF9E", "\u30AC")
            .rule("\uFF9E", "\u3099").rule("x", "1").rule("xy", "2").rule("\uFF21", "A").rule("\u0007", "")
            .rule("\u3000", " ").bytes();

    @Test
    void eachGraphemeClusterTakesItsShortestKeyAsHfDoes() {
        Normalizer n = Normalizers.precompiled(PrecompiledCharsMap.parse(MAP));
        // ｶﾞ is one cluster of 6 bytes: mapped character by character, not by the longer key (sentencepiece: ガ)
        assertEquals("\u30AB\u3099", n.normalize("\uFF76\uFF9E"));
        // ﬁ + U+0301 is one cluster of 5 bytes: replaced whole by the shortest key's output, the accent lost
        assertEquals("fi", n.normalize("\uFB01\u0301"));
        // x and y are clusters of their own, so "xy" is never a key's input (sentencepiece: "21")
        assertEquals("1y1", n.normalize("xyx"));
        assertEquals("aA b", n.normalize("\u0007a\uFF21\u3000b"));
    }

    private Path write(String charsmap) throws Exception {
        String vocab = "[[\"<unk>\",0],[\"\u2581\",-2],[\"f\",-3],[\"i\",-3],[\"fi\",-1],[\"\u30AB\",-3],[\"\u30AC\",-3],"
                + "[\"\u3099\",-3],[\"1\",-3],[\"2\",-3],[\"y\",-3],[\"A\",-3],[\"\u0301\",-3],[\"a\",-3],[\"\u2581fi\",-1]]";
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[{\"id\":0,\"content\":\"<unk>\","
                + "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}],"
                + "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Precompiled\",\"precompiled_charsmap\":\""
                + charsmap + "\"},{\"type\":\"Replace\",\"pattern\":{\"Regex\":\" {2,}\"},\"content\":\" \"}]},"
                + "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"always\",\"split\":true},"
                + "\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"vocab\":" + vocab
                + ",\"byte_fallback\":false}}";
        Path file = tmp.resolve(System.nanoTime() + "/tokenizer.json");
        Files.createDirectories(file.getParent());
        return Files.writeString(file, json);
    }

    /**
     * Offsets follow HF's alignment of the map's output: ﬁ's "f" replaces ﬁ and its "i" the accent the cluster lost, so
     * "▁fi" covers both; the rest keeps its place.
     */
    @Test
    void aConvertedT5StyleFileGivesHfsIdsAndOffsets() throws Exception {
        Tokenizer t = Tokenizer.load(write(Base64.getEncoder().encodeToString(MAP)));
        OffsetAsserts.assertIdsAndOffsets(t, "\uFB01\u0301 \uFF76\uFF9E xyx \uFF21", false,
                new int[] {14, 1, 5, 7, 1, 8, 10, 8, 1, 11},
                new int[][] {{0, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}, {9, 10}, {10, 11}});
        OffsetAsserts.assertIdsAndOffsets(t, "\uFF76\uFF9E\uFF76", false, new int[] {1, 5, 7, 5},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {2, 3}});
    }

    /**
     * The converter makes {@code <unk>} a special added token: it is still text no piece holds, and gets the range HF
     * gives it (up to where the next piece matches, or the end of its word), not {@code [0, 0)} with the tokens after
     * it out of place.
     */
    @Test
    void anUnknownTokenCoversTheTextItStandsFor() throws Exception {
        Tokenizer t = Tokenizer.load(write(Base64.getEncoder().encodeToString(MAP)));
        OffsetAsserts.assertIdsAndOffsets(t, "a\u00e9b", false, new int[] {1, 13, 0}, new int[][] {{0, 1}, {0, 1}, {1, 3}});
        OffsetAsserts.assertIdsAndOffsets(t, "\uFB01ne \uFF76\uFF9Ex", false, new int[] {14, 0, 1, 5, 7, 8},
                new int[][] {{0, 1}, {1, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}});
    }

    @Test
    void aCorruptOrNonBase64MapIsAnErrorNamingTheField() throws Exception {
        Path cut = write(Base64.getEncoder().encodeToString(Arrays.copyOf(MAP, MAP.length - 3)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("normalizer.normalizers[0].precompiled_charsmap: not a SentencePiece character "
                + "map (" + (MAP.length - 3) + " bytes): "), e.getMessage());
        Path notBase64 = write("AAQ*");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(notBase64));
        assertTrue(e.getMessage().contains("normalizer.normalizers[0].precompiled_charsmap: not base64"), e.getMessage());
    }
}
