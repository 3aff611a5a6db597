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

    record Result(int[][] tokens, float[] score) {}

    static Result run(Backend b, List<GenerationRequest> reqs, int[] text) throws Exception {
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 8)) {
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
