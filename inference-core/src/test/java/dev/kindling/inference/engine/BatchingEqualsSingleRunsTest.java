package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.inference.sample.TokenLogprob;
import dev.kindling.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's promise, bit for bit: how a prompt is cut into steps, which KV blocks hold it, which other requests
 * share the step or the prompt's prefix, and when a request gets its KV blocks change no logit of it. The CPU backend
 * computes each token's row with the same sums in the same order whatever the rest of the step (a matrix product per
 * row, attention per key position), so equal means equal floats, not a tolerance. On stories260K (512 positions).
 */
class BatchingEqualsSingleRunsTest {
    static final int BLOCK = 16;

    static Path model() {
        return SharedData.require("llama2c/stories260K.gguf");
    }

    static EngineOptions options() {
        return EngineOptions.defaults().withDevice("cpu").withThreads(1).withKvBlockSize(BLOCK).withKvBudgetBytes(4L << 20);
    }

    /** A fixed pseudo-random prompt of {@code n} ids after BOS (ids 3..511 of the 512-token vocabulary). */
    static int[] prompt(int n, int salt) {
        int[] p = new int[n];
        p[0] = 1;
        for (int i = 1; i < n; i++) {
            p[i] = 3 + (int) Math.floorMod(i * 2654435761L + salt * 40503L, 509L);
        }
        return p;
    }

    /**
     * Prompts one short of, at, and one past block boundaries, prefilled in steps of 1, 5 and 17 tokens (ending inside
     * blocks, on their edges, across them), a second time from the prefix cache: the logits after the prompt are those of
     * the prompt prefilled in one step.
     */
    @Test
    void aPromptCutIntoStepsOrTakenFromThePrefixCacheGivesTheOneStepLogits() {
        int[] lengths = {BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK, 2 * BLOCK + 1, 10 * BLOCK, 10 * BLOCK + 1, 400};
        int[] full = prompt(400, 0);
        List<float[]> oneStep = new ArrayList<>();
        try (Engine e = Engine.open(model(), options().withMaxBatchTokens(512))) {
            for (int n : lengths) {
                oneStep.add(e.logits(Arrays.copyOf(full, n)));
            }
        }
        for (int stepTokens : new int[] {1, 5, 17}) {
            try (Engine e = Engine.open(model(), options().withMaxBatchTokens(stepTokens))) {
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < lengths.length; i++) {
                        assertArrayEquals(oneStep.get(i), e.logits(Arrays.copyOf(full, lengths[i])), "prompt of " + lengths[i]
                                + " tokens in steps of " + stepTokens + (round == 1 ? ", its full blocks from the prefix cache" : ""));
                    }
                }
                assertTrue(e.stats().cachedPromptTokens >= 400 - BLOCK, "the second round took the prompts' blocks from the cache");
            }
        }
    }

    /**
     * Six requests share a 250-token system prompt and have tails and output lengths of their own (so they finish at
     * different steps); each joins when the one before has made three tokens, while earlier ones decode and later ones
     * prefill, in a KV budget that holds the two longest (the others wait for blocks). Every request gets the tokens and
     * log-probabilities (its token's and its two alternatives') of its run alone on a fresh engine with the same seed.
     */
    @Test
    void requestsJoiningAtDifferentStepsUnderATightBudgetGetTheirSingleRuns() throws Exception {
        int system = 250;
        List<GenerationRequest> requests = new ArrayList<>();
        int[] shared = prompt(system, 1);
        for (int i = 0; i < 6; i++) {
            int[] tail = prompt(3 + 11 * i, 2 + i);
            int[] p = Arrays.copyOf(shared, system + tail.length - 1);
            System.arraycopy(tail, 1, p, system, tail.length - 1);
            SamplingParams s = i % 3 == 0 ? SamplingParams.greedy() : SamplingParams.temperature(0.9f, 100 + i).withTopP(0.95f);
            requests.add(GenerationRequest.ofTokens(p).withSampling(s).withMaxTokens(10 + 9 * i).withIgnoreEos(true).withLogprobs(2));
        }
        List<Completion> alone = new ArrayList<>();
        long bytesPerPosition = 0;
        for (GenerationRequest r : requests) {
            try (Engine e = Engine.open(model(), options())) {
                alone.add(e.generate(r));
                bytesPerPosition = e.config().kvFloatsPerPosition() * Float.BYTES;
            }
        }
        int[] blocks = requests.stream().mapToInt(r -> (r.promptTokens().length + r.maxTokens() - 1 + BLOCK - 1) / BLOCK)
                .sorted().toArray();
        long twoLongest = (blocks[blocks.length - 1] + blocks[blocks.length - 2]) * BLOCK * bytesPerPosition;
        List<CompletableFuture<Completion>> together = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            together.add(new CompletableFuture<>());
        }
        try (Engine e = Engine.open(model(), options().withKvBudgetBytes(twoLongest).withMaxBatchTokens(24))) {
            submitInTurn(e, requests, together, 0);
            for (int i = 0; i < requests.size(); i++) {
                Completion c = together.get(i).get(60, TimeUnit.SECONDS);
                Completion a = alone.get(i);
                assertArrayEquals(a.tokens(), c.tokens(), "request " + i + ": tokens");
                assertEquals(a.logprobs().size(), c.logprobs().size());
                for (int t = 0; t < a.logprobs().size(); t++) {
                    TokenLogprob x = a.logprobs().get(t);
                    TokenLogprob y = c.logprobs().get(t);
                    assertEquals(x.logprob(), y.logprob(), 0f, "request " + i + ", token " + t);
                    assertArrayEquals(x.topTokens(), y.topTokens(), "request " + i + ", token " + t);
                    assertArrayEquals(x.topLogprobs(), y.topLogprobs(), 0f, "request " + i + ", token " + t);
                }
            }
            assertTrue(e.stats().cachedPromptTokens >= system / BLOCK * BLOCK,
                    "a later request took the system prompt's blocks from the cache: " + e.stats().cachedPromptTokens);
        }
    }

    /** Submits request {@code i}, and request {@code i + 1} once request {@code i} has made three tokens. */
    static void submitInTurn(Engine e, List<GenerationRequest> rs, List<CompletableFuture<Completion>> out, int i) {
        if (i == rs.size()) {
            return;
        }
        boolean[] next = {false};
        e.submit(rs.get(i), (index, token, text, logprob) -> {
            if (index == 2 && !next[0]) {
                next[0] = true;
                submitInTurn(e, rs, out, i + 1);
            }
        }).whenComplete((c, t) -> {
            if (t != null) {
                out.get(i).completeExceptionally(t);
            } else {
                out.get(i).complete(c);
            }
        });
    }
}
