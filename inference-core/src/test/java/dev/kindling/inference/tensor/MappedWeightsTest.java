package dev.kindling.inference.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.formats.safetensors.SafetensorsDtype;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.arch.GgufCheckpoint;
import dev.kindling.inference.arch.TensorNames;
import dev.kindling.inference.arch.TinyArchs;
import dev.kindling.inference.gguf.GgufModelLoader;
import dev.kindling.inference.hf.HfModelLoader;
import dev.kindling.inference.model.FeedForward;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Linear;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.Weights;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * F32, F16 and BF16 weights are read in place from the memory-mapped file, for GGUF and safetensors
 * alike, including the tensors whose rows are gathered (Q, K, V out of a QKV fused per head; one
 * expert of a stacked tensor): every such tensor's storage is read-only direct buffers holding the
 * file's bytes, not a heap copy. ({@code MappedHeapTest} shows the consequence: a model runs in a
 * heap smaller than its weights.)
 */
class MappedWeightsTest {
    @TempDir
    Path dir;

    static final int ROWS = 12;
    static final int COLS = 40;
    static final int EXPERTS = 3;

    /** A GGUF matrix and one expert of a stacked tensor, through the loader's {@link GgufCheckpoint}. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void ggufTensorsAreViewsOfTheFile(GgmlType type) throws Exception {
        byte[] matrix = RandomBlocks.bytes(type, ROWS, COLS, 1);
        byte[] stacked = RandomBlocks.bytes(type, EXPERTS * ROWS, COLS, 2);
        Path file = dir.resolve("t.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .tensor("blk.0.attn_q.weight", type, new long[] {COLS, ROWS}, matrix)
                .tensor("blk.0.ffn_gate_exps.weight", type, new long[] {COLS, ROWS, EXPERTS}, stacked)
                .write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            GgufCheckpoint ck = new GgufCheckpoint(gguf, TensorNames.identity());
            Tensor q = ck.matrix("blk.0.attn_q.weight", 0, ROWS);
            assertInPlace(q, RandomBlocks.tensor(type, ROWS, COLS, matrix), 0);
            Tensor expert = ck.matrix("blk.0.ffn_gate.1.weight", 0, ROWS);
            assertInPlace(expert, RandomBlocks.tensor(type, EXPERTS * ROWS, COLS, stacked), ROWS);
            assertFileBytes(expert, stacked, ROWS * (int) type.byteSize(COLS));
        }
    }

    /** Whole HF checkpoints of each dtype, QKV fused per head (gathered through a row map) and stacked experts. */
    @Test
    void hfCheckpointTensorsAreViewsOfTheFile() throws Exception {
        for (TinyArchs.Case c : List.of(
                new TinyArchs.Case("gptneox", "gptneox", SafetensorsDtype.F32, false),
                new TinyArchs.Case("gptneox", "gptneox", SafetensorsDtype.F16, false),
                new TinyArchs.Case("gptneox", "gptneox", SafetensorsDtype.BF16, false),
                new TinyArchs.Case("falcon40b", "falcon", SafetensorsDtype.BF16, false),
                TinyArchs.byName("llama"), TinyArchs.byName("qwen2"), TinyArchs.byName("mixtral-stacked"))) {
            Path hf = dir.resolve(c.name() + "-" + c.dtype());
            TinyArchs.write(c, hf, null);
            Model m = HfModelLoader.load(hf);
            List<Tensor> all = matrices(m.weights());
            for (Tensor t : all) {
                assertTrue(t.mapped(), c + " " + c.dtype() + ": " + t + " is not read in place");
                for (ByteBuffer b : t.stored().buffers()) {
                    assertTrue(b.isDirect() && b.isReadOnly(), c + ": " + t);
                }
            }
            LayerWeights l0 = m.weights().layers()[0];
            if (c.name().startsWith("gptneox") || c.name().equals("falcon40b")) {
                for (Tensor t : List.of(l0.wq(), l0.wk(), l0.wv())) {
                    assertTrue(t.stored().gathered(), c + ": " + t + " should keep a row map over the fused QKV");
                    assertEquals(t.type().name(), c.dtype().name());
                }
            }
            if (c.name().equals("mixtral-stacked")) {
                Tensor e1 = l0.moe().experts()[1].up().weight();
                assertFalse(e1.stored().gathered(), "one expert's rows are a contiguous run: a plain view");
            }
        }
    }

    /** A whole GGUF model (F32 matrices) loads mapped, and its weights stay readable after its engine is closed. */
    @Test
    void ggufModelIsMappedAndOutlivesItsEngine() throws Exception {
        Path gguf = dir.resolve("llama.gguf");
        TinyArchs.write(TinyArchs.byName("llama"), null, gguf);
        Model m;
        try (GgufFile f = GgufFile.open(gguf)) {
            m = GgufModelLoader.load(f);
        }
        for (Tensor t : matrices(m.weights())) {
            assertTrue(t.mapped(), t + " is not read in place");
        }
        Tensor wq;
        float[] open;
        try (Engine e = Engine.open(gguf, EngineOptions.defaults().withThreads(1).withDevice("cpu"))) {
            e.logits(new int[] {1, 5, 9});
            wq = e.model().weights().layers()[0].wq();
            open = new float[wq.cols()];
            wq.dequantizeRow(3, open, 0);
        }
        // the mapping lives as long as the tensor: reading it after the engine and its file are closed is safe
        float[] closed = new float[wq.cols()];
        wq.dequantizeRow(3, closed, 0);
        assertEquals(java.util.Arrays.toString(open), java.util.Arrays.toString(closed));
    }

    static List<Tensor> matrices(Weights w) {
        List<Tensor> out = new ArrayList<>();
        out.add(w.tokenEmbedding());
        add(out, w.classifier());
        for (LayerWeights l : w.layers()) {
            for (Linear lin : new Linear[] {l.query(), l.key(), l.value(), l.attentionOutput()}) {
                add(out, lin);
            }
            if (l.feedForward() != null) {
                add(out, l.feedForward());
            } else {
                out.add(l.moe().router());
                for (FeedForward f : l.moe().experts()) {
                    add(out, f);
                }
            }
        }
        return out;
    }

    private static void add(List<Tensor> out, FeedForward f) {
        add(out, f.gate());
        add(out, f.up());
        add(out, f.down());
    }

    private static void add(List<Tensor> out, Linear l) {
        if (l != null) {
            out.add(l.weight());
        }
    }

    /** {@code t} is mapped and its rows are rows {@code first..} of {@code expected} (bit for bit). */
    private static void assertInPlace(Tensor t, Tensor expected, int first) {
        assertTrue(t.mapped(), t + " is not read in place");
        for (ByteBuffer b : t.stored().buffers()) {
            assertTrue(b.isDirect() && b.isReadOnly(), t + ": " + b);
        }
        float[] a = new float[t.cols()];
        float[] e = new float[t.cols()];
        for (int r = 0; r < t.rows(); r++) {
            t.dequantizeRow(r, a, 0);
            expected.dequantizeRowScalar(first + r, e, 0);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(a[i]), t + " row " + r + " value " + i);
            }
        }
    }

    /** The tensor's one buffer holds exactly the file's bytes {@code data[offset ..]}. */
    private static void assertFileBytes(Tensor t, byte[] data, int offset) {
        ByteBuffer[] bs = t.stored().buffers();
        assertEquals(1, bs.length);
        ByteBuffer b = bs[0];
        assertEquals(t.storedBytes(), b.remaining());
        for (int i = 0; i < b.remaining(); i++) {
            assertEquals(data[offset + i], b.get(b.position() + i), t + " byte " + i);
        }
    }
}
