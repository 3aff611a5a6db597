package dev.kindling.tokenizer.spm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** llama.cpp's own vectors for its SentencePiece vocabularies (data/llamacpp-vocab). */
class SpmGgufTest {

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm", "ggml-vocab-phi-3"})
    void llamaCppVectors(String name) throws Exception {
        Path gguf = SharedData.require("llamacpp-vocab/" + name + ".gguf");
        Tokenizer tok = Tokenizer.load(gguf);
        LlamaCppVectors v = LlamaCppVectors.read(Path.of(gguf + ".inp"), Path.of(gguf + ".out"));
        List<String> bad = v.mismatches(t -> tok.encode(t, false, false));
        assertTrue(bad.isEmpty(), bad.size() + "/" + v.texts().size() + " mismatches:\n" + String.join("\n", bad));
        // every vector decodes back to its text (SentencePiece drops the prefix space it added)
        for (int i = 0; i < v.texts().size(); i++) {
            assertEquals(v.texts().get(i), tok.decode(v.ids().get(i), true), "decode of #" + i);
        }
    }

    @Test
    void llamaSpmSpecialsAndBos() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
        assertEquals(32000, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertTrue(tok.addsBos());
        assertArrayEquals(new int[] {1}, tok.encode("", true));
        assertArrayEquals(new int[0], tok.encode("", false));
        // "</s>" is control text: parsed as the EOS id only when special parsing is on
        assertArrayEquals(new int[] {1, 15043, 2}, tok.encode("Hello</s>", true));
        int[] plain = tok.encode("Hello</s>", false, false);
        assertTrue(plain.length > 2 && plain[plain.length - 1] != 2, java.util.Arrays.toString(plain));
        assertEquals("Hello", tok.decode(new int[] {1, 15043, 2}, true));
        assertEquals("<s> Hello</s>", tok.decode(new int[] {1, 15043, 2}, false));
        assertEquals("\u2581Hello", tok.tokenText(15043));
        assertArrayEquals(new byte[] {'\n'}, tok.tokenBytes(13)); // <0x0A>
        assertTrue(tok.isSpecial(1) && tok.isSpecial(0) && !tok.isSpecial(13));
    }

    @Test
    void phi3StripsWhitespaceAfterItsSpecialTokens() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-phi-3.gguf"));
        int user = tok.tokenId("<|user|>").orElseThrow();
        int end = tok.tokenId("<|end|>").orElseThrow();
        int[] ids = tok.encode("<|user|>\nHi<|end|>\n", false);
        int[] hi = tok.encode("Hi", false);
        // llama.cpp: "<|user|>" is followed by "Hi" without the newline and without a prefix space
        assertEquals(user, ids[0]);
        assertEquals(end, ids[ids.length - 1]);
        assertTrue(tok.chatTemplate().isPresent());
        assertTrue(java.util.Arrays.stream(tok.stopIds()).anyMatch(i -> i == end), "stop ids hold <|end|>");
        assertEquals(hi.length + 1, ids.length - 1, java.util.Arrays.toString(ids) + " vs " + java.util.Arrays.toString(hi));
    }

    /**
     * phi-3's {@code </s>} is user-defined in its GGUF (as in its tokenizer.json, where it is not special): Kindling keeps
     * it so, read in a text without special tokens and kept by a decode that skips them, where llama.cpp makes it
     * control (README, GGUF vocabulary; the fuzz's control-looking class). It ends a generation in both.
     */
    @Test
    void phi3KeepsItsUserDefinedEndTokenAsText() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-phi-3.gguf"));
        int s = tok.tokenId("</s>").orElseThrow();
        int[] ids = tok.encode("a</s>b", false, false);
        assertTrue(java.util.Arrays.stream(ids).anyMatch(i -> i == s), java.util.Arrays.toString(ids));
        assertTrue(tok.decode(ids, true).contains("</s>"), tok.decode(ids, true));
        assertTrue(java.util.Arrays.stream(tok.stopIds()).anyMatch(i -> i == s), "stop ids hold </s>");
    }

    @Test
    void stories260kVocabularyEqualsTok512() throws Exception {
        Tokenizer bin = Tokenizer.load(SharedData.require("llama2c/tok512.bin"));
        Tokenizer gguf;
        try (GgufFile g = GgufFile.open(SharedData.require("llama2c/stories260K.gguf"))) {
            gguf = Tokenizer.fromGguf(g);
        }
        assertEquals(512, bin.vocabSize());
        assertEquals(512, gguf.vocabSize());
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside!\nThe end. \u00e9\u6f22";
        assertArrayEquals(bin.encode(text, true), gguf.encode(text, true));
        for (int id = 3; id < 512; id++) {
            assertArrayEquals(bin.tokenBytes(id), gguf.tokenBytes(id), "bytes of token " + id);
        }
    }
}
