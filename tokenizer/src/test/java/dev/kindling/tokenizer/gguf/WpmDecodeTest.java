package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.StreamingDecoder;
import dev.kindling.tokenizer.StreamingDecoderTest;
import dev.kindling.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decode of llama.cpp's WordPiece vocabulary (bert-bge) as HF's WordPiece decoder (prefix "##", cleanup) gives it for
 * the same vocabulary. The reference is a tokenizer.json built from the GGUF's tokens (U+2581 word starts without it,
 * "[...]" tokens as they are, the other pieces with "##"; the five CONTROL/UNKNOWN tokens as special added tokens;
 * BertNormalizer with lowercase, BertPreTokenizer, decoder WordPiece "##" cleanup true), through tokenizers 0.23.2 in
 * Node, from the ref tools' copy ({@code bash /work/shared/tools/ref/setup.sh}):
 * {@code const e = await tok.encode(text, null, {addSpecialTokens: false}); ids = e.getIds();
 * keep = await tok.decode(ids, false); skip = await tok.decode(ids, true)}. A StreamingDecoder's pieces (the first space
 * stripped, as the engine asks where decode drops it) add up to the same texts.
 */
class WpmDecodeTest {
    private static Tokenizer bge;

    @BeforeAll
    static void load() {
        bge = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-bert-bge.gguf"));
    }

    /** Encodes the text (checking HF's ids) and decodes the ids with and without the special tokens. */
    private static void assertDecodes(String text, int[] ids, String keep, String skip) {
        assertArrayEquals(ids, bge.encode(text, false, true), "ids of " + text);
        assertDecodes(ids, keep, skip);
    }

    private static void assertDecodes(int[] ids, String keep, String skip) {
        assertEquals(keep, bge.decode(ids, false), "decode(skipSpecialTokens = false)");
        assertEquals(skip, bge.decode(ids, true), "decode(skipSpecialTokens = true)");
        assertEquals(keep, StreamingDecoderTest.streamed(new StreamingDecoder(bge, false, true), ids), "streamed, special kept");
        assertEquals(skip, StreamingDecoderTest.streamed(new StreamingDecoder(bge, true, true), ids), "streamed, special skipped");
    }

    @Test
    void punctuationLosesTheSpaceBeforeIt() {
        assertDecodes("Wait , really ? It 's ' fine '", new int[] {3524, 1010, 2428, 1029, 2009, 1005, 1055, 1005, 2986, 1005},
                "wait, really? it ' s ' fine '", "wait, really? it ' s ' fine '");
        assertDecodes("Unaffable tokenization of embeddings...",
                new int[] {14477, 20961, 3468, 19204, 3989, 1997, 7861, 8270, 4667, 2015, 1012, 1012, 1012},
                "unaffable tokenization of embeddings...", "unaffable tokenization of embeddings...");
    }

    /** HF cleans each token, so a contraction split into "'" and a word keeps its spaces. */
    @Test
    void contractionsAreCleanedPerToken() {
        assertDecodes("I don't know, they're here! We've seen it; I'm sure it's John's.",
                new int[] {1045, 2123, 1005, 1056, 2113, 1010, 2027, 1005, 2128, 2182, 999, 2057, 1005, 2310, 2464, 2009, 1025,
                    1045, 1005, 1049, 2469, 2009, 1005, 1055, 2198, 1005, 1055, 1012},
                "i don ' t know, they ' re here! we ' ve seen it ; i ' m sure it ' s john ' s.",
                "i don ' t know, they ' re here! we ' ve seen it ; i ' m sure it ' s john ' s.");
        assertDecodes("do not go . n't 'm 're 've 's",
                new int[] {2079, 2025, 2175, 1012, 1050, 1005, 1056, 1005, 1049, 1005, 2128, 1005, 2310, 1005, 1055},
                "do not go. n ' t ' m ' re ' ve ' s", "do not go. n ' t ' m ' re ' ve ' s");
    }

    @Test
    void specialAndUnknownTokens() {
        assertDecodes("a \u13E3\u13B3\u13A9 b . c", new int[] {1037, 100, 1038, 1012, 1039}, "a [UNK] b. c", "a b. c");
        assertDecodes("[CLS] x [MASK] y? [SEP] [PAD]", new int[] {101, 1060, 103, 1061, 1029, 102, 0},
                "[CLS] x [MASK] y? [SEP] [PAD]", "x y?");
        assertDecodes(new int[] {100, 1029, 100}, "[UNK]? [UNK]", "?");
        // [unusedN] are normal tokens stored without U+2581: words, not continuations
        assertDecodes(new int[] {1, 2, 1037, 1}, "[unused0] [unused1] a [unused0]", "[unused0] [unused1] a [unused0]");
    }

    /** HF's decoder keeps the "##" of a continuation that comes first (after the skipped special tokens). */
    @Test
    void continuationFirst() {
        assertDecodes(new int[] {2015, 1037, 2015}, "##s as", "##s as");
        assertDecodes(new int[] {101, 2015, 1012, 102}, "[CLS]s. [SEP]", "##s.");
        assertDecodes(new int[] {1005, 1055, 1012}, "' s.", "' s.");
    }
}
