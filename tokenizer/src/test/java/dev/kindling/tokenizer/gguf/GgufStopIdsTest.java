package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.EndOfGeneration;
import dev.kindling.tokenizer.Tokenizer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ids that end generation for a GGUF vocabulary are llama.cpp's end-of-generation set (llama_vocab::impl::load,
 * special_eog_ids). Kindling's list lacked the FIM pad, repo and file-separator tokens (StarCoder's {@code <fim_pad>},
 * Refact's {@code <reponame>}), {@code </s>} beside another EOS (Phi-3), {@code <|return|>}, {@code <|call|>},
 * {@code <｜end▁of▁sentence｜>} and the rest, and stopped gpt-oss at {@code <|end|>}, which there closes a message, not the
 * answer.
 */
class GgufStopIdsTest {

    /**
     * The sets llama.cpp gives these files (node-llama-cpp 3.21.1, llama_vocab_is_eog over every id, vocab-only load);
     * the same as its current rules give.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "bert-bge; 0", // [PAD]: the FIM pad texts include "[PAD]" (Kimi-K2); BERT has no EOS
            "deepseek-coder; 32014",
            "deepseek-llm; 100001",
            "falcon; 11",
            "gpt-2; 50256",
            "llama-spm; 2",
            "mpt; 0",
            "phi-3; 2 32000 32007", // </s>, <|endoftext|> (EOS), <|end|>
            "refact; 0 4 18", // <|endoftext|>, <fim_pad>, <reponame>
            "starcoder; 0 4"}) // <|endoftext|>, <fim_pad>
    void realVocabulariesStopWhereLlamaCppStops(String name, String expected) {
        Tokenizer tok = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-" + name + ".gguf"));
        int[] want = Arrays.stream(expected.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        int[] got = tok.stopIds().clone();
        Arrays.sort(got);
        assertArrayEquals(want, got, name + ": " + Arrays.toString(got));
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    /** The texts llama.cpp marks as EOG, with the ids the metadata names (none here: -1). */
    @Test
    void textsAndMetadataIds() {
        String[] tokens = {"a", "<|return|>", "<|call|>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[EOT]", "<end_of_utterance>",
                "<|end_of_text|>", "<eos>", "<turn|>", "[EOS]", "<|flush|>", "<|file_sep|>", "<|fim_pad|>", "<|repo_name|>", "b"};
        // <|return|> and <|call|> without <|end|>: nothing removed
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
                sorted(EndOfGeneration.ids(tokens, -1, -1, -1, -1, -1, -1)));
        // ids from the metadata count even when their text is not on the list (and out-of-range ones are none)
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14},
                sorted(EndOfGeneration.ids(tokens, 0, 14, -1, -1, -1, -1)));
        // a FIM id from the metadata replaces the one found by its text
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13},
                sorted(EndOfGeneration.ids(tokens, -1, -1, -1, 0, -1, -1)));
    }

    /**
     * gpt-oss (o200k_harmony): {@code <|end|>} ends a message (the analysis channel) and the final answer follows;
     * with {@code <|return|>} and {@code <|call|>} present it is not an end of generation. Likewise with
     * {@code <|calls|>} and {@code <|flush|>} (solar-open). Gemma 4: with {@code <|tool_response>}, {@code </s>} is not.
     */
    @Test
    void harmonyEndAndGemma4CloseTagAreNotEnds() {
        String[] harmony = {"<|endoftext|>", "<|end|>", "<|return|>", "<|call|>", "<|start|>"};
        assertArrayEquals(new int[] {0, 2, 3}, sorted(EndOfGeneration.ids(harmony, 2, -1, -1, -1, -1, -1)));
        // even when the metadata names it as the end of turn
        assertArrayEquals(new int[] {0, 2, 3}, sorted(EndOfGeneration.ids(harmony, 2, 1, -1, -1, -1, -1)));
        String[] solar = {"<|end|>", "<|calls|>", "<|flush|>"};
        assertArrayEquals(new int[] {1, 2}, sorted(EndOfGeneration.ids(solar, -1, -1, -1, -1, -1, -1)));
        // <|end|> alone (Phi-3) stays
        assertArrayEquals(new int[] {0, 1}, sorted(EndOfGeneration.ids(new String[] {"<|end|>", "<|return|>"}, -1, -1, -1, -1, -1, -1)));
        String[] gemma4 = {"<eos>", "</s>", "<|tool_response>", "<turn|>"};
        assertArrayEquals(new int[] {0, 2, 3}, sorted(EndOfGeneration.ids(gemma4, 0, -1, -1, -1, -1, -1)));
    }
}
