package dev.kindling.inference.cuda;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.backend.LogitReduction;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cuda.pack.HalfFloats;
import dev.kindling.inference.cuda.pack.Kind;
import dev.kindling.inference.cuda.pack.MatrixPlan;
import dev.kindling.inference.cuda.pack.PackedChunk;
import dev.kindling.inference.cuda.pack.WeightSource;
import dev.kindling.inference.cuda.ref.KernelMath;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@link GpuCheck}'s kernel-by-kernel checks: each kernel on fresh random inputs (outputs poisoned
 * with NaN first, so an unwritten element fails) against its Java twin in {@link KernelMath}, and
 * the invariances the engine relies on (a token's result is the same whatever tile configuration,
 * batch or attention tile computes it).
 */
final class GpuKernelChecks {
    private static final String SEC = "kernels";
    private final CheckReport r;
    private final CudaContext ctx;
    private final Kernels k;
    private final SplittableRandom rnd = new SplittableRandom(20261130);
    private final List<DeviceBuffer> temp = new ArrayList<>();

    GpuKernelChecks(CheckReport r, CudaContext ctx, Kernels k) {
        this.r = r;
        this.ctx = ctx;
        this.k = k;
    }

    void runAll() {
        for (Kind kind : Kind.values()) {
            guard("gemm " + kind, () -> gemm(kind, kind == Kind.F32 ? 97 : 384, kind == Kind.Q4_K ? 512 : 576));
        }
        guard("gemm F16 K=8", () -> gemm(Kind.F16, 64, 8));
        guard("gemm F16 K=520 (tail)", () -> gemm(Kind.F16, 96, 520));
        guard("embed", this::embed);
        guard("rmsnorm", this::rmsnorm);
        guard("rope_store_kv", this::rope);
        guard("quantize_act", this::quantizeAct);
        for (int hd : new int[] {8, 64, 128}) {
            for (Kind kv : new Kind[] {Kind.F16, Kind.F32}) {
                for (int window : new int[] {0, 200}) {
                    guard("attention hd=" + hd + " " + kv + " window=" + window, () -> attention(8, 2, hd, kv, window));
                }
            }
        }
        guard("attention MHA hd=64", () -> attention(4, 4, 64, Kind.F16, 0));
        // where a failure lies: one split (positions 300..339), two (600..639), three without the second sequence
        guard("attention hd=8 F32 1 split", () -> attention(8, 2, 8, Kind.F32, 0, 300, true));
        guard("attention hd=8 F32 2 splits", () -> attention(8, 2, 8, Kind.F32, 0, 600, true));
        guard("attention hd=8 F32 3 splits alone", () -> attention(8, 2, 8, Kind.F32, 0, 1060, false));
        guard("logits_reduce", this::reduce);
    }

    private void guard(String name, Runnable check) {
        try {
            check.run();
        } catch (RuntimeException | Error e) {
            r.fail(SEC, name, e);
        } finally {
            for (DeviceBuffer b : temp) {
                ctx.free(b);
            }
            temp.clear();
        }
    }

    // ------------------------------------------------------------------ helpers

    private DeviceBuffer buffer(long bytes, String what) {
        DeviceBuffer b = ctx.alloc(bytes, what);
        temp.add(b);
        ctx.fill(b, 0, (byte) 0xFF, bytes); // NaN in every float kind: unwritten outputs show
        return b;
    }

    private DeviceBuffer upload(float[] v, Kind kind, String what) {
        int esz = kind == Kind.F32 ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(v.length * esz).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            switch (kind) {
                case F32 -> b.putFloat(f);
                case F16 -> b.putShort(ScalarKernels.floatToHalf(f));
                default -> b.putShort(HalfFloats.floatToBf16(f));
            }
        }
        DeviceBuffer d = buffer(b.capacity(), what);
        ctx.upload(d, 0, b.array(), 0, b.capacity());
        return d;
    }

    private DeviceBuffer upload(int[] v, String what) {
        DeviceBuffer d = buffer(4L * Math.max(1, v.length), what);
        if (v.length > 0) {
            ctx.upload(d, v);
        }
        return d;
    }

    private float[] download(DeviceBuffer b, int count, Kind kind) {
        int esz = kind == Kind.F32 ? 4 : 2;
        byte[] raw = new byte[count * esz];
        ctx.download(raw, b, 0, raw.length);
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = switch (kind) {
                case F32 -> bb.getFloat(4 * i);
                case F16 -> ScalarKernels.halfToFloat(bb.getShort(2 * i));
                default -> ScalarKernels.bf16ToFloat(bb.getShort(2 * i));
            };
        }
        return out;
    }

    private float[] normal(int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (std * gaussian());
        }
        return v;
    }

    private double gaussian() {
        double u = rnd.nextDouble(1e-12, 1), w = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }

    static GgmlType ggml(Kind k) {
        return switch (k) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0 -> GgmlType.Q8_0;
            case Q4_0 -> GgmlType.Q4_0;
            case Q4_K -> GgmlType.Q4_K;
        };
    }

    static WeightSource bytes(String name, GgmlType type, int rows, int cols, byte[] data) {
        long rb = type.byteSize(cols);
        return new WeightSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public GgmlType type() {
                return type;
            }

            @Override
            public int rows() {
                return rows;
            }

            @Override
            public int cols() {
                return cols;
            }

            @Override
            public ByteBuffer rows(int first, int count) {
                return ByteBuffer.wrap(data, (int) (first * rb), (int) (count * rb)).slice().order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }

    // ------------------------------------------------------------------ gemm

    private void gemm(Kind kind, int n, int kk) {
        String name = "gemm " + kind + " N=" + n + " K=" + kk;
        byte[] raw = RandomModels.matrix(ggml(kind), n, kk, 1 / Math.sqrt(kk), rnd);
        MatrixPlan plan = MatrixPlan.single(bytes("w", ggml(kind), n, kk, raw), kind);
        PackedChunk packed = plan.pack(0, n);
        DeviceMatrix dm = DeviceWeights.upload(ctx, plan);
        temp.add(dm.buf());
        Kind act = kind == Kind.F32 ? Kind.F32 : kind == Kind.BF16 ? Kind.BF16 : Kind.F16;
        int mMax = 130;
        float[] a = normal(mMax * kk, 1);
        for (int i = 0; i < a.length; i++) {
            a[i] = HalfFloats.round(a[i], act);
        }
        DeviceBuffer in = upload(a, act, "A");
        float[] ref = new float[mMax * n];
        KernelMath.gemm(packed, a, mMax, ref, KernelMath.EPI_STORE, Kind.F32);
        double[] l1 = new double[mMax * n]; // sum of |products|: the scale of rounding differences
        float[] wr = new float[kk];
        for (int j = 0; j < n; j++) {
            for (int q = 0; q < kk; q++) {
                wr[q] = kind == Kind.F32 ? KernelMath.weightValue(packed, j, q) : KernelMath.tileValue(packed, j, q);
            }
            for (int m = 0; m < mMax; m++) {
                double s = 0;
                for (int q = 0; q < kk; q++) {
                    s += Math.abs((double) wr[q] * a[m * kk + q]);
                }
                l1[m * n + j] = s;
            }
        }
        GemmConfig[] cfgs = kind == Kind.F32 ? new GemmConfig[] {null} : new GemmConfig[] {GemmConfig.S, GemmConfig.M, GemmConfig.L};
        float[] row0 = null;
        float[] row16 = null;
        boolean invariant = true;
        double worst = 0;
        int bad = 0;
        for (GemmConfig g : cfgs) {
            for (int m : new int[] {1, 17, mMax}) {
                DeviceBuffer out = buffer(4L * m * n, "out");
                CudaBackend.gemm(k, dm, in, m, out, KernelMath.EPI_STORE, Kind.F32, g);
                ctx.synchronize(name);
                float[] got = download(out, m * n, Kind.F32);
                for (int i = 0; i < m * n; i++) {
                    double err = Math.abs((double) got[i] - ref[i]) / Math.max(l1[i], 1e-30);
                    if (!(err <= 2e-5)) {
                        bad++;
                    }
                    worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
                }
                float[] r0 = Arrays.copyOfRange(got, 0, n);
                if (row0 == null) {
                    row0 = r0;
                } else {
                    invariant &= Arrays.equals(row0, r0);
                }
                if (m > 16) {
                    float[] r16 = Arrays.copyOfRange(got, 16 * n, 17 * n);
                    if (row16 == null) {
                        row16 = r16;
                    } else {
                        invariant &= Arrays.equals(row16, r16);
                    }
                }
                ctx.free(out);
                temp.remove(out);
            }
        }
        r.check(SEC, name + " vs Java twin", bad == 0, "worst " + f(worst), "error / sum|w*a|, limit 2e-5; "
                + bad + " elements over");
        r.check(SEC, name + " batch invariance", invariant, invariant ? "bit-identical" : "DIFFERENT",
                "rows 0 and 16 for M = 1, 17, 130" + (cfgs.length > 1 ? " and tiles s, m, l" : ""));
        // residual epilogue: out = init + product
        int m = 17;
        float[] init = normal(m * n, 1);
        DeviceBuffer acc = upload(init, Kind.F32, "residual");
        CudaBackend.gemm(k, dm, in, m, acc, KernelMath.EPI_ACCUM, Kind.F32, GemmConfig.choose(m, n, ctx.info.multiprocessors()));
        ctx.synchronize(name + " accumulate");
        float[] got = download(acc, m * n, Kind.F32);
        int accBad = 0;
        for (int i = 0; i < m * n; i++) {
            if (!(Math.abs(got[i] - (init[i] + ref[i])) <= 2e-5 * l1[i] + 1e-6 * Math.abs(init[i]))) {
                accBad++;
            }
        }
        r.check(SEC, name + " residual epilogue", accBad == 0, accBad + " over", "out += product");
        // SwiGLU epilogue: rows 2i, 2i+1 are gate and up
        if (n % 2 == 0) {
            DeviceBuffer h = buffer((long) (act == Kind.F32 ? 4 : 2) * m * n / 2, "swiglu out");
            CudaBackend.gemm(k, dm, in, m, h, KernelMath.EPI_SWIGLU, act, GemmConfig.choose(m, n, ctx.info.multiprocessors()));
            ctx.synchronize(name + " swiglu");
            float[] hg = download(h, m * n / 2, act);
            double tol = act == Kind.BF16 ? 1.6e-2 : act == Kind.F16 ? 2e-3 : 1e-4;
            int sBad = 0;
            for (int row = 0; row < m; row++) {
                for (int i = 0; i < n / 2; i++) {
                    float want = KernelMath.act(KernelMath.siluMul(ref[row * n + 2 * i], ref[row * n + 2 * i + 1]), act);
                    double scale = Math.abs(want) + 1e-3 * (l1[row * n + 2 * i] + l1[row * n + 2 * i + 1]);
                    if (!(Math.abs(hg[row * (n / 2) + i] - want) <= tol * scale)) {
                        sBad++;
                    }
                }
            }
            r.check(SEC, name + " SwiGLU epilogue", sBad == 0, sBad + " over", "silu(gate) * up in " + act);
        }
    }

    // ------------------------------------------------------------------ element-wise kernels

    private void embed() {
        int vocab = 50, dim = 512;
        int[] tokens = {3, 49, 0, 3, 17};
        boolean all = true;
        StringBuilder which = new StringBuilder();
        for (Kind kind : Kind.values()) {
            byte[] raw = RandomModels.matrix(ggml(kind), vocab, dim, 1, rnd);
            MatrixPlan plan = MatrixPlan.single(bytes("embd", ggml(kind), vocab, dim, raw), kind);
            PackedChunk packed = plan.pack(0, vocab);
            DeviceMatrix dm = DeviceWeights.upload(ctx, plan);
            temp.add(dm.buf());
            DeviceBuffer tok = upload(tokens, "tokens");
            DeviceBuffer x = buffer(4L * tokens.length * dim, "x");
            k.launch("embed", tokens.length, 1, 1, 256, 0, tok, kind.ordinal(), dm.data(), dm.scales(), dm.dm(), dim, x);
            ctx.synchronize("embed " + kind);
            float[] got = download(x, tokens.length * dim, Kind.F32);
            boolean same = true;
            for (int t = 0; t < tokens.length; t++) {
                for (int i = 0; i < dim; i++) {
                    same &= Float.floatToRawIntBits(got[t * dim + i]) == Float.floatToRawIntBits(KernelMath.weightValue(packed, tokens[t], i));
                }
            }
            all &= same;
            which.append(kind).append(same ? " ok " : " DIFFERENT ");
        }
        r.check(SEC, "embed (every kind)", all, all ? "bit-identical" : "DIFFERENT", which.toString().trim());
    }

    private void rmsnorm() {
        int rows = 7, dim = 2048;
        float[] x = normal(rows * dim, 3);
        float[] w = normal(dim, 0.2);
        for (int i = 0; i < dim; i++) {
            w[i] += 1;
        }
        int[] gather = {6, 0, 3};
        DeviceBuffer dx = upload(x, Kind.F32, "x");
        DeviceBuffer dw = upload(w, Kind.F32, "w");
        DeviceBuffer dr = upload(gather, "rows");
        for (Kind out : new Kind[] {Kind.F32, Kind.F16, Kind.BF16}) {
            DeviceBuffer o = buffer(4L * gather.length * dim, "out");
            k.launch("rmsnorm", gather.length, 1, 1, 256, 0, dx, dr, dw, o, out.ordinal(), dim, 1e-5f);
            ctx.synchronize("rmsnorm");
            float[] got = download(o, gather.length * dim, out);
            float[] want = new float[gather.length * dim];
            for (int i = 0; i < gather.length; i++) {
                KernelMath.rmsnorm(x, gather[i] * dim, w, 1e-5f, want, i * dim, out);
            }
            double tol = out == Kind.F32 ? 1e-6 : out == Kind.F16 ? 1e-3 : 8e-3;
            int bad = 0;
            for (int i = 0; i < want.length; i++) {
                if (!(Math.abs(got[i] - want[i]) <= tol * Math.abs(want[i]) + 1e-7)) {
                    bad++;
                }
            }
            r.check(SEC, "rmsnorm -> " + out + " (gathering rows)", bad == 0, bad + " over", "relative limit " + tol);
        }
    }

    private void quantizeAct() {
        int rows = 5, cols = 2048 + 256 + 40; // whole blocks and a tail
        float[] x = normal(rows * cols, 2);
        x[3] = 9f;
        x[200] = -9f; // equal magnitudes in one Q8_K block: the first (+9) wins
        x[500] = 0f;
        DeviceBuffer dx = upload(x, Kind.F32, "x");
        for (dev.kindling.inference.cpu.ActivationFormat f : dev.kindling.inference.cpu.ActivationFormat.values()) {
            int code = switch (f) {
                case F32 -> 0;
                case F16 -> 1;
                case BF16 -> 2;
                case Q8_0 -> 3;
                case Q8_K -> 4;
            };
            for (Kind storage : new Kind[] {Kind.F16, Kind.BF16}) {
                DeviceBuffer o = buffer(2L * rows * cols, "out");
                k.launch("quantize_act", rows, (cols + 255) / 256, 1, 256, 0, dx, cols, code, o, storage.ordinal());
                ctx.synchronize("quantize_act");
                float[] got = download(o, rows * cols, storage);
                float[] want = x.clone();
                for (int r0 = 0; r0 < rows; r0++) {
                    KernelMath.roundInput(want, r0 * cols, cols, f, storage);
                }
                int bad = 0;
                for (int i = 0; i < want.length; i++) {
                    bad += Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(want[i]) ? 0 : 1;
                }
                r.check(SEC, "quantize_act " + f + " -> " + storage, bad == 0, bad == 0 ? "bit-identical" : bad + " differ",
                        "as the CPU engine rounds inputs (ActivationFormat)");
            }
        }
    }

    private void rope() {
        int heads = 8, kvh = 2, hd = 64, layers = 2, layer = 1, bs = 16;
        int[] positions = {0, 3, 17, 100, 1000};
        int[] blocks = {5, 0, 7, 2, 6};
        int n = positions.length;
        int qkvN = (heads + 2 * kvh) * hd;
        for (RopeStyle style : RopeStyle.values()) {
            for (boolean bias : new boolean[] {false, true}) {
                Rope rope = new Rope(style, hd, 500000, 1, null);
                float[] table = RopeTable.compute(rope, 0, 1001);
                float[] qkv = normal(n * qkvN, 1);
                float[] bq = bias ? normal(heads * hd, 0.1) : null;
                float[] bk = bias ? normal(kvh * hd, 0.1) : null;
                float[] bv = bias ? normal(kvh * hd, 0.1) : null;
                int[] slots = new int[n];
                for (int t = 0; t < n; t++) {
                    slots[t] = blocks[t] * bs + positions[t] % bs;
                }
                int poolFloats = 8 * layers * 2 * bs * kvh * hd;
                DeviceBuffer dq = upload(qkv, Kind.F32, "qkv");
                DeviceBuffer dpos = upload(positions, "positions");
                DeviceBuffer dslot = upload(slots, "slots");
                DeviceBuffer dt = upload(table, Kind.F32, "rope");
                DeviceBuffer pool = buffer(2L * poolFloats, "kv pool");
                k.launch("rope_store_kv", n, 1, 1, 128, 0, dq, dpos, dslot, dt, hd, style == RopeStyle.NEOX ? 1 : 0, heads, kvh,
                        hd, bias ? upload(bq, Kind.F32, "bq") : null, bias ? upload(bk, Kind.F32, "bk") : null,
                        bias ? upload(bv, Kind.F32, "bv") : null, pool, Kind.F16.ordinal(), layer, layers, bs);
                ctx.synchronize("rope_store_kv");
                float[] gotQ = download(dq, n * qkvN, Kind.F32);
                float[] gotKv = download(pool, poolFloats, Kind.F16);
                float[] wantKv = new float[poolFloats];
                Arrays.fill(wantKv, Float.NaN);
                float[] wantQ = qkv.clone();
                for (int t = 0; t < n; t++) {
                    KernelMath.ropeStoreKv(wantQ, t * qkvN, heads, kvh, hd, hd, style == RopeStyle.NEOX,
                            Arrays.copyOfRange(table, positions[t] * hd, positions[t] * hd + hd), bq, bk, bv, wantKv,
                            KernelMath.kvOffset(slots[t], bs, layer, layers, 0, kvh * hd),
                            KernelMath.kvOffset(slots[t], bs, layer, layers, 1, kvh * hd), Kind.F16);
                }
                int bad = 0;
                for (int t = 0; t < n; t++) {
                    for (int i = 0; i < (heads + kvh) * hd; i++) { // q and k (rotated); v only goes to the cache
                        bad += Float.floatToRawIntBits(gotQ[t * qkvN + i]) == Float.floatToRawIntBits(wantQ[t * qkvN + i]) ? 0 : 1;
                    }
                }
                for (int i = 0; i < poolFloats; i++) {
                    bad += Float.isNaN(wantKv[i]) || Float.floatToRawIntBits(gotKv[i]) == Float.floatToRawIntBits(wantKv[i]) ? 0 : 1;
                }
                r.check(SEC, "rope_store_kv " + style + (bias ? " +bias" : ""), bad == 0,
                        bad == 0 ? "bit-identical" : bad + " differ", "rotated q/k and the F16 cache entries");
            }
        }
    }

    // ------------------------------------------------------------------ attention

    private void attention(int heads, int kvh, int hd, Kind kvKind, int window) {
        attention(heads, kvh, hd, kvKind, window, 1060, true);
    }

    /**
     * Sequence A's 40 tokens at positions {@code first..first+39} (one prefill, then each token alone) and, with
     * {@code withB}, sequence B's decode token at 700.
     */
    private void attention(int heads, int kvh, int hd, Kind kvKind, int window, int first, boolean withB) {
        String name = "attention heads=" + heads + "/" + kvh + " hd=" + hd + " " + kvKind + (window > 0 ? " window=" + window : "")
                + (first != 1060 || !withB ? " at " + first + (withB ? "" : " alone") : "");
        int bs = 16, poolBlocks = 150, kvDim = kvh * hd;
        int[] perm = new int[poolBlocks];
        for (int i = 0; i < poolBlocks; i++) {
            perm[i] = i;
        }
        for (int i = poolBlocks - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] tableA = Arrays.copyOfRange(perm, 0, 69);    // positions 0..1103
        int[] tableB = Arrays.copyOfRange(perm, 69, 113);  // positions 0..703
        int[] posA = new int[40];
        for (int i = 0; i < 40; i++) {
            posA[i] = first + i;
        }
        float[] pool = normal(poolBlocks * 2 * bs * kvDim, 1);
        for (int i = 0; i < pool.length; i++) {
            pool[i] = HalfFloats.round(pool[i], kvKind);
        }
        // run 1: A's 40 tokens as one sequence (tiles of several tokens) + B's decode token
        Step s1 = new Step(64);
        int a = s1.addSequence(tableA);
        for (int p : posA) {
            s1.addToken(a, 1, p, false);
        }
        if (withB) {
            s1.addToken(s1.addSequence(tableB), 1, 700, false);
        }
        // run 2: every token its own sequence (tiles of one token: the decode path)
        Step s2 = new Step(64);
        for (int p : posA) {
            s2.addToken(s2.addSequence(tableA), 1, p, false);
        }
        if (withB) {
            s2.addToken(s2.addSequence(tableB), 1, 700, false);
        }
        int n = s1.tokenCount();
        int qkvN = (heads + 2 * kvh) * hd;
        float[] qkv = normal(n * qkvN, 1);
        float[][] outs = new float[2][];
        StepPlan p1 = null;
        DeviceBuffer dq = upload(qkv, Kind.F32, "qkv");
        DeviceBuffer dpool = upload(pool, kvKind, "kv pool");
        for (int run = 0; run < 2; run++) {
            StepPlan p = new StepPlan(run == 0 ? s1 : s2, cfg(heads, kvh, hd, window), bs);
            if (run == 0) {
                p1 = p;
            }
            DeviceBuffer part = buffer(4L * p.partSlots * (hd + 2), "partials");
            DeviceBuffer out = buffer(4L * n * heads * hd, "out");
            int grid = Math.max(1, Integer.highestOneBit(p.maxSplits - 1) << 1);
            int smem = GemmConfig.attentionSharedBytes(hd, kvKind);
            k.launch("attention", p.tileCount, kvh, grid, 128, smem, dq, dpool, kvKind.ordinal(), 0, 1, bs,
                    upload(p.tables, "tables"), upload(p.tableOff, "table offsets"), upload(p.tileToken, "tile tokens"),
                    upload(p.tileLen, "tile lengths"), upload(p.tileSeq, "tile sequences"), upload(p.positions, "positions"),
                    upload(p.partBase, "partial bases"), heads, kvh, hd, window, (float) (1.0 / Math.sqrt(hd)), part);
            k.launch("attention_combine", n, heads, 1, 128, 0, part, upload(p.partBase, "partial bases"),
                    upload(p.positions, "positions"), heads, hd, out, Kind.F32.ordinal());
            ctx.synchronize(name);
            outs[run] = download(out, n * heads * hd, Kind.F32);
        }
        float[] want = new float[n * heads * hd];
        KernelMath.attention(p1, qkv, pool, 0, 1, bs, heads, kvh, hd, window, want, Kind.F32);
        int bad = 0;
        double worst = 0;
        int worstAt = -1;
        // which (token, head) pairs are wrong: the tokens' positions, and the heads, say which split or tile is at fault
        java.util.TreeSet<Integer> badPositions = new java.util.TreeSet<>();
        java.util.TreeSet<Integer> badHeads = new java.util.TreeSet<>();
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(outs[0][i] - want[i]) / (Math.abs(want[i]) + 1e-2);
            err = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
            if (err > worst || worstAt < 0) {
                worst = err;
                worstAt = i;
            }
            if (err > 1e-5) {
                bad++;
                badPositions.add(p1.positions[i / (heads * hd)]);
                badHeads.add(i / hd % heads);
            }
        }
        String where = bad == 0 ? "" : "; " + bad + " wrong at positions " + abbreviate(badPositions) + ", heads " + badHeads
                + "; worst: token " + worstAt / (heads * hd) + " head " + worstAt / hd % heads + " dim " + worstAt % hd + " got "
                + outs[0][worstAt] + " want " + want[worstAt];
        r.check(SEC, name + " vs Java twin", bad == 0, "worst " + f(worst), "positions " + first + ".." + (first + 39)
                + (withB ? " and 700" : "") + ", GQA, tiles" + where);
        boolean same = Arrays.equals(outs[0], outs[1]);
        int differ = 0;
        for (int i = 0; i < outs[0].length; i++) {
            differ += Float.compare(outs[0][i], outs[1][i]) == 0 ? 0 : 1;
        }
        r.check(SEC, name + " tile invariance", same, same ? "bit-identical" : differ + " DIFFERENT",
                "40-token tiles vs one token per tile");
    }

    /** The first and last few of a set of numbers. */
    private static String abbreviate(java.util.SortedSet<Integer> v) {
        List<Integer> all = new ArrayList<>(v);
        return all.size() <= 8 ? all.toString() : all.subList(0, 4) + "..." + all.subList(all.size() - 3, all.size())
                + " (" + all.size() + ")";
    }

    static dev.kindling.inference.model.ModelConfig cfg(int heads, int kvh, int hd, int window) {
        return new dev.kindling.inference.model.ModelConfig(dev.kindling.inference.model.Architecture.LLAMA, heads * hd, 4 * hd,
                1, heads, kvh, hd, 100, 4096, 1e-5f, new Rope(RopeStyle.ADJACENT, hd, 10000, 1, null), window, false);
    }

    // ------------------------------------------------------------------ logits_reduce

    private void reduce() {
        int vocab = 32000, m = 48;
        float[] logits = new float[m * vocab];
        LogitReduction[] req = new LogitReduction[m];
        float[][] params = {{0.7f, 40, 0.9f, 0f}, {1f, 0, 0.95f, 0f}, {1f, 0, 1f, 0f}, {1.3f, 5, 1f, 0.05f}, {0.9f, 1500, 0.8f, 0f}};
        for (int i = 0; i < m; i++) {
            boolean flat = i >= m - 4;
            for (int v = 0; v < vocab; v++) {
                logits[i * vocab + v] = (float) ((flat ? 0.01 : 2) * gaussian());
            }
            if (flat) {
                // too many candidates to sort on the device: with top-k the radix select finds them, without it the host does
                req[i] = LogitReduction.sample(1f, i % 2 == 0 ? 50 : 0, 0.999f, 0f, (float) rnd.nextDouble());
                continue;
            }
            if (i == m - 8 || i == m - 5) {
                // a model with a NaN weight computes NaN logits (row 40 asks for the argmax, 43 for a top-k sample):
                // token 0, and its NaN logit as the value for the host to see
                java.util.Arrays.fill(logits, i * vocab, (i + 1) * vocab, Float.NaN);
            }
            req[i] = switch (i % 4) {
                case 0 -> LogitReduction.argmax();
                case 1 -> LogitReduction.logprob(rnd.nextInt(vocab));
                default -> {
                    float[] p = params[i % params.length];
                    yield LogitReduction.sample(p[0], (int) p[1], p[2], p[3], (float) rnd.nextDouble());
                }
            };
            if (i % 3 == 2 && i < m - 8) {
                // a generation whose tokenizer is smaller than the model's output rows considers the first ids only;
                // the row's largest logits are put past them, where only a reduction over the whole row would find them
                req[i] = req[i].withColumns(vocab - 100);
                for (int v = vocab - 100; v < vocab; v++) {
                    logits[i * vocab + v] = 10f + (float) gaussian();
                }
            }
        }
        int[] reqI = new int[4 * m];
        float[] reqF = new float[4 * m];
        for (int i = 0; i < m; i++) {
            LogitReduction q = req[i];
            reqI[4 * i] = switch (q.kind()) {
                case ARGMAX -> 1;
                case SAMPLE -> 2;
                case LOGPROB -> 3;
            };
            reqI[4 * i + 1] = q.topK();
            reqI[4 * i + 2] = Math.max(0, q.target());
            reqI[4 * i + 3] = q.columnsOf(vocab);
            reqF[4 * i] = q.temperature();
            reqF[4 * i + 1] = q.topP();
            reqF[4 * i + 2] = q.minP();
            reqF[4 * i + 3] = q.coin();
        }
        DeviceBuffer dl = upload(logits, Kind.F32, "logits");
        DeviceBuffer scratch = buffer(4L * m * vocab, "scratch");
        DeviceBuffer tok = buffer(4L * m, "tokens");
        DeviceBuffer val = buffer(4L * m, "values");
        DeviceBuffer st = buffer(4L * m, "status");
        k.launch("logits_reduce", m, 1, 1, 1024, 0, dl, vocab, upload(reqI, "requests"), upload(reqF, Kind.F32, "parameters"), scratch,
                tok, val, st);
        ctx.synchronize("logits_reduce");
        int[] gotTok = new int[m];
        int[] gotSt = new int[m];
        ctx.download(gotTok, tok, 0, m);
        ctx.download(gotSt, st, 0, m);
        float[] gotVal = download(val, m, Kind.F32);
        int tokBad = 0, valBad = 0, host = 0, hostWrong = 0;
        for (int i = 0; i < m; i++) {
            boolean expectHost = needsHost(logits, i * vocab, vocab, req[i]);
            if (gotSt[i] != 0) {
                host++;
                hostWrong += expectHost ? 0 : 1;
                continue;
            }
            hostWrong += expectHost ? 1 : 0;
            int[] wantTok = new int[1];
            float[] wantVal = new float[1];
            req[i].reduce(logits, i * vocab, vocab, wantTok, wantVal, 0);
            tokBad += gotTok[i] == wantTok[0] ? 0 : 1;
            if (req[i].kind() == LogitReduction.Kind.LOGPROB) {
                valBad += Math.abs(gotVal[i] - wantVal[0]) <= 1e-6 * Math.abs(wantVal[0]) + 1e-6 ? 0 : 1;
            } else {
                // the chosen token's logit, bit for bit (NaN for the NaN row)
                valBad += Float.floatToIntBits(gotVal[i]) == Float.floatToIntBits(wantVal[0]) ? 0 : 1;
            }
        }
        r.check(SEC, "logits_reduce tokens vs host sampler", tokBad == 0, tokBad + " of " + (m - host) + " differ",
                "argmax, top-k/top-p/min-p samples with the same coins");
        r.check(SEC, "logits_reduce values", valBad == 0, valBad + " differ",
                "log-probs to relative 1e-6; the chosen logit exactly, NaN for a NaN row");
        r.check(SEC, "logits_reduce host fallback", hostWrong == 0 && host >= 2, host + " rows to the host",
                "exactly the rows with more than 2048 candidates and no top-k <= 2048, or top-p after a top-k past the candidates ("
                        + hostWrong + " wrong)");
    }

    /**
     * Whether sample.cu hands a row to the host: more than CAP candidates and no top-k <= CAP to select them, or top-p
     * after a top-k larger than the candidates.
     */
    static boolean needsHost(float[] z, int off, int n, LogitReduction q) {
        n = q.columnsOf(n);
        if (q.kind() != LogitReduction.Kind.SAMPLE || q.temperature() == 0f
                || (q.topK() == 0 && q.topP() >= 1f && q.minP() == 0f)) {
            return false;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, z[off + i]);
        }
        float[] e = new float[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            e[i] = (float) Math.exp((z[off + i] - max) / q.temperature());
            sum += e[i];
        }
        double cutoff = q.topP() < 1f ? (1.0 - q.topP()) / (n - 1) * sum : 0;
        List<Float> cand = new ArrayList<>();
        for (float v : e) {
            if (v >= cutoff && v >= q.minP()) {
                cand.add(v);
            }
        }
        if (cand.size() <= 2048) {
            // top-p after a top-k that reaches past the candidates: its mass needs the other tokens (LogitReduction.topKMass)
            return !cand.isEmpty() && q.topP() < 1f && q.topK() > 0 && q.topK() < n && cand.size() < q.topK();
        }
        if (q.topK() <= 0 || q.topK() > 2048) {
            return true;
        }
        cand.sort(java.util.Collections.reverseOrder());
        float kth = cand.get(q.topK() - 1);
        return cand.stream().filter(v -> v >= kth).count() > 2048;
    }
}
