package dev.kindling.inference.arch;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.FeedForward;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Linear;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Moe;
import dev.kindling.inference.model.Norm;
import dev.kindling.inference.model.Weights;
import dev.kindling.inference.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds {@link Weights} for any family from canonical tensor names (see {@link Checkpoint}),
 * checking every shape against the configuration. What is optional is decided by presence: biases,
 * a fused {@code attn_qkv} instead of separate Q/K/V, the FFN norm of a parallel block, an untied
 * {@code output.weight}, BLOOM's {@code token_embd_norm}, learned {@code position_embd}; and the
 * final norm by the configuration too ({@link Checkpoint#omitted}: OPT builds none when post-norm or
 * {@code _remove_final_layer_norm}).
 *
 * <pre>
 *   token_embd.weight [vocab, emb]   position_embd.weight [positions, dim]   token_embd_norm.{weight,bias}
 *   proj_in.weight [dim, emb]        proj_out.weight [emb, dim]              (OPT-350m's projections)
 *   blk.N.attn_norm.{weight,bias}    blk.N.attn_q / attn_k / attn_v .{weight,bias}  or  blk.N.attn_qkv.{weight,bias}
 *   blk.N.attn_output.{weight,bias}  blk.N.ffn_norm.{weight,bias}
 *   blk.N.ffn_gate / ffn_up / ffn_down .{weight,bias}
 *   blk.N.ffn_gate_inp.weight [experts, dim]   blk.N.ffn_gate.E.weight, ffn_up.E, ffn_down.E   (experts)
 *   output_norm.{weight,bias}        output.{weight,bias}
 * </pre>
 */
public final class WeightsLoader {
    private final Checkpoint ck;
    private final ModelConfig c;

    private WeightsLoader(Checkpoint ck, ModelConfig c) {
        this.ck = ck;
        this.c = c;
    }

    public static Weights load(Checkpoint ck, ModelConfig c) {
        return new WeightsLoader(ck, c).load();
    }

    private Weights load() {
        if (c.architecture().positions() == Architecture.Positions.ALIBI && !c.hasAlibiSlopes()) {
            throw bad("an ALiBi model needs one slope per head (" + c.heads() + "); the configuration has none");
        }
        long[] emb = shape("token_embd.weight");
        int embDim = Math.toIntExact(emb[1]);
        if (emb[0] < c.vocabSize()) {
            throw bad(ck.describe("token_embd.weight") + " has " + emb[0] + " rows, fewer than the vocabulary of " + c.vocabSize());
        }
        if (embDim != c.dim() && !ck.has("proj_in.weight")) {
            // only OPT-350m's embeddings are narrower than its blocks (proj_in maps them): elsewhere "missing tensor proj_in.weight"
            // named a tensor no such model has, for a configuration that disagrees with its weights
            throw bad(ck.describe("token_embd.weight") + " has " + embDim + " columns, but the model's dimension is " + c.dim()
                    + " (hidden_size, or embedding_length in a GGUF): the configuration does not fit these weights");
        }
        Tensor embedding = matrix("token_embd.weight", (int) emb[0], embDim);
        Tensor positions = null;
        if (c.architecture().positions() == Architecture.Positions.LEARNED) {
            long[] p = shape("position_embd.weight");
            long needed = (long) c.contextLength() + c.architecture().positionOffset();
            if (p[0] < needed) {
                throw bad("position_embd.weight has " + p[0] + " rows; the context of " + c.contextLength()
                        + " positions needs " + needed);
            }
            positions = matrix("position_embd.weight", (int) p[0], c.dim());
        }
        Linear projectIn = embDim != c.dim() ? linear("proj_in", c.dim(), embDim) : null;
        Norm embeddingNorm = ck.has("token_embd_norm.weight") ? norm("token_embd_norm", c.dim()) : null;
        // grown as the layers load: a layer count past the checkpoint's (num_hidden_layers 2000000000) sized an array of
        // them before any tensor was looked for, an OutOfMemoryError
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String b = "blk." + i + ".";
            if (i > 0 && Stream.of("attn_output", "ffn_down", "ffn_gate_inp").noneMatch(n -> ck.has(b + n + ".weight"))) {
                throw bad("the configuration gives " + c.layers() + " layers (num_hidden_layers, or block_count in a GGUF), but the "
                        + "weights hold " + i + ": there is no " + ck.describe(b + "attn_output.weight"));
            }
            layers.add(layer(i));
        }
        Norm finalNorm = ck.has("output_norm.weight") ? norm("output_norm", c.dim()) : null;
        // a post-norm block ends normalized; otherwise only a configuration that says so has no final norm
        if (finalNorm == null && c.architecture().residual() != Architecture.Residual.POST_NORM && !ck.omitted("output_norm.weight")) {
            throw bad("missing tensor " + ck.describe("output_norm.weight"));
        }
        Linear projectOut = embDim != c.dim() ? linear("proj_out", embDim, c.dim()) : null;
        Linear classifier;
        if (c.tiedEmbeddings()) {
            Tensor shared = embedding.rows() == c.vocabSize() ? embedding : matrix("token_embd.weight", c.vocabSize(), embDim);
            classifier = new Linear(shared, ck.has("output.bias") ? vector("output.bias", c.vocabSize()) : null);
        } else {
            classifier = linear("output", c.vocabSize(), embDim);
        }
        return new Weights(embedding, positions, embeddingNorm, projectIn, layers.toArray(new LayerWeights[0]), finalNorm, projectOut, classifier);
    }

    private LayerWeights layer(int i) {
        String b = "blk." + i + ".";
        int qDim = c.qDim();
        int kvDim = c.kvDim(i);
        Norm attnNorm = norm(b + "attn_norm", c.dim());
        Linear q, k, v;
        if (ck.has(b + "attn_qkv.weight")) {
            long[] s = shape(b + "attn_qkv.weight");
            expect(b + "attn_qkv.weight", s, qDim + 2L * kvDim, c.dim());
            q = slice(b + "attn_qkv", 0, qDim);
            k = slice(b + "attn_qkv", qDim, kvDim);
            v = slice(b + "attn_qkv", qDim + kvDim, kvDim);
        } else {
            q = linear(b + "attn_q", qDim, c.dim());
            k = linear(b + "attn_k", kvDim, c.dim());
            v = linear(b + "attn_v", kvDim, c.dim());
        }
        Linear o = linear(b + "attn_output", c.dim(), qDim);
        Norm ffnNorm = ck.has(b + "ffn_norm.weight") ? norm(b + "ffn_norm", c.dim()) : null;
        if (ffnNorm == null && c.architecture().residual() != Architecture.Residual.PARALLEL) {
            throw bad("missing tensor " + ck.describe(b + "ffn_norm.weight"));
        }
        if (c.experts() > 0) {
            long[] r = shape(b + "ffn_gate_inp.weight");
            expect(b + "ffn_gate_inp.weight", r, c.experts(), c.dim());
            Tensor router = matrix(b + "ffn_gate_inp.weight", c.experts(), c.dim());
            FeedForward[] experts = new FeedForward[c.experts()];
            for (int e = 0; e < c.experts(); e++) {
                experts[e] = new FeedForward(
                        Linear.of(expert(b + "ffn_gate." + e + ".weight", c.hiddenDim(), c.dim())),
                        Linear.of(expert(b + "ffn_up." + e + ".weight", c.hiddenDim(), c.dim())),
                        Linear.of(expert(b + "ffn_down." + e + ".weight", c.dim(), c.hiddenDim())));
            }
            return new LayerWeights(attnNorm, q, k, v, o, ffnNorm, null, new Moe(router, experts));
        }
        int hidden = c.hiddenDim(i);
        Linear gate = c.architecture().ffn() == Architecture.Ffn.GATED ? linear(b + "ffn_gate", hidden, c.dim()) : null;
        FeedForward ffn = new FeedForward(gate, linear(b + "ffn_up", hidden, c.dim()), linear(b + "ffn_down", c.dim(), hidden));
        return new LayerWeights(attnNorm, q, k, v, o, ffnNorm, ffn, null);
    }

    private ModelFormatException bad(String message) {
        return new ModelFormatException(ck.path(), message);
    }

    private long[] shape(String name) {
        if (!ck.has(name)) {
            throw bad("missing tensor " + ck.describe(name));
        }
        return ck.shape(name);
    }

    private void expect(String name, long[] shape, long rows, long cols) {
        if (shape[0] != rows || shape[1] != cols) {
            throw bad("tensor " + ck.describe(name) + " has " + shape[0] + " x " + shape[1] + " (rows x cols), expected " + rows + " x " + cols
                    + " from the model's hyper-parameters");
        }
    }

    private Tensor matrix(String name, int rows, int cols) {
        Tensor t = ck.matrix(name, 0, rows);
        if (t.cols() != cols) {
            throw bad("tensor " + ck.describe(name) + " has rows of " + t.cols() + ", expected " + cols + " from the model's hyper-parameters");
        }
        return t;
    }

    private Tensor expert(String name, int rows, int cols) {
        if (!ck.has(name)) {
            throw bad("missing tensor " + ck.describe(name));
        }
        return matrix(name, rows, cols);
    }

    private Linear linear(String prefix, int rows, int cols) {
        expect(prefix + ".weight", shape(prefix + ".weight"), rows, cols);
        Tensor w = matrix(prefix + ".weight", rows, cols);
        return new Linear(w, ck.has(prefix + ".bias") ? vector(prefix + ".bias", rows) : null);
    }

    /** Rows {@code [first, first + rows)} of a fused product (and its bias). */
    private Linear slice(String prefix, int first, int rows) {
        Tensor w = ck.matrix(prefix + ".weight", first, rows);
        float[] bias = null;
        if (ck.has(prefix + ".bias")) {
            long[] s = ck.shape(prefix + ".bias");
            if (s[0] * s[1] < first + (long) rows) {
                throw bad("tensor " + prefix + ".bias has " + s[0] * s[1] + " values, expected " + (first + rows) + " or more");
            }
            bias = ck.floats(prefix + ".bias", first, rows);
        }
        return new Linear(w, bias);
    }

    private float[] vector(String name, int n) {
        long[] s = shape(name);
        if (s[0] * s[1] != n) {
            throw bad("tensor " + ck.describe(name) + " has " + s[0] * s[1] + " values, expected " + n);
        }
        return ck.floats(name, 0, n);
    }

    private Norm norm(String prefix, int n) {
        return new Norm(vector(prefix + ".weight", n), ck.has(prefix + ".bias") ? vector(prefix + ".bias", n) : null);
    }
}
