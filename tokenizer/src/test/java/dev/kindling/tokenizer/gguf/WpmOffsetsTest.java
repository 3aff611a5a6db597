package dev.kindling.tokenizer.gguf;

import static dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
}
