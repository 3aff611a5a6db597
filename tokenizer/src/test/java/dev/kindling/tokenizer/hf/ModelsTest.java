package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WordPiece and Unigram tokenizer.json files (no such file is among the shared data, so these are
 * small hand-written ones; the expected ids follow Hugging Face's algorithms step by step).
 */
class ModelsTest {
    @Test
    void bertWordPiece(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, """
                {"added_tokens": [
                   {"id": 0, "content": "[PAD]", "special": true}, {"id": 1, "content": "[UNK]", "special": true},
                   {"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, "##s": 6,
                                     "un": 7, "##aff": 8, "##able": 9, ",": 10, "cafe": 11}}}
                """);
        Tokenizer t = Tokenizer.load(f);
        // lowercase; "," alone; worlds = world ##s; unaffable = un ##aff ##able; "!" is unknown; café loses its accent
        assertArrayEquals(new int[] {2, 4, 10, 5, 6, 7, 8, 9, 1, 11, 3}, t.encode("Hello, worlds unaffable! Caf\u00e9", true));
        assertEquals("hello, worlds unaffable cafe", t.decode(new int[] {2, 4, 10, 5, 6, 7, 8, 9, 11, 3}, true));
        assertArrayEquals(new int[] {2, 3}, t.encode("", true)); // BertProcessing wraps even empty text
    }

    @Test
    void unigramViterbi(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, """
                {"pre_tokenizer": {"type": "Metaspace", "replacement": "\\u2581", "prepend_scheme": "always", "split": true},
                 "decoder": {"type": "Metaspace", "replacement": "\\u2581", "prepend_scheme": "always", "split": true},
                 "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
                           "vocab": [["<unk>", 0.0], ["\\u2581", -1.0], ["a", -2.0], ["b", -2.0], ["ab", -1.5],
                                     ["\\u2581ab", -1.0], ["c", -3.0], ["\\u2581a", -2.5]]}}
                """);
        Tokenizer t = Tokenizer.load(f);
        // "▁ab" scores -1.0, better than "▁" + "ab" (-2.5) or "▁a" + "b" (-4.5)
        assertArrayEquals(new int[] {5, 5}, t.encode("ab ab", false));
        // "▁abc": "▁ab" + "c" = -4.0
        assertArrayEquals(new int[] {5, 6}, t.encode("abc", false));
        // unknown characters: one fused unknown piece (score min - 10 each), after "▁"
        assertArrayEquals(new int[] {1, 0}, t.encode("xy", false));
        assertEquals("ab abc", t.decode(new int[] {5, 5, 6}, false));
    }

    @Test
    void unigramByteFallback(@TempDir Path tmp) throws Exception {
        StringBuilder vocab = new StringBuilder("[\"<unk>\", 0.0], [\"a\", -1.0]");
        for (int b = 0; b < 256; b++) {
            vocab.append(String.format(", [\"<0x%02X>\", -5.0]", b));
        }
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"byte_fallback\": true, \"vocab\": [" + vocab + "]}}");
        Tokenizer t = Tokenizer.load(f);
        // "é" is no piece: its UTF-8 bytes C3 A9 as <0xC3> <0xA9> (ids 2 + byte)
        assertArrayEquals(new int[] {1, 2 + 0xC3, 2 + 0xA9, 1}, t.encode("a\u00e9a", false));
    }
}
