package dev.kindling.inference.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.KvCacheType;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The F16 KV cache's offsets past the first block and inside a partial one, with the attention variants: grouped
 * query heads (llama31), a sliding window (mistral, window 6), per-layer KV heads (deci), ALiBi (bloom, mpt). Blocks
 * change where positions are kept, not the order of any sum, so the logits must be the same bits with blocks of 5
 * positions (a 23-token prompt spans five, the last one partial) as with blocks of 16; and not the F32 cache's bits.
 * LlamaCppParityTest checks the values themselves against llama.cpp's F16 cache.
 */
class F16CacheLayoutTest {
    @TempDir
    static Path dir;

    static float[][] logits(Path model, KvCacheType kv, int blockSize, int[] tokens, int[] prefixes) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(2).withDevice("cpu").withKvCacheType(kv)
                .withKvBlockSize(blockSize))) {
            float[][] out = new float[prefixes.length][];
            for (int i = 0; i < prefixes.length; i++) {
                out[i] = e.logits(Arrays.copyOf(tokens, prefixes[i]));
            }
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama31", "mistral", "deci", "bloom", "mpt"})
    void sameBitsWhateverTheBlockSize(String name) throws Exception {
        TinyArchs.Case c = TinyArchs.byName(name);
        Path gguf = dir.resolve(name + ".gguf");
        TinyArchs.write(c, dir.resolve(name + "-hf"), gguf);
        int vocab = TinyArchs.vocabulary().length;
        int[] tokens = new int[23];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 1 + (i * 37 + 11) % (vocab - 1);
        }
        int[] prefixes = {4, 5, 11, 16, 23};
        float[][] small = logits(gguf, KvCacheType.F16, 5, tokens, prefixes);
        float[][] large = logits(gguf, KvCacheType.F16, 16, tokens, prefixes);
        float[][] f32 = logits(gguf, KvCacheType.F32, 16, tokens, prefixes);
        boolean differsFromF32 = false;
        for (int i = 0; i < prefixes.length; i++) {
            for (int v = 0; v < small[i].length; v++) {
                assertTrue(Float.isFinite(small[i][v]), name + ": logit " + v + " after " + prefixes[i] + " tokens");
                assertEquals(Float.floatToIntBits(large[i][v]), Float.floatToIntBits(small[i][v]),
                        name + ": logit " + v + " after " + prefixes[i] + " tokens, blocks of 5 against 16");
            }
            differsFromF32 |= !Arrays.equals(large[i], f32[i]);
        }
        assertTrue(differsFromF32, name + ": the F16 cache gave the F32 cache's logits");
        assertFalse(Arrays.equals(small[0], small[prefixes.length - 1]));
    }
}
