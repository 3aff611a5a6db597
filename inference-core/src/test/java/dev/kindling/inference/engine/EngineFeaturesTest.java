package dev.kindling.inference.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.FinishReason;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.KvBudgetRefusedException;
import dev.kindling.inference.KvCacheType;
import dev.kindling.inference.ScoreResult;
import dev.kindling.inference.sample.LogProbs;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.inference.sample.TokenLogprob;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sampling options, stops, log-probs, scoring, embeddings, KV budget and concurrency on stories260K. */
class EngineFeaturesTest {
    static Engine engine;

    @BeforeAll
    static void open() {
        engine = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(2).withKvBudgetBytes(4L << 20).withKvBlockSize(16));
    }

    @AfterAll
    static void close() {
        if (engine != null) { // null when the shared data is absent and the class was skipped
            engine.close();
        }
    }

    @Test
    void seedsReproduceAndDiffer() {
        GenerationRequest r = GenerationRequest.of("Once upon a time").withMaxTokens(60)
                .withSampling(SamplingParams.temperature(1.0f, 7).withTopK(20).withTopP(0.9f).withMinP(0.05f));
        Completion a = engine.generate(r);
        Completion b = engine.generate(r);
        Completion c = engine.generate(r.withSampling(r.sampling().withSeed(8)));
        assertArrayEquals(a.tokens(), b.tokens());
        assertFalse(java.util.Arrays.equals(a.tokens(), c.tokens()));
    }

    /**
     * A prompt longer than the context is refused with its counts, typed: each surface (the command line, a Spark stage,
     * SQL, distillation) words its own advice from the facts, instead of rewriting the engine's message, which names
     * the Java option.
     */
    @Test
    void aPromptLongerThanTheContextIsRefusedWithItsCounts() throws Exception {
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1))) {
            int ctx = e.model().config().contextLength();
            int[] prompt = new int[ctx];
            java.util.Arrays.fill(prompt, 1);
            java.util.concurrent.CompletionException x = assertThrows(java.util.concurrent.CompletionException.class,
                    () -> e.submit(GenerationRequest.ofTokens(prompt), null).join());
            dev.kindling.inference.PromptTooLongException p = assertInstanceOf(dev.kindling.inference.PromptTooLongException.class,
                    x.getCause());
            assertEquals(List.of(ctx, ctx), List.of(p.promptTokens(), p.contextLength()));
            String facts = "stories260K.gguf: the prompt has " + ctx + " tokens but the context holds " + ctx
                    + ", which leaves no room to generate";
            assertEquals(facts + " (shorten it; to keep a prompt's end instead: GenerationRequest.withTruncatePrompt(true), or "
                    + "EngineOptions.withTruncatePrompts(true) for every request)", p.getMessage());
            assertEquals(facts + " (split it)", dev.kindling.inference.PromptTooLongException.describe(p, "split it"));
            // wrapped with more of where it happened, the words before it stay; any other failure is left as it is
            assertEquals("row 3: " + facts + " (split it)", dev.kindling.inference.PromptTooLongException.describe(
                    new IllegalStateException("row 3: " + p.getMessage(), p), "split it"));
            assertEquals("other", dev.kindling.inference.PromptTooLongException.describe(new IllegalStateException("other", p), "x"));
            assertSame(p, dev.kindling.inference.PromptTooLongException.in(x));
            // the request's own truncation keeps the prompt's end as the engine's option does: the same tokens
            Completion cut = e.generate(GenerationRequest.ofTokens(prompt).withMaxTokens(8).withTruncatePrompt(true));
            try (Engine truncating = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                    EngineOptions.defaults().withThreads(1).withTruncatePrompts(true))) {
                Completion engineWide = truncating.generate(GenerationRequest.ofTokens(prompt).withMaxTokens(8));
                assertArrayEquals(engineWide.tokens(), cut.tokens());
                assertArrayEquals(engineWide.promptTokens(), cut.promptTokens());
            }
            assertTrue(cut.promptTokens().length < ctx, "the prompt was cut to " + cut.promptTokens().length);
        }
    }

    /**
     * A text prompt cut to its end keeps the BOS its tokenizer put first, as Hugging Face's truncation and llama.cpp's
     * n_keep do: cut with the rest, the model read the end as if a document started mid-sentence, without BOS.
     * A prompt given as ids that does not start with BOS is cut to its end alone.
     */
    @Test
    void aTruncatedPromptKeepsItsBos() throws Exception {
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(1).withTruncatePrompts(true))) {
            int ctx = e.model().config().contextLength();
            int bos = e.tokenizer().orElseThrow().bosId();
            String text = "Once upon a time ".repeat(600);
            int[] whole = e.encode(text);
            assertTrue(whole.length > ctx && whole[0] == bos, "the prompt has " + whole.length + " tokens");
            int keep = ctx - 8;
            Completion cut = e.generate(GenerationRequest.of(text).withMaxTokens(8));
            int[] expected = new int[keep];
            expected[0] = bos;
            System.arraycopy(whole, whole.length - (keep - 1), expected, 1, keep - 1);
            assertArrayEquals(expected, cut.promptTokens());
            int[] noBos = java.util.Arrays.copyOfRange(whole, 1, whole.length);
            Completion plain = e.generate(GenerationRequest.ofTokens(noBos).withMaxTokens(8));
            assertArrayEquals(java.util.Arrays.copyOfRange(whole, whole.length - keep, whole.length), plain.promptTokens());
        }
    }

    /**
     * generate(List) throws the first failure and returns no other result: the requests after it generated on to their
     * last token regardless (here 8 x 1500 tokens), holding KV blocks that later requests waited for.
     */
    @Test
    void aFailedBatchCancelsTheRequestsWhoseResultsItDrops() throws Exception {
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1))) {
            List<GenerationRequest> batch = new ArrayList<>();
            batch.add(GenerationRequest.of("Once upon a time ".repeat(600))); // longer than the context: fails at once
            for (int i = 0; i < 8; i++) {
                batch.add(GenerationRequest.of("Lily").withMaxTokens(1500).withIgnoreEos(true));
            }
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> e.generate(batch));
            assertTrue(x.getMessage().contains("context holds"), x.getMessage());
            // a request after it: the dropped ones, had they run on, would have decoded along with each of its 50 tokens
            // (at most a step or two of theirs may have started before they were cancelled)
            assertEquals(50, e.generate(GenerationRequest.of("Tom").withMaxTokens(50).withIgnoreEos(true)).tokens().length);
            assertTrue(e.stats().generatedTokens < 50 + 8 * 10, "generated " + e.stats().generatedTokens);
        }
    }

    /**
     * A request of the batch the engine refuses as it is given (a prompt past the context, a stop id outside the
     * vocabulary, more KV blocks than the budget holds) throws before any request of the batch generates: placed after
     * the others, it threw only once they had generated to their last token, for nobody. Score and embedding batches
     * checked their texts first already, but not against the KV budget.
     */
    @Test
    void aBatchWithARefusedRequestLastGeneratesNothing() {
        long threeBlocks = 3 * 16 * 5 * 2 * 32 * 4; // 48 positions: 30 tokens fit, 100 do not
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(1).withKvBudgetBytes(threeBlocks))) {
            for (GenerationRequest refused : List.of(GenerationRequest.of("Once upon a time ".repeat(600)),
                    GenerationRequest.of("Tom").withStopTokens(99_999), GenerationRequest.of("Tom").withMaxTokens(100))) {
                List<GenerationRequest> batch = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    batch.add(GenerationRequest.of("Lily").withMaxTokens(30).withIgnoreEos(true));
                }
                batch.add(refused);
                assertThrows(IllegalArgumentException.class, () -> e.generate(batch));
            }
            // the KV refusal is typed, its advice the engine's options (a command line and a stage word their own)
            KvBudgetRefusedException kv = assertThrows(KvBudgetRefusedException.class,
                    () -> e.generate(List.of(GenerationRequest.of("Tom").withMaxTokens(100))));
            assertTrue(kv.getMessage().startsWith("stories260K.gguf: a sequence of ") && kv.getMessage().contains("lower max tokens")
                    && kv.getMessage().contains("EngineOptions.withKvBudgetBytes") && !kv.getMessage().contains("--kv-"), kv.getMessage());
            assertEquals("stories260K.gguf: a sequence of 102 positions needs 7 KV blocks but the KV budget holds 3 (lower max tokens, "
                    + "raise it)", kv.withAdvice("raise it"));
            // a score or embedding batch likewise, a text past the KV budget after two that fit
            int[] fits = new int[40];
            java.util.Arrays.fill(fits, 300);
            int[] tooLong = java.util.Arrays.copyOf(fits, 60);
            java.util.Arrays.fill(tooLong, 300);
            assertThrows(IllegalArgumentException.class, () -> e.scoreTokens(List.of(fits, fits, tooLong)));
            IllegalArgumentException embed = assertThrows(IllegalArgumentException.class, () -> e.embedTokens(List.of(fits, fits, tooLong)));
            assertEquals("stories260K.gguf: text 2 of 3 (counting from 0): a sequence of 60 positions needs 4 KV blocks but the KV budget"
                    + " holds 3 (shorten the text, raise it)", KvBudgetRefusedException.describe(embed, "raise it"));
            assertEquals(List.of(0L, 0L), List.of(e.stats().generatedTokens, e.stats().promptTokens));
            assertEquals(30, e.generate(List.of(GenerationRequest.of("Lily").withMaxTokens(30).withIgnoreEos(true))).get(0).tokens().length);
        }
    }

    /**
     * A score, embedding or logits request whose caller gave up on it ({@code orTimeout}, {@code completeExceptionally})
     * is dropped as a generation's is: only a cancelled one was, so these were computed in full for nobody, holding
     * their KV blocks meanwhile. The step thread is held in a token listener while they are given up on.
     */
    @Test
    void aScoreEmbeddingOrLogitsRequestItsCallerGaveUpOnIsNotComputed() throws Exception {
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1))) {
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<Completion> gate = e.submit(GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true),
                    (index, token, text, logprob) -> {
                        if (index == 0) {
                            held.countDown();
                            try {
                                release.await();
                            } catch (InterruptedException x) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    });
            held.await();
            long before = e.stats().promptTokens;
            int[] text = e.encode("Lily saw a big dog in the park. ".repeat(20));
            List<CompletableFuture<?>> abandoned = List.of(e.submitScore(text), e.submitEmbed(text), e.submitLogits(text));
            for (CompletableFuture<?> f : abandoned) {
                f.completeExceptionally(new java.util.concurrent.TimeoutException("the caller gave up"));
            }
            release.countDown();
            gate.join();
            e.score(List.of("Tom")); // after the abandoned ones in the queue
            long computed = e.stats().promptTokens - before;
            assertTrue(computed < text.length, "computed " + computed + " prompt tokens; each abandoned text has " + text.length);
        }
    }

    /** A batch with an invalid sequence queued nothing: the valid ones before it were computed for nobody. */
    @Test
    void aScoreOrEmbedBatchWithABadSequenceQueuesNone() {
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1))) {
            int[] longText = new int[1500];
            java.util.Arrays.fill(longText, 280);
            longText[0] = 1;
            List<int[]> batch = List.of(longText, new int[] {1, 99999});
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> e.scoreTokens(batch));
            assertTrue(x.getMessage().startsWith("stories260K.gguf: text 1 of 2") && x.getMessage().contains("99999"), x.getMessage());
            assertThrows(IllegalArgumentException.class, () -> e.embedTokens(batch));
            // requests run in arrival order: a queued long text would be computed before this one
            assertEquals(2, e.scoreTokens(List.of(new int[] {1, 280, 281})).get(0).logprobs().length);
            assertEquals(3, e.stats().promptTokens);
        }
    }

    @Test
    void topKOneIsGreedyAndPenaltiesChangeTheText() {
        GenerationRequest g = GenerationRequest.of("The cat").withMaxTokens(50);
        Completion greedy = engine.generate(g);
        Completion k1 = engine.generate(g.withSampling(SamplingParams.temperature(1.5f, 3).withTopK(1)));
        assertArrayEquals(greedy.tokens(), k1.tokens());
        Completion pen = engine.generate(g.withSampling(SamplingParams.greedy().withPenalties(1.5f, 0.5f, 0.5f)));
        assertFalse(java.util.Arrays.equals(greedy.tokens(), pen.tokens()));
    }

    /**
     * A top-k of the vocabulary's size or more keeps every token, so it draws what no top-k draws with the same seed, as
     * vLLM (which ignores such a top-k): the draw walked the tokens sorted by probability, not by id, and gave other
     * tokens. Both ways to draw: the reduction the backend runs, and the sampler's own, with penalties.
     */
    @Test
    void aTopKOfTheWholeVocabularyDrawsAsNoTopK() {
        GenerationRequest g = GenerationRequest.of("The cat").withMaxTokens(40);
        int vocab = engine.config().vocabSize();
        for (SamplingParams sp : List.of(SamplingParams.temperature(1.0f, 11), SamplingParams.temperature(1.0f, 11)
                .withPenalties(1.1f, 0f, 0f))) {
            int[] all = engine.generate(g.withSampling(sp)).tokens();
            assertArrayEquals(all, engine.generate(g.withSampling(sp.withTopK(vocab))).tokens(), sp.toString());
            assertArrayEquals(all, engine.generate(g.withSampling(sp.withTopK(vocab + 100))).tokens(), sp.toString());
        }
    }

    @Test
    void stopStringsStopTokensAndMaxTokens() {
        Completion full = engine.generate(GenerationRequest.of("").withMaxTokens(120));
        String text = full.text();
        int dot = text.indexOf('.');
        assertTrue(dot > 0, text);
        Completion stopped = engine.generate(GenerationRequest.of("").withMaxTokens(120).withStopStrings(List.of(".")));
        assertEquals(text.substring(0, dot), stopped.text());
        assertEquals(FinishReason.STOP, stopped.finishReason());
        Completion byToken = engine.generate(GenerationRequest.of("").withMaxTokens(120).withStopTokens(full.tokens()[3]));
        assertEquals(4, byToken.tokens().length);
        Completion len = engine.generate(GenerationRequest.of("").withMaxTokens(5));
        assertEquals(5, len.tokens().length);
        assertEquals(FinishReason.LENGTH, len.finishReason());
    }

    @Test
    void stopStringsMatchTheTextAsReturned() {
        String text = engine.generate(GenerationRequest.of("").withMaxTokens(30)).text();
        int space = text.indexOf(' ');
        assertTrue(space > 0, text);
        Completion atSpace = engine.generate(GenerationRequest.of("").withMaxTokens(30).withStopStrings(List.of(" ")));
        assertEquals(text.substring(0, space), atSpace.text());
        // the space SentencePiece puts before the first word after BOS is not in the text, so " Once" does not stop it
        Completion notIn = engine.generate(GenerationRequest.of("").withMaxTokens(30)
                .withStopStrings(List.of(" " + text.substring(0, space))));
        assertEquals(text, notIn.text());
        assertEquals(FinishReason.LENGTH, notIn.finishReason());
    }

    /**
     * Streamed pieces never show text past a stop string, and add up to the returned text (they streamed ", there was a"
     * where the text was ", the"): text that could begin a stop string waits until it cannot.
     */
    @Test
    void streamingHoldsBackTextThatMayBeginAStopString() {
        String text = engine.generate(GenerationRequest.of("").withMaxTokens(60)).text();
        int cut = text.indexOf(' ', 20);
        assertTrue(cut > 0 && cut + 6 < text.length(), text);
        String stop = text.substring(cut, cut + 6); // spans tokens, begins with a space many tokens begin with
        for (List<String> stops : List.of(List.of(stop), List.of("zzz", stop), List.of(text.substring(cut, cut + 2) + "\u0000"),
                List.of("é"))) {
            StringBuilder streamed = new StringBuilder();
            Completion c = engine.submit(GenerationRequest.of("").withMaxTokens(60).withStopStrings(stops),
                    (i, token, piece, lp) -> streamed.append(piece)).join();
            assertEquals(c.text(), streamed.toString(), "stops " + stops);
        }
        StringBuilder streamed = new StringBuilder();
        Completion c = engine.submit(GenerationRequest.of("").withMaxTokens(60).withStopStrings(List.of(stop)),
                (i, token, piece, lp) -> streamed.append(piece)).join();
        assertEquals(text.substring(0, cut), c.text());
        assertEquals(FinishReason.STOP, c.finishReason());
    }

    /**
     * The pieces add up to the text also when a generation ends inside a character (its last token, or the one before an
     * end token, is a byte that begins one): the text has U+FFFD there, and the stream lacked it, so the CLI's
     * {@code --prompt} printed less than a job's row with the same prompt got.
     */
    @Test
    void streamedPiecesAddUpToTheTextWhenAGenerationEndsInsideACharacter() {
        int endedInside = 0;
        for (int seed = 0; seed < 300 && endedInside < 3; seed++) {
            // near-uniform draws: the last of 3 tokens is one of the 51 UTF-8 lead bytes of this 512-token vocabulary
            // about once in ten generations
            GenerationRequest r = GenerationRequest.of("").withMaxTokens(3).withSampling(SamplingParams.temperature(100f, seed));
            StringBuilder streamed = new StringBuilder();
            Completion c = engine.submit(r, (i, token, piece, lp) -> streamed.append(piece)).join();
            assertEquals(c.text(), streamed.toString(), "seed " + seed + ", tokens " + java.util.Arrays.toString(c.tokens()));
            endedInside += c.text().endsWith("\uFFFD") ? 1 : 0;
        }
        assertTrue(endedInside > 0, "no generation ended inside a character");
    }

    /** A bad element of a batch is named: "empty token sequence" alone did not say which of the texts it was. */
    @Test
    void aBatchNamesItsBadElement() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.scoreTokens(List.of(new int[] {1, 2}, new int[0])));
        assertTrue(e.getMessage().startsWith("stories260K.gguf: text 1 of 2 (counting from 0): empty token sequence"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> engine.embedTokens(List.of(new int[] {1, 99_999})));
        assertTrue(e.getMessage().startsWith("stories260K.gguf: text 0 of 1 (counting from 0): token id 99999 is outside"), e.getMessage());
    }

    /** A request to a closed engine names the model: "engine closed" alone did not say which, with a teacher and a judge open. */
    @Test
    void aClosedEngineNamesItsModel() {
        Engine closed = Engine.open(SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1));
        closed.close();
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class,
                () -> closed.submit(GenerationRequest.of("Once").withMaxTokens(2), null).join());
        assertEquals("stories260K.gguf: engine closed", e.getCause().getMessage());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> engine.logits(new int[0]));
        assertTrue(x.getMessage().startsWith("stories260K.gguf: empty token sequence"), x.getMessage());
    }

    /** A cut that would split a UTF-8 character backs off to its start. */
    @Test
    void streamedPiecesEndOnWholeCharacters() {
        byte[] b = "aé€😀".getBytes(java.nio.charset.StandardCharsets.UTF_8); // 1, 2, 3 and 4 bytes
        assertEquals(b.length, Scheduler.completeUtf8End(b, 0, b.length));
        assertEquals(1, Scheduler.completeUtf8End(b, 0, 2)); // inside é
        assertEquals(3, Scheduler.completeUtf8End(b, 0, 3));
        assertEquals(3, Scheduler.completeUtf8End(b, 0, 5)); // inside €
        assertEquals(6, Scheduler.completeUtf8End(b, 0, 9)); // inside the emoji, 3 of its 4 bytes
        assertEquals(2, Scheduler.completeUtf8End(b, 2, 2));
    }

    @Test
    void aGenerationThatFailsFailsAloneNotTheBatch() throws Exception {
        // a generation whose reading of its step's results throws (here its listener, at its 20th token; it was a
        // tokenizer cut to 300 ids, which no longer fails: ids past the tokenizer are not sampled, PaddedVocabularyTest)
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(1).withMaxBatchTokens(16).withMaxSequences(16))) {
            int[] text = new int[400];
            java.util.Arrays.fill(text, 280);
            text[0] = 1;
            // the generation first (prefill chunks go in arrival order): the score's prefill then takes 25 steps of
            // 16 tokens, and the generation fails in one of them
            CompletableFuture<Completion> gen = e.submit(GenerationRequest.ofTokens(1, 280).withMaxTokens(50).withIgnoreEos(true),
                    (index, token, piece, lp) -> {
                        if (index == 19) {
                            throw new IllegalStateException("the caller's listener failed at token 20");
                        }
                    });
            CompletableFuture<ScoreResult> score = e.submitScore(text);
            Exception x = assertThrows(Exception.class, gen::join);
            assertTrue(String.valueOf(x.getCause().getMessage()).contains("listener failed at token 20")
                    || String.valueOf(x.getCause().getCause()).contains("listener failed at token 20"), x.toString());
            assertEquals(399, score.join().logprobs().length);
        }
    }

    @Test
    void fewerBatchTokensThanSequencesIsRefusedNamingBoth() {
        // 16 tokens a step for 64 sequences: the first 16 decoded every step and the other 48 waited, admitted
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Engine.open(
                SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1).withMaxBatchTokens(16)));
        assertTrue(x.getMessage().contains("maxBatchTokens (16)") && x.getMessage().contains("maxSequences (64)"), x.getMessage());
        try (Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(1).withMaxBatchTokens(16).withMaxSequences(16))) {
            assertEquals(3, e.generate(GenerationRequest.of("Lily").withMaxTokens(3).withIgnoreEos(true)).tokens().length);
        }
    }

    @Test
    void logprobsOfChosenTokensAndAlternatives() {
        Completion c = engine.generate(GenerationRequest.of("Lily").withMaxTokens(10).withLogprobs(3));
        assertEquals(10, c.logprobs().size());
        int[] ctx = c.promptTokens();
        for (int i = 0; i < 10; i++) {
            TokenLogprob lp = c.logprobs().get(i);
            assertEquals(c.tokens()[i], lp.token());
            assertEquals(lp.topTokens()[0], lp.token(), "greedy picks the most likely");
            assertTrue(lp.topLogprobs()[0] >= lp.topLogprobs()[1] && lp.topLogprobs()[1] >= lp.topLogprobs()[2]);
            float[] logits = engine.logits(ctx);
            assertEquals(LogProbs.of(logits, 0, logits.length, lp.token(), 0).logprob(), lp.logprob(), 1e-5);
            ctx = java.util.Arrays.copyOf(ctx, ctx.length + 1);
            ctx[ctx.length - 1] = c.tokens()[i];
        }
    }

    /**
     * Log-probs are the model's own distribution (log-softmax of the raw logits), whatever the sampling: penalties,
     * temperature and truncation choose the token but do not change the values reported, which equal a score of the
     * same tokens (vLLM's default, raw log-probs); the alternatives are the most likely under the model, so a sampled
     * token need not be the first of them.
     */
    @Test
    void logprobsAreTheModelsOwnWhateverTheSampling() {
        boolean sampledBelowTheTop = false;
        for (SamplingParams sp : List.of(SamplingParams.temperature(1.7f, 3), SamplingParams.temperature(0.3f, 4).withTopK(5),
                SamplingParams.greedy().withPenalties(1.8f, 1f, 1f),
                SamplingParams.temperature(1.3f, 9).withPenalties(1.5f, 0.5f, 0.5f).withTopP(0.8f))) {
            Completion c = engine.generate(GenerationRequest.of("Once upon a time").withMaxTokens(16).withIgnoreEos(true)
                    .withLogprobs(2).withSampling(sp));
            int p = c.promptTokens().length;
            int[] all = java.util.Arrays.copyOf(c.promptTokens(), p + c.tokens().length);
            System.arraycopy(c.tokens(), 0, all, p, c.tokens().length);
            ScoreResult s = engine.scoreTokens(List.of(all)).get(0);
            for (int i = 0; i < c.tokens().length; i++) {
                TokenLogprob lp = c.logprobs().get(i);
                assertEquals(s.logprobs()[p - 1 + i], lp.logprob(), 1e-5, sp + ", token " + i);
                if (i % 8 == 0) { // a forward pass each: a few positions show it
                    float[] logits = engine.logits(java.util.Arrays.copyOf(all, p + i));
                    assertArrayEquals(LogProbs.of(logits, 0, logits.length, lp.token(), 2).topTokens(), lp.topTokens(), sp + ", token " + i);
                }
                sampledBelowTheTop |= lp.token() != lp.topTokens()[0];
            }
        }
        assertTrue(sampledBelowTheTop, "some sampled token was not the model's most likely");
    }

    @Test
    void scoringMatchesStepwiseLogits() {
        List<ScoreResult> s = engine.score(List.of("Once upon a time there was a girl.", "zq xv"));
        ScoreResult r = s.get(0);
        assertEquals(r.tokens().length - 1, r.logprobs().length);
        for (int i = 0; i + 1 < r.tokens().length; i++) {
            float[] logits = engine.logits(java.util.Arrays.copyOf(r.tokens(), i + 1));
            assertEquals(LogProbs.of(logits, 0, logits.length, r.tokens()[i + 1], 0).logprob(), r.logprobs()[i], 1e-5);
        }
        assertTrue(s.get(1).perplexity() > r.perplexity(), "gibberish is less likely than a story");
    }

    @Test
    void embeddingsAreMeanPooledHiddenStates() {
        float[][] e = engine.embed(List.of("hello", "hello", "a dog ran"));
        assertEquals(64, e[0].length);
        assertArrayEquals(e[0], e[1]);
        assertNotEquals(e[0][0], e[2][0]);
    }

    @Test
    void requestsThatCannotFitTheKvBudgetFailAndOthersWait() {
        // 4 MiB budget = 64 blocks of 16 positions (5 layers x K,V x 32 floats x 16 x 4 B = 20 KiB... see below)
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                        EngineOptions.defaults().withThreads(1).withKvBudgetBytes(1000)).close());
        assertTrue(x.getMessage().contains("less than one block"), x.getMessage());
        try (Engine small = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(1).withKvBudgetBytes(3 * 16 * 5 * 2 * 32 * 4))) {
            // 3 blocks = 48 positions: a 100-token request can never fit; what to lower depends on the request (a text to
            // score has no max tokens, which its message suggested lowering)
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> small.generate(GenerationRequest.of("").withMaxTokens(100)));
            assertTrue(big.getMessage().contains("lower max tokens"), big.getMessage());
            int[] longText = new int[60];
            java.util.Arrays.fill(longText, 1, longText.length, 300);
            longText[0] = 1;
            IllegalArgumentException score = assertThrows(IllegalArgumentException.class, () -> small.scoreTokens(List.of(longText)));
            assertTrue(score.getMessage().contains("shorten the text") && !score.getMessage().contains("max tokens"), score.getMessage());
            // 8 requests of 20 positions: only two fit at once, the others wait, all finish
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                reqs.add(GenerationRequest.of("").withMaxTokens(20).withIgnoreEos(true)
                        .withSampling(SamplingParams.temperature(1f, i)));
            }
            List<Completion> out = small.generate(reqs);
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(small.generate(reqs.get(i)).tokens(), out.get(i).tokens());
            }
        }
    }

    @Test
    void anF16CacheHoldsTwiceThePositionsAndBatchesAsOneSequenceRuns() {
        long threeF32Blocks = 3 * 16 * 5 * 2 * 32 * 4; // 16 positions x 5 layers x K,V x 32 values x 4 bytes
        GenerationRequest eighty = GenerationRequest.of("").withMaxTokens(80).withIgnoreEos(true);
        try (Engine f32 = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(1).withKvBudgetBytes(threeF32Blocks));
                Engine f16 = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                        EngineOptions.defaults().withThreads(1).withKvBudgetBytes(threeF32Blocks).withKvCacheType(KvCacheType.F16))) {
            assertThrows(IllegalArgumentException.class, () -> f32.generate(eighty), "81 positions in 48");
            assertEquals(80, f16.generate(eighty).tokens().length, "81 positions in 96");
            assertTrue(f16.device().contains("f16 KV cache"), f16.device());
        }
        try (Engine f16 = Engine.open(SharedData.require("llama2c/stories260K.gguf"),
                EngineOptions.defaults().withThreads(2).withKvBudgetBytes(4L << 20).withKvCacheType(KvCacheType.F16))) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                reqs.add(GenerationRequest.of(i % 2 == 0 ? "Once upon a time" : "The dog").withMaxTokens(40 + 7 * i)
                        .withIgnoreEos(true).withSampling(SamplingParams.temperature(0.9f, 40 + i)));
            }
            List<Completion> together = f16.generate(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                assertArrayEquals(f16.generate(reqs.get(i)).tokens(), together.get(i).tokens(), "request " + i);
            }
            // the rounding of K, V, queries and weights moves the log-probs a little on a real model, not the greedy text
            GenerationRequest greedy = GenerationRequest.of("Once upon a time").withMaxTokens(60);
            assertEquals(engine.generate(greedy).text(), f16.generate(greedy).text());
            // a shared prompt's F16 blocks are reused as they are
            String system = "Once upon a time, there was a little girl named Lily. She liked to play in the park with her friends. ";
            Completion first = f16.generate(GenerationRequest.of(system + "One day").withMaxTokens(20));
            long before = f16.stats().cachedPromptTokens;
            Completion second = f16.generate(GenerationRequest.of(system + "One day").withMaxTokens(20));
            assertTrue(f16.stats().cachedPromptTokens - before >= 16, "the second request reuses the prompt's full blocks");
            assertArrayEquals(first.tokens(), second.tokens());
        }
    }

    /** Threads generating, scoring and embedding at once on one engine get what each gets alone (seeded sampling). */
    @Test
    void concurrentCallersJoinOneBatchAndGetTheirOwnResults() throws Exception {
        GenerationRequest base = GenerationRequest.of("The sun").withMaxTokens(30).withIgnoreEos(true);
        String[] texts = {"The dog ran to the park.", "Lily", "She was happy and she played with her toys all day."};
        List<java.util.concurrent.Callable<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int seed = 100 + i;
            String text = texts[i % texts.length];
            calls.add(() -> engine.generate(base.withSampling(SamplingParams.temperature(0.8f, seed))).tokens());
            calls.add(() -> engine.score(List.of(text)).get(0).logprobs());
            calls.add(() -> engine.embed(List.of(text))[0]);
        }
        List<Object> single = new ArrayList<>();
        for (java.util.concurrent.Callable<Object> c : calls) {
            single.add(c.call());
        }
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        try {
            List<Future<Object>> fs = pool.invokeAll(calls);
            for (int i = 0; i < calls.size(); i++) {
                assertTrue(java.util.Objects.deepEquals(single.get(i), fs.get(i).get()), "call " + i);
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * A token listener may close the engine: the step thread (which calls listeners) waited 10 s for itself to end
     * before the close returned. Now every request ends at once, with the error of a closed engine.
     */
    @Test
    void aListenerCanCloseTheEngine() throws Exception {
        Engine e = Engine.open(SharedData.require("llama2c/stories260K.gguf"), EngineOptions.defaults().withThreads(1));
        CompletableFuture<Completion> other = e.submit(GenerationRequest.of("The dog").withMaxTokens(200).withIgnoreEos(true), null);
        long start = System.nanoTime();
        CompletableFuture<Completion> closing = e.submit(GenerationRequest.of("Once").withMaxTokens(50).withIgnoreEos(true),
                (i, token, piece, lp) -> {
                    if (i == 2) {
                        e.close();
                    }
                });
        for (CompletableFuture<Completion> f : List.of(closing, other)) {
            Exception x = assertThrows(Exception.class, () -> f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(x.getCause() instanceof IllegalStateException && x.getCause().getMessage().contains("closed"), x.toString());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 5, "closing from a listener took " + seconds + " s");
        assertThrows(IllegalStateException.class, () -> e.generate(GenerationRequest.of("x").withMaxTokens(2)));
    }

    /**
     * A token listener runs on the engine's step thread: a blocking call it makes on the same engine (a generation, a
     * score) waited for that thread, which waited for the listener, and every request of the engine hung for ever. The
     * call now fails at once, and the generation whose listener made it goes on.
     */
    @Test
    void aListenerThatWaitsForTheSameEngineFailsInsteadOfHangingIt() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Throwable> inner = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<Completion> outer = engine.submit(GenerationRequest.of("Once").withMaxTokens(5).withIgnoreEos(true),
                (i, token, piece, lp) -> {
                    if (i == 1) {
                        try {
                            engine.generate(GenerationRequest.of("The dog").withMaxTokens(3));
                        } catch (Throwable t) {
                            inner.set(t);
                        }
                    }
                });
        assertEquals(5, outer.get(30, java.util.concurrent.TimeUnit.SECONDS).tokens().length);
        assertTrue(inner.get() instanceof IllegalStateException && inner.get().getMessage().contains("listener"), String.valueOf(inner.get()));
        assertEquals(3, engine.generate(GenerationRequest.of("The dog").withMaxTokens(3)).tokens().length, "the engine still serves");
    }

    /**
     * Stop strings are text, and an engine without a tokenizer (a llama2.c checkpoint) has none: they were ignored and the
     * generation ran past them to its max tokens. The request is refused instead, saying what to give.
     */
    @Test
    void stopStringsWithoutATokenizerAreRefused() {
        try (Engine bare = Engine.open(SharedData.require("llama2c/stories260K.bin"), EngineOptions.defaults().withThreads(1))) {
            assertFalse(bare.hasTokenizer());
            GenerationRequest r = GenerationRequest.ofTokens(1).withMaxTokens(20).withStopStrings(List.of("."));
            Exception x = assertThrows(Exception.class, () -> bare.generate(r));
            assertTrue(x instanceof IllegalArgumentException && x.getMessage().contains("stop strings")
                    && x.getMessage().contains("tokenizer"), x.toString());
            assertEquals(20, bare.generate(r.withStopStrings(List.of())).tokens().length, "token ids alone still generate");
        }
    }

    @Test
    void sharedPrefixIsComputedOnce() {
        String system = "Once upon a time, there was a little girl named Lily. She liked to play in the park with her friends. ";
        long before = engine.stats().cachedPromptTokens;
        Completion first = engine.generate(GenerationRequest.of(system + "One day").withMaxTokens(20));
        Completion second = engine.generate(GenerationRequest.of(system + "One day").withMaxTokens(20));
        assertTrue(engine.stats().cachedPromptTokens - before >= 16, "the second request reuses the prompt's full blocks");
        assertArrayEquals(first.tokens(), second.tokens());
        CompletableFuture<Completion> streamed = engine.submit(GenerationRequest.of(system).withMaxTokens(5), null);
        assertEquals(5, streamed.join().tokens().length);
    }
}
