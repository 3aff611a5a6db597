package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.gguf.GgufModelLoader;
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

    /** {@code shared}, then {@code prompt(tailLength, salt)} past its BOS. */
    static int[] withTail(int[] shared, int tailLength, int salt) {
        int[] tail = prompt(tailLength, salt);
        int[] p = Arrays.copyOf(shared, shared.length + tail.length - 1);
        System.arraycopy(tail, 1, p, shared.length, tail.length - 1);
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
            try (Engine e = Engine.open(model(), options().withMaxBatchTokens(stepTokens).withMaxSequences(stepTokens))) {
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
            int[] p = withTail(shared, 3 + 11 * i, 2 + i);
            SamplingParams s = i % 3 == 0 ? SamplingParams.greedy() : SamplingParams.temperature(0.9f, 100 + i).withTopP(0.95f);
            requests.add(GenerationRequest.ofTokens(p).withSampling(s).withMaxTokens(10 + 9 * i).withIgnoreEos(true).withLogprobs(2));
        }
        List<Completion> alone = singleRuns(requests);
        long bytesPerPosition;
        try (GgufFile f = GgufFile.open(model())) {
            bytesPerPosition = GgufModelLoader.config(f).kvFloatsPerPosition() * Float.BYTES;
        }
        int[] blocks = requests.stream().mapToInt(r -> (r.promptTokens().length + r.maxTokens() - 1 + BLOCK - 1) / BLOCK)
                .sorted().toArray();
        long twoLongest = (blocks[blocks.length - 1] + blocks[blocks.length - 2]) * BLOCK * bytesPerPosition;
        List<CompletableFuture<Completion>> together = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            together.add(new CompletableFuture<>());
        }
        try (Engine e = Engine.open(model(), options().withKvBudgetBytes(twoLongest).withMaxBatchTokens(24).withMaxSequences(24))) {
            submitInTurn(e, requests, together, 0);
            for (int i = 0; i < requests.size(); i++) {
                assertSameRun(alone.get(i), together.get(i).get(60, TimeUnit.SECONDS), i);
            }
            assertTrue(e.stats().cachedPromptTokens >= system / BLOCK * BLOCK,
                    "a later request took the system prompt's blocks from the cache: " + e.stats().cachedPromptTokens);
        }
    }

    /**
     * Requests with one system prompt (three blocks) that arrive together, as a Spark partition's first rows do: they
     * are queued from a token listener (on the step thread) so that one admission pass sees them all. The system prompt
     * is computed once: every request after the first takes its three blocks from the prefix cache (each computed
     * them itself before), and each still gets its single run's tokens and log-probabilities.
     */
    @Test
    void requestsArrivingTogetherComputeTheirSystemPromptOnce() throws Exception {
        List<GenerationRequest> requests = systemPromptRequests(6);
        List<Completion> alone = singleRuns(requests);
        try (Engine e = Engine.open(model(), options().withMaxBatchTokens(24).withMaxSequences(24))) {
            List<CompletableFuture<Completion>> together = submitTogether(e, requests, -1);
            for (int i = 0; i < requests.size(); i++) {
                assertSameRun(alone.get(i), together.get(i).get(60, TimeUnit.SECONDS), i);
            }
            assertEquals((requests.size() - 1) * SYSTEM_BLOCKS * BLOCK, e.stats().cachedPromptTokens,
                    "every request after the first takes the system prompt's blocks from the cache");
        }
    }

    /**
     * The request computing the shared system prompt is cancelled partway through it (steps of 8 tokens) while the
     * others wait for its blocks: the next takes over what is left, the rest wait for that one, and every request gets
     * its single run (when the cancelled request's blocks in flight were not released, they waited for ever).
     */
    @Test
    void cancellingTheRequestComputingASharedPromptLetsTheWaitingOnesComplete() throws Exception {
        List<GenerationRequest> requests = systemPromptRequests(5);
        List<Completion> alone = singleRuns(requests);
        try (Engine e = Engine.open(model(), options().withMaxBatchTokens(8).withMaxSequences(8))) {
            List<CompletableFuture<Completion>> together = submitTogether(e, requests, 3);
            assertTrue(together.get(0).isCancelled());
            for (int i = 1; i < requests.size(); i++) {
                assertSameRun(alone.get(i), together.get(i).get(60, TimeUnit.SECONDS), i);
            }
            // the cancelled one had computed 21 tokens (three steps of 7 beside the first request's decode token): the
            // one that took over starts from its first block, the rest take all three from the cache
            assertEquals((1 + (requests.size() - 2) * SYSTEM_BLOCKS) * BLOCK, e.stats().cachedPromptTokens,
                    "blocks taken from the prefix cache");
        }
    }

    static final int SYSTEM_BLOCKS = 3;

    /** {@code n} requests: a system prompt of three full blocks, then a tail of their own, sampled or greedy. */
    static List<GenerationRequest> systemPromptRequests(int n) {
        int[] shared = prompt(SYSTEM_BLOCKS * BLOCK, 7);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = withTail(shared, 2 + 5 * i, 20 + i);
            SamplingParams s = i % 2 == 0 ? SamplingParams.greedy() : SamplingParams.temperature(0.9f, 200 + i).withTopP(0.95f);
            requests.add(GenerationRequest.ofTokens(p).withSampling(s).withMaxTokens(8 + 3 * i).withIgnoreEos(true).withLogprobs(2));
        }
        return requests;
    }

    static List<Completion> singleRuns(List<GenerationRequest> requests) {
        List<Completion> alone = new ArrayList<>();
        for (GenerationRequest r : requests) {
            try (Engine e = Engine.open(model(), options())) {
                alone.add(e.generate(r));
            }
        }
        return alone;
    }

    /**
     * Submits {@code rs} all at once from the token listener of a request with a prompt of its own, so they are queued
     * between two steps; cancels the first of them when that request makes token {@code cancelFirstAt} (-1: never).
     * Returns once that request is done.
     */
    static List<CompletableFuture<Completion>> submitTogether(Engine e, List<GenerationRequest> rs, int cancelFirstAt) {
        List<CompletableFuture<Completion>> out = new ArrayList<>();
        GenerationRequest gate = GenerationRequest.ofTokens(prompt(5, 99)).withMaxTokens(Math.max(2, cancelFirstAt + 2)).withIgnoreEos(true);
        e.submit(gate, (index, token, text, logprob) -> {
            if (index == 0) {
                for (GenerationRequest r : rs) {
                    out.add(e.submit(r, null));
                }
            } else if (index == cancelFirstAt) {
                out.get(0).cancel(true);
            }
        }).join();
        return out;
    }

    static void assertSameRun(Completion a, Completion c, int i) {
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
