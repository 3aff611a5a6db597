package dev.kindling.inference.cuda.pack;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Weights;
import java.util.ArrayList;
import java.util.List;

/**
 * How a model's weights are laid out on the GPU: the activation kind, and per layer the fused
 * matrices (QKV stacked, gate/up interleaved) with the kind each is uploaded in. Built from the
 * GGUF file itself (row ranges mapped straight from disk, quantized blocks kept) or from a loaded
 * {@link Model} (llama2.c checkpoints). Pure Java: the CUDA uploader and the Java reference
 * backend read the same plan.
 */
public final class ModelPlan {
    /** One transformer block. Biases are null when absent. */
    public record Layer(float[] attnNorm, MatrixPlan qkv, MatrixPlan wo, float[] ffnNorm, MatrixPlan gateUp,
            MatrixPlan down, float[] bq, float[] bk, float[] bv) {}

    public final ModelConfig config;
    /** Kind of the matrix inputs (F32, F16 or BF16). */
    public final Kind act;
    /**
     * Kind of the KV cache: F32 for F32 models (exact checks) and for head sizes that are not a
     * multiple of 8 (the attention kernel moves 16 bytes at a time), else F16.
     */
    public final Kind kv;
    public final MatrixPlan embedding;
    public final List<Layer> layers;
    public final float[] outputNorm;
    /** The classifier; the same object as {@link #embedding} when the embeddings are tied. */
    public final MatrixPlan output;

    private ModelPlan(ModelConfig config, Kind act, MatrixPlan embedding, List<Layer> layers, float[] outputNorm,
            MatrixPlan output) {
        this.config = config;
        this.act = act;
        this.kv = act == Kind.F32 || config.headDim() % 8 != 0 ? Kind.F32 : Kind.F16;
        this.embedding = embedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
    }

    /** Sources of one block, by role. */
    private record LayerSources(WeightSource q, WeightSource k, WeightSource v, WeightSource o, WeightSource gate,
            WeightSource up, WeightSource down, float[] attnNorm, float[] ffnNorm, float[] bq, float[] bk, float[] bv) {}

    /** From a loaded model: every tensor through {@link WeightSource#of}. */
    public static ModelPlan of(Model m) {
        Weights w = m.weights();
        List<LayerSources> ls = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            ls.add(new LayerSources(WeightSource.of(l.wq()), WeightSource.of(l.wk()), WeightSource.of(l.wv()),
                    WeightSource.of(l.wo()), WeightSource.of(l.wGate()), WeightSource.of(l.wUp()), WeightSource.of(l.wDown()),
                    l.attnNorm(), l.ffnNorm(), l.bq(), l.bk(), l.bv()));
        }
        WeightSource out = WeightSource.of(w.output());
        return build(m.config(), WeightSource.of(w.tokenEmbedding()), ls, w.outputNorm(), out, m.config().tiedEmbeddings());
    }

    /**
     * From the GGUF file (tensor names as {@code GgufModelLoader} reads them); norm vectors are
     * taken from the loaded model's weights (small), the matrices mapped from the file.
     */
    public static ModelPlan of(Model m, GgufFile gguf) {
        ModelConfig c = m.config();
        List<LayerSources> ls = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            LayerWeights l = m.weights().layers()[i];
            ls.add(new LayerSources(
                    WeightSource.gguf(gguf, b + "attn_q.weight", c.qDim(), c.dim()),
                    WeightSource.gguf(gguf, b + "attn_k.weight", c.kvDim(), c.dim()),
                    WeightSource.gguf(gguf, b + "attn_v.weight", c.kvDim(), c.dim()),
                    WeightSource.gguf(gguf, b + "attn_output.weight", c.dim(), c.qDim()),
                    WeightSource.gguf(gguf, b + "ffn_gate.weight", c.hiddenDim(), c.dim()),
                    WeightSource.gguf(gguf, b + "ffn_up.weight", c.hiddenDim(), c.dim()),
                    WeightSource.gguf(gguf, b + "ffn_down.weight", c.dim(), c.hiddenDim()),
                    l.attnNorm(), l.ffnNorm(), l.bq(), l.bk(), l.bv()));
        }
        WeightSource embd = WeightSource.gguf(gguf, "token_embd.weight", c.vocabSize(), c.dim());
        WeightSource out = c.tiedEmbeddings() ? embd : WeightSource.gguf(gguf, "output.weight", c.vocabSize(), c.dim());
        return build(c, embd, ls, m.weights().outputNorm(), out, c.tiedEmbeddings());
    }

    private static ModelPlan build(ModelConfig c, WeightSource embd, List<LayerSources> ls, float[] outNorm,
            WeightSource out, boolean tied) {
        List<WeightSource> matrices = new ArrayList<>();
        for (LayerSources l : ls) {
            matrices.addAll(List.of(l.q, l.k, l.v, l.o, l.gate, l.up, l.down));
        }
        matrices.add(out);
        Kind act = WeightPacker.activationKind(matrices);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) {
            LayerSources l = ls.get(i);
            String b = "blk." + i + ".";
            layers.add(new Layer(l.attnNorm,
                    MatrixPlan.stacked(b + "qkv", List.of(l.q, l.k, l.v), common(act, l.q, l.k, l.v)),
                    MatrixPlan.single(l.o, WeightPacker.matrixKind(l.o.type(), act, l.o.cols())),
                    l.ffnNorm,
                    MatrixPlan.interleaved(b + "gate_up", l.gate, l.up, common(act, l.gate, l.up)),
                    MatrixPlan.single(l.down, WeightPacker.matrixKind(l.down.type(), act, l.down.cols())),
                    l.bq, l.bk, l.bv));
        }
        MatrixPlan output = MatrixPlan.single(out, WeightPacker.matrixKind(out.type(), act, out.cols()));
        MatrixPlan embedding = tied ? output : MatrixPlan.single(embd, WeightPacker.embeddingKind(embd.type(), act));
        return new ModelPlan(c, act, embedding, layers, outNorm, output);
    }

    /** The kind fused parts share: theirs when they agree, else the activation kind. */
    private static Kind common(Kind act, WeightSource... parts) {
        Kind k = WeightPacker.matrixKind(parts[0].type(), act, parts[0].cols());
        for (WeightSource p : parts) {
            if (WeightPacker.matrixKind(p.type(), act, p.cols()) != k) {
                return act;
            }
        }
        return k;
    }

    /** Bytes of every matrix on the device (each shared matrix once). */
    public long deviceBytes() {
        long b = embedding.deviceBytes() + (output == embedding ? 0 : output.deviceBytes());
        for (Layer l : layers) {
            b += l.qkv.deviceBytes() + l.wo.deviceBytes() + l.gateUp.deviceBytes() + l.down.deviceBytes();
            b += 4L * (l.attnNorm.length + l.ffnNorm.length);
        }
        return b + 4L * outputNorm.length;
    }

    /** Bytes a decode step streams: every block matrix and the classifier. */
    public long bytesPerToken() {
        long b = output.deviceBytes();
        for (Layer l : layers) {
            b += l.qkv.deviceBytes() + l.wo.deviceBytes() + l.gateUp.deviceBytes() + l.down.deviceBytes();
        }
        return b;
    }
}
