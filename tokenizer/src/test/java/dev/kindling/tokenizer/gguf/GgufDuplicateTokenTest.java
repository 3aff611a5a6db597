package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A GGUF vocabulary that gives one text to two ids is refused, as llama.cpp refuses it (llama_vocab::impl::load asserts
 * that token_to_id has one entry per id): which of the two a text encodes to would be a guess. No GGUF in the shared
 * data has one.
 */
class GgufDuplicateTokenTest {

    /** The llama.cpp vocabulary {@code ggml-vocab-NAME.gguf} (SentencePiece, BPE, WordPiece) with id 2000 given id 1000's text. */
    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "bert-bge"})
    void aTextGivenToTwoIdsIsRefused(String name, @TempDir Path tmp) throws Exception {
        Path file = tmp.resolve(name + "-duplicate.gguf");
        String text;
        try (GgufFile gguf = GgufFile.open(SharedData.require("llamacpp-vocab/ggml-vocab-" + name + ".gguf"))) {
            String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens").clone();
            text = tokens[1000];
            tokens[2000] = text;
            GgufWriter w = new GgufWriter();
            gguf.metadata().forEach(w::put);
            w.putStrings("tokenizer.ggml.tokens", tokens).write(file);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens[1000] and [2000] are both \"" + text + "\""), e.getMessage());
    }

    /** An empty token is read as "[EMPTY_i]", as llama.cpp reads it; a token with that text already is a duplicate. */
    @Test
    void anEmptyTokenNamedLikeAnotherIsRefused(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("gpt-2-empty.gguf");
        try (GgufFile gguf = GgufFile.open(SharedData.require("llamacpp-vocab/ggml-vocab-gpt-2.gguf"))) {
            String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens").clone();
            tokens[1000] = "[EMPTY_2000]";
            tokens[2000] = "";
            GgufWriter w = new GgufWriter();
            gguf.metadata().forEach(w::put);
            w.putStrings("tokenizer.ggml.tokens", tokens).write(file);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("tokenizer.ggml.tokens[1000] and [2000] are both \"[EMPTY_2000]\""), e.getMessage());
    }
}
