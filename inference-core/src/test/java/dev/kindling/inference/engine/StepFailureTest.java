package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.EngineStepException;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.ScoreResult;
import dev.kindling.inference.TokenListener;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * A batched step that throws: the request whose input makes it fail fails alone, and every other request in the step
 * goes on with the tokens, scores and embeddings it gets without the failure; a failure no one request causes (out of
 * memory, a step that fails for each request alone too) fails the requests with an {@link EngineStepException}.
 */
class StepFailureTest {
    static final int POISON = 300;
    static final int POISONED_FROM = 12;

    /**
     * {@code inner}, failing every step holding a token at position {@value #POISONED_FROM} or later of a request whose
     * prompt has {@value #POISON} at position 1 (as a kernel that cannot take one request's shape would): its prefill runs,
     * and it fails in the middle of its generation, in steps shared with the other requests.
     */
    static final class Poisoned extends DelegatingBackend {
        /** The block tables of the poisoned requests (compared by identity: the scheduler passes each sequence's own). */
        final List<int[]> poisonedTables = new ArrayList<>();
        int failedSteps;
        int mostSequencesInAFailedStep;
        /** Steps of one token, BOS at position 0: the scheduler's probe of whether the engine runs at all. */
        int probes;

        Poisoned(Backend inner) {
            super(inner);
        }

        boolean poisoned(int[] table) {
            return poisonedTables.stream().anyMatch(p -> p == table);
        }

        @Override
        public void forward(Step s) {
            if (s.tokenCount() == 1 && s.token(0) == 1 && s.position(0) == 0) {
                probes++;
            }
            for (int t = 0; t < s.tokenCount(); t++) {
                int[] table = s.blockTable(s.sequenceOf(t));
                if (s.position(t) == 1 && s.token(t) == POISON && !poisoned(table)) {
                    poisonedTables.add(table);
                }
                if (poisoned(table) && s.position(t) >= POISONED_FROM) {
                    failedSteps++;
                    mostSequencesInAFailedStep = Math.max(mostSequencesInAFailedStep, s.sequenceCount());
                    throw new IllegalArgumentException("the kernel cannot take this request's input");
                }
            }
            inner.forward(s);
        }

        @Override
        public String describe() {
            return "poisoned " + inner.describe();
        }
    }

    /** What the requests of {@link #run} gave: tokens per generation (null: failed), a score and an embedding. */
    record Results(List<int[]> tokens, List<Throwable> errors, float[] score, float[] embedding) {}

    static CpuBackend cpu() {
        return new CpuBackend(SchedulerCloseTest.stories(), 1, 64, 16, 32L << 20);
    }

    /** Eight seeded samplings (the fourth one poisoned), a score and an embedding of 100 tokens each, all at once. */
    static Results run(Backend b) throws Exception {
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            List<CompletableFuture<Completion>> gens = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int[] prompt = BatchingEqualsSingleRunsTest.prompt(5 + i, i);
                prompt[1] = i == 3 ? POISON : 301 + i;
                GenerationRequest r = GenerationRequest.ofTokens(prompt).withMaxTokens(30).withIgnoreEos(true)
                        .withSampling(SamplingParams.temperature(0.9f, 100 + i).withTopK(40));
                gens.add(s.generate(prompt, r, null));
            }
            int[] scored = BatchingEqualsSingleRunsTest.prompt(100, 7);
            int[] embedded = BatchingEqualsSingleRunsTest.prompt(100, 8);
            scored[1] = 310;
            embedded[1] = 311;
            CompletableFuture<ScoreResult> score = s.score(scored);
            CompletableFuture<float[]> embed = s.embed(embedded);
            List<int[]> tokens = new ArrayList<>();
            List<Throwable> errors = new ArrayList<>();
            for (CompletableFuture<Completion> f : gens) {
                try {
                    tokens.add(f.get(60, TimeUnit.SECONDS).tokens());
                    errors.add(null);
                } catch (ExecutionException e) {
                    tokens.add(null);
                    errors.add(e.getCause());
                }
            }
            return new Results(tokens, errors, score.get(60, TimeUnit.SECONDS).logprobs(), embed.get(60, TimeUnit.SECONDS));
        } finally {
            b.close();
        }
    }

    void onePoisonedRequestFailsAloneAndTheOthersAreUnchanged(Backend clean, Poisoned poisoned) throws Exception {
        Results expected = run(clean);
        Results actual = run(poisoned);
        assertTrue(poisoned.mostSequencesInAFailedStep > 1, "the poisoned request failed steps shared with others");
        assertInstanceOf(IllegalArgumentException.class, actual.errors().get(3), "its own error, not the engine's");
        for (int i = 0; i < 8; i++) {
            if (i != 3) {
                assertEquals(null, actual.errors().get(i), "request " + i);
                assertArrayEquals(expected.tokens().get(i), actual.tokens().get(i), "request " + i);
            }
        }
        assertArrayEquals(expected.score(), actual.score(), 0f);
        assertArrayEquals(expected.embedding(), actual.embedding(), 0f);
    }

    @Test
    void onePoisonedRequestFailsAloneAndTheOthersGetTheSameTokens() throws Exception {
        // the step's error was every request's: the seven others, the score and the embedding failed with it
        onePoisonedRequestFailsAloneAndTheOthersAreUnchanged(cpu(), new Poisoned(cpu()));
    }

    @Test
    void onAReducingBackendTheRerunUsesTheCoinsDrawnForTheFailedStep() throws Exception {
        // a backend that samples where the logits are (a GPU) gets the sampler's coin per row: drawing them again for
        // the rerun would move every sampling request's random stream one draw on
        Poisoned p = new Poisoned(new ReducingSchedulerTest.Reducing(cpu()));
        onePoisonedRequestFailsAloneAndTheOthersAreUnchanged(new ReducingSchedulerTest.Reducing(cpu()), p);
    }

    /** The CPU backend, throwing {@code error} from the steps {@code armed} picks. */
    static final class Failing extends DelegatingBackend {
        final Throwable error;
        final Predicate<Step> armed;
        /** Every step run or failed: its token count, first token and first position. */
        final List<int[]> steps = new ArrayList<>();

        Failing(Throwable error, Predicate<Step> armed) {
            super(cpu());
            this.error = error;
            this.armed = armed;
        }

        @Override
        public void forward(Step s) {
            steps.add(new int[] {s.tokenCount(), s.token(0), s.position(0)});
            if (armed.test(s)) {
                if (error instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) error;
            }
            inner.forward(s);
        }
    }

    static List<CompletableFuture<Completion>> twoGenerations(Scheduler s) {
        List<CompletableFuture<Completion>> fs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, i);
            fs.add(s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(40).withIgnoreEos(true), null));
        }
        return fs;
    }

    @Test
    void anOutOfMemoryErrorFailsEveryRequestInTheStepAsTheEnginesFailureAndTheEngineGoesOn() throws Exception {
        // was the OutOfMemoryError itself as every request's error: a Spark stage wrote it in every row in the step
        boolean[] thrown = {false};
        Failing b = new Failing(new OutOfMemoryError("injected"), step -> {
            // once, in the first step that holds both requests
            boolean now = !thrown[0] && step.sequenceCount() == 2;
            thrown[0] |= now;
            return now;
        });
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            for (CompletableFuture<Completion> f : twoGenerations(s)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
                assertInstanceOf(EngineStepException.class, e.getCause());
                // attached, but not as the cause: a Spark executor ends its JVM for a task failing with an Error as a cause
                assertEquals(null, e.getCause().getCause());
                assertInstanceOf(OutOfMemoryError.class, e.getCause().getSuppressed()[0]);
            }
            for (CompletableFuture<Completion> f : twoGenerations(s)) {
                assertEquals(40, f.get(60, TimeUnit.SECONDS).tokens().length, "served after the failure");
            }
        } finally {
            b.close();
        }
    }

    /**
     * A scheduler made with a model's name and no check of its files (the constructor's {@code filesChanged}, null) says a
     * step's failure as any other: making its message threw a NullPointerException that ended the engine's thread, and
     * every request failed as the engine closed.
     */
    @Test
    void aStepFailureWithNoCheckOfTheModelsFilesIsSaid() throws Exception {
        // no check at all, and a check that itself fails (it runs on the engine's thread: its exception ended that thread,
        // and every request then failed as closed, the step's failure lost)
        List<java.util.function.Supplier<String>> checks = new ArrayList<>();
        checks.add(null);
        checks.add(() -> {
            throw new SecurityException("injected: the file's attributes cannot be read");
        });
        for (java.util.function.Supplier<String> check : checks) {
            boolean[] thrown = {false};
            Failing b = new Failing(new OutOfMemoryError("injected"), step -> {
                boolean now = !thrown[0] && step.sequenceCount() == 2;
                thrown[0] |= now;
                return now;
            });
            try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16, "m.gguf", check)) {
                for (CompletableFuture<Completion> f : twoGenerations(s)) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
                    assertInstanceOf(EngineStepException.class, e.getCause());
                    assertTrue(e.getCause().getMessage().startsWith("m.gguf: engine step failed, not because of one request: "
                            + "java.lang.OutOfMemoryError: injected"), e.getCause().getMessage());
                }
            } finally {
                b.close();
            }
        }
    }

    @Test
    void anOutOfMemoryErrorAsARequestStartsFailsItAsTheEnginesFailure() throws Exception {
        // was the OutOfMemoryError as the request's error: a Spark stage kept it in the row's error column
        int[] decoders = {0};
        TextSupport text = new XText() {
            @Override
            public PieceDecoder newDecoder(boolean stripLeadingSpace) {
                if (decoders[0]++ == 0) {
                    throw new OutOfMemoryError("injected");
                }
                return new PieceDecoder() {
                    @Override
                    public String next(int id) {
                        return "x";
                    }

                    @Override
                    public String flush() {
                        return "";
                    }
                };
            }
        };
        CpuBackend b = cpu();
        try (Scheduler s = new Scheduler(b, text, new int[] {2}, 1, 16)) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, i);
                fs.add(s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(10).withIgnoreEos(true),
                        (index, token, piece, logprob) -> { }));
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(0).get(60, TimeUnit.SECONDS));
            assertInstanceOf(EngineStepException.class, e.getCause());
            assertInstanceOf(OutOfMemoryError.class, e.getCause().getSuppressed()[0]);
            assertEquals("xxxxxxxxxx", fs.get(1).get(60, TimeUnit.SECONDS).text(), "the other request goes on");
        } finally {
            b.close();
        }
    }

    @Test
    void aStepThatFailsForEachRequestAloneTooIsTheEnginesFailure() throws Exception {
        // a device that fails whatever it runs (a sticky CUDA error) is no request's input: run alone, each failed as well
        boolean[] broken = {false};
        Failing b = new Failing(new IllegalStateException("device error"), step -> {
            // from the first step that holds both requests on
            broken[0] |= step.sequenceCount() == 2;
            return broken[0];
        });
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            for (CompletableFuture<Completion> f : twoGenerations(s)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
                assertInstanceOf(EngineStepException.class, e.getCause());
                assertEquals("device error", e.getCause().getCause().getMessage());
            }
        } finally {
            b.close();
        }
    }

    /** A one-token step of BOS at position 0: the probe the scheduler runs to tell a request's failure from the engine's. */
    static boolean isProbe(int[] step) {
        return step[0] == 1 && step[1] == 1 && step[2] == 0;
    }

    @Test
    void aRequestThatFailsAloneIsItsOwnFailureWhenTheEngineRunsAProbeStep() throws Exception {
        // a step of one request took its failure for the request's own without asking whether the engine ran at all
        Failing b = new Failing(new IllegalArgumentException("the kernel cannot take position 10"),
                step -> step.position(0) >= 10);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, 0);
            CompletableFuture<Completion> f = s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(40).withIgnoreEos(true), null);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause(), "its own error");
            assertTrue(isProbe(b.steps.get(b.steps.size() - 1)), "a probe step ran after the failure");
            int[] next = BatchingEqualsSingleRunsTest.prompt(3, 1);
            assertEquals(5, s.generate(next, GenerationRequest.ofTokens(next).withMaxTokens(5).withIgnoreEos(true), null)
                    .get(60, TimeUnit.SECONDS).tokens().length, "the engine goes on");
        } finally {
            b.close();
        }
    }

    @Test
    void onAVocabularyWithoutBosTheProbeRunsAnotherToken() throws Exception {
        // a tokenizer without BOS (bosId -1, as Qwen's) made the probe a step of token -1, which no engine runs: every
        // request failing alone became the engine's failure
        Failing b = new Failing(new IllegalArgumentException("the kernel cannot take position 10"),
                step -> step.position(0) >= 10);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, -1, 16)) {
            int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, 0);
            CompletableFuture<Completion> f = s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(40).withIgnoreEos(true), null);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause(), "its own error");
            int[] last = b.steps.get(b.steps.size() - 1);
            assertArrayEquals(new int[] {1, 0, 0}, last, "the probe: token 0 alone at position 0");
        } finally {
            b.close();
        }
    }

    @Test
    void aRequestThatFailsAloneOnAnEngineWhoseProbeFailsTooIsTheEnginesFailure() throws Exception {
        // a broken device under one request alone was that request's error: a Spark row got it and the task succeeded
        boolean[] broken = {false};
        Failing b = new Failing(new IllegalStateException("device error"), step -> {
            broken[0] |= step.position(0) >= 10; // from the step of position 10 on, whatever it holds
            return broken[0];
        });
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, 0);
            CompletableFuture<Completion> f = s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(40).withIgnoreEos(true), null);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
            assertInstanceOf(EngineStepException.class, e.getCause());
            assertEquals("device error", e.getCause().getCause().getMessage());
            assertTrue(isProbe(b.steps.get(b.steps.size() - 1)), "the probe step failed too");
        } finally {
            b.close();
        }
    }

    @Test
    void everyRequestOfAStepFailingAloneIsEachOnesOwnFailureWhenTheProbeRuns() throws Exception {
        // two poisoned requests alone in a step, each failing alone too, were taken for the engine's failure
        SchedulerCloseTest.Held held = new SchedulerCloseTest.Held(cpu());
        Poisoned b = new Poisoned(held);
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            // a one-token generation holds the step thread in its step while the two are queued, so they start together
            // and reach the poisoned positions in the same steps
            // (two prompt tokens: a step of BOS alone is what the probe looks like)
            CompletableFuture<Completion> gate = s.generate(new int[] {1, 5}, GenerationRequest.ofTokens(1, 5).withMaxTokens(1), null);
            assertTrue(held.inStep.await(30, TimeUnit.SECONDS));
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, i);
                prompt[1] = POISON;
                fs.add(s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(30).withIgnoreEos(true), null));
            }
            held.letGo.countDown();
            assertEquals(1, gate.get(60, TimeUnit.SECONDS).tokens().length);
            for (CompletableFuture<Completion> f : fs) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
                assertInstanceOf(IllegalArgumentException.class, e.getCause(), "its own error, not the engine's");
            }
            assertEquals(2, b.mostSequencesInAFailedStep, "they failed a step together");
            assertEquals(1, b.probes, "one probe for the step");
        } finally {
            b.close();
        }
    }

    /** Three seeded samplings in one step; {@code listenerOfSecond} streams the second one's tokens (null: none). */
    static List<CompletableFuture<Completion>> threeSamplings(Scheduler s, TokenListener listenerOfSecond) {
        List<CompletableFuture<Completion>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, i);
            GenerationRequest r = GenerationRequest.ofTokens(prompt).withMaxTokens(20).withIgnoreEos(true)
                    .withSampling(SamplingParams.temperature(0.9f, 7 + i).withTopK(40));
            fs.add(s.generate(prompt, r, i == 1 ? listenerOfSecond : null));
        }
        return fs;
    }

    /** The tokens of {@link #threeSamplings} on a clean CPU backend. */
    static List<int[]> threeSamplingsClean() throws Exception {
        CpuBackend b = cpu();
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            List<int[]> tokens = new ArrayList<>();
            for (CompletableFuture<Completion> f : threeSamplings(s, null)) {
                tokens.add(f.get(60, TimeUnit.SECONDS).tokens());
            }
            return tokens;
        } finally {
            b.close();
        }
    }

    @Test
    void aListenerThatThrowsEndsItsOwnGenerationNamingTheRequestAndTheOthersGoOn() throws Exception {
        // the listener's exception was logged and its generation went on, streaming to a caller that had failed
        List<int[]> expected = threeSamplingsClean();
        IllegalStateException thrown = new IllegalStateException("the caller's stream is closed");
        int[] calls = {0};
        CpuBackend b = cpu();
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            List<CompletableFuture<Completion>> fs = threeSamplings(s, (i, token, piece, lp) -> {
                calls[0]++;
                if (i == 3) {
                    throw thrown;
                }
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(1).get(60, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("request 2"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("listener"), e.getCause().getMessage());
            assertEquals(thrown, e.getCause().getCause());
            assertEquals(4, calls[0], "not called after it threw");
            assertArrayEquals(expected.get(0), fs.get(0).get(60, TimeUnit.SECONDS).tokens());
            assertArrayEquals(expected.get(2), fs.get(2).get(60, TimeUnit.SECONDS).tokens());
        } finally {
            b.close();
        }
    }

    @Test
    void anOutOfMemoryErrorInOneListenerFailsOnlyItsRequestAsTheEnginesFailure() throws Exception {
        // the Error left the step to the loop, which failed every running request with it
        List<int[]> expected = threeSamplingsClean();
        CpuBackend b = cpu();
        try (Scheduler s = new Scheduler(b, null, new int[] {2}, 1, 16)) {
            List<CompletableFuture<Completion>> fs = threeSamplings(s, (i, token, piece, lp) -> {
                if (i == 3) {
                    throw new OutOfMemoryError("injected");
                }
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(1).get(60, TimeUnit.SECONDS));
            assertInstanceOf(EngineStepException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("request 2"), e.getCause().getMessage());
            assertInstanceOf(OutOfMemoryError.class, e.getCause().getSuppressed()[0]);
            assertArrayEquals(expected.get(0), fs.get(0).get(60, TimeUnit.SECONDS).tokens());
            assertArrayEquals(expected.get(2), fs.get(2).get(60, TimeUnit.SECONDS).tokens());
        } finally {
            b.close();
        }
    }

    @Test
    void anOutOfMemoryErrorDecodingOneRequestsTokenFailsOnlyThatRequest() throws Exception {
        // reading a step's results for one request (here its text decoder) ran out of memory: every running request failed
        int[] pieces = {0};
        TextSupport text = new XText() {
            @Override
            public PieceDecoder newDecoder(boolean stripLeadingSpace) {
                boolean first = pieces[0]++ == 0;
                return new PieceDecoder() {
                    int n;

                    @Override
                    public String next(int id) {
                        if (first && ++n == 4) {
                            throw new OutOfMemoryError("injected");
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
        CpuBackend b = cpu();
        try (Scheduler s = new Scheduler(b, text, new int[] {2}, 1, 16)) {
            List<CompletableFuture<Completion>> fs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int[] prompt = BatchingEqualsSingleRunsTest.prompt(6, i);
                fs.add(s.generate(prompt, GenerationRequest.ofTokens(prompt).withMaxTokens(10).withIgnoreEos(true),
                        (index, token, piece, logprob) -> { }));
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> fs.get(0).get(60, TimeUnit.SECONDS));
            assertInstanceOf(EngineStepException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("request 1"), e.getCause().getMessage());
            assertInstanceOf(OutOfMemoryError.class, e.getCause().getSuppressed()[0]);
            assertEquals("xxxxxxxxxx", fs.get(1).get(60, TimeUnit.SECONDS).text(), "the other request goes on");
        } finally {
            b.close();
        }
    }

    /** Text support where every token reads "x"; a test overrides {@link TextSupport#newDecoder} to inject its failure. */
    abstract static class XText implements TextSupport {
        @Override
        public byte[] tokenBytes(int id) {
            return new byte[] {'x'};
        }

        @Override
        public boolean isSpecial(int id) {
            return false;
        }

        @Override
        public boolean dropsSpaceAfterBos() {
            return false;
        }
    }
}
