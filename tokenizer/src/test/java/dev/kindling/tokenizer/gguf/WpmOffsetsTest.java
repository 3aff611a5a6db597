package dev.kindling.tokenizer.gguf;

import static dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets;

import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets of llama.cpp's WordPiece vocabulary (bert-bge) as HF's WordPiece gives them for the same vocabulary. llama.cpp
 * reports no offsets; the reference is a tokenizer.json built from the GGUF's tokens (U+2581 word starts without it,
 * the other pieces with "##"; BertNormalizer with lowercase, BertPreTokenizer, CLS/SEP template), which gives the same
 * ids, through tokenizers 0.23.2. The texts are in the BMP, so HF's code-point offsets are Java string indices.
 */
class WpmOffsetsTest {
    private static Tokenizer bge;

    @BeforeAll
    static void load() {
        bge = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-bert-bge.gguf"));
    }

    @Test
    void wordStartIsTheWordNotTheSpaceBeforeIt() {
        assertIdsAndOffsets(bge, "hello world", true, new int[] {101, 7592, 2088, 102}, new int[][] {{0, 0}, {0, 5}, {6, 11}, {0, 0}});
        // a zero-width space is dropped, as whitespace is
        assertIdsAndOffsets(bge, "a \u200Bb", true, new int[] {101, 1037, 1038, 102}, new int[][] {{0, 0}, {0, 1}, {3, 4}, {0, 0}});
    }

    @Test
    void unknownTokenCoversItsWord() {
        assertIdsAndOffsets(bge, "a \u13E3\u13B3\u13A9 b", true, new int[] {101, 1037, 100, 1038, 102},
                new int[][] {{0, 0}, {0, 1}, {2, 5}, {6, 7}, {0, 0}});
        // Turkish İ, Greek capitals (final sigma), ẞ and Cherokee, lowercased; the [UNK] had been [0, 0) and the
        // tokens after it drifted
        assertIdsAndOffsets(bge, "\u0130stanbul \u039F\u0394\u039F\u03A3. STRA\u1E9EE \u13E3\u13B3\u13A9 \u0130 x", true,
                new int[] {101, 9960, 1169, 29722, 29730, 29733, 1012, 2358, 27807, 100, 1045, 1060, 102},
                new int[][] {{0, 0}, {0, 8}, {9, 10}, {10, 11}, {11, 12}, {12, 13}, {13, 14}, {15, 17}, {17, 21}, {22, 25},
                    {26, 27}, {28, 29}, {0, 0}});
        // a spacing vowel sign (Mc) at the word's end is kept, only non-spacing marks are dropped
        assertIdsAndOffsets(bge, "\u0920\u094D\u0938\u094A x", true, new int[] {101, 100, 1060, 102},
                new int[][] {{0, 0}, {0, 4}, {5, 6}, {0, 0}});
    }

    @Test
    void specialTokensOfTheTextAndOfTheTemplate() {
        assertIdsAndOffsets(bge, "x [MASK]\n[SEP]", true, new int[] {101, 1060, 103, 102, 102},
                new int[][] {{0, 0}, {0, 1}, {2, 8}, {9, 14}, {0, 0}});
        assertIdsAndOffsets(bge, "[CLS]\u3000", true, new int[] {101, 101, 102}, new int[][] {{0, 0}, {0, 5}, {0, 0}});
    }

    /**
     * A piece that holds the lowercase of a Unicode 14+ capital (U+2C2F, U+A7CB) matches that capital in the text on
     * every JDK: the aligner lowercases as HF does, not with Java 17's Unicode 13 tables, which leave these capitals
     * as they are (there "ⱟ" missed and became an unknown range, [2, 5) in "x ⰯⰯa"). bert-bge has no such piece, so
     * the vocabulary is written here; HF's WordPiece over the same vocabulary ("x", "ⱟ", "##a", "ɤ", "##ⱟ" with these
     * ids; BertNormalizer with lowercase, BertPreTokenizer) gives these ids and offsets through tokenizers 0.23.2
     * ({@code Tokenizer.fromFile(json).encode(text, null, {addSpecialTokens: false})} in Node, getIds/getOffsets).
     */
    @Test
    void newerCapitalsMatchTheirLowercasePieceOnEveryJdk(@TempDir Path tmp) throws IOException {
        Path gguf = tmp.resolve("wpm-newer-capitals.gguf");
        new GgufWriter().putString("general.architecture", "bert").putString("tokenizer.ggml.model", "bert")
                .putStrings("tokenizer.ggml.tokens", "[UNK]", "[CLS]", "[SEP]", "\u2581x", "\u2581\u2C5F", "a", "\u2581\u0264", "\u2C5F")
                .putI32s("tokenizer.ggml.token_type", 2, 3, 3, 1, 1, 1, 1, 1)
                .putU32("tokenizer.ggml.unknown_token_id", 0).putU32("tokenizer.ggml.cls_token_id", 1)
                .putU32("tokenizer.ggml.seperator_token_id", 2).write(gguf);
        Tokenizer t = Tokenizer.load(gguf);
        assertIdsAndOffsets(t, "\u2C2F\u2C2F\u2C2F x", false, new int[] {4, 7, 7, 3}, new int[][] {{0, 1}, {1, 2}, {2, 3}, {4, 5}});
        assertIdsAndOffsets(t, "x \u2C2F\u2C2Fa \uA7CB x", false, new int[] {3, 4, 7, 5, 6, 3},
                new int[][] {{0, 1}, {2, 3}, {3, 4}, {4, 5}, {6, 7}, {8, 9}});
        assertIdsAndOffsets(t, "a \u2C2F\u2C2F", false, new int[] {0, 4, 7}, new int[][] {{0, 1}, {2, 3}, {3, 4}});
    }
}
