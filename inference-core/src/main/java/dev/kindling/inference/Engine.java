package dev.kindling.inference;

import dev.kindling.formats.InterruptedRead;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.arch.HfConfig;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.cpu.HeapKvBudget;
import dev.kindling.inference.cuda.Devices;
import dev.kindling.inference.engine.Scheduler;
import dev.kindling.inference.engine.TextSupport;
import dev.kindling.inference.gguf.GgufModelLoader;
import dev.kindling.inference.hf.GenerationConfig;
import dev.kindling.inference.hf.HfModelLoader;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference engine: a model, a backend and a continuous-batching scheduler. Thread-safe: any
 * number of threads (Spark tasks) may call it at once, and their requests join one batch.
 *
 * <p>One thread runs the batch: token listeners run on it, and so do the dependent stages of the futures that
 * {@code submit*} return ({@code thenApply}, {@code whenComplete}: a {@code CompletableFuture} runs them on the
 * thread that completes it). Keep them short, and never wait there for another result of the same engine (it would
 * wait for ever: {@link #generate} and the other blocking calls throw instead); use the {@code ...Async} stages to move
 * work elsewhere. If that thread is blocked when the engine closes, {@link #close()} fails the requests in flight
 * itself after its wait.
 *
 * <pre>{@code
 * try (Engine engine = Engine.open(Path.of("model.gguf"), EngineOptions.defaults().withThreads(4))) {
 *     Completion c = engine.generate(GenerationRequest.of("Once upon a time").withMaxTokens(64));
 *     System.out.println(c.text());
 *     List<ScoreResult> scores = engine.score(List.of("The cat sat on the mat."));
 *     float[][] vectors = engine.embed(List.of("hello", "world"));
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final Model model;
    private final Backend backend;
    private final Scheduler scheduler;
    /** Set by the first {@link #close()}: closing twice (an engine cached under two keys) closes the backend once. */
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private final EngineOptions options;
    private final TextCodec codec;
    private final GenerationConfig generation;
    /** The model file or directory name, for messages. */
    private final String source;

    private Engine(Model model, Backend backend, TextCodec codec, EngineOptions options, GenerationConfig generation,
            String source, OpenedFiles files) {
        this.source = source;
        this.model = model;
        this.generation = generation;
        this.backend = backend;
        this.codec = codec;
        this.options = options;
        // without a tokenizer (prompts as ids) the author's end ids still end a generation, as in Transformers' generate
        int[] ends = codec != null ? codec.stopIds() : generation.eosTokenIds().clone();
        int bos = codec != null ? codec.bosId() : 1;
        this.scheduler = new Scheduler(backend, codec != null ? codec.textSupport() : null, ends, bos, options.maxSequences(), source,
                files::changed);
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new ModelFormatException(file, "cannot be read: " + e, e);
        }
    }

    /**
     * Opens a model and starts the engine: a GGUF file or a llama2.c checkpoint (detected from the
     * content), or a Hugging Face checkpoint directory ({@code config.json} + safetensors weights, with
     * {@code tokenizer.json} / {@code tokenizer_config.json} for text and the chat template, and
     * {@code generation_config.json} for the author's sampling defaults and end tokens, see
     * {@link #generationConfig()}). F32, F16 and BF16 weights are read from the file as mapped: replace a model an engine
     * has open by moving a new file to its path, not by writing over it (the engine's steps then fail, naming the file).
     *
     * @throws ModelFormatException naming the file (and tensor or key) when it cannot be used
     * @throws CancellationException when the calling thread is interrupted as it opens the model
     */
    public static Engine open(Path path, EngineOptions options) {
        if (options.maxBatchTokens() < options.maxSequences()) {
            // a step holds one decode token per running sequence: with fewer, the first sequences took every step's
            // tokens and the rest sat admitted, holding their KV blocks, until one finished (vLLM refuses the same)
            throw new IllegalArgumentException("maxBatchTokens (" + options.maxBatchTokens() + ") is less than maxSequences ("
                    + options.maxSequences() + "): a forward step must hold one token for each sequence decoding together;"
                    + " raise maxBatchTokens (EngineOptions.withMaxBatchTokens) to at least " + options.maxSequences()
                    + " or lower maxSequences (EngineOptions.withMaxSequences)");
        }
        // a good model's first bytes read on an interrupted thread were "neither a GGUF file, a llama2.c checkpoint nor ...",
        // and its tensors "cannot be read"
        return InterruptedRead.of(path, "opening the model", () -> load(path, options));
    }

    private static Engine load(Path path, EngineOptions options) {
        // as they are before they are read: a step that fails later says if one was written over since (OpenedFiles)
        OpenedFiles files = OpenedFiles.of(path);
        Model model;
        TextCodec codec = null;
        GenerationConfig generation = GenerationConfig.NONE;
        if (Files.isDirectory(path)) {
            if (!HfModelLoader.isCheckpoint(path)) {
                throw new ModelFormatException(path, "a model directory needs config.json and model.safetensors"
                        + " (or model.safetensors.index.json and its shards)");
            }
            HfConfig hf = HfModelLoader.readConfig(path);
            model = HfModelLoader.load(path, hf);
            generation = GenerationConfig.read(path).orElseGet(() -> GenerationConfig.fromModelConfig(hf));
            for (int id : generation.eosTokenIds()) {
                if (id < 0 || id >= model.config().vocabSize()) {
                    // no generation could end at it: the model never outputs an id past its rows
                    throw new ModelFormatException(generation.file() != null ? generation.file() : hf.path(), "eos_token_id "
                            + id + " is outside the model's " + model.config().vocabSize() + " output rows (0.."
                            + (model.config().vocabSize() - 1) + "): no generation could end at it");
                }
            }
            if (options.tokenizer() == null && (Files.isRegularFile(path.resolve("tokenizer.json"))
                    || Files.isRegularFile(path.resolve("tokenizer.model")))) {
                codec = TextCodec.load(path);
            }
        } else if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path, "no such model file or directory");
        } else if (sizeOf(path) == 0) {
            // it was "neither a GGUF file, a llama2.c checkpoint nor ...": a download or a copy that wrote nothing
            throw new ModelFormatException(path, "the file is empty (0 bytes)");
        } else if (GgufFile.looksLikeGguf(path)) {
            try (GgufFile gguf = GgufFile.open(path)) {
                model = GgufModelLoader.load(gguf);
                if (options.tokenizer() == null) {
                    codec = TextCodec.fromGguf(gguf);
                }
            }
        } else if (Llama2cLoader.looksLikeLlama2c(path)) {
            model = Llama2cLoader.load(path);
        } else {
            String other = Llama2cLoader.otherKind(path);
            throw new ModelFormatException(path, other != null ? "this is " + other
                    : "neither a GGUF file, a llama2.c checkpoint nor a Hugging Face checkpoint directory");
        }
        if (options.tokenizer() != null) {
            codec = TextCodec.load(options.tokenizer());
        }
        if (codec != null && codec.tokenizer().vocabSize() > model.config().vocabSize()) {
            // the model cannot embed the ids past its vocabulary: texts whose ids happened to stay below it were scored
            // and continued as if nothing were wrong (llama2.c's 32000-token tokenizer.bin given to a 512-token model),
            // and the others failed one by one; llama.cpp's converter refuses the same mismatch
            Path tokenizerSource = options.tokenizer() != null ? options.tokenizer() : path;
            throw new ModelFormatException(tokenizerSource, "the tokenizer has " + codec.tokenizer().vocabSize()
                    + " token ids but the model " + path.getFileName() + " has " + model.config().vocabSize()
                    + " (rows of its output layer): they are not made for each other"
                    + (options.tokenizer() != null ? "; give the tokenizer the model was trained with" : ""));
        }
        if (codec != null && codec.tokenizer().vocabSize() < model.config().vocabSize()) {
            // a padded embedding (Qwen: 151,936 rows over 151,665 tokens) or a tokenizer that lost its tail: said once
            // here, not per request; the ids without text are never sampled (Scheduler's sampledVocab), but for the end
            // and stop ids among them, which end a generation where they are sampled, as in Transformers
            LOG.info("engine: {}'s tokenizer has {} token ids, its output layer {} rows: generation samples ids below {} only,"
                    + " and the end or stop ids past them", path.getFileName(), codec.tokenizer().vocabSize(),
                    model.config().vocabSize(), codec.tokenizer().vocabSize());
        }
        if (codec != null && generation.eosTokenIds().length > 0) {
            codec = codec.withExtraStops(generation.eosTokenIds());
        }
        Model loaded = model;
        Backend backend = Devices.open(model, options, () -> cpuBackend(loaded, options, String.valueOf(path.getFileName())));
        LOG.info("engine: {} on {}, KV cache {} blocks x {} positions", path.getFileName(), backend.describe(),
                backend.kvBlockCount(), backend.kvBlockSize());
        return new Engine(model, backend, codec, options, generation, String.valueOf(path.getFileName()), files);
    }

    /** The CPU backend, its KV budget fitted to the heap left after the model and its buffers ({@link HeapKvBudget}). */
    private static Backend cpuBackend(Model model, EngineOptions options, String name) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (options.threads() > cores) {
            // every step waits for its slowest thread, and threads sharing a core make every step as slow as two: 16
            // threads on 2 cores scored 2.8x slower than 2, with the same results
            LOG.warn("engine: {} threads on the {} cores this JVM may use: each step waits for threads that share cores, which"
                    + " makes it slower, not faster; give it {} threads or fewer (--threads, EngineOptions.withThreads; on Spark the"
                    + " default is the executor's cores, spark.executor.cores or local[N], which here exceed the machine's)",
                    options.threads(), cores, cores);
        }
        HeapKvBudget budget = new HeapKvBudget(options.kvBudgetBytes(), options.maxSequences(), options.maxBatchTokens(), name);
        return new CpuBackend(model, options.threads(), options.maxBatchTokens(), options.kvBlockSize(), budget,
                options.kvCacheType());
    }

    public ModelConfig config() {
        return model.config();
    }

    public Model model() {
        return model;
    }

    public EngineOptions options() {
        return options;
    }

    /**
     * The model author's generation defaults ({@code generation_config.json} of a Hugging Face
     * directory; {@link GenerationConfig#NONE} otherwise). Its end tokens already stop generations;
     * its sampling defaults apply where a caller asks for them ({@link GenerationConfig#sampling}).
     */
    public GenerationConfig generationConfig() {
        return generation;
    }

    /** The model's file or directory name, as the engine's messages begin: for a caller's own errors about a request. */
    public String source() {
        return source;
    }

    /** The backend description, e.g. {@code "cpu (2 threads, 512-bit vectors, f32 KV cache)"}. */
    public String device() {
        return backend.describe();
    }

    /** True when the engine runs on a GPU: {@code device=cuda}, or {@code auto} where CUDA could take the model. */
    public boolean onGpu() {
        return backend.onGpu();
    }

    /** Counters (steps, prompt/generated tokens, prompt tokens served from the prefix cache). */
    public Scheduler.Stats stats() {
        return scheduler.stats();
    }

    /** True when the engine can turn text into tokens and back. */
    public boolean hasTokenizer() {
        return codec != null;
    }

    /** The tokenizer (the model's vocabulary, or {@link EngineOptions#tokenizer()}); empty without one. */
    public java.util.Optional<Tokenizer> tokenizer() {
        return codec == null ? java.util.Optional.empty() : java.util.Optional.of(codec.tokenizer());
    }

    /** Encodes a prompt as the model expects it (BOS when the vocabulary adds one). */
    public int[] encode(String text) {
        return requireCodec().encode(text);
    }

    /**
     * Decodes ids to text (special tokens left out), the ids past the tokenizer's within the model's rows too: a padded
     * output layer's end or stop id, which ends a completion's tokens and has no token (transformers' decode leaves such
     * ids out), failed with "token id 505 is outside 0..499". An id past the model's rows is still refused.
     */
    public String decode(int[] ids) {
        TextCodec codec = requireCodec();
        int known = codec.tokenizer().vocabSize();
        int rows = config().vocabSize();
        return codec.decode(Arrays.stream(ids).anyMatch(id -> id >= known && id < rows)
                ? Arrays.stream(ids).filter(id -> id < known || id >= rows).toArray() : ids);
    }

    private TextCodec requireCodec() {
        if (codec == null) {
            throw new IllegalStateException(noTokenizer());
        }
        return codec;
    }

    /** Why text cannot be read: a llama2.c checkpoint carries no tokenizer, and an HF directory may lack tokenizer.json. */
    private String noTokenizer() {
        return source + " has no tokenizer: pass --tokenizer FILE (llama2.c's tokenizer.bin, a tokenizer.json, a SentencePiece"
                + " tokenizer.model or a GGUF vocabulary;"
                + " EngineOptions.withTokenizer(path) in Java), or give token ids";
    }

    /** The prompt of a request as ids, checked against the vocabulary and the context length. */
    int[] promptIds(GenerationRequest r) {
        if (codec == null && !r.stopStrings().isEmpty()) {
            // the output is matched as text: without a tokenizer the stop strings were ignored, the generation ran on
            throw new RequestRefusedException("stop strings need a tokenizer to read the output as text, and " + source
                    + " has none: pass --tokenizer FILE (EngineOptions.withTokenizer(path) in Java), or stop on token ids"
                    + " (GenerationRequest.withStopTokens)");
        }
        if (r.promptTokens() == null && codec == null) {
            // a text prompt the engine cannot read: the request's to fix (a tokenizer, or ids), as its other refusals
            throw new RequestRefusedException(noTokenizer());
        }
        int vocab = model.config().vocabSize();
        for (int id : r.stopTokens()) {
            if (id >= vocab) {
                // never sampled, so the generation ran on to max tokens as if no stop id were given
                throw new RequestRefusedException(source + ": stop token id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        int[] ids = r.promptTokens() != null ? r.promptTokens() : codec.encode(r.prompt());
        if (ids.length == 0) {
            throw new RequestRefusedException(source + ": the prompt is empty (use \"\" with a tokenizer that adds BOS, or give tokens)");
        }
        return checkTokens(ids, r.maxTokens(), options.truncatePrompts() || r.truncatePrompt());
    }

    private int[] checkTokens(int[] ids, int reserve, boolean truncate) {
        ModelConfig c = model.config();
        for (int id : ids) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new RequestRefusedException(source + ": token id " + id + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
        }
        if (ids.length >= c.contextLength()) {
            if (!truncate && reserve == 0) {
                // max tokens 0 generates nothing: "no room to generate" read as if tokens were asked for. What such a
                // request can mean is the prompt's own log-probabilities, which scoring gives, long texts in chunks
                throw new RequestRefusedException(source + ": the prompt has " + ids.length + " tokens but the context holds "
                        + c.contextLength() + ", and max tokens is 0, so nothing would be generated: to get a text's "
                        + "log-probabilities or perplexity, score it: kindling score and the Score stage read texts longer than the "
                        + "context in chunks");
            }
            if (!truncate) {
                // a prompt as long as the context leaves no position for the first generated token
                throw new PromptTooLongException(source, ids.length, c.contextLength());
            }
            int keep = Math.max(1, c.contextLength() - Math.max(1, Math.min(reserve, c.contextLength() / 2)));
            if (keep > 1 && codec != null && codec.addsBos() && ids[0] == codec.bosId()) {
                // the BOS the tokenizer put first stays first, as Hugging Face's truncation (special tokens added after
                // it, so vLLM's truncate_prompt_tokens) and llama.cpp's n_keep keep it: cut with the rest, the model
                // read the prompt's end as if a document started mid-sentence, without the token it always sees first
                int[] cut = new int[keep];
                cut[0] = ids[0];
                System.arraycopy(ids, ids.length - (keep - 1), cut, 1, keep - 1);
                ids = cut;
            } else {
                ids = Arrays.copyOfRange(ids, ids.length - keep, ids.length);
            }
        }
        return ids;
    }

    // ---------------------------------------------------------------- generation

    /**
     * Starts a generation; tokens stream to {@code listener} (may be null) as they are made, on the engine's thread (see
     * the class comment: the future's dependent stages run there too). A listener that throws, a checked exception
     * included, ends its own generation alone: the future fails with an error naming the request, the cause attached.
     */
    public CompletableFuture<Completion> submit(GenerationRequest request, TokenListener listener) {
        try {
            return scheduler.generate(promptIds(request), request, listener);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Generates one completion (blocking). */
    public Completion generate(GenerationRequest request) {
        return await(submit(request, null));
    }

    /**
     * Generates completions for all requests, batched together; results in request order. The first request that
     * fails throws its error, and the requests after it are cancelled (their results would not be returned): for a
     * result or an error per request, use {@link #submit} for each (as the Spark stages do). A request the engine refuses
     * as it is given (a prompt past the context, a stop id outside the vocabulary, more KV blocks than the budget holds)
     * throws before any request generates.
     */
    public List<Completion> generate(List<GenerationRequest> requests) {
        // every request checked before any is queued: a refused one threw only once the requests before it had generated
        // to their last token, for nobody (4 x 1,500 tokens, 19 s on stories260K, ahead of a prompt past the context)
        List<int[]> prompts = new ArrayList<>(requests.size());
        for (GenerationRequest r : requests) {
            int[] ids = promptIds(r);
            KvBudgetRefusedException tooBig = scheduler.kvRefusal(source, scheduler.generationPositions(ids.length, r.maxTokens()),
                    true);
            if (tooBig != null) {
                throw tooBig;
            }
            prompts.add(ids);
        }
        List<CompletableFuture<Completion>> fs = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            fs.add(scheduler.generate(prompts.get(i), requests.get(i), null));
        }
        return awaitAll(fs);
    }

    // ---------------------------------------------------------------- scoring, embeddings, logits

    /**
     * Per-token log-probabilities and perplexity of each text (BOS added as the vocabulary says): every token after
     * the first is predicted from those before it, so BOS itself is not scored and a text of one token has none
     * ({@link ScoreResult#perplexity()} NaN), as Hugging Face's loss with {@code labels = input_ids}.
     */
    public List<ScoreResult> score(List<String> texts) {
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) {
            ids.add(requireCodec().encode(t));
        }
        return scoreTokens(ids);
    }

    /** Scores token sequences as given (batched prefill only). */
    public List<ScoreResult> scoreTokens(List<int[]> sequences) {
        List<CompletableFuture<ScoreResult>> fs = new ArrayList<>();
        for (int[] ids : checkAll(sequences)) {
            fs.add(scheduler.score(ids));
        }
        return awaitAll(fs);
    }

    /**
     * Every sequence of a batch checked before any is submitted: one that failed its check threw with the sequences
     * before it already queued, which the engine then computed for nobody ahead of later requests.
     */
    private List<int[]> checkAll(List<int[]> sequences) {
        List<int[]> checked = new ArrayList<>(sequences.size());
        for (int i = 0; i < sequences.size(); i++) {
            checked.add(checkNotTruncated(sequences, i));
        }
        return checked;
    }

    /**
     * Mean-pooled final hidden states, one vector per text: the mean over every token (BOS included) of the hidden
     * state after the final norm (and OPT's {@code project_out}, as transformers' {@code last_hidden_state}), not
     * normalised; llama.cpp's {@code --pooling mean} on the same tokens.
     */
    public float[][] embed(List<String> texts) {
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) {
            ids.add(requireCodec().encode(t));
        }
        return embedTokens(ids);
    }

    public float[][] embedTokens(List<int[]> sequences) {
        List<CompletableFuture<float[]>> fs = new ArrayList<>();
        for (int[] ids : checkAll(sequences)) {
            fs.add(scheduler.embed(ids));
        }
        return awaitAll(fs).toArray(new float[0][]);
    }

    /** Logits after the last of {@code tokens} (the full vocabulary). */
    public float[] logits(int[] tokens) {
        return await(scheduler.logits(checkNotTruncated(tokens)));
    }

    /**
     * Starts scoring one token sequence (as given, no BOS added) and returns at once; the result
     * joins the same continuous batch as generations (streaming callers keep a window of these).
     */
    public CompletableFuture<ScoreResult> submitScore(int[] tokens) {
        try {
            return scheduler.score(checkNotTruncated(tokens));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Starts a mean-pooled embedding of one token sequence and returns at once. */
    public CompletableFuture<float[]> submitEmbed(int[] tokens) {
        try {
            return scheduler.embed(checkNotTruncated(tokens));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Starts computing the logits after the last of {@code tokens} and returns at once. */
    public CompletableFuture<float[]> submitLogits(int[] tokens) {
        try {
            return scheduler.logits(checkNotTruncated(tokens));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** {@link #checkNotTruncated(int[])} for element {@code i} of a batch, whose error says which one it is. */
    private int[] checkNotTruncated(List<int[]> batch, int i) {
        try {
            return checkSequence(batch.get(i));
        } catch (RequestRefusedException e) {
            throw new RequestRefusedException(source + ": text " + i + " of " + batch.size() + " (counting from 0): " + e.getMessage(), e);
        }
    }

    /** {@link #checkSequence}, its error after the model's name. */
    private int[] checkNotTruncated(int[] ids) {
        try {
            return checkSequence(ids);
        } catch (RequestRefusedException e) {
            throw new RequestRefusedException(source + ": " + e.getMessage(), e);
        }
    }

    /** {@code ids} to score, embed or take the logits of: not empty, within the context and the vocabulary. */
    private int[] checkSequence(int[] ids) {
        if (ids.length == 0) {
            throw new RequestRefusedException("empty token sequence (an empty text, with a tokenizer that adds no BOS)");
        }
        ModelConfig c = model.config();
        if (ids.length > c.contextLength()) {
            throw new RequestRefusedException("the sequence has " + ids.length + " tokens but the context holds " + c.contextLength());
        }
        for (int id : ids) {
            if (id < 0 || id >= c.vocabSize()) {
                throw new RequestRefusedException("token id " + id + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
        }
        // here, not once queued: a batch's text past the budget failed it only after the texts before it were computed
        KvBudgetRefusedException tooBig = scheduler.kvRefusal(null, ids.length, false); // checkNotTruncated names the model
        if (tooBig != null) {
            throw tooBig;
        }
        return ids;
    }

    private <T> T await(Future<T> f) {
        if (scheduler.isStepThread()) {
            f.cancel(true);
            throw listenerWaitsForItsEngine();
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new CancellationException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new CompletionException(c);
        }
    }

    private <T> List<T> awaitAll(List<CompletableFuture<T>> fs) {
        if (scheduler.isStepThread()) {
            fs.forEach(f -> f.cancel(true));
            throw listenerWaitsForItsEngine();
        }
        List<T> out = new ArrayList<>(fs.size());
        for (int i = 0; i < fs.size(); i++) {
            try {
                out.add(await(fs.get(i)));
            } catch (RuntimeException e) {
                // nobody gets the others' results: they ran on to their last token, holding KV blocks that requests
                // submitted afterwards waited for
                for (int j = i + 1; j < fs.size(); j++) {
                    fs.get(j).cancel(true);
                }
                throw e;
            }
        }
        return out;
    }

    /**
     * A token listener runs on the engine's step thread: a blocking call it made on the same engine waited for that
     * thread, which waited for the listener, and the engine hung with every request in it.
     */
    private static IllegalStateException listenerWaitsForItsEngine() {
        return new IllegalStateException("a token listener (or a dependent stage of a request's future) runs on the engine's"
                + " own thread and cannot wait for a result of the same engine (it would wait for itself): start it with"
                + " submit (submitScore, submitEmbed, submitLogits) and take the result on another thread");
    }

    /** True once {@link #close()} was called: every request then fails with {@link EngineClosedException}. */
    public boolean isClosed() {
        return closing.get();
    }

    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            // the backend closes when no step uses it: as the step thread stops, within the scheduler's wait or, after a
            // longer step, when that step ends
            scheduler.close(backend::close, Scheduler.CLOSE_WAIT_MILLIS);
        }
    }

    /** The tokenizer as the engine uses it: prompts in, text out, end tokens. */
    record TextCodec(Tokenizer tokenizer, int[] extraStops) {
        static TextCodec fromGguf(GgufFile gguf) {
            return new TextCodec(Tokenizer.fromGguf(gguf), new int[0]);
        }

        static TextCodec load(Path path) {
            return new TextCodec(Tokenizer.load(path), new int[0]);
        }

        /** Also stops at {@code ids} (generation_config.json's eos_token_id). */
        TextCodec withExtraStops(int[] ids) {
            return new TextCodec(tokenizer, ids.clone());
        }

        int[] encode(String text) {
            return tokenizer.encode(text, true);
        }

        String decode(int[] ids) {
            return tokenizer.decode(ids, true);
        }

        int[] stopIds() {
            return java.util.stream.IntStream.concat(Arrays.stream(tokenizer.stopIds()), Arrays.stream(extraStops))
                    .distinct().toArray();
        }

        int bosId() {
            return tokenizer.bosId();
        }

        boolean addsBos() {
            return tokenizer.addsBos();
        }

        TextSupport textSupport() {
            return TextSupport.of(tokenizer);
        }
    }
}
