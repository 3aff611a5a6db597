package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.Completion;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.ScoreResult;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.LogitReduction;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.testing.SharedData;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A backend that reduces logits (as the CUDA backend does on the device) gives the scheduler the
 * same generations and scores as one that returns full rows: the sampler's draws happen in the
 * same order, and log-probs are computed the same way.
 */
class ReducingSchedulerTest {
    /** The CPU backend, reducing rows on the host and then hiding them. */
    static final class Reducing extends DelegatingBackend {
        int reducedRows;

        Reducing(CpuBackend cpu) {
            super(cpu);
        }

        @Override
        public boolean reducesLogits() {
            return true;
        }

        @Override
        public void forward(Step s) {
            inner.forward(s);
            LogitReduction[] r = s.reductions;
            int vocab = config().vocabSize();
            if (r == null) {
                return;
            }
            s.reducedTokens = new int[r.length];
            s.reducedValues = new float[r.length];
            for (int i = 0; i < r.length; i++) {
                if (r[i] != null) {
                    r[i].reduce(s.logits, i * vocab, vocab, s.reducedTokens, s.reducedValues, i);
                    java.util.Arrays.fill(s.logits, i * vocab, (i + 1) * vocab, Float.NaN); // must not be read
                    reducedRows++;
                }
            }
        }
    }

    @Test
    void generationsAndScoresAreTheSame() throws Exception {
        Model m = Llama2cLoader.load(SharedData.require("llama2c/stories260K.bin"));
        List<GenerationRequest> reqs = List.of(
                GenerationRequest.ofTokens(1).withMaxTokens(60).withIgnoreEos(true),
                GenerationRequest.ofTokens(1, 400, 37).withMaxTokens(60).withIgnoreEos(true)
                        .withSampling(SamplingParams.temperature(0.9f, 42).withTopK(20).withTopP(0.9f)),
                GenerationRequest.ofTokens(1, 50).withMaxTokens(60).withIgnoreEos(true)
                        .withSampling(SamplingParams.temperature(1.0f, 7).withMinP(0.05f)),
                GenerationRequest.ofTokens(1, 9).withMaxTokens(40).withIgnoreEos(true)
                        .withSampling(SamplingParams.temperature(1.0f, 3).withPenalties(1.2f, 0f, 0f)));
        int[] text = {1, 403, 407, 261, 378, 435, 289, 259, 3, 10, 300, 301, 302, 303, 304};
        Result plain = run(new CpuBackend(m, 2, 64, 16, 32L << 20), reqs, text);
        Reducing red = new Reducing(new CpuBackend(m, 2, 64, 16, 32L << 20));
        Result reduced = run(red, reqs, text);
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(plain.tokens[i], reduced.tokens[i], "request " + i);
        }
        assertArrayEquals(plain.score, reduced.score, 0f);
        assertEquals(true, red.reducedRows > 100, "rows were reduced: " + red.reducedRows);
    }

    /**
     * With a tokenizer of 500 ids over the model's 512 rows (a padded embedding), a reducing backend considers the same
     * first 500 ids as the host sampler: the same tokens, none past 500. Such rows went to the host whole (600 KB a row
     * for Qwen's 151,936) before the reduction carried its column count.
     */
    @Test
    void aSmallerTokenizersIdsAreTheSameOnBothPaths() throws Exception {
        Model m = Llama2cLoader.load(SharedData.require("llama2c/stories260K.bin"));
        List<GenerationRequest> reqs = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // temperature 10: nearly uniform over the 512 rows, so the 12 ids past 500 would be drawn (p > 0.999)
            reqs.add(GenerationRequest.ofTokens(1).withMaxTokens(40).withIgnoreEos(true)
                    .withSampling(i == 5 ? SamplingParams.greedy() : SamplingParams.temperature(10f, 11 + i).withTopP(i % 2 == 0 ? 1f : 0.99f)));
        }
        int[] text = {1, 403, 407, 261, 378, 435};
        TextSupport fiveHundred = new StepFailureTest.XText() {
            @Override
            public int vocabSize() {
                return 500;
            }

            @Override
            public PieceDecoder newDecoder(boolean stripLeadingSpace) {
                return new PieceDecoder() {
                    @Override
                    public String next(int id) {
                        if (id >= 500) {
                            throw new IllegalArgumentException("token id " + id + " is outside 0..499");
                        }
                        return "x";
                    }

                    @Override
                    public String flush() {
                        return "";
                    }
                };
            }
        };
        Result plain = run(new CpuBackend(m, 2, 64, 16, 32L << 20), reqs, text, fiveHundred);
        Reducing red = new Reducing(new CpuBackend(m, 2, 64, 16, 32L << 20));
        Result reduced = run(red, reqs, text, fiveHundred);
        for (int i = 0; i < reqs.size(); i++) {
            assertArrayEquals(plain.tokens[i], reduced.tokens[i], "request " + i);
            for (int t : reduced.tokens[i]) {
                assertEquals(true, t < 500, "request " + i + " sampled " + t);
            }
        }
        assertArrayEquals(plain.score, reduced.score, 0f);
        assertEquals(true, red.reducedRows > 200, "rows were reduced: " + red.reducedRows);
    }

    record Result(int[][] tokens, float[] score) {}

    static Result run(Backend b, List<GenerationRequest> reqs, int[] text) throws Exception {
        return run(b, reqs, text, null);
    }

    static Result run(Backend b, List<GenerationRequest> reqs, int[] text, TextSupport textSupport) throws Exception {
        try (Scheduler s = new Scheduler(b, textSupport, new int[] {2}, 1, 8)) {
            List<CompletableFuture<Completion>> fs = new java.util.ArrayList<>();
            for (GenerationRequest r : reqs) {
                fs.add(s.generate(r.promptTokens(), r, null));
            }
            CompletableFuture<ScoreResult> sc = s.score(text);
            int[][] out = new int[reqs.size()][];
            for (int i = 0; i < fs.size(); i++) {
                out[i] = fs.get(i).get().tokens();
            }
            return new Result(out, sc.get().logprobs());
        } finally {
            b.close();
        }
    }
}
