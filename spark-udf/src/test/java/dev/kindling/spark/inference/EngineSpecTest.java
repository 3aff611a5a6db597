package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.EngineOptions;
import org.junit.jupiter.api.Test;

class EngineSpecTest {
    @Test
    void theDefaultStepHoldsATokenForEverySequence() {
        int defaultTokens = EngineOptions.defaults().maxBatchTokens();
        EngineOptions few = EngineSpec.of("m.gguf").withMaxSequences(8).options(1, null);
        assertEquals(defaultTokens, few.maxBatchTokens());
        // setMaxSequences and --max-sequences past the default step: the engine refuses fewer step tokens than sequences
        EngineOptions many = EngineSpec.of("m.gguf").withMaxSequences(defaultTokens + 100).options(1, null);
        assertEquals(defaultTokens + 100, many.maxBatchTokens());
        assertEquals(defaultTokens + 100, many.maxSequences());
        EngineSpec set = new EngineSpec("m.gguf", null, "auto", 1, 8, 32, 0L, false, "f32");
        assertEquals(32, set.options(1, null).maxBatchTokens());
    }
}
