package dev.kindling.tokenizer.offsets;

import dev.kindling.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unknown tokens in text heavy in combining marks, and a lowercase that Java 17 does not know. HF's offsets of a token
 * are its normalized text mapped back to the input, so an unknown word starts and ends with a character the normalizer
 * kept: BERT's StripAccents drops a trailing virama, Thai tone mark or Arabic harakat, and the range stops before it.
 * A Unigram unknown token runs to the end of its Metaspace word, over a newline (only the space splits there), and
 * stops where the next piece matches as it is (no lowercasing there: "I" is not "İ"). Expected: produced by
 * tokenizers 0.23.2 through tools/ref ({@code offsets/unknown-offsets-hf.mjs} says how to run it); the texts are in
 * the BMP, so HF's code-point offsets are Java string indices.
 */
class UnknownOffsetsTest {
    static void check(String name, String text, int[] ids, int[][] offsets) {
        WhitespaceOffsetsTest.check(name, text, ids, offsets);
    }

    @Test
    void wordPieceUnknownWordEndsBeforeRemovedMarks() {
        // Devanagari: the word's last character is the vowel sign U+0947 (Mn), which StripAccents removes
        check("wordpiece-bert", "\u091B\u093C\u0949\u092E\u091E\u094D\u092D\u0941\u0925\u092E\u0947", new int[] {1}, new int[][] {{0, 10}});
        check("wordpiece-bert", "\u0936\u094D\u092D\u0942\u0902\u0917\u0901, \uD761\u0939\u0902-\u091A\u094B\uD22C",
                new int[] {1, 13, 1, 14, 1}, new int[][] {{0, 6}, {7, 8}, {9, 11}, {12, 13}, {13, 16}});
        // Thai tone marks and Arabic harakat at the end of a word
        check("wordpiece-bert", "\u0E29\u0E48\u0E02\u0E2A\u0E1C\u0E34\u0E4C x", new int[] {1, 54}, new int[][] {{0, 5}, {8, 9}});
        check("wordpiece-bert", "\u0634\u064F\u0643\u064C\u063E\u064D\u0646\u064D. ~/path", new int[] {1, 15, 1, 1, 46, 92, 111, 99},
                new int[][] {{0, 7}, {8, 9}, {10, 11}, {11, 12}, {12, 13}, {13, 14}, {14, 15}, {15, 16}});
    }

    @Test
    void wordPieceUnknownWordStartsAfterRemovedMarks() {
        check("wordpiece-bert", "\u0301\u0302_ ci\u0307c\u0320\u0304\u0315", new int[] {1, 33, 100, 94},
                new int[][] {{2, 3}, {4, 5}, {5, 6}, {7, 8}});
        check("wordpiece-bert", "\u1100\u1161\u11A8\u1102\u1165 a\u0301", new int[] {1, 31}, new int[][] {{0, 5}, {6, 7}});
    }

    @Test
    void unigramUnknownRunsToTheEndOfItsMetaspaceWord() {
        check("unigram-metaspace", "\u0E15\u0640\u0651\u062F\u0651\u062F\u064B\n\u0E43\u0E05\u0E21\u0E0D\u0E39 \u0E0F",
                new int[] {175, 0, 175, 0}, new int[][] {{0, 1}, {0, 13}, {13, 14}, {14, 15}});
        check("unigram-metaspace", "s  \u063A\u0651\nab", new int[] {142, 175, 175, 0, 105, 107},
                new int[][] {{0, 1}, {1, 2}, {2, 3}, {3, 6}, {6, 7}, {7, 8}});
    }

    @Test
    void unigramWithoutLowercaseTellsCapitalIFromDottedI() {
        check("unigram-metaspace", "o\u031D\u0130\u0369I", new int[] {134, 0, 65}, new int[][] {{0, 1}, {1, 4}, {4, 5}});
    }

    /**
     * The normalizer's answer for a character is taken between two letters: Strip removes a space alone but keeps one
     * inside the text, where a Unigram unknown token holds it.
     */
    @Test
    void normalizerSeenInContext(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":{\"type\":\"Strip\",\"strip_left\":true,"
                + "\"strip_right\":true},\"pre_tokenizer\":null,\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"Unigram\","
                + "\"unk_id\":0,\"vocab\":[[\"<unk>\",0],[\"a\",-1],[\"b\",-2]],\"byte_fallback\":false}}");
        Tokenizer t = Tokenizer.load(file);
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, "\u0436 a", false, new int[] {0, 1}, new int[][] {{0, 2}, {2, 3}});
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, " \u0436 \u0436 b ", false, new int[] {0, 2},
                new int[][] {{1, 5}, {5, 6}});
    }

    /**
     * Lowercase makes U+0130 "i" + U+0307; a vocabulary without the dot gives "i" then an unknown token holding the dot,
     * and HF maps both back to U+0130 (Kindling had started the unknown token after U+0130).
     */
    @Test
    void unknownTokenHoldingTheRestOfALowercasedCharacterStartsThere(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":{\"type\":\"Lowercase\"},"
                + "\"pre_tokenizer\":null,\"post_processor\":null,\"decoder\":null,\"model\":{\"type\":\"Unigram\",\"unk_id\":0,"
                + "\"vocab\":[[\"<unk>\",0],[\"a\",-1],[\"b\",-2],[\"i\",-2]],\"byte_fallback\":false}}");
        Tokenizer t = Tokenizer.load(file);
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, "\u0130a", false, new int[] {3, 0, 1},
                new int[][] {{0, 1}, {0, 1}, {1, 2}});
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, "b\u0130\u030Da", false, new int[] {2, 3, 0, 1},
                new int[][] {{0, 1}, {1, 2}, {1, 3}, {3, 4}});
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, "a\u0130\u0130b", false, new int[] {1, 3, 0, 3, 0, 2},
                new int[][] {{0, 1}, {1, 2}, {1, 2}, {2, 3}, {2, 3}, {3, 4}});
    }

    /**
     * Strip removes the text's leading space before Metaspace puts its U+2581 in front: the first piece's U+2581 is
     * that added one, over the first letter, not the space Strip removed (Kindling had matched it with the space).
     */
    @Test
    void stripThenMetaspace(@TempDir Path dir) throws IOException {
        Path base = Path.of(getClass().getResource("/offsets/unigram-metaspace.json").getPath());
        String json = Files.readString(base).replace("\"normalizer\":null",
                "\"normalizer\":{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}");
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        Tokenizer t = Tokenizer.load(file);
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, " t", false, new int[] {144}, new int[][] {{1, 2}});
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, "\u00A0\u00A0the cat ", false, new int[] {176, 110, 211},
                new int[][] {{2, 5}, {5, 7}, {7, 9}});
    }

    /** U+2C2F (Unicode 14): HF's Lowercase gives U+2C5F, Java 17's Character.toLowerCase leaves it as it is. */
    @Test
    void lowercaseOfNewerCapitals(@TempDir Path dir) throws IOException {
        Path base = Path.of(getClass().getResource("/offsets/wordpiece-bert.json").getPath());
        String json = Files.readString(base).replace("\"vocab\":{\"[PAD]\":0", "\"vocab\":{\"[PAD]\":0,\"\u2C5F\":1622,\"##\u2C5F\":1623");
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        Tokenizer t = Tokenizer.load(file);
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, "\u2C2F\u2C2F \u2C5F", false, new int[] {1622, 1623, 1622},
                new int[][] {{0, 1}, {1, 2}, {3, 4}});
    }
}
