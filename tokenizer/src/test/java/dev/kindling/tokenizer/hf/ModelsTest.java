package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.wordpiece.WordPieceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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
                   {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                   {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, "##s": 6,
                                     "un": 7, "##aff": 8, "##able": 9, ",": 10, "cafe": 11,
                                     "k\u03c3": 12, "k\u03c2": 13}}}
                """);
        Tokenizer t = Tokenizer.load(f);
        // lowercase; "," alone; worlds = world ##s; unaffable = un ##aff ##able; "!" is unknown; café loses its accent
        assertArrayEquals(new int[] {2, 4, 10, 5, 6, 7, 8, 9, 1, 11, 3}, t.encode("Hello, worlds unaffable! Caf\u00e9", true));
        assertEquals("hello, worlds unaffable cafe", t.decode(new int[] {2, 4, 10, 5, 6, 7, 8, 9, 11, 3}, true));
        assertArrayEquals(new int[] {2, 3}, t.encode("", true)); // BertProcessing wraps even empty text
        // clean_text drops Cc/Cf/Co but keeps unassigned code points (Cn), which become [UNK]; expected ids from
        // HF tokenizers 0.23.2 on this file. Kindling dropped them too, losing the [UNK].
        assertArrayEquals(new int[] {2, 4, 1, 5, 3}, t.encode("hello \u0378 world", true));
        assertArrayEquals(new int[] {2, 1, 3}, t.encode("hello\uFFFEworld", true));
        assertArrayEquals(new int[] {2, 1, 3}, t.encode("hello\uE000world", true)); // private use: dropped, one word
        // HF lowercases one character at a time: a capital sigma ending a word is "σ", not the final "ς" that
        // String.toLowerCase gives (HF tokenizers 0.23.2 on this file: 12)
        assertArrayEquals(new int[] {12, 12}, t.encode("K\u03a3 k\u03a3", false));
        assertEquals("k\u03c3 i\u0307", dev.kindling.tokenizer.normalize.Normalizers.lowercase().normalize("K\u03a3 \u0130"));
    }

    /**
     * CLIP's shape: BPE with {@code end_of_word_suffix} "</w>" over a ByteLevel pre-tokenizer (and, likewise, a
     * {@code continuing_subword_prefix}). The suffix was dropped on the byte-level path, giving other ids. Expected
     * ids: HF tokenizers 0.23.2 ({@code hf_tokenizers.mjs}) on these files.
     */
    @Test
    void byteLevelBpeWithWordSuffixOrSubwordPrefix(@TempDir Path tmp) throws Exception {
        Path clip = Files.writeString(tmp.resolve("clip.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}, "post_processor": null, "decoder": {"type": "BPEDecoder", "suffix": "</w>"}, "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null, "end_of_word_suffix": "</w>", "fuse_unk": false, "byte_fallback": false, "vocab": {"a": 0, "b": 1, "c": 2, "a</w>": 3, "b</w>": 4, "c</w>": 5, "ab": 6, "ab</w>": 7, "bc</w>": 8, "abc</w>": 9, "ca": 10, "<unk>": 11, "Ã": 12, "©": 13, "Ã©</w>": 14, "©</w>": 15}, "merges": ["a b", "b c</w>", "a bc</w>", "a b</w>", "c a", "Ã ©</w>"]}}
                """);
        Tokenizer c = Tokenizer.load(clip);
        assertArrayEquals(new int[] {6, 5, 7, 3, 4, 5, 2, 7, 6, 2, 7}, c.encode("abc ab a b c cab abcab", false));
        assertArrayEquals(new int[] {14, 0, 14, 6, 2, 14}, c.encode("\u00e9 a\u00e9 abc\u00e9", false));
        assertArrayEquals(new int[] {6, 2, 11, 1, 2, 3, 2, 7}, c.encode("abcd bca cab", false));
        Path prefix = Files.writeString(tmp.resolve("prefix.json"), """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}, "post_processor": null, "decoder": {"type": "BPEDecoder", "suffix": "</w>"}, "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": "##", "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "vocab": {"a": 0, "##b": 1, "##c": 2, "ab": 3, "abc": 4, "##bc": 5, "<unk>": 6, "b": 7, "c": 8}, "merges": ["a ##b", "##b ##c", "ab ##c", "a ##bc"]}}
                """);
        Tokenizer p = Tokenizer.load(prefix);
        assertArrayEquals(new int[] {4, 3, 0, 7, 8, 8, 6, 1, 4, 6, 1}, p.encode("abc ab a b c cab abcab", false));
        assertArrayEquals(new int[] {6, 6, 0, 6, 6, 4, 6, 6}, p.encode("\u00e9 a\u00e9 abc\u00e9", false));
        assertArrayEquals(new int[] {4, 6, 7, 2, 6, 8, 6, 1}, p.encode("abcd bca cab", false));
    }

    /**
     * WordPiece tries the longest piece first, then shorter ones, but no piece longer than the vocabulary's longest key
     * can match and none is looked up: a word of n characters took about n²/2 lookups, each of a new string (BERT's
     * shape on 10 MB of base64, words of up to 100 characters: 12 s of CPU and 24 GB allocated). The lookups hash the
     * piece in the text itself ({@code VocabMap.getConcat}), so they are counted as the characters of the text read.
     */
    @Test
    void wordPieceTakesTheLongestPieceFirst() {
        Map<String, Integer> vocab = Map.of("[UNK]", 0, "a", 1, "##a", 2, "ab", 3, "##ab", 4);
        WordPieceModel m = new WordPieceModel(vocab, "[UNK]", "##", 100);
        IntBuffer out = new IntBuffer();
        String word = "ab".repeat(50);
        int[] reads = {0};
        CharSequence counted = new CharSequence() {
            @Override
            public int length() {
                return word.length();
            }

            @Override
            public char charAt(int i) {
                reads[0]++;
                return word.charAt(i);
            }

            @Override
            public CharSequence subSequence(int from, int to) {
                return word.subSequence(from, to);
            }

            @Override
            public String toString() {
                return word;
            }
        };
        m.encode(counted, 0, 100, out, new Workspace());
        int[] expected = new int[50];
        Arrays.fill(expected, 4);
        expected[0] = 3;
        assertArrayEquals(expected, out.toArray());
        // pieces of 5 characters ([UNK]'s) down to the 2 that match: 1,077 characters read in all; every piece from the
        // rest of the word down read 89,725
        assertTrue(reads[0] <= 100 * 30, "characters of a 100-character word read: " + reads[0]);
        out = new IntBuffer();
        m.encode("ab".repeat(49) + "ac", 0, 100, out, new Workspace());
        assertArrayEquals(new int[] {0}, out.toArray(), "an uncovered character makes the word unknown");
    }

    @Test
    void wordPieceBuildsNoStringPerLookup() throws Exception {
        // BERT's layout on base64 (words of 100 characters, mostly pieces of 1-3): a substring and a prefixed copy per
        // piece tried took about 877 bytes per character of these 100 KB; looked up in the text itself about 18
        Tokenizer bert = Tokenizer.load(Path.of(ModelsTest.class.getResource("/offsets/wordpiece-bert.json").toURI()));
        java.util.Random r = new java.util.Random(7);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder b = new StringBuilder();
        while (b.length() < 100_000) {
            b.append(alphabet.charAt(r.nextInt(64)));
        }
        String text = b.toString();
        bert.encode(text.substring(0, 1000), false); // loads the classes the measured call needs
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int[] ids = bert.encode(text, false);
        double perChar = (threads.getCurrentThreadAllocatedBytes() - before) / (double) text.length();
        assertTrue(ids.length > 50_000, "ids: " + ids.length);
        assertTrue(perChar < 100, "bytes allocated per character: " + perChar);
    }

    @Test
    void bertPadsCjkWithoutCopyingTheText() throws Exception {
        // BertNormalizer pads each ideograph with spaces: a growing builder copied into a String came to 24 bytes
        // allocated per character of CJK, 28 with the ids; the padded text now stays in a builder of its size
        Tokenizer bert = Tokenizer.load(Path.of(ModelsTest.class.getResource("/offsets/wordpiece-bert.json").toURI()));
        java.util.Random r = new java.util.Random(7);
        StringBuilder b = new StringBuilder();
        while (b.length() < 100_000) {
            b.appendCodePoint(0x4E00 + r.nextInt(0x9FFF - 0x4E00));
        }
        String text = b.toString();
        int[] expected = bert.encode(text, false); // also grows the thread's buffers to this text's size
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int[] ids = bert.encode(text, false);
        double perChar = (threads.getCurrentThreadAllocatedBytes() - before) / (double) text.length();
        assertArrayEquals(expected, ids);
        assertEquals(100_000, ids.length, "an id per ideograph");
        assertTrue(perChar < 15, "bytes allocated per character: " + perChar); // 10 now: the padded text and the ids
    }

    @Test
    void anIdInAGapOfTheVocabHasNoToken(@TempDir Path tmp) throws Exception {
        // ids 0, 1 and 3: 2 is no token's, as transformers' convert_ids_to_tokens(2) gives None (it was "", a token's string)
        Tokenizer t = Tokenizer.load(Files.writeString(tmp.resolve("gap.json"), "{\"model\": {\"type\": \"WordLevel\", "
                + "\"unk_token\": \"<unk>\", \"vocab\": {\"<unk>\": 0, \"a\": 1, \"c\": 3}}, \"pre_tokenizer\": {\"type\": \"Whitespace\"}}"));
        assertEquals(4, t.vocabSize());
        assertNull(t.tokenText(2));
        assertEquals("c", t.tokenText(3));
        assertArrayEquals(new byte[0], t.tokenBytes(2));
        assertEquals(-1, t.fallbackByte(2));
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
        // the unk piece's own text is a node with the unk id, so it fuses with unknown characters beside it, as in
        // HF (ids from tokenizers 0.23.2 on this file); Kindling fused only characters no piece covers
        assertArrayEquals(new int[] {1, 0}, t.encode("xy<unk>", false));
        assertArrayEquals(new int[] {1, 0, 4}, t.encode("x<unk>ab", false));
        assertArrayEquals(new int[] {5, 0}, t.encode("ab<unk>", false));
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
