package dev.kindling.inference.cuda;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.LogitReduction;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cuda.pack.Kind;
import dev.kindling.inference.cuda.pack.ModelPlan;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward pass on an NVIDIA GPU: the same steps as {@code CpuBackend}, as kernels
 * ({@code src/main/cuda}) on one stream.
 *
 * <pre>
 *   x = embed(tokens)                                              embed
 *   per block:  a = rmsnorm(x)                                     rmsnorm (to the activation kind)
 *               qkv = a . Wqkv                                     gemm (Q, K, V stacked)
 *               rope(q, k); K, V -> paged cache                    rope_store_kv
 *               a = attention(q, cache)                            attention + attention_combine
 *               x += a . Wo                                        gemm (residual epilogue)
 *               a = rmsnorm(x); h = silu(a.Wg) * (a.Wu)            rmsnorm, gemm (gate/up interleaved, SwiGLU epilogue)
 *               x += h . Wdown                                     gemm (residual epilogue)
 *   logits = rmsnorm(x[rows]) . Wout                               rmsnorm (gathering), gemm
 *   tokens / log-probs = reduce(logits)                            logits_reduce (when the scheduler asks)
 * </pre>
 *
 * Weights are uploaded once; the KV cache takes a fraction of the memory left after weights and
 * activation buffers, as {@link #kvBlockCount()} blocks the scheduler hands out, so a batch never
 * runs the GPU out of memory. Decode steps are captured once per shape as CUDA graphs and replayed.
 * Its Java twin is {@link dev.kindling.inference.cuda.ref.ReferenceBackend}.
 */
public final class CudaBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);
    private static final int REQ_NONE = 0, REQ_ARGMAX = 1, REQ_SAMPLE = 2, REQ_LOGPROB = 3;
    private static final int EPI_STORE = 0, EPI_ACCUM = 1, EPI_SWIGLU = 2;
    private static final int MAX_GRAPHS = 48;
    private static final int GRAPH_MAX_TOKENS = 512;

    private final CudaContext ctx;
    private final Kernels k;
    private final DeviceWeights w;
    private final ModelConfig c;
    private final CudaOptions opts;
    private final int maxTokens;
    private final int blockSize;
    private final int blockCount;
    private final int logitChunk;
    private final int qkvN;
    private final int attSmem;
    private final int actBytes;
    // device buffers
    private final DeviceBuffer x, a, hb, qkv, logits, scratch, rope, kvPool, reqI, reqF, outTok, outVal, status;
    /** F32 inputs of products whose input is rounded in blocks (Q8_0/Q8_K) first; null when none is. */
    private final DeviceBuffer af;
    private DeviceBuffer ints;
    private int intsCapacity;
    private DeviceBuffer part;
    private long partCapacity;
    private int bufferGeneration;
    // host staging
    private PinnedBuffer pinnedInts;
    private final PinnedBuffer pinnedReq;
    private final PinnedBuffer pinnedOut;
    private final Map<String, CUgraphExec> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;
    /** Steps replayed from a CUDA graph, and graphs captured (for benchmarks and logs). */
    public long graphReplays, graphCaptures;

    /** Region offsets (in ints) of the per-step inputs: see {@link #layoutInts}. */
    private int oTok, oPos, oSlot, oTileTok, oTileLen, oTileSeq, oPartBase, oLogitRows, oTableOff, oTables;

    private CudaBackend(CudaContext ctx, Kernels k, DeviceWeights w, CudaOptions o) {
        this.ctx = ctx;
        this.k = k;
        this.w = w;
        this.c = w.config;
        this.opts = o;
        this.maxTokens = o.maxBatchTokens();
        this.blockSize = o.kvBlockSize();
        int hd = c.headDim();
        if (c.heads() / c.kvHeads() > StepPlan.ATT_ROWS) {
            throw new UnsupportedOperationException(c.heads() / c.kvHeads() + " query heads per KV head; the attention kernel takes at most "
                    + StepPlan.ATT_ROWS);
        }
        if (hd * (w.kv == Kind.F32 ? 4 : 2) % 16 != 0) {
            throw new UnsupportedOperationException("head size " + hd + ": the attention kernel loads K/V rows in 16-byte pieces");
        }
        this.qkvN = c.qDim() + 2 * c.kvDim();
        this.attSmem = GemmConfig.attentionSharedBytes(hd, w.kv);
        this.actBytes = w.act == Kind.F32 ? 4 : 2;
        int vocab = c.vocabSize();
        this.logitChunk = (int) Math.max(16, Math.min(maxTokens, (256L << 20) / (4L * vocab)));
        int T = maxTokens;
        x = ctx.alloc(4L * T * c.dim(), "residual stream");
        a = ctx.alloc((long) actBytes * T * Math.max(c.dim(), c.qDim()), "matrix inputs");
        hb = ctx.alloc((long) actBytes * T * c.hiddenDim(), "feed-forward activations");
        qkv = ctx.alloc(4L * T * Math.max(qkvN, c.dim()), "q, k, v");
        boolean rounding = rounds(w.output);
        for (DeviceWeights.Layer L : w.layers) {
            rounding |= rounds(L.qkv()) || rounds(L.wo()) || rounds(L.gateUp()) || rounds(L.down());
        }
        af = rounding ? ctx.alloc(4L * T * Math.max(Math.max(c.dim(), c.qDim()), c.hiddenDim()), "inputs before rounding") : null;
        logits = ctx.alloc(4L * logitChunk * vocab, "logits");
        scratch = ctx.alloc(4L * logitChunk * vocab, "sampling scratch");
        int ropeRows = c.contextLength();
        float[] table = RopeTable.compute(c.rope(), 0, ropeRows);
        rope = ctx.alloc(4L * table.length, "rope cos/sin");
        ctx.upload(rope, table);
        reqI = ctx.alloc(16L * T, "reduction requests");
        reqF = ctx.alloc(16L * T, "reduction parameters");
        outTok = ctx.alloc(4L * T, "reduced tokens");
        outVal = ctx.alloc(4L * T, "reduced values");
        status = ctx.alloc(4L * T, "reduction status");
        pinnedReq = ctx.pinned(32L * T);
        pinnedOut = ctx.pinned(12L * T);
        layoutInts(4 * T);
        ensurePartials((long) T * c.heads() * (hd + 2) * 4);
        // the product kernels this model uses (their modules are JIT compiled now, not mid-capture)
        java.util.Set<Kind> kinds = java.util.EnumSet.of(w.output.kind());
        for (DeviceWeights.Layer L : w.layers) {
            kinds.addAll(List.of(L.qkv().kind(), L.wo().kind(), L.gateUp().kind(), L.down().kind()));
        }
        for (Kind kind : kinds) {
            if (kind == Kind.F32) {
                k.function("gemm_f32");
                continue;
            }
            for (GemmConfig g : new GemmConfig[] {GemmConfig.S, GemmConfig.M, GemmConfig.L}) {
                k.allowSharedMemory(g.kernel(kind), g.sharedBytes(kind));
                k.function(g.kernel(kind));
            }
        }
        k.allowSharedMemory("attention", attSmem);
        // resolved now: nothing but launches may happen while a decode step is being captured
        for (String f : new String[] {"embed", "rmsnorm", "rope_store_kv", "attention_combine", "logits_reduce", "quantize_act"}) {
            k.function(f);
        }
        // the KV cache: a fraction of what is left
        long blockBytes = (long) c.layers() * 2 * blockSize * c.kvDim() * (w.kv == Kind.F32 ? 4 : 2);
        long free = ctx.memoryInfo()[0];
        long budget = (long) (free * o.memoryFraction());
        if (o.kvBudgetBytes() > 0) {
            budget = Math.min(budget, o.kvBudgetBytes());
        }
        long blocks = Math.min(budget / blockBytes, Integer.MAX_VALUE / Math.max(1, blockSize));
        if (blocks < 1) {
            throw new CudaException(jcuda.driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY, "sizing the KV cache",
                    String.format("%.2f GiB free after weights and buffers, one KV block needs %.1f MiB", free / 1073741824.0,
                            blockBytes / 1048576.0));
        }
        this.blockCount = (int) blocks;
        kvPool = ctx.alloc(blocks * blockBytes, "KV cache (" + blocks + " blocks)");
        ctx.synchronize("setting up the CUDA backend");
        LOG.info("cuda backend: {}; weights {} MiB, KV cache {} blocks x {} positions ({} MiB), {} free after",
                ctx.info, w.bytesPerToken() >> 20, blockCount, blockSize, blocks * blockBytes >> 20, ctx.memoryInfo()[0] >> 20);
    }

    /**
     * Opens the backend for a loaded model: a GGUF model's matrices are uploaded from the file (its
     * quantized blocks kept), others from the loaded tensors.
     *
     * @throws CudaUnavailableException when CUDA, the device or its memory does not allow it
     */
    /** True when the GGUF stores Q, K and V apart (the path that maps matrices from the file needs that). */
    private static boolean hasSeparateQkv(Model m) {
        try (GgufFile f = GgufFile.open(m.source())) {
            return f.findTensor("blk.0.attn_q.weight").isPresent();
        }
    }

    public static CudaBackend open(Model m, CudaOptions o) {
        String unsupported = Devices.unsupportedReason(m);
        if (unsupported != null) {
            throw new CudaUnavailableException(unsupported);
        }
        CudaProbe.Result probe = CudaProbe.get();
        if (!probe.available()) {
            throw new CudaUnavailableException(probe.reason() + "; the device 'cuda' needs a usable NVIDIA GPU ('auto' runs on"
                    + " the CPU when there is none)");
        }
        if (o.device() >= probe.devices()) {
            throw new CudaUnavailableException("CUDA device " + o.device() + " does not exist (" + probe.devices() + " visible)");
        }
        CudaContext ctx = CudaContext.open(o.device());
        Kernels k = null;
        try {
            String variant = Ptx.variantFor(ctx.info.major(), ctx.info.minor());
            if (variant == null) {
                throw new CudaUnavailableException(ctx.info.name() + ": " + Ptx.unsupportedReason(ctx.info.major(), ctx.info.minor()));
            }
            k = new Kernels(ctx, variant);
            ModelPlan plan;
            if ("gguf".equals(m.format()) && hasSeparateQkv(m)) {
                try (GgufFile f = GgufFile.open(m.source())) {
                    plan = ModelPlan.of(m, f);
                    checkFits(ctx, plan, o);
                    return new CudaBackend(ctx, k, DeviceWeights.upload(ctx, plan), o);
                }
            }
            plan = ModelPlan.of(m);
            checkFits(ctx, plan, o);
            return new CudaBackend(ctx, k, DeviceWeights.upload(ctx, plan), o);
        } catch (RuntimeException | Error e) {
            if (k != null) {
                k.close();
            }
            ctx.close();
            if (e instanceof CudaException ce && ce.outOfMemory()) {
                throw new CudaUnavailableException("out of GPU memory while loading " + m.source().getFileName() + ": " + ce.getMessage(), ce);
            }
            throw e;
        }
    }

    /** A backend over synthetic weights generated on the device (benchmarks: model shapes, no file). */
    public static CudaBackend synthetic(ModelConfig c, Kind kind, CudaOptions o, long seed) {
        CudaProbe.Result probe = CudaProbe.get();
        if (!probe.available()) {
            throw new CudaUnavailableException(probe.reason());
        }
        CudaContext ctx = CudaContext.open(o.device());
        Kernels k = null;
        try {
            String variant = Ptx.variantFor(ctx.info.major(), ctx.info.minor());
            if (variant == null) {
                throw new CudaUnavailableException(Ptx.unsupportedReason(ctx.info.major(), ctx.info.minor()));
            }
            k = new Kernels(ctx, variant);
            return new CudaBackend(ctx, k, DeviceWeights.synthetic(ctx, k, c, kind, seed), o);
        } catch (RuntimeException | Error e) {
            if (k != null) {
                k.close();
            }
            ctx.close();
            throw e;
        }
    }

    private static void checkFits(CudaContext ctx, ModelPlan plan, CudaOptions o) {
        long need = plan.deviceBytes();
        long free = ctx.memoryInfo()[0];
        if (need > free) {
            throw new CudaUnavailableException(String.format("the model needs %.2f GiB on the GPU but %s has %.2f GiB free",
                    need / 1073741824.0, ctx.info.name(), free / 1073741824.0));
        }
    }

    public CudaContext context() {
        return ctx;
    }

    public Kernels kernels() {
        return k;
    }

    public DeviceWeights weights() {
        return w;
    }

    @Override
    public boolean onGpu() {
        return true;
    }

    @Override
    public String describe() {
        return "cuda (" + ctx.info + ", " + k.variant + " PTX, " + w.act + " activations, " + w.kv + " KV cache)";
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public int maxBatchTokens() {
        return maxTokens;
    }

    @Override
    public int kvBlockSize() {
        return blockSize;
    }

    @Override
    public int kvBlockCount() {
        return blockCount;
    }

    @Override
    public boolean reducesLogits() {
        return true;
    }

    // ------------------------------------------------------------------ per-step inputs

    private void layoutInts(int tablesCap) {
        int T = maxTokens;
        oTok = 0;
        oPos = T;
        oSlot = 2 * T;
        oTileTok = 3 * T;
        oTileLen = 4 * T;
        oTileSeq = 5 * T;
        oPartBase = 6 * T;
        oLogitRows = 7 * T;
        oTableOff = 8 * T;
        oTables = 9 * T;
        int cap = oTables + tablesCap;
        if (ints != null) {
            ctx.free(ints);
            ctx.freePinned(pinnedInts);
        }
        ints = ctx.alloc(4L * cap, "step inputs");
        pinnedInts = ctx.pinned(4L * cap);
        intsCapacity = cap;
        bufferGeneration++;
    }

    private void ensurePartials(long bytes) {
        if (part == null || partCapacity < bytes) {
            if (part != null) {
                ctx.free(part);
            }
            long cap = Math.max(bytes, partCapacity * 2);
            part = ctx.alloc(cap, "attention partials");
            partCapacity = cap;
            bufferGeneration++;
        }
    }

    private void putInts(int at, int[] v, int n) {
        ByteBuffer b = pinnedInts.buf;
        for (int i = 0; i < n; i++) {
            b.putInt(4 * (at + i), v[i]);
        }
    }

    private void upload(StepPlan p) {
        if (oTables + p.tables.length > intsCapacity) {
            layoutInts(Math.max(p.tables.length, 2 * (intsCapacity - oTables)));
        }
        ensurePartials((long) p.partSlots * (c.headDim() + 2) * 4);
        int n = p.tokens;
        putInts(oTok, p.tokenIds, n);
        putInts(oPos, p.positions, n);
        putInts(oSlot, p.slots, n);
        putInts(oTileTok, p.tileToken, p.tileCount);
        putInts(oTileLen, p.tileLen, p.tileCount);
        putInts(oTileSeq, p.tileSeq, p.tileCount);
        putInts(oPartBase, p.partBase, n);
        putInts(oLogitRows, p.logitTokens, p.logitRows);
        putInts(oTableOff, p.tableOff, p.tableOff.length);
        putInts(oTables, p.tables, p.tables.length);
        int[][] regions = {{oTok, n}, {oPos, n}, {oSlot, n}, {oTileTok, p.tileCount}, {oTileLen, p.tileCount},
            {oTileSeq, p.tileCount}, {oPartBase, n}, {oLogitRows, p.logitRows}, {oTableOff, p.tableOff.length},
            {oTables, p.tables.length}};
        for (int[] r : regions) {
            if (r[1] > 0) {
                ctx.uploadAsync(ints, 4L * r[0], pinnedInts, 4L * r[0], 4L * r[1]);
            }
        }
    }

    /** Fills the reduction requests of rows [0, m); returns false when no row has one. */
    private boolean uploadReductions(LogitReduction[] red, int m) {
        if (red == null) {
            return false;
        }
        ByteBuffer b = pinnedReq.buf;
        int fBase = 16 * maxTokens;
        boolean any = false;
        for (int i = 0; i < m; i++) {
            LogitReduction r = i < red.length ? red[i] : null;
            int kind = r == null ? REQ_NONE : switch (r.kind()) {
                case ARGMAX -> REQ_ARGMAX;
                case SAMPLE -> REQ_SAMPLE;
                case LOGPROB -> REQ_LOGPROB;
            };
            any |= r != null;
            b.putInt(16 * i, kind);
            b.putInt(16 * i + 4, r == null ? 0 : r.topK());
            b.putInt(16 * i + 8, r == null ? 0 : Math.max(0, r.target()));
            b.putInt(16 * i + 12, r == null ? c.vocabSize() : r.columnsOf(c.vocabSize()));
            b.putFloat(fBase + 16 * i, r == null ? 0f : r.temperature());
            b.putFloat(fBase + 16 * i + 4, r == null ? 1f : r.topP());
            b.putFloat(fBase + 16 * i + 8, r == null ? 0f : r.minP());
            b.putFloat(fBase + 16 * i + 12, r == null ? 0f : r.coin());
        }
        if (any) {
            ctx.uploadAsync(reqI, 0, pinnedReq, 0, 16L * m);
            ctx.uploadAsync(reqF, 0, pinnedReq, fBase, 16L * m);
        }
        return any;
    }

    // ------------------------------------------------------------------ the forward pass

    @Override
    public void forward(Step step) {
        int n = step.tokenCount();
        if (n == 0) {
            return;
        }
        if (n > maxTokens) {
            throw new IllegalArgumentException("step of " + n + " tokens; this backend takes at most " + maxTokens);
        }
        ctx.makeCurrent();
        StepPlan p = new StepPlan(step, c, blockSize);
        for (int t = 0; t < n; t++) {
            if (p.tokenIds[t] < 0 || p.tokenIds[t] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + p.tokenIds[t] + " is outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
            }
            if (p.positions[t] >= c.contextLength()) {
                throw new IllegalArgumentException("position " + p.positions[t] + " is past the context length " + c.contextLength());
            }
        }
        int m = p.logitRows;
        int splitsGrid = Integer.highestOneBit(p.maxSplits - 1) << 1;
        splitsGrid = Math.max(1, splitsGrid);
        upload(p);
        LogitReduction[] red = step.reductions;
        boolean reduce = m > 0 && uploadReductions(red, m);
        boolean graph = opts.graphs() && p.decodeOnly && !step.wantHidden && m == n && n <= GRAPH_MAX_TOKENS && m <= logitChunk;
        if (graph) {
            String key = n + "/" + p.tileCount + "/" + splitsGrid + "/" + reduce + "/" + bufferGeneration;
            CUgraphExec exec = graphs.get(key);
            if (exec == null) {
                exec = capture(p, splitsGrid, reduce);
                graphs.put(key, exec);
                if (graphs.size() > MAX_GRAPHS) {
                    String eldest = graphs.keySet().iterator().next();
                    cuGraphExecDestroy(graphs.remove(eldest));
                }
            } else {
                graphReplays++;
            }
            CudaException.check(cuGraphLaunch(exec, ctx.stream), "cuGraphLaunch(decode step of " + n + " tokens)");
            finishChunk(step, p, 0, m, reduce);
        } else {
            enqueueBlocks(p, splitsGrid);
            if (step.wantHidden) {
                k.launch("rmsnorm", n, 1, 1, 256, 0, x, null, w.outputNorm, qkv, Kind.F32.ordinal(), c.dim(), c.normEps());
                if (step.hidden.length < n * c.dim()) {
                    step.hidden = new float[n * c.dim()];
                }
                ctx.synchronize("the forward pass");
                ctx.download(step.hidden, 0, qkv, 0, n * c.dim());
            }
            for (int first = 0; first < m; first += logitChunk) {
                int rows = Math.min(logitChunk, m - first);
                enqueueLogits(first, rows, reduce);
                finishChunk(step, p, first, rows, reduce);
            }
        }
        ctx.synchronize("the forward pass");
    }

    private CUgraphExec capture(StepPlan p, int splitsGrid, boolean reduce) {
        CUgraph g = new CUgraph();
        CudaException.check(cuStreamBeginCapture(ctx.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture");
        try {
            enqueueBlocks(p, splitsGrid);
            enqueueLogits(0, p.logitRows, reduce);
        } catch (RuntimeException e) {
            cuStreamEndCapture(ctx.stream, g);
            cuGraphDestroy(g);
            throw e;
        }
        CudaException.check(cuStreamEndCapture(ctx.stream, g), "cuStreamEndCapture");
        CUgraphExec exec = new CUgraphExec();
        try {
            CudaException.check(cuGraphInstantiate(exec, g, 0), "cuGraphInstantiate");
        } finally {
            cuGraphDestroy(g);
        }
        graphCaptures++;
        return exec;
    }

    /** The transformer blocks over the step's tokens (everything up to the final norm). */
    private void enqueueBlocks(StepPlan p, int splitsGrid) {
        int n = p.tokens;
        int hd = c.headDim();
        DeviceMatrix e = w.embedding;
        k.launch("embed", n, 1, 1, 256, 0, ints.at(4L * oTok), e.kind().ordinal(), e.data(), e.scales(), e.dm(), c.dim(), x);
        float scale = (float) (1.0 / Math.sqrt(hd));
        boolean neox = c.rope().style() == RopeStyle.NEOX;
        for (int l = 0; l < c.layers(); l++) {
            DeviceWeights.Layer L = w.layers.get(l);
            k.launch("rmsnorm", n, 1, 1, 256, 0, x, null, L.attnNorm(), target(L.qkv(), a), kindFor(L.qkv()), c.dim(), c.normEps());
            round(L.qkv(), n, c.dim(), a);
            gemm(L.qkv(), a, n, qkv, EPI_STORE, Kind.F32);
            k.launch("rope_store_kv", n, 1, 1, 128, 0, qkv, ints.at(4L * oPos), ints.at(4L * oSlot), rope,
                    c.rope().dims(), neox ? 1 : 0, c.heads(), c.kvHeads(), hd, L.bq(), L.bk(), L.bv(), kvPool,
                    w.kv.ordinal(), l, c.layers(), blockSize);
            k.launch("attention", p.tileCount, c.kvHeads(), splitsGrid, 128, attSmem, qkv, kvPool, w.kv.ordinal(), l,
                    c.layers(), blockSize, ints.at(4L * oTables), ints.at(4L * oTableOff), ints.at(4L * oTileTok),
                    ints.at(4L * oTileLen), ints.at(4L * oTileSeq), ints.at(4L * oPos), ints.at(4L * oPartBase), c.heads(),
                    c.kvHeads(), hd, c.slidingWindow(), scale, part);
            k.launch("attention_combine", n, c.heads(), 1, 128, 0, part, ints.at(4L * oPartBase), ints.at(4L * oPos),
                    c.heads(), hd, target(L.wo(), a), kindFor(L.wo()));
            round(L.wo(), n, c.qDim(), a);
            gemm(L.wo(), a, n, x, EPI_ACCUM, Kind.F32);
            k.launch("rmsnorm", n, 1, 1, 256, 0, x, null, L.ffnNorm(), target(L.gateUp(), a), kindFor(L.gateUp()), c.dim(), c.normEps());
            round(L.gateUp(), n, c.dim(), a);
            gemm(L.gateUp(), a, n, target(L.down(), hb), EPI_SWIGLU, rounds(L.down()) ? Kind.F32 : w.act);
            round(L.down(), n, c.hiddenDim(), hb);
            gemm(L.down(), hb, n, x, EPI_ACCUM, Kind.F32);
        }
    }

    /**
     * Whether the input of {@code m} is rounded in a separate pass: its format (the CPU engine's
     * rounding for the weights' type) is neither F32 nor the storage kind itself, i.e. Q8_0/Q8_K blocks
     * (or F16 rounding before BF16 storage).
     */
    private boolean rounds(DeviceMatrix m) {
        return m.formatCode() != 0 && !m.format().name().equals(w.act.name());
    }

    /** Where the producer of {@code m}'s input writes: F32 staging when it is rounded in blocks after. */
    private DeviceBuffer target(DeviceMatrix m, DeviceBuffer input) {
        return rounds(m) ? af : input;
    }

    private int kindFor(DeviceMatrix m) {
        return rounds(m) ? Kind.F32.ordinal() : w.act.ordinal();
    }

    /** Rounds the F32 staging rows into {@code input} as the CPU engine rounds them, when {@code m} needs it. */
    private void round(DeviceMatrix m, int rows, int cols, DeviceBuffer input) {
        if (rounds(m)) {
            k.launch("quantize_act", rows, (cols + 255) / 256, 1, 256, 0, af, cols, m.formatCode(), input, w.act.ordinal());
        }
    }

    /** Final norm of logit rows [first, first+rows), the classifier, and the reductions. */
    private void enqueueLogits(int first, int rows, boolean reduce) {
        if (rows == 0) {
            return;
        }
        k.launch("rmsnorm", rows, 1, 1, 256, 0, x, ints.at(4L * (oLogitRows + first)), w.outputNorm, target(w.output, a),
                kindFor(w.output), c.dim(), c.normEps());
        round(w.output, rows, c.dim(), a);
        gemm(w.output, a, rows, logits, EPI_STORE, Kind.F32);
        if (reduce) {
            k.launch("logits_reduce", rows, 1, 1, 1024, 0, logits, c.vocabSize(), reqI.at(16L * first), reqF.at(16L * first),
                    scratch, outTok.at(4L * first), outVal.at(4L * first), status.at(4L * first));
        }
    }

    /** Copies the results of logit rows [first, first+rows) back (reduced values, or full rows). */
    private void finishChunk(Step step, StepPlan p, int first, int rows, boolean reduce) {
        if (rows == 0) {
            return;
        }
        int vocab = c.vocabSize();
        LogitReduction[] red = step.reductions;
        int m = p.logitRows;
        if (reduce) {
            ctx.downloadAsync(pinnedOut, 0, outTok, 4L * first, 4L * rows);
            ctx.downloadAsync(pinnedOut, 4L * maxTokens, outVal, 4L * first, 4L * rows);
            ctx.downloadAsync(pinnedOut, 8L * maxTokens, status, 4L * first, 4L * rows);
        }
        ctx.synchronize("the forward pass");
        if (step.reducedTokens.length < m) {
            step.reducedTokens = new int[m];
            step.reducedValues = new float[m];
        }
        boolean fullRows = false;
        for (int i = first; i < first + rows; i++) {
            LogitReduction r = reduce && i < red.length ? red[i] : null;
            boolean host = r == null || pinnedOut.buf.getInt(8 * maxTokens + 4 * (i - first)) != 0;
            fullRows |= host;
        }
        if (fullRows && step.logits.length < m * vocab) {
            step.logits = new float[m * vocab];
        }
        if (!reduce) {
            ctx.download(step.logits, first * vocab, logits, 0, rows * vocab);
            return;
        }
        for (int i = first; i < first + rows; i++) {
            LogitReduction r = reduce && i < red.length ? red[i] : null;
            if (r != null && pinnedOut.buf.getInt(8 * maxTokens + 4 * (i - first)) == 0) {
                step.reducedTokens[i] = pinnedOut.buf.getInt(4 * (i - first));
                step.reducedValues[i] = pinnedOut.buf.getFloat(4 * maxTokens + 4 * (i - first));
                continue;
            }
            ctx.download(step.logits, i * vocab, logits, 4L * (i - first) * vocab, vocab);
            if (r != null) {
                // the device's candidate set was too large to sort there: the same algorithm here
                r.reduce(step.logits, i * vocab, vocab, step.reducedTokens, step.reducedValues, i);
            }
        }
    }

    /** out (+)= in . W^T for M tokens, with the epilogue; the kernel by weight kind and M. */
    private void gemm(DeviceMatrix wm, DeviceBuffer in, int m, DeviceBuffer out, int epilogue, Kind outKind) {
        gemm(k, wm, in, m, out, epilogue, outKind, GemmConfig.choose(m, wm.rows(), ctx.info.multiprocessors()));
    }

    /** One product with the given tile configuration (GpuCheck forces each in turn). */
    static void gemm(Kernels k, DeviceMatrix wm, DeviceBuffer in, int m, DeviceBuffer out, int epilogue, Kind outKind,
            GemmConfig g) {
        int n = wm.rows(), kk = wm.cols();
        if (wm.kind() == Kind.F32) {
            k.launch("gemm_f32", (n + 7) / 8, (m + 7) / 8, 1, 128, 0, in, wm.data(), out, m, n, kk, epilogue, outKind.ordinal());
            return;
        }
        k.launch(g.kernel(wm.kind()), (n + g.bn() - 1) / g.bn(), (m + g.bm() - 1) / g.bm(), 1, g.threads(),
                g.sharedBytes(wm.kind()), in, wm.data(), wm.scales(), wm.dm(), out, m, n, kk, epilogue, outKind.ordinal());
    }

    /** Runs one product on its own (GpuCheck's timings of the projections). */
    public void product(DeviceMatrix wm, DeviceBuffer in, int m, DeviceBuffer out, int epilogue, Kind outKind) {
        ctx.makeCurrent();
        gemm(wm, in, m, out, epilogue, outKind);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ctx.makeCurrent();
        for (CUgraphExec e : graphs.values()) {
            cuGraphExecDestroy(e);
        }
        graphs.clear();
        k.close();
        ctx.close();
    }
}
