package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.StreamingDecoder;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a token of each GGUF token type decodes as in a {@code gpt2} (BPE) and a {@code bert} (WordPiece) vocabulary
 * (and, for a type number llama.cpp does not know, a {@code llama} one),
 * as llama.cpp's {@code token_to_piece} gives it: control, unknown and user-defined tokens their text, a normal token its
 * text (byte-level characters mapped back in BPE, U+2581 a space in WordPiece), a byte token of BPE the byte its
 * {@code <0xXX>} names, and an undefined (0), unused (5) or unknown type (llama.cpp reads any other number as
 * undefined) no text. llama.cpp aborts loading a WordPiece vocabulary with a byte token. Each vocabulary is a real
 * llama.cpp vocabulary with doctored token types, as node-llama-cpp 3.21.1 was run on (its texts quoted below).
 */
class GgufTokenTypeDecodeTest {
    private static final int UNDEFINED = 0;
    private static final int UNUSED = 5;
    private static final int BYTE = 6;
    /** No token type: llama.cpp's load reads it as UNDEFINED. */
    private static final int NO_TYPE = 7;

    /**
     * gpt-2's id 1000 ("ale") made undefined or of no known type: node-llama-cpp detokenizes [Hello, 1000, Ġworld] as
     * "Hello world" and [1000] as "". The token stays in the vocabulary, so the text encodes as before.
     */
    @Test
    void aBpeVocabularysUndefinedTokenDecodesAsNothing(@TempDir Path tmp) throws Exception {
        Tokenizer plain = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-gpt-2.gguf"));
        List<String> texts = Corpus.texts(SharedData.require("corpus/moby-dick.jsonl")).subList(0, 5);
        for (int type : new int[] {UNDEFINED, NO_TYPE}) {
            Tokenizer tok = Tokenizer.load(withTypes(tmp, "gpt-2", type, 1000));
            assertDecodesAsNothing(tok, 1000, "Hello world", "type " + type);
            for (String text : texts) {
                assertArrayEquals(plain.encode(text, false, true), tok.encode(text, false, true), "type " + type);
            }
        }
    }

    /**
     * Byte tokens {@code <0xE2> <0x82> <0xAC>} (the euro sign's UTF-8) after gpt-2's vocabulary: node-llama-cpp
     * detokenizes [Hello, E2, 82, AC] as "Hello€", where Kindling gave the tokens' text, "Hello<0xE2><0x82><0xAC>".
     */
    @Test
    void aBpeVocabularysByteTokenDecodesAsItsByte(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("gpt-2-bytes.gguf");
        int n;
        try (GgufFile gguf = GgufFile.open(SharedData.require("llamacpp-vocab/ggml-vocab-gpt-2.gguf"))) {
            String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens");
            int[] types = gguf.getIntArray("tokenizer.ggml.token_type");
            n = tokens.length;
            String[] more = Arrays.copyOf(tokens, n + 3);
            more[n] = "<0xE2>";
            more[n + 1] = "<0x82>";
            more[n + 2] = "<0xAC>";
            GgufWriter w = new GgufWriter();
            gguf.metadata().forEach(w::put);
            w.putStrings("tokenizer.ggml.tokens", more)
                    .putI32s("tokenizer.ggml.token_type", IntStream.concat(Arrays.stream(types), IntStream.of(BYTE, BYTE, BYTE)).toArray())
                    .write(file);
        }
        Tokenizer tok = Tokenizer.load(file);
        int hello = tok.encode("Hello", false, false)[0];
        int[] ids = {hello, n, n + 1, n + 2};
        assertEquals("Hello€", tok.decode(ids, false));
        assertEquals("Hello€", tok.decode(ids, true));
        assertArrayEquals(new byte[] {(byte) 0xE2}, tok.tokenBytes(n));
        assertEquals("\uFFFD", tok.decode(new int[] {n}, false));
        StreamingDecoder sd = new StreamingDecoder(tok, true);
        assertEquals(List.of("Hello", "", "", "€"), Arrays.stream(ids).mapToObj(sd::next).toList());
    }

    /** A byte token whose text names no byte: llama.cpp reads a number out of its 4th and 5th bytes whatever they are. */
    @Test
    void aBpeByteTokenThatNamesNoByteIsRefused(@TempDir Path tmp) throws Exception {
        Path file = withTypes(tmp, "gpt-2", BYTE, 1000);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens[1000] = \"ale\""), e.getMessage());
        assertTrue(e.getMessage().contains("<0xXX>"), e.getMessage());
    }

    /**
     * bert-bge's id 2000 ("▁to") made undefined, unused or of no known type: node-llama-cpp detokenizes
     * [▁hello, 2000, ▁world] as " hello world" (its own leading space, README) and [2000] as "".
     */
    @Test
    void aWordPieceVocabularysUndefinedAndUnusedTokensDecodeAsNothing(@TempDir Path tmp) throws Exception {
        for (int type : new int[] {UNDEFINED, UNUSED, NO_TYPE}) {
            Tokenizer tok = Tokenizer.load(withTypes(tmp, "bert-bge", type, 2000));
            assertDecodesAsNothing(tok, 2000, "hello world", "type " + type);
            int[] hello = tok.encode("hello", false, false);
            assertEquals("hello", tok.decode(new int[] {2000, hello[0]}, false), "type " + type + ": first no more");
        }
    }

    /** llama.cpp aborts loading a WordPiece vocabulary with a byte token (token_to_byte has no WPM case). */
    @Test
    void aWordPieceVocabularysByteTokenIsRefused(@TempDir Path tmp) throws Exception {
        Path file = withTypes(tmp, "bert-bge", BYTE, 2000);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("tokenizer.ggml.token_type[2000]"), e.getMessage());
    }

    /**
     * Llama's SentencePiece id 1000 ("ied") of a type number llama.cpp does not know (7, -1), which it reads as
     * undefined: node-llama-cpp detokenizes [Hello, 1000, ▁world] as "Hello world" and [1000] as "".
     */
    @Test
    void aSentencePieceTokenOfNoKnownTypeDecodesAsNothing(@TempDir Path tmp) throws Exception {
        for (int type : new int[] {NO_TYPE, -1}) {
            Tokenizer tok = Tokenizer.load(withTypes(tmp, "llama-spm", type, 1000));
            int[] two = tok.encode("Hello world", false, false);
            assertEquals(2, two.length);
            assertEquals("Hello world", tok.decode(new int[] {two[0], 1000, two[1]}, false), "type " + type);
            assertEquals("", tok.decode(new int[] {1000}, false), "type " + type);
        }
    }

    /**
     * A token that decodes as nothing still stands for its text where an encoding holds it: its offsets cover that text,
     * as the same vocabulary's with the token normal do (they gave gpt-2's "ale" [42, 42) and the next token "ationale"
     * [42, 45), where [42, 45) and [45, 55) are right).
     */
    @Test
    void aTokenThatDecodesAsNothingCoversItsTextInOffsets(@TempDir Path tmp) throws Exception {
        Object[][] cases = {
            {"gpt-2", UNDEFINED, 1000, "Nantucket whalemen, Sale! Galeale rationale"},
            {"bert-bge", UNUSED, 2000, "go to the shop to buy"},
            {"llama-spm", NO_TYPE, 1000, "xied pied zied Ied qied"},
        };
        for (Object[] c : cases) {
            String name = (String) c[0];
            int id = (int) c[2];
            String text = (String) c[3];
            Tokenizer plain = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-" + name + ".gguf"));
            Tokenizer tok = Tokenizer.load(withTypes(tmp, name, (int) c[1], id));
            Encoding want = plain.encodeWithOffsets(text, false, false);
            Encoding got = tok.encodeWithOffsets(text, false, false);
            assertTrue(Arrays.stream(got.ids()).anyMatch(i -> i == id), name + " encodes " + id + " in " + text);
            assertArrayEquals(want.ids(), got.ids(), name);
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.start(i) + ".." + want.end(i), got.start(i) + ".." + got.end(i), name + " token " + i);
            }
        }
    }

    /** {@code id} between the two tokens of {@code text} and alone decodes as nothing, streamed too. */
    private static void assertDecodesAsNothing(Tokenizer tok, int id, String text, String what) {
        int[] two = tok.encode(text, false, false);
        assertEquals(2, two.length, what);
        int[] around = {two[0], id, two[1]};
        for (boolean skip : new boolean[] {false, true}) {
            assertEquals(text, tok.decode(around, skip), what);
            assertEquals("", tok.decode(new int[] {id}, skip), what);
            StreamingDecoder sd = new StreamingDecoder(tok, skip);
            String streamed = Arrays.stream(around).mapToObj(sd::next).reduce("", String::concat) + sd.flush();
            assertEquals(text, streamed, what);
        }
        assertEquals(0, tok.tokenBytes(id).length, what);
    }

    /** The llama.cpp vocabulary {@code ggml-vocab-NAME.gguf} with token {@code id} of {@code type}. */
    private static Path withTypes(Path tmp, String name, int type, int id) throws Exception {
        Path file = tmp.resolve(name + "-" + type + ".gguf");
        try (GgufFile gguf = GgufFile.open(SharedData.require("llamacpp-vocab/ggml-vocab-" + name + ".gguf"))) {
            int[] types = gguf.getIntArray("tokenizer.ggml.token_type").clone();
            types[id] = type;
            GgufWriter w = new GgufWriter();
            gguf.metadata().forEach(w::put);
            w.putI32s("tokenizer.ggml.token_type", types).write(file);
        }
        return file;
    }
}
