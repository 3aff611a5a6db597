package dev.kindling.inference.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.KvCacheType;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The F16 KV cache's offsets past the first block and inside a partial one, with the attention variants: grouped
 * query heads (llama31), a sliding window (mistral, window 6), per-layer KV heads (deci), ALiBi (bloom, mpt), one KV
 * head (falcon: its query heads split over tasks, each converting the blocks), partial rotary (phi2). Blocks
 * change where positions are kept, not the order of any sum, so the logits must be the same bits with blocks of 5
 * positions (a 23-token prompt spans five, the last one partial) or of 2 (the 47 positions with the greedy tokens
 * span more than one run of {@code CpuBackend.HALF_RUN_BLOCKS} blocks) as with blocks of 16, and so are 24 greedy tokens
 * decoded one per step after it; and the logits are not the F32 cache's.
 * LlamaCppParityTest checks the values themselves against llama.cpp's F16 cache.
 */
class F16CacheLayoutTest {
    @TempDir
    static Path dir;

    /** The logits after each prefix, then (last row) the 24 greedy tokens after the whole prompt as floats. */
    static float[][] logits(Path model, KvCacheType kv, int blockSize, int[] tokens, int[] prefixes) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(2).withDevice("cpu").withKvCacheType(kv)
                .withKvBlockSize(blockSize))) {
            float[][] out = new float[prefixes.length + 1][];
            for (int i = 0; i < prefixes.length; i++) {
                out[i] = e.logits(Arrays.copyOf(tokens, prefixes[i]));
            }
            // one token per step: attention splits a KV head's query heads over tasks when there are few (falcon)
            int[] greedy = e.generate(GenerationRequest.ofTokens(tokens).withMaxTokens(24).withIgnoreEos(true)).tokens();
            // each is the argmax of a prefill over the prompt and the tokens before it (a step of many tokens: one task
            // per KV head), the same bits whatever the step
            for (int i = 0; i < greedy.length; i++) {
                int[] prefix = Arrays.copyOf(tokens, tokens.length + i);
                System.arraycopy(greedy, 0, prefix, tokens.length, i);
                float[] l = e.logits(prefix);
                int best = 0;
                for (int v = 1; v < l.length; v++) {
                    best = l[v] > l[best] ? v : best;
                }
                assertEquals(best, greedy[i], model.getFileName() + ", " + kv + ": greedy token " + i + " against its prefill's argmax");
            }
            out[prefixes.length] = new float[greedy.length];
            for (int i = 0; i < greedy.length; i++) {
                out[prefixes.length][i] = greedy[i];
            }
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama31", "mistral", "deci", "bloom", "mpt", "falcon", "phi2"})
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
        float[][] tiny = logits(gguf, KvCacheType.F16, 2, tokens, prefixes);
        float[][] small = logits(gguf, KvCacheType.F16, 5, tokens, prefixes);
        float[][] large = logits(gguf, KvCacheType.F16, 16, tokens, prefixes);
        float[][] f32 = logits(gguf, KvCacheType.F32, 16, tokens, prefixes);
        assertEquals(Arrays.toString(large[prefixes.length]), Arrays.toString(small[prefixes.length]), name + ": greedy tokens");
        assertEquals(Arrays.toString(large[prefixes.length]), Arrays.toString(tiny[prefixes.length]), name + ": greedy tokens, blocks of 2");
        boolean differsFromF32 = false;
        for (int i = 0; i < prefixes.length; i++) {
            for (int v = 0; v < small[i].length; v++) {
                assertTrue(Float.isFinite(small[i][v]), name + ": logit " + v + " after " + prefixes[i] + " tokens");
                assertEquals(Float.floatToIntBits(large[i][v]), Float.floatToIntBits(small[i][v]),
                        name + ": logit " + v + " after " + prefixes[i] + " tokens, blocks of 5 against 16");
                assertEquals(Float.floatToIntBits(large[i][v]), Float.floatToIntBits(tiny[i][v]),
                        name + ": logit " + v + " after " + prefixes[i] + " tokens, blocks of 2 against 16");
            }
            differsFromF32 |= !Arrays.equals(large[i], f32[i]);
        }
        assertTrue(differsFromF32, name + ": the F16 cache gave the F32 cache's logits");
        assertFalse(Arrays.equals(small[0], small[prefixes.length - 1]));
    }
}
