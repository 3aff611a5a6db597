package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * "token id 505 is outside 0..499" and a warning with a stack trace per row. A stop id among them is sampled, and ends
 * the generation, as Transformers stops at any eos id whatever the tokenizer.
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

    /**
     * Stop ids past the tokenizer's 500 but within the model's 512 rows end a generation where they are drawn, as the
     * other ids there are still never drawn, where they were never sampled and every generation ran to its max tokens.
     */
    @Test
    void aStopIdPastTheTokenizerEndsTheGeneration(@TempDir Path dir) throws IOException {
        int[] stops = java.util.stream.IntStream.range(TOKENS, 512).toArray();
        try (Engine e = Engine.open(shortVocabulary(dir), EngineOptions.defaults().withThreads(1))) {
            // temperature 1e6 makes the rows nearly equally likely: each draw is one of the 12 stops with probability
            // 12/512, so 300 draws reach one with probability 1 - (500/512)^300, above 0.999
            List<GenerationRequest> batch = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                batch.add(GenerationRequest.ofTokens(1).withMaxTokens(300).withIgnoreEos(true).withStopTokens(stops)
                        .withSampling(SamplingParams.temperature(1e6f, 200 + i)).withLogprobs(i == 0 ? -1 : 3));
            }
            for (Completion c : e.generate(batch)) {
                int[] t = c.tokens();
                assertEquals(FinishReason.STOP, c.finishReason(), t.length + " tokens");
                assertTrue(t[t.length - 1] >= TOKENS, "last id " + t[t.length - 1]);
                for (int k = 0; k < t.length - 1; k++) {
                    assertTrue(t[k] >= 0 && t[k] < TOKENS, "sampled id " + t[k]);
                }
                // the stop id has no token: decode leaves it out, as transformers' does ("token id 50x is outside")
                assertEquals(e.decode(java.util.Arrays.copyOf(t, t.length - 1)), e.decode(t));
            }
            // an id past the model's rows is no id of this model's
            assertThrows(IllegalArgumentException.class, () -> e.decode(new int[] {1, 512}));
            // without the stop ids, the ids past the tokenizer are not drawn: the same seed runs on to its max tokens
            Completion c = e.generate(GenerationRequest.ofTokens(1).withMaxTokens(100).withIgnoreEos(true)
                    .withSampling(SamplingParams.temperature(1e6f, 200)));
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertTrue(java.util.Arrays.stream(c.tokens()).allMatch(t -> t < TOKENS));
        }
    }
    /**
     * With the 12 stop ids past the tokenizer drawn from too, 512 ids can be drawn: a top-k of 500 drops the 12 least
     * likely. It was taken as off (at least the tokenizer's 500 ids) and drew them.
     */
    @Test
    void aTopKBelowTheIdsDrawnWithStopsPastTheTokenizerDropsTheLeastLikely(@TempDir Path dir) throws IOException {
        int[] stops = java.util.stream.IntStream.range(TOKENS, 512).toArray();
        try (Engine e = Engine.open(shortVocabulary(dir), EngineOptions.defaults().withThreads(1))) {
            float[] first = e.logits(new int[] {1});
            Integer[] byLogit = java.util.stream.IntStream.range(0, first.length).boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(byLogit, (x, y) -> Float.compare(first[x], first[y]));
            assertTrue(first[byLogit[11]] < first[byLogit[12]], "the 12 least likely are not set apart");
            java.util.Set<Integer> leastLikely = java.util.Set.of(java.util.Arrays.copyOf(byLogit, 12));
            // temperature 100 makes the 512 ids nearly equally likely: each draw without the top-k is one of the 12 with
            // probability over 2%, so 400 draws reach one with probability above 0.9997
            double all = 0;
            double twelve = 0;
            for (int id = 0; id < first.length; id++) {
                double w = Math.exp((first[id] - first[byLogit[first.length - 1]]) / 100.0);
                all += w;
                twelve += leastLikely.contains(id) ? w : 0;
            }
            assertTrue(twelve / all > 0.02, "the 12 least likely hold " + twelve / all);
            List<GenerationRequest> batch = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                batch.add(GenerationRequest.ofTokens(1).withMaxTokens(1).withIgnoreEos(true).withStopTokens(stops)
                        .withSampling(SamplingParams.temperature(100f, 300 + i).withTopK(TOKENS)));
            }
            for (Completion c : e.generate(batch)) {
                assertTrue(!leastLikely.contains(c.tokens()[0]), "drew " + c.tokens()[0] + ", among the 12 least likely");
            }
        }
    }
}
