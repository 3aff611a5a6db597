package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Offsets for the vocabularies no reference reports offsets for (GGUF: llama.cpp has none), over
 * all of Moby Dick with and without special tokens: the ids are encode's, every range lies in the
 * text and the ranges move forward, the tokens cover every character that is not whitespace, and a
 * token's range holds exactly the token's text where the vocabulary is byte-exact (GPT-2 and SPM
 * pieces away from the added space).
 */
class OffsetsPropertiesTest {

    @ParameterizedTest
    @ValueSource(strings = {"llamacpp-vocab/ggml-vocab-llama-spm.gguf", "llamacpp-vocab/ggml-vocab-gpt-2.gguf",
            "llamacpp-vocab/ggml-vocab-bert-bge.gguf", "llamacpp-vocab/ggml-vocab-phi-3.gguf",
            "tokenizers/tiktoken/cl100k_base.tiktoken"})
    void offsetsAreConsistentOverTheCorpus(String file) throws Exception {
        Tokenizer tok = Tokenizer.load(SharedData.require(file));
        List<String> texts = Corpus.texts(SharedData.require("corpus/moby-dick.jsonl"));
        int exactChecked = 0;
        for (boolean special : new boolean[] {false, true}) {
            for (int d = 0; d < texts.size(); d++) {
                String text = texts.get(d);
                Encoding e = tok.encodeWithOffsets(text, special);
                assertArrayEquals(tok.encode(text, special), e.ids(), file + " doc " + d);
                boolean[] covered = new boolean[text.length()];
                int lastStart = 0;
                for (int i = 0; i < e.size(); i++) {
                    int s = e.start(i);
                    int t = e.end(i);
                    String where = file + " doc " + d + " token " + i + " [" + s + ", " + t + ")";
                    assertTrue(0 <= s && s <= t && t <= text.length(), where + " outside the text");
                    if (s == 0 && t == 0 && tok.isSpecial(e.ids()[i])) {
                        continue; // a template token
                    }
                    assertTrue(s >= lastStart, where + " goes back (previous start " + lastStart + ")");
                    lastStart = s;
                    for (int k = s; k < t; k++) {
                        covered[k] = true;
                    }
                    String piece = new String(tok.tokenBytes(e.ids()[i]), java.nio.charset.StandardCharsets.UTF_8);
                    if (!file.contains("bert") && s > 0 && !piece.contains("\uFFFD")) {
                        assertEquals(piece, text.substring(s, t), where);
                        exactChecked++;
                    }
                }
                for (int k = 0; k < text.length(); k++) {
                    assertTrue(covered[k] || Character.isWhitespace(text.charAt(k)),
                            file + " doc " + d + ": character " + k + " (" + text.charAt(k) + ") is in no token");
                }
            }
        }
        assertTrue(file.contains("bert") || exactChecked > 10_000, "checked " + exactChecked + " tokens");
    }
}
