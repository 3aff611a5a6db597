package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a {@code tokenizer.ggml.pre} sets besides its regexes, as llama.cpp's llama-vocab.cpp does: llama3 (llama-bpe
 * ...) and tekken ignore merges (a piece that is a token whole is that token) and add BOS when the GGUF has no
 * {@code tokenizer.ggml.add_bos_token}; the key, where present, wins. On a vocabulary of {@code <s> a b c bc abc} whose
 * one merge is {@code b c}, {@code abc} is one token only when merges are ignored.
 */
class GgufPreDefaultsTest {
    private static final int BOS = 0;
    private static final int A = 1;
    private static final int BC = 4;
    private static final int ABC = 5;

    @Test
    void tekkenIgnoresMergesAndAddsBosAsLlama3Does(@TempDir Path tmp) throws Exception {
        assertArrayEquals(new int[] {BOS, ABC}, gguf(tmp, "tekken", null).encode("abc", true, false), "tekken");
        assertArrayEquals(new int[] {BOS, ABC}, gguf(tmp, "llama-bpe", null).encode("abc", true, false), "llama-bpe");
        assertArrayEquals(new int[] {A, BC}, gguf(tmp, "gpt-4o", null).encode("abc", true, false), "gpt-4o");
    }

    @Test
    void theAddBosKeyWinsOverThePresDefault(@TempDir Path tmp) throws Exception {
        assertArrayEquals(new int[] {ABC}, gguf(tmp, "tekken", false).encode("abc", true, false), "tekken, add_bos_token false");
        assertArrayEquals(new int[] {BOS, A, BC}, gguf(tmp, "gpt-4o", true).encode("abc", true, false), "gpt-4o, add_bos_token true");
    }

    /** The vocabulary above under {@code pre}, with {@code tokenizer.ggml.add_bos_token} {@code addBos} (null: none). */
    private static Tokenizer gguf(Path dir, String pre, Boolean addBos) throws Exception {
        GgufWriter w = new GgufWriter().putString("general.architecture", "gpt2").putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", pre).putStrings("tokenizer.ggml.tokens", "<s>", "a", "b", "c", "bc", "abc")
                .putI32s("tokenizer.ggml.token_type", 3, 1, 1, 1, 1, 1).putStrings("tokenizer.ggml.merges", "b c")
                .putU32("tokenizer.ggml.bos_token_id", BOS);
        if (addBos != null) {
            w.putBool("tokenizer.ggml.add_bos_token", addBos);
        }
        Path path = dir.resolve(pre + "-" + addBos + ".gguf");
        w.write(path);
        return Tokenizer.load(path);
    }
}
