package dev.kindling.inference.engine;

import dev.kindling.inference.Completion;
import dev.kindling.inference.EngineClosedException;
import dev.kindling.inference.EngineStepException;
import dev.kindling.inference.FinishReason;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.KvBudgetRefusedException;
import dev.kindling.inference.ScoreResult;
import dev.kindling.inference.TokenListener;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.LogitReduction;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.sample.LogProbs;
import dev.kindling.inference.sample.Sampler;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.inference.sample.TokenLogprob;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching over one {@link Backend}: requests from any thread queue up; one step thread
 * repeatedly builds a {@link Step} from every running sequence (one decode token each, then prompt
 * chunks of sequences still in prefill, up to the backend's token budget), runs it, samples, and
 * retires finished sequences so waiting ones can join mid-flight.
 *
 * <p>Memory: a sequence is admitted only when KV blocks for its prompt plus its maximum output
 * (capped at the context length) can be reserved, so a running batch never runs out; requests that
 * do not fit wait in arrival order. Full prompt blocks are shared between sequences with the same
 * prefix ({@link KvBlockManager}); a request whose next prefix block another running sequence is
 * still computing waits for it, so requests that arrive together with one system prompt compute it once.
 *
 * <p>Determinism: each sequence has its own sampler and random generator, and the backend's results
 * for a token do not depend on the rest of the step, so a seed gives the same tokens whatever the
 * batch.
 *
 * <p>Failures: a step that throws runs again one sequence at a time, and the others go on with the same tokens; a request
 * that fails alone too is then told apart from a broken engine by a probe, a step of BOS alone: when the probe runs, the
 * request fails with its own error; when it fails too, or the step threw an {@link Error} such as out of memory, no one
 * request caused it and the requests fail with an {@link EngineStepException}. Reading one request's results (sampling,
 * stop strings, log-probs, its listener) fails only that request: a listener that throws ends its generation with an
 * error naming the request, and an {@code Error} there fails it with an {@code EngineStepException}.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final Backend backend;
    private final ModelConfig config;
    private final TextSupport text;
    private final int[] endTokens;
    private final int bosId;
    /** The tokenizer drops the space a generation's first word begins with after BOS ({@link TextSupport#dropsSpaceAfterBos}). */
    private final boolean dropsSpaceAfterBos;
    /** The ids a generation samples from: the model's vocabulary, or fewer when the tokenizer has fewer (TextSupport#vocabSize). */
    private final int sampledVocab;
    private final int maxSequences;
    private final KvBlockManager blocks;
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final List<Sequence> waiting = new ArrayList<>();
    private final List<Sequence> running = new ArrayList<>();
    private final Step step;
    private final Thread thread;
    private volatile boolean closed;
    /**
     * The requests whose futures are not complete yet, for {@link #close(Runnable, long)} to fail from the closing thread
     * when the step thread does not stop within its wait (a long step, or a token listener or a future's dependent stage
     * blocking that thread): otherwise only the step thread failed them, and their callers waited for ever.
     */
    private final java.util.Set<Sequence> outstanding = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** An interrupt of the step thread was logged (once per scheduler). */
    private boolean interruptLogged;
    /** What {@link #close(Runnable, long)} asked to run once the step thread stops; {@link #STOPPED} once it has. */
    private final AtomicReference<Runnable> onStop = new AtomicReference<>();
    private static final Runnable STOPPED = () -> { };
    private final Stats stats = new Stats();
    /**
     * A test's fault: run before every forward of every scheduler, it throws what a test wants a step to fail with. Null
     * outside tests; set only through the test sources' {@code StepFaults}.
     */
    static volatile java.util.function.Consumer<Step> faultInjector;
    /** The model's file name, which every error of a request begins with; null: none. */
    private final String source;
    /** What changed in the model's files since the engine opened them, or null (see the constructor). */
    private final java.util.function.Supplier<String> filesChanged;
    /** The last request id given out: requests are numbered from 1 in the order they were submitted. */
    private final java.util.concurrent.atomic.AtomicLong lastId = new java.util.concurrent.atomic.AtomicLong();

    /** Counters for benchmarks and logs (read from any thread; written by the step thread). */
    public static final class Stats {
        public volatile long steps;
        public volatile long promptTokens;
        public volatile long generatedTokens;
        public volatile long cachedPromptTokens;
    }

    public Scheduler(Backend backend, TextSupport text, int[] endTokens, int bosId, int maxSequences) {
        this(backend, text, endTokens, bosId, maxSequences, null, () -> null);
    }

    /**
     * @param source the model's file name, put before the message of every error a request fails with ("engine closed"
     *               alone did not say which model's engine, in the log of a job with a teacher and a judge)
     * @param filesChanged what changed in the model's files since they were opened (its value null when nothing did), or
     *               null for no check: said first in the error of a step that fails as no one request's failure (a model
     *               file written over under the engine fails its reads)
     */
    public Scheduler(Backend backend, TextSupport text, int[] endTokens, int bosId, int maxSequences, String source,
            java.util.function.Supplier<String> filesChanged) {
        this.source = source;
        this.filesChanged = filesChanged != null ? filesChanged : () -> null;
        this.backend = backend;
        this.config = backend.config();
        this.text = text;
        this.endTokens = endTokens.clone();
        this.bosId = bosId;
        this.dropsSpaceAfterBos = text != null && text.dropsSpaceAfterBos();
        this.sampledVocab = text == null ? config.vocabSize() : Math.min(config.vocabSize(), text.vocabSize());
        this.maxSequences = maxSequences;
        this.blocks = new KvBlockManager(backend.kvBlockSize(), backend.kvBlockCount());
        this.step = new Step(backend.maxBatchTokens());
        this.thread = new Thread(this::loop, "kindling-engine");
        thread.setDaemon(true);
        thread.start();
    }

    public Stats stats() {
        return stats;
    }

    /** True on the step thread, which runs the token listeners: it cannot wait for a result of its own. */
    public boolean isStepThread() {
        return Thread.currentThread() == thread;
    }

    enum Kind { GENERATE, SCORE, EMBED, LOGITS }

    /** Queues a generation of {@code prompt} (ids, validated). */
    public CompletableFuture<Completion> generate(int[] prompt, GenerationRequest request, TokenListener listener) {
        Sequence s = new Sequence(Kind.GENERATE, prompt, request, listener);
        return submit(s, s.completion);
    }

    /** Queues scoring of {@code tokens}. */
    public CompletableFuture<ScoreResult> score(int[] tokens) {
        Sequence s = new Sequence(Kind.SCORE, tokens, null, null);
        return submit(s, s.score);
    }

    /** Queues a mean-pooled embedding of {@code tokens}. */
    public CompletableFuture<float[]> embed(int[] tokens) {
        Sequence s = new Sequence(Kind.EMBED, tokens, null, null);
        return submit(s, s.vector);
    }

    /** Queues a forward pass returning the logits after the last token (full vocabulary). */
    public CompletableFuture<float[]> logits(int[] tokens) {
        Sequence s = new Sequence(Kind.LOGITS, tokens, null, null);
        return submit(s, s.vector);
    }

    private <T> CompletableFuture<T> submit(Sequence s, CompletableFuture<T> f) {
        if (closed) {
            f.completeExceptionally(new EngineClosedException(named("engine closed")));
            return f;
        }
        KvBudgetRefusedException tooBig = kvRefusal(source, s.reservedPositions(), s.kind == Kind.GENERATE);
        if (tooBig != null) {
            f.completeExceptionally(tooBig);
            return f;
        }
        outstanding.add(s);
        f.whenComplete((v, e) -> outstanding.remove(s));
        incoming.add(s);
        if (closed && incoming.remove(s)) {
            // close() came between the check above and the add, and the step thread may have drained the queue for the
            // last time already: nobody else would complete this future (its caller would wait forever)
            f.completeExceptionally(new EngineClosedException(named("engine closed")));
        }
        return f;
    }

    /**
     * Why a sequence of {@code positions} KV positions can never run here (it needs more KV blocks than the budget holds),
     * or null: what {@link #generate}, {@link #score} and the others fail such a request with, for a caller to check a
     * batch before queuing any of it. {@code source}: the model's name its message begins with, or null for none;
     * {@code generation}: the advice is to lower max tokens.
     */
    public KvBudgetRefusedException kvRefusal(String source, int positions, boolean generation) {
        int need = KvBlockManager.blocksFor(positions, blocks.blockSize());
        if (need <= blocks.capacity()) {
            return null;
        }
        return new KvBudgetRefusedException(source, positions, need, blocks.capacity(), generation);
    }

    /** The KV positions a generation of a {@code prompt}-token prompt and {@code maxTokens} reserves: every token but the last. */
    public int generationPositions(int prompt, int maxTokens) {
        return (int) Math.min(config.contextLength(), (long) prompt + Math.max(0, maxTokens - 1));
    }

    // ---------------------------------------------------------------- the step thread

    private void loop() {
        try {
            steps();
        } finally {
            // the loop leaves only once closed; should it leave otherwise, requests must fail at submit, not queue for
            // a thread that is gone
            closed = true;
            EngineClosedException closedError = new EngineClosedException(named("engine closed"));
            incoming.drainTo(waiting);
            for (Sequence s : waiting) {
                s.fail(closedError);
            }
            for (Sequence s : running) {
                s.fail(closedError);
            }
            Runnable release = onStop.getAndSet(STOPPED);
            if (release != null) {
                release.run();
            }
        }
    }

    private void steps() {
        while (!closed) {
            try {
                if (Thread.interrupted()) {
                    noteInterrupt();
                }
                if (running.isEmpty() && waiting.isEmpty()) {
                    Sequence s = incoming.poll(100, TimeUnit.MILLISECONDS);
                    if (s == null) {
                        continue;
                    }
                    waiting.add(s);
                }
                incoming.drainTo(waiting);
                admit();
                if (running.isEmpty()) {
                    // waiting sequences that do not fit although nothing runs cannot happen (checked at submit)
                    Thread.sleep(1);
                    continue;
                }
                runStep();
            } catch (InterruptedException e) {
                // nobody interrupts this thread to stop it (close() sets closed): the interrupt came from code that runs
                // here, a token listener or a future's dependent stage restoring its flag. Leaving the loop on it stopped
                // the engine for good while it still took requests, and every later caller waited for ever
                noteInterrupt();
            } catch (Throwable t) {
                // not one request's failure (those are isolated in runStep): out of memory, a stack overflow, a failure
                // of the scheduler itself. As each request's error it became an error row of every Spark task with a
                // row in the step, and those tasks succeeded; as an EngineStepException it fails them, and Spark retries
                LOG.error("engine step failed ({}); failing the sequences in it", source, t);
                EngineStepException e = stepFailure(t);
                for (Sequence s : running) {
                    s.fail(e);
                    blocks.release(s.table);
                }
                running.clear();
            }
        }
    }

    private void noteInterrupt() {
        if (!interruptLogged) {
            interruptLogged = true;
            LOG.warn("the engine's step thread ({}) was interrupted by code run on it (a token listener or a dependent stage"
                    + " of a request's future): ignored, the engine goes on", source);
        }
    }

    private void admit() {
        Iterator<Sequence> it = waiting.iterator();
        while (it.hasNext() && running.size() < maxSequences) {
            Sequence s = it.next();
            if (s.cancelled()) {
                it.remove();
                continue;
            }
            boolean share = s.kind == Kind.GENERATE || s.kind == Kind.LOGITS;
            int maxShared = share ? (s.promptLength - 1) / blocks.blockSize() : 0;
            int promptBlocks = share ? s.promptLength / blocks.blockSize() : 0;
            KvBlockManager.Reservation r = blocks.reserve(s.tokens, s.reservedPositions(), maxShared, promptBlocks);
            if (r == KvBlockManager.WAIT_FOR_PREFIX) {
                // a running sequence is computing this prompt's next prefix block (requests with one system prompt
                // arrive together): taken from the cache once it is there, it is computed once instead of once per
                // request; the wait ends when that sequence registers the block or releases it, and later requests
                // need not wait behind this one meanwhile
                continue;
            }
            if (r == null) {
                break; // first come, first served: later requests wait behind this one
            }
            it.remove();
            try {
                s.start(r);
            } catch (RuntimeException | Error e) {
                // this request's own failure (its sampler, decoder or buffers): thrown on, its blocks stayed reserved
                // for good, its caller waited forever, and the loop's catch failed every running sequence instead. An
                // Error (out of memory) is the JVM's state, not the request's: not its result to keep (see runStep)
                blocks.release(r.table());
                s.fail(e instanceof Error ? stepFailure(e) : e);
                continue;
            }
            stats.cachedPromptTokens += r.cachedPositions();
            if (s.finished) {
                blocks.release(s.table);
            } else {
                running.add(s);
            }
        }
    }

    private void runStep() {
        step.clear();
        List<Sequence> logitOwners = new ArrayList<>();
        List<Sequence> inStep = new ArrayList<>();
        // decode tokens first: one per generating sequence
        for (Sequence s : running) {
            if (s.computed >= s.promptLength && s.kind == Kind.GENERATE && step.remaining() > 0) {
                addToStep(s, 1, logitOwners);
                inStep.add(s);
            }
        }
        // then prompt chunks
        for (Sequence s : running) {
            if (s.computed < s.promptLength && step.remaining() > 0) {
                addToStep(s, Math.min(s.promptLength - s.computed, step.remaining()), logitOwners);
                inStep.add(s);
            }
        }
        LogitReduction[] reductions = backend.reducesLogits() ? reductions(logitOwners) : null;
        step.reductions = reductions;
        try {
            forward();
        } catch (RuntimeException e) {
            isolate(inStep, logitOwners, reductions, e);
            retire();
            return;
        }
        consume(inStep);
        retire();
    }

    /**
     * Adds the next {@code tokens} of {@code s} to the step: its last token when it generates, else that much of its
     * prompt; the tokens whose logits it needs go to {@code logitOwners} (one entry per logit row).
     */
    private void addToStep(Sequence s, int tokens, List<Sequence> logitOwners) {
        int seq = step.addSequence(s.table);
        s.stepFirstRow = logitOwners.size();
        s.stepFirstToken = step.tokenCount();
        s.stepTokens = tokens;
        if (s.computed >= s.promptLength) {
            step.addToken(seq, s.tokens[s.length - 1], s.length - 1, true);
            logitOwners.add(s);
            return;
        }
        for (int i = 0; i < tokens; i++) {
            int pos = s.computed + i;
            boolean last = pos == s.promptLength - 1;
            boolean want = switch (s.kind) {
                case GENERATE, LOGITS -> last;
                case SCORE -> !last;
                case EMBED -> false;
            };
            step.addToken(seq, s.tokens[pos], pos, want);
            if (want) {
                logitOwners.add(s);
            }
        }
        if (s.kind == Kind.EMBED) {
            step.wantHidden = true;
        }
    }

    private void forward() {
        java.util.function.Consumer<Step> fault = faultInjector;
        if (fault != null) {
            fault.accept(step);
        }
        backend.forward(step);
        stats.steps++;
    }

    /**
     * The step of {@code inStep} threw {@code stepError}: each sequence's part of it runs again alone (the same tokens,
     * the same coins for the reductions drawn for it), so the sequences whose part runs go on exactly as if the step had
     * not failed. Failing every sequence of the step put one request's error (an input a kernel cannot take) in the
     * results of all the others, other Spark tasks' rows among them. A sequence whose part fails alone too (or that was
     * alone in the step) is judged by {@link #probe}: when the engine runs a step without it, the failure is its own and
     * it fails with its own error; when the probe fails as well, the engine is broken (a sticky device error), and the
     * sequences fail with an {@link EngineStepException}, which fails their callers' work rather than becoming each
     * request's error. An {@link Error} (out of memory) is not isolated: it leaves the step to {@link #loop}, which fails
     * every running sequence the same way.
     */
    private void isolate(List<Sequence> inStep, List<Sequence> logitOwners, LogitReduction[] reductions,
            RuntimeException stepError) {
        List<Sequence> failed = new ArrayList<>();
        List<RuntimeException> errors = new ArrayList<>();
        if (inStep.size() == 1) {
            failed.add(inStep.get(0));
            errors.add(stepError);
        } else {
            LOG.warn("engine step of {} sequences failed ({}); running each alone to find the one that fails it",
                    inStep.size(), source, stepError);
            for (Sequence s : inStep) {
                step.clear();
                List<Sequence> owners = new ArrayList<>();
                addToStep(s, s.stepTokens, owners);
                if (reductions != null) {
                    step.reductions = new LogitReduction[owners.size()];
                    for (int i = 0, k = 0; i < logitOwners.size(); i++) {
                        if (logitOwners.get(i) == s) {
                            step.reductions[k++] = reductions[i];
                        }
                    }
                }
                try {
                    forward();
                } catch (RuntimeException e) {
                    failed.add(s);
                    errors.add(e);
                    continue;
                }
                consume(List.of(s));
            }
        }
        if (failed.isEmpty()) {
            return;
        }
        // they fail whatever the probe shows: their blocks go first, which frees at least one for the probe (each
        // sequence in a step holds a block no other holds: the one its next position is in, or for a prompt not
        // computed yet, the block of its last prompt token, which nobody can share before it is computed)
        for (Sequence s : failed) {
            running.remove(s);
            blocks.release(s.table);
        }
        Throwable probeError = probe();
        if (probeError != null) {
            LOG.error("engine step failed for {} request(s) alone, and a step of BOS alone failed too ({}): failing them as"
                    + " the engine's failure", failed.size(), source, stepError);
            EngineStepException e = stepFailure(stepError);
            e.addSuppressed(probeError);
            for (Sequence s : failed) {
                s.fail(e);
            }
            return;
        }
        for (int i = 0; i < failed.size(); i++) {
            LOG.warn("engine step failed for {} alone, and the engine runs a step without it ({}): failing that request only",
                    failed.get(i).name(), source, errors.get(i));
            failed.get(i).fail(errors.get(i));
        }
    }

    /**
     * Runs a step of one token, BOS at position 0 (token 0 for a vocabulary without BOS), in a block of its own: null when
     * it runs (the engine works, so a request that failed alone failed for its own input), else what it threw. Whatever
     * it throws is caught: the failed sequences it judges have left {@link #running}, so a throw out of here would leave
     * their callers waiting for ever.
     */
    private Throwable probe() {
        int token = bosId >= 0 && bosId < config.vocabSize() ? bosId : 0;
        KvBlockManager.Reservation r = blocks.reserve(new int[] {token}, 1, 0, 0);
        if (r == null) {
            return new IllegalStateException(named("no KV block free for the probe step (the failed requests' blocks freed none)"));
        }
        try {
            step.clear();
            step.addToken(step.addSequence(r.table()), token, 0, true);
            forward();
            return null;
        } catch (Throwable t) {
            return t;
        } finally {
            blocks.release(r.table());
        }
    }

    /** Frees the blocks of the sequences that finished (or failed) and of those whose callers gave up. */
    private void retire() {
        Iterator<Sequence> it = running.iterator();
        while (it.hasNext()) {
            Sequence s = it.next();
            if (s.finished || s.cancelled()) {
                blocks.release(s.table);
                it.remove();
            }
        }
    }

    /**
     * Takes the results of the step just run for {@code inStep}, each sequence's on its own: what throws while one
     * sequence's results are read (its sampler, tokenizer, stop strings, log-probs, listener) fails that sequence alone,
     * with its own error, or for an {@link Error} (out of memory: the JVM's state, not the request's) with an
     * {@link EngineStepException} naming it; the others read theirs from their own rows as if it had not been there.
     */
    private void consume(List<Sequence> inStep) {
        for (Sequence s : inStep) {
            try {
                read(s);
            } catch (RuntimeException e) {
                // this sequence's own failure (its listener threw, its stop strings or log-probs failed): thrown out of
                // the step it failed every sequence running
                LOG.warn("reading the step's results for {} failed ({}): failing that request only", s.name(), source, e);
                s.fail(e);
            } catch (Error e) {
                LOG.error("reading the step's results for {} failed ({}): failing that request only, as the engine's failure",
                        s.name(), source, e);
                s.fail(stepFailure(e, "reading the results of " + s.name()));
            }
        }
    }

    /** Takes the step's results for {@code s}: its rows from {@link Sequence#stepFirstRow}, its hidden states from {@link Sequence#stepFirstToken}. */
    private void read(Sequence s) {
        int vocab = config.vocabSize();
        int row = s.stepFirstRow;
        if (s.computed < s.promptLength) {
            int firstPos = s.computed;
            s.computed += s.stepTokens;
            stats.promptTokens += s.stepTokens;
            s.registerPromptBlocks();
            switch (s.kind) {
                case SCORE -> {
                    for (int i = 0; i < s.stepTokens; i++) {
                        int pos = firstPos + i;
                        if (pos < s.promptLength - 1) {
                            s.scoreLogprobs[pos] = reduced(row) ? step.reducedValues[row]
                                    : (float) (step.logits[row * vocab + s.tokens[pos + 1]]
                                    - LogProbs.logSumExp(step.logits, row * vocab, vocab));
                            row++;
                        }
                    }
                    if (s.computed == s.promptLength) {
                        s.finishScore();
                    }
                }
                case EMBED -> {
                    int dim = backend.hiddenWidth();
                    for (int i = 0; i < s.stepTokens; i++) {
                        int t = s.stepFirstToken + i;
                        for (int d = 0; d < dim; d++) {
                            s.embedding[d] += step.hidden[t * dim + d];
                        }
                    }
                    if (s.computed == s.promptLength) {
                        s.finishEmbed();
                    }
                }
                case LOGITS -> {
                    if (s.computed == s.promptLength) {
                        s.vector.complete(Arrays.copyOfRange(step.logits, row * vocab, (row + 1) * vocab));
                        s.finished = true;
                    }
                }
                case GENERATE -> {
                    if (s.computed == s.promptLength) {
                        s.sampleNext(step, row, vocab);
                    }
                }
            }
        } else {
            s.computed++;
            s.sampleNext(step, row, vocab);
        }
    }

    /**
     * What a backend that reduces logits where they are (a GPU) should compute per logit row: the
     * sampler's choice where it can be made from the row alone (greedy or temperature/top-k/top-p/
     * min-p, its random draw made here, in the same order as the host sampler would), the
     * log-probability of the next prompt token when scoring; null (the full row) otherwise.
     */
    private LogitReduction[] reductions(List<Sequence> owners) {
        LogitReduction[] r = new LogitReduction[owners.size()];
        int inSequence = 0; // rows of the same sequence so far (a scoring chunk has one per position)
        for (int i = 0; i < owners.size(); i++) {
            Sequence s = owners.get(i);
            inSequence = i > 0 && owners.get(i - 1) == s ? inSequence + 1 : 0;
            r[i] = switch (s.kind) {
                // a generation that may end at an id past the tokenizer's samples from the whole row on the host
                case GENERATE -> s.request.topLogprobs() < 0 && !s.finished && s.stopsPastText.length == 0
                        ? sampledColumns(s.sampler.reduction()) : null;
                case SCORE -> LogitReduction.logprob(s.tokens[s.computed + inSequence + 1]);
                default -> null;
            };
        }
        return r;
    }

    /** A generation's reduction over the ids it samples from (sampledVocab), as sampleNext samples on the host. */
    private LogitReduction sampledColumns(LogitReduction r) {
        return r == null || sampledVocab == config.vocabSize() ? r : r.withColumns(sampledVocab);
    }

    private boolean reduced(int row) {
        return step.reductions != null && row < step.reductions.length && step.reductions[row] != null;
    }

    @Override
    public void close() {
        close(null, CLOSE_WAIT_MILLIS);
    }

    /**
     * Stops the step thread, failing what is in flight, and then runs {@code release} (e.g. closing the backend) once
     * no step uses the backend any more: on the step thread as it leaves, or here when it is gone already. Waits up to
     * {@code waitMillis} for the thread, so the release has run when it stopped within that; after a longer step it
     * runs when that step ends, after this returns. Closing the backend right after the wait ran out closed a CPU
     * backend's workers under a step still running (a big model's prefill can take longer), which failed it, or could
     * leave it waiting for them for ever. A release given while another waits for the thread is dropped
     * ({@link dev.kindling.inference.Engine} closes once); a call from the step thread itself (a token listener) returns at once.
     */
    public void close(Runnable release, long waitMillis) {
        closed = true;
        if (release != null && onStop.compareAndExchange(null, release) == STOPPED) {
            release.run(); // the step thread is gone already
        }
        if (Thread.currentThread() == thread) {
            // a token listener closes the engine: the step thread waited the whole timeout for itself; it leaves the
            // loop, failing what is left, when the listener returns, and runs the release then
            return;
        }
        try {
            thread.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive() && !outstanding.isEmpty()) {
            // a step longer than the wait, or a listener or a future's dependent stage blocking the step thread (one that
            // waits for another request of this engine waits for ever): the callers are released here, as closed
            EngineClosedException closedError = new EngineClosedException(named("engine closed; its step thread did not"
                    + " stop within " + waitMillis + " ms (a long step, or a token listener or a dependent stage of a"
                    + " request's future blocking it), so the requests in flight were failed without it"));
            LOG.warn("{}: the step thread did not stop within {} ms of close(); failing {} requests in flight from the"
                    + " closing thread; the step thread is at {}", source, waitMillis, outstanding.size(),
                    java.util.Arrays.toString(java.util.Arrays.copyOf(thread.getStackTrace(), Math.min(8, thread.getStackTrace().length))));
            for (Sequence s : outstanding) {
                s.abandon(closedError);
            }
        }
    }

    /** How long {@link #close()} waits for a running step to end. */
    public static final long CLOSE_WAIT_MILLIS = 10_000;

    /** A request in flight: its tokens so far, KV blocks, sampler and result. */
    private final class Sequence {
        final long id;
        final Kind kind;
        final GenerationRequest request;
        final TokenListener listener;
        final CompletableFuture<Completion> completion = new CompletableFuture<>();
        final CompletableFuture<ScoreResult> score = new CompletableFuture<>();
        final CompletableFuture<float[]> vector = new CompletableFuture<>();
        final int promptLength;
        int[] tokens;
        int length;
        int computed;
        int[] table;
        long prefixKey;
        int registeredBlocks;
        int stepFirstToken;
        /** The first of this sequence's logit rows in the step (a row per token whose logits it wants). */
        int stepFirstRow;
        int stepTokens;
        boolean finished;
        Sampler sampler;
        /** The listener's pieces when the request has no stop strings (with them, pieces are cut from {@link #out}). */
        TextSupport.PieceDecoder decoder;
        /**
         * The output's text bytes (control tokens left out) in {@code out[0, outLength)}: grown in place, so the stop
         * search and the held-back stream read it where it is (a copy of the whole output per token made a long
         * generation with stop strings quadratic).
         */
        byte[] out;
        int outLength;
        List<TokenLogprob> logprobs;
        float[] scoreLogprobs;
        float[] embedding;
        int stopCut = -1;
        /** With stop strings: the output bytes already handed to the listener (see {@link #streamedPiece}). */
        int streamed;
        /** The request's stop strings as UTF-8, encoded once (they are matched against output bytes every token). */
        byte[][] stopBytes;
        /** Output bytes already searched for stop strings without a match: a new match ends past them. */
        int searched;
        /**
         * The ids past the tokenizer's ({@link #sampledVocab}) within the model's rows that end this generation, sorted
         * (an end id or stop token id of a padded output layer's tail): sampled as Transformers samples them, the other
         * ids there never. Empty for almost every model.
         */
        int[] stopsPastText = new int[0];

        Sequence(Kind kind, int[] prompt, GenerationRequest request, TokenListener listener) {
            this.id = lastId.incrementAndGet();
            this.kind = kind;
            this.request = request;
            this.listener = listener;
            this.promptLength = prompt.length;
            int cap = kind == Kind.GENERATE
                    ? (int) Math.min(config.contextLength(), (long) prompt.length + request.maxTokens()) : prompt.length;
            this.tokens = Arrays.copyOf(prompt, Math.max(cap, prompt.length));
            this.length = prompt.length;
        }

        int reservedPositions() {
            return kind == Kind.GENERATE ? generationPositions(promptLength, request.maxTokens()) : promptLength;
        }

        /**
         * Whether the caller gave up on the request: its future completed by anyone but the step thread (cancelled, or
         * {@code orTimeout}, {@code completeExceptionally}), which a score, embedding or logits request only counted
         * when cancelled, and was otherwise computed for nobody.
         */
        boolean cancelled() {
            return !finished && (completion.isDone() || score.isDone() || vector.isDone());
        }

        void start(KvBlockManager.Reservation r) {
            table = r.table();
            computed = r.cachedPositions();
            prefixKey = r.lastKey();
            registeredBlocks = r.cachedPositions() / blocks.blockSize();
            switch (kind) {
                case GENERATE -> {
                    SamplingParams sampling = request.sampling();
                    stopsPastText = java.util.stream.IntStream.concat(request.ignoreEos() ? java.util.stream.IntStream.empty()
                            : Arrays.stream(endTokens), Arrays.stream(request.stopTokens()))
                            .filter(id -> id >= sampledVocab && id < config.vocabSize()).distinct().sorted().toArray();
                    // a top-k of every id that can be drawn (the tokenizer's and the stops past them) keeps them all: off,
                    // as vLLM, so that it draws what no top-k draws with the same seed (the top-k draw walks the ids by
                    // probability, the other by id); a top-k below that drops the least likely, stops past the text too
                    sampler = Sampler.create(sampling.topK() >= sampledVocab + stopsPastText.length
                            ? sampling.withTopK(0) : sampling);
                    for (int i = 0; i < promptLength; i++) {
                        sampler.accept(tokens[i], false);
                    }
                    if (text != null) {
                        out = new byte[64];
                        stopBytes = request.stopStrings().stream().map(s -> s.getBytes(StandardCharsets.UTF_8))
                                .toArray(byte[][]::new);
                        if (listener != null && stopBytes.length == 0) {
                            decoder = text.newDecoder(afterBos());
                        }
                    }
                    logprobs = request.topLogprobs() >= 0 ? new ArrayList<>() : List.of();
                    if (request.maxTokens() == 0) {
                        finishGeneration(FinishReason.LENGTH);
                    }
                }
                case SCORE -> scoreLogprobs = new float[Math.max(0, promptLength - 1)];
                case EMBED -> embedding = new float[backend.hiddenWidth()];
                case LOGITS -> { }
            }
        }

        /**
         * The ids of the row to sample from: the tokenizer's, and up to the last of {@link #stopsPastText}, the ids
         * between given the lowest float so that they are never drawn, as the ids past the tokenizer's never are.
         */
        int withStopsPastText(float[] logits, int off) {
            if (stopsPastText.length == 0) {
                return sampledVocab;
            }
            int last = stopsPastText[stopsPastText.length - 1];
            for (int id = sampledVocab, k = 0; id <= last; id++) {
                if (id == stopsPastText[k]) {
                    k++;
                } else {
                    logits[off + id] = -Float.MAX_VALUE;
                }
            }
            return last + 1;
        }

        void registerPromptBlocks() {
            if (kind != Kind.GENERATE && kind != Kind.LOGITS) {
                return;
            }
            int bs = blocks.blockSize();
            while ((registeredBlocks + 1) * bs <= Math.min(computed, promptLength)) {
                prefixKey = blocks.register(table, registeredBlocks, tokens, prefixKey);
                registeredBlocks++;
            }
        }

        void sampleNext(Step step, int row, int vocab) {
            if (finished) {
                return;
            }
            float[] logits = step.logits;
            int off = row * vocab;
            boolean reduced = reduced(row);
            // only ids the tokenizer has text for: a padded output layer's extra rows would end the request with
            // "token id N is outside" (HF's decode drops such ids from the text silently; llama.cpp refuses the model),
            // and the ids among them that end this generation, which need no text (Transformers stops at any eos id)
            int n = reduced ? sampledVocab : withStopsPastText(logits, off);
            int next = reduced ? step.reducedTokens[row] : sampler.sample(logits, off, n);
            if (!Float.isFinite(reduced ? step.reducedValues[row] : logits[off + next])) {
                // NaN spreads through every later layer, so the chosen token's logit shows it: sampling on would
                // return tokens drawn from NaN (an empty or garbage completion with no error); a backend that
                // reduces the row where the logits are returns that logit as the reduction's value
                fail(nonFinite("logit", length));
                return;
            }
            TokenLogprob lp = request.topLogprobs() >= 0 ? LogProbs.of(logits, off, n, next, request.topLogprobs()) : null;
            if (lp != null) {
                logprobs.add(lp);
            }
            sampler.accept(next, true);
            tokens[length++] = next;
            stats.generatedTokens++;
            int generated = length - promptLength;
            boolean end = !request.ignoreEos() && contains(endTokens, next) || contains(request.stopTokens(), next);
            boolean stops = stopBytes != null && stopBytes.length > 0;
            String piece = "";
            if (text != null && !end) {
                if (!text.isSpecial(next)) {
                    appendOutput(text.tokenBytes(next));
                }
                if (decoder != null) {
                    piece = decoder.next(next);
                }
            }
            boolean stopHit = !end && stops && stopStringHit();
            boolean lengthEnd = !end && !stopHit && (generated >= request.maxTokens() || length >= config.contextLength());
            if (listener != null) {
                if (stops) {
                    piece = streamedPiece(end || stopHit || lengthEnd);
                } else if (decoder != null && (end || lengthEnd)) {
                    // the decoder holds back the bytes of a character the generation ended inside; the completion's
                    // text has them (as U+FFFD), so the last piece must too, or the stream is short of the text
                    piece += decoder.flush();
                }
                try {
                    listener.onToken(generated - 1, next, piece, lp);
                } catch (OutOfMemoryError e) {
                    throw e; // the JVM's state, not the listener's: the engine's failure (see consume)
                } catch (Throwable e) {
                    // the caller's listener failed: its generation ends (going on streamed to a caller that had failed,
                    // and its result was taken as good), and no other request's (see consume). Throwable: a Scala or
                    // Kotlin listener throws checked exceptions (an IOException, an InterruptedException from a queue)
                    // that Java's signature does not declare; they went past this catch and failed the whole step
                    throw listenerFailure(e);
                } finally {
                    // an interrupt flag a listener set (or restored) is its code's, not the step's: left set, it makes
                    // the workers' waits spin and the loop's next wait throw
                    if (Thread.interrupted()) {
                        noteInterrupt();
                    }
                }
            }
            if (end || stopHit) {
                finishGeneration(FinishReason.STOP);
            } else if (lengthEnd) {
                finishGeneration(FinishReason.LENGTH);
            }
        }

        /**
         * The text to stream for this token when the request has stop strings: what the output holds past what was
         * streamed, less a tail that could still begin a stop string and an incomplete UTF-8 character, so that the
         * pieces never show text past a stop string (vLLM holds text back the same way) and add up to the completion's
         * text; the last token of the generation ({@code last}) releases the rest, up to the stop string when one hit.
         */
        private String streamedPiece(boolean last) {
            int from = Math.max(streamed, visibleStart(outLength));
            int to;
            if (stopCut >= 0) {
                to = stopCut;
            } else if (last) {
                to = outLength;
            } else {
                to = outLength - heldForStop(from);
                to = completeUtf8End(out, from, to);
            }
            if (to <= from) {
                return "";
            }
            streamed = to;
            return Utf8.decodeLossy(out, from, to - from);
        }

        /** The longest tail of {@code out[from, outLength)} that is a proper prefix of some stop string (bytes). */
        private int heldForStop(int from) {
            int held = 0;
            for (byte[] b : stopBytes) {
                for (int k = Math.min(b.length - 1, outLength - from); k > held; k--) {
                    if (Arrays.equals(out, outLength - k, outLength, b, 0, k)) {
                        held = k;
                        break;
                    }
                }
            }
            return held;
        }

        private boolean stopStringHit() {
            // only the text the caller gets: a stop string " " or " Once" matched the space that
            // finishGeneration drops after BOS, and ended the generation with an empty text
            int visible = visibleStart(outLength);
            int best = -1;
            for (byte[] b : stopBytes) {
                // the bytes searched before held no match, so one now ends in the new bytes (searching the whole
                // output every token made a long generation quadratic)
                int at = indexOf(out, outLength, b, Math.max(visible, searched - b.length + 1));
                if (at >= 0 && (best < 0 || at < best)) {
                    best = at;
                }
            }
            searched = outLength;
            stopCut = best;
            return best >= 0;
        }

        void finishGeneration(FinishReason reason) {
            finished = true;
            String t = null;
            if (out != null) {
                int n = stopCut >= 0 ? stopCut : outLength;
                int start = visibleStart(n);
                // one U+FFFD per maximal invalid subpart, as the tokenizer's decode and the streamed pieces: the JDK's
                // decoder gives one for a surrogate's three bytes (ED A0 80) where they give three
                t = Utf8.decodeLossy(out, start, n - start);
            }
            completion.complete(new Completion(Arrays.copyOf(tokens, promptLength),
                    Arrays.copyOfRange(tokens, promptLength, length), t, reason, logprobs));
        }

        private void appendOutput(byte[] b) {
            if (outLength + b.length > out.length) {
                out = Arrays.copyOf(out, Math.max(2 * out.length, outLength + b.length));
            }
            System.arraycopy(b, 0, out, outLength, b.length);
            outLength += b.length;
        }

        /** Where the returned text starts in the first {@code n} output bytes. */
        private int visibleStart(int n) {
            if (afterBos() && n > 0 && out[0] == ' ') {
                return 1; // SentencePiece: no leading space right after BOS (as llama2.c prints); a byte-level BPE keeps it
            }
            return 0;
        }

        /** The generation starts right after BOS, where a SentencePiece tokenizer drops its first space. */
        private boolean afterBos() {
            return dropsSpaceAfterBos && promptLength > 0 && tokens[promptLength - 1] == bosId;
        }

        void finishScore() {
            for (int i = 0; i < scoreLogprobs.length; i++) {
                if (!Float.isFinite(scoreLogprobs[i])) {
                    fail(nonFinite("log-probability", i + 1));
                    return;
                }
            }
            finished = true;
            score.complete(new ScoreResult(Arrays.copyOf(tokens, promptLength), scoreLogprobs));
        }

        void finishEmbed() {
            finished = true;
            float inv = 1f / Math.max(1, promptLength);
            for (int d = 0; d < embedding.length; d++) {
                embedding[d] *= inv;
                if (!Float.isFinite(embedding[d])) {
                    fail(nonFinite("embedding value", promptLength - 1));
                    return;
                }
            }
            vector.complete(embedding);
        }

        /** The request's name in errors and logs: {@code request N}, N counting the scheduler's requests from 1. */
        String name() {
            return "request " + id;
        }

        /**
         * The error of a generation whose listener threw {@code t}: a RuntimeException naming the request, {@code t} its
         * cause, except an Error Spark takes for fatal (a stack overflow, a linkage error), attached as suppressed
         * instead: an executor whose task fails with one among its causes ends its JVM (as {@link EngineStepException}).
         */
        private RuntimeException listenerFailure(Throwable t) {
            boolean fatal = t instanceof VirtualMachineError || t instanceof LinkageError;
            RuntimeException e = new RuntimeException(named(name() + ": its token listener threw " + t), fatal ? null : t);
            if (fatal) {
                e.addSuppressed(t);
            }
            return e;
        }

        void fail(Throwable t) {
            finished = true;
            abandon(t);
        }

        /** Fails this request's futures only: from a thread other than the step thread, which owns the rest. */
        void abandon(Throwable t) {
            completion.completeExceptionally(t);
            score.completeExceptionally(t);
            vector.completeExceptionally(t);
        }
    }

    private EngineStepException stepFailure(Throwable cause) {
        return new EngineStepException(named("engine step failed, not because of one request: " + whyFailed(cause)), cause);
    }

    /** As {@link #stepFailure(Throwable)}, saying where it failed ({@code reading the results of request 3}). */
    private EngineStepException stepFailure(Throwable cause, String where) {
        return new EngineStepException(named("engine step failed, not because of one request, " + where + ": "
                + whyFailed(cause)), cause);
    }

    /** {@code cause}, after what changed in the model's files when they changed (see {@link #filesChanged}). */
    private String whyFailed(Throwable cause) {
        String changed;
        try {
            changed = filesChanged.get();
        } catch (RuntimeException checkFailed) {
            // it runs on the engine's thread: an exception here would end that thread, and the step's failure with it
            cause.addSuppressed(checkFailed);
            changed = null;
        }
        return changed == null ? String.valueOf(cause) : changed + " (" + cause + ")";
    }

    private ArithmeticException nonFinite(String what, int position) {
        return new ArithmeticException(named("the model computed a non-finite " + what + " (NaN or infinity) at position " + position
                + ": its weights hold NaN or infinite values, or its activations overflow"));
    }

    /** {@code message} after the model's name, when there is one. */
    private String named(String message) {
        return source == null ? message : source + ": " + message;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code to}, or less so that {@code out[from, to)} does not end inside a UTF-8 character that later bytes may
     * complete (a lead byte and fewer continuation bytes than it announces).
     */
    static int completeUtf8End(byte[] out, int from, int to) {
        for (int back = 1; back <= 3 && to - back >= from; back++) {
            int b = out[to - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for its lead
            }
            int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return need > back ? to - back : to;
        }
        return to;
    }

    /** The first occurrence of {@code needle} in {@code hay[from, hayLength)}, or -1. */
    private static int indexOf(byte[] hay, int hayLength, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= hayLength; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
