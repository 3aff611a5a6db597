package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.FinishReason;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.inference.sample.TokenLogprob;
import dev.kindling.testing.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose output layer has more rows than its tokenizer has ids (an embedding padded to a multiple of 64 or 128,
 * as Qwen's 151,936 rows over 151,665 tokens) never samples the ids without text. Each such draw failed its request with
 * "token id 505 is outside 0..499" and a warning with a stack trace per row.
 */
class PaddedVocabularyTest {
    static final int TOKENS = 500;

    /** stories260K (512 rows) with its GGUF vocabulary cut to the first 500 tokens. */
    static Path shortVocabulary(Path dir) throws IOException {
        return dev.kindling.inference.cuda.RandomModels.withVocabularyCut(SharedData.require("llama2c/stories260K.gguf"), TOKENS,
                dir.resolve("stories260K-500-tokens.gguf"));
    }

    @Test
    void idsPastTheTokenizerAreNeverSampled(@TempDir Path dir) throws IOException {
        try (Engine e = Engine.open(shortVocabulary(dir), EngineOptions.defaults().withThreads(1))) {
            assertEquals(512, e.config().vocabSize());
            // temperature 10 makes the 512 ids nearly equally likely: 8 x 64 draws over all rows reach 500..511 with
            // probability 1 - (500/512)^512, above 0.99999
            List<GenerationRequest> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batch.add(GenerationRequest.ofTokens(1).withMaxTokens(64).withIgnoreEos(true)
                        .withSampling(SamplingParams.temperature(10f, 100 + i)).withLogprobs(i % 2 == 0 ? -1 : 3));
            }
            for (Completion c : e.generate(batch)) {
                assertEquals(FinishReason.LENGTH, c.finishReason());
                assertEquals(64, c.tokens().length);
                for (int t : c.tokens()) {
                    assertTrue(t >= 0 && t < TOKENS, "sampled id " + t);
                }
                if (c.logprobs() != null) {
                    for (TokenLogprob lp : c.logprobs()) {
                        for (int t : lp.topTokens()) {
                            assertTrue(t < TOKENS, "alternative " + t);
                        }
                    }
                }
            }
            // the rows themselves stay the model's: logits of all 512, and a token-level prompt may hold any of them
            assertEquals(512, e.logits(new int[] {1, 505}).length);
        }
    }
}
