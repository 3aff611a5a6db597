package dev.kindling.inference.cuda;

import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cuda.pack.Kind;
import dev.kindling.inference.cuda.pack.MatrixPlan;
import dev.kindling.inference.cuda.pack.ModelPlan;
import dev.kindling.inference.cuda.pack.PackedChunk;
import dev.kindling.inference.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights on one GPU, uploaded once ({@link #upload}) or generated there for the
 * benchmarks ({@link #synthetic}: random values in real model shapes, no file needed).
 */
public final class DeviceWeights {
    /** One block; biases are null when absent. */
    public record Layer(DeviceBuffer attnNorm, DeviceMatrix qkv, DeviceMatrix wo, DeviceBuffer ffnNorm,
            DeviceMatrix gateUp, DeviceMatrix down, DeviceBuffer bq, DeviceBuffer bk, DeviceBuffer bv) {}

    public final ModelConfig config;
    public final Kind act;
    public final Kind kv;
    public final DeviceMatrix embedding;
    public final DeviceMatrix output;
    public final List<Layer> layers;
    public final DeviceBuffer outputNorm;

    private DeviceWeights(ModelConfig config, Kind act, Kind kv, DeviceMatrix embedding, DeviceMatrix output,
            List<Layer> layers, DeviceBuffer outputNorm) {
        this.config = config;
        this.act = act;
        this.kv = kv;
        this.embedding = embedding;
        this.output = output;
        this.layers = layers;
        this.outputNorm = outputNorm;
    }

    /** Bytes a decode step streams (block matrices and the classifier). */
    public long bytesPerToken() {
        long b = output.bytes();
        for (Layer l : layers) {
            b += l.qkv.bytes() + l.wo.bytes() + l.gateUp.bytes() + l.down.bytes();
        }
        return b;
    }

    /** Uploads the plan's matrices in chunks of about 64 MiB (packed on the host, copied synchronously). */
    public static DeviceWeights upload(CudaContext ctx, ModelPlan plan) {
        DeviceMatrix output = upload(ctx, plan.output);
        DeviceMatrix embedding = plan.embedding == plan.output ? output : upload(ctx, plan.embedding);
        List<Layer> layers = new ArrayList<>();
        int i = 0;
        for (ModelPlan.Layer l : plan.layers) {
            String b = "blk." + i++ + ".";
            layers.add(new Layer(floats(ctx, b + "attn_norm", l.attnNorm()), upload(ctx, l.qkv()), upload(ctx, l.wo()),
                    floats(ctx, b + "ffn_norm", l.ffnNorm()), upload(ctx, l.gateUp()), upload(ctx, l.down()),
                    floats(ctx, b + "bq", l.bq()), floats(ctx, b + "bk", l.bk()), floats(ctx, b + "bv", l.bv())));
        }
        return new DeviceWeights(plan.config, plan.act, plan.kv, embedding, output, layers,
                floats(ctx, "output_norm", plan.outputNorm));
    }

    static DeviceMatrix upload(CudaContext ctx, MatrixPlan m) {
        DeviceMatrix d = DeviceMatrix.allocate(ctx, m.name(), m.kind(), m.format(), m.rows(), m.cols());
        int step = m.rowsPerChunk(64L << 20);
        for (int first = 0; first < m.rows(); first += step) {
            int n = Math.min(step, m.rows() - first);
            PackedChunk c = m.pack(first, n);
            ctx.upload(d.buf(), (long) first * c.dataRowBytes(), c.data(), 0, c.data().length);
            if (c.scales().length > 0) {
                ctx.upload(d.buf(), d.scalesOffset() + (long) first * c.scaleRowBytes(), c.scales(), 0, c.scales().length);
            }
            if (c.dm().length > 0) {
                ctx.upload(d.buf(), d.dmOffset() + (long) first * c.dmRowBytes(), c.dm(), 0, c.dm().length);
            }
        }
        return d;
    }

    static DeviceBuffer floats(CudaContext ctx, String name, float[] v) {
        if (v == null) {
            return null;
        }
        DeviceBuffer b = ctx.alloc(4L * v.length, name);
        ctx.upload(b, v);
        return b;
    }

    /**
     * Random weights of {@code kind} (F16, BF16, Q8_0, Q4_0 or Q4_K) in the shapes of {@code c},
     * generated on the device (std ~ 1/sqrt(fan in), classifier ~ 3/sqrt(dim), norms 1 +- 0.1):
     * the benchmarks' stand-in for a model file, as the transformers anchors use random weights.
     */
    public static DeviceWeights synthetic(CudaContext ctx, Kernels k, ModelConfig c, Kind kind, long seed) {
        Kind act = kind == Kind.BF16 ? Kind.BF16 : kind == Kind.F32 ? Kind.F32 : Kind.F16;
        long[] s = {seed};
        List<Layer> layers = new ArrayList<>();
        int qkvRows = c.qDim() + 2 * c.kvDim();
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            layers.add(new Layer(
                    norm(ctx, k, b + "attn_norm", c.dim(), s[0]++),
                    random(ctx, k, b + "qkv", kind, qkvRows, c.dim(), 1 / Math.sqrt(c.dim()), s[0]++),
                    random(ctx, k, b + "wo", kind, c.dim(), c.qDim(), 1 / Math.sqrt(c.qDim()), s[0]++),
                    norm(ctx, k, b + "ffn_norm", c.dim(), s[0]++),
                    random(ctx, k, b + "gate_up", kind, 2 * c.hiddenDim(), c.dim(), 1 / Math.sqrt(c.dim()), s[0]++),
                    random(ctx, k, b + "down", kind, c.dim(), c.hiddenDim(), 1 / Math.sqrt(c.hiddenDim()), s[0]++),
                    null, null, null));
        }
        DeviceMatrix output = random(ctx, k, "output", kind, c.vocabSize(), c.dim(), 3 / Math.sqrt(c.dim()), s[0]++);
        DeviceMatrix embedding = c.tiedEmbeddings() ? output
                : random(ctx, k, "token_embd", kind, c.vocabSize(), c.dim(), 1.0, s[0]++);
        ctx.synchronize("generating synthetic weights");
        return new DeviceWeights(c, act, act == Kind.F32 || c.headDim() % 8 != 0 ? Kind.F32 : Kind.F16, embedding, output, layers,
                norm(ctx, k, "output_norm", c.dim(), s[0]++));
    }

    private static DeviceMatrix random(CudaContext ctx, Kernels k, String name, Kind kind, int rows, int cols, double std,
            long seed) {
        ActivationFormat format = switch (kind) {
            case F16 -> ActivationFormat.F16;
            case BF16 -> ActivationFormat.BF16;
            case Q8_0, Q4_0 -> ActivationFormat.Q8_0;
            case Q4_K -> ActivationFormat.Q8_K;
            default -> ActivationFormat.F32;
        };
        DeviceMatrix m = DeviceMatrix.allocate(ctx, name, kind, format, rows, cols);
        long n = (long) rows * cols;
        int grid = 4096;
        switch (kind) {
            case F16, BF16 -> k.launch("fill_random_16", grid, 1, 1, 256, 0, m.data(), n, seed, (float) std, kind.ordinal(), 0);
            case Q8_0 -> {
                k.launch("fill_random_bytes", grid, 1, 1, 256, 0, m.data(), n, seed, 0xFF);
                k.launch("fill_random_16", grid, 1, 1, 256, 0, m.scales(), n / 32, seed + 7, (float) (std / 73.0), Kind.F16.ordinal(), 1);
            }
            case Q4_0 -> {
                k.launch("fill_random_bytes", grid, 1, 1, 256, 0, m.data(), n / 2, seed, 0xFF);
                k.launch("fill_random_16", grid, 1, 1, 256, 0, m.scales(), n / 32, seed + 7, (float) (std / 4.6), Kind.F16.ordinal(), 1);
            }
            case Q4_K -> {
                k.launch("fill_random_bytes", grid, 1, 1, 256, 0, m.data(), n / 2, seed, 0xFF);
                k.launch("fill_random_bytes", grid, 1, 1, 256, 0, m.scales(), n / 16, seed + 5, 63);
                k.launch("fill_random_16", grid, 1, 1, 256, 0, m.dm(), n / 128, seed + 7, (float) (std / 145.0), Kind.F16.ordinal(), 1);
            }
            default -> throw new IllegalArgumentException("synthetic " + kind + " weights are not supported");
        }
        return m;
    }

    private static DeviceBuffer norm(CudaContext ctx, Kernels k, String name, int n, long seed) {
        DeviceBuffer b = ctx.alloc(4L * n, name);
        k.launch("fill_random_f32", 64, 1, 1, 256, 0, b, (long) n, seed, 1.0f, 0.1f);
        return b;
    }
}
