package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.testing.SharedData;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
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
}
