package dev.kindling.inference.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.RopeStyle;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every family with a GGUF form, written from the same random weights as a Hugging Face directory
 * and as a GGUF file ({@link TinyArchs}: HF names and fused layouts; GGUF names, Q/K permuted for
 * {@code llama}/{@code deci}, QKV reordered, experts stacked): both must give the same logits at
 * every position of a prompt longer than Mistral's sliding window. The rope pairing differs between
 * the two files of a Llama (rotate_half vs adjacent pairs), so this also checks that each source is
 * read with its own pairing.
 */
class ArchFormatsTest {
    /** Prompt ids (inside the tiny vocabulary); 12 positions, twice Mistral's window. */
    static final int[] PROMPT = {1, 300, 261, 287, 13, 299, 270, 312, 259, 45, 301, 277};

    @TempDir
    static Path dir;

    static Stream<TinyArchs.Case> withGguf() {
        return TinyArchs.CASES.stream().filter(c -> c.ggufArch() != null && !c.referenceOnly());
    }

    static float[][] logitsPerPosition(Path model, int[] tokens) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            float[][] out = new float[tokens.length][];
            for (int p = 0; p < tokens.length; p++) {
                out[p] = e.logits(Arrays.copyOf(tokens, p + 1));
            }
            return out;
        }
    }

    static Path[] write(TinyArchs.Case c) throws Exception {
        Path hf = dir.resolve("hf-" + c.name());
        Path gguf = dir.resolve(c.name() + ".gguf");
        TinyArchs.write(c, hf, gguf);
        return new Path[] {hf, gguf};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withGguf")
    void safetensorsAndGgufGiveTheSameLogits(TinyArchs.Case c) throws Exception {
        Path[] files = write(c);
        float[][] hf = logitsPerPosition(files[0], PROMPT);
        float[][] gguf = logitsPerPosition(files[1], PROMPT);
        double worst = 0;
        double scale = 0;
        for (int p = 0; p < PROMPT.length; p++) {
            assertEquals(TinyArchs.VOCAB, hf[p].length);
            for (int i = 0; i < hf[p].length; i++) {
                worst = Math.max(worst, Math.abs(hf[p][i] - gguf[p][i]));
                scale = Math.max(scale, Math.abs(gguf[p][i]));
            }
        }
        System.out.printf("%s: max |HF - GGUF| logit %.3g (logits up to %.3g)%n", c.name(), worst, scale);
        assertTrue(scale > 1, c.name() + ": logits are suspiciously small (" + scale + ")");
        assertTrue(worst < 1e-4 * Math.max(1, scale), c.name() + ": max |HF - GGUF| logit difference " + worst);
    }

    /** The two sources of a Llama pair RoPE differently and agree on everything else. */
    @Test
    void llamaRopePairingPerSource() throws Exception {
        Path[] files = write(TinyArchs.byName("llama"));
        ModelConfig hf = dev.kindling.inference.hf.HfModelLoader.config(files[0]);
        ModelConfig gguf;
        try (dev.kindling.formats.gguf.GgufFile f = dev.kindling.formats.gguf.GgufFile.open(files[1])) {
            gguf = dev.kindling.inference.gguf.GgufModelLoader.config(f);
        }
        assertEquals(RopeStyle.NEOX, hf.rope().style());
        assertEquals(RopeStyle.ADJACENT, gguf.rope().style());
        assertEquals(hf.heads(), gguf.heads());
        assertEquals(hf.kvHeads(), gguf.kvHeads());
        assertEquals(hf.rope().dims(), gguf.rope().dims());
        assertTrue(hf.architecture().isLlamaBlock() && gguf.architecture().isLlamaBlock());
    }

    /**
     * A GGUF's {@code rope.scaling.factor} divides the positions when {@code rope.scaling.type} is "linear" or absent
     * (llama.cpp's default type is "linear"), and not when it is "none": llama.cpp sets the frequency scale to 1 for
     * type "none" whatever the factor (measured with node-llama-cpp 3.21.1: "none" with factor 4 gives the unscaled
     * model's log-probabilities bit for bit, no type with factor 4 the "linear" ones). Before, "none" was read as
     * linear too and the model ran with positions divided by 4 where llama.cpp does not divide them.
     */
    @Test
    void ggufRopeFactorAppliesUnlessTheTypeIsNone() throws Exception {
        Path gguf = write(TinyArchs.byName("llama"))[1];
        dev.kindling.formats.gguf.GgufValue four = new dev.kindling.formats.gguf.GgufValue(
                dev.kindling.formats.gguf.GgufValueType.FLOAT32, null, 4f);
        for (String type : new String[] {null, "none", "linear"}) {
            Path p = dir.resolve("rope-factor-" + type + ".gguf");
            copyWithMetadata(gguf, p, w -> {
                w.put("llama.rope.scaling.factor", four);
                if (type != null) {
                    w.putString("llama.rope.scaling.type", type);
                }
            });
            try (dev.kindling.formats.gguf.GgufFile f = dev.kindling.formats.gguf.GgufFile.open(p)) {
                assertEquals("none".equals(type) ? 1.0 : 0.25, dev.kindling.inference.gguf.GgufModelLoader.config(f).rope().positionScale(), 1e-9,
                        "rope.scaling.type " + type);
            }
        }
    }

    /** Reading a Llama's HF weights with the GGUF pairing (as a converter that forgot to permute would) changes the logits. */
    @Test
    void wrongPairingIsVisible() throws Exception {
        Path[] files = write(TinyArchs.byName("llama"));
        float[] right = logitsPerPosition(files[0], PROMPT)[PROMPT.length - 1];
        // the same HF file renamed to GGUF names but not permuted: what a converter without permute writes
        Path unpermuted = dir.resolve("llama-unpermuted.gguf");
        TinyArchs.write(TinyArchs.byName("llama"), null, unpermuted, false);
        float[] wrong = logitsPerPosition(unpermuted, PROMPT)[PROMPT.length - 1];
        double diff = 0;
        for (int i = 0; i < right.length; i++) {
            diff = Math.max(diff, Math.abs(right[i] - wrong[i]));
        }
        assertTrue(diff > 1e-2, "unpermuted Q/K gave the same logits (max diff " + diff + "): the permutation is not exercised");
    }

    /**
     * Mistral's window: in a one-layer model, the last position sees only the last {@code WINDOW}
     * tokens, and RoPE only depends on relative positions, so its logits equal those of the window
     * alone run without a window (up to rounding); and they differ from the full-attention model's.
     */
    @Test
    void slidingWindowSeesOnlyTheWindow() throws Exception {
        Path[] files = write(TinyArchs.byName("mistral"));
        Path oneLayer = dir.resolve("mistral-1layer");
        Path noWindow = dir.resolve("mistral-1layer-nowindow");
        copyWithConfig(files[0], oneLayer, cfg -> cfg.put("num_hidden_layers", 1));
        copyWithConfig(files[0], noWindow, cfg -> cfg.put("num_hidden_layers", 1).put("use_sliding_window", false));
        int w = TinyArchs.WINDOW;
        float[] windowed = logitsPerPosition(oneLayer, PROMPT)[PROMPT.length - 1];
        float[] alone = logitsPerPosition(noWindow, Arrays.copyOfRange(PROMPT, PROMPT.length - w, PROMPT.length))[w - 1];
        float[] full = logitsPerPosition(noWindow, PROMPT)[PROMPT.length - 1];
        double same = 0;
        double differs = 0;
        for (int i = 0; i < windowed.length; i++) {
            same = Math.max(same, Math.abs(windowed[i] - alone[i]));
            differs = Math.max(differs, Math.abs(windowed[i] - full[i]));
        }
        assertTrue(same < 1e-4, "window vs the window alone: " + same);
        assertTrue(differs > 1e-2, "window vs full attention: " + differs);
    }

    /**
     * A {@code qwen2} GGUF's {@code attention.sliding_window} does not limit attention, as llama.cpp reads the key for no
     * Qwen arch and transformers applies Qwen2's {@code sliding_window} only with {@code use_sliding_window} (false by
     * default): Kindling masked with it, so such a file's logits past the window were not the model's. The HF path
     * follows {@code use_sliding_window}: false ignores the window, true is refused (per-layer windows are not supported).
     */
    @Test
    void qwen2IgnoresTheSlidingWindowKeyAsLlamaCppDoes() throws Exception {
        Path[] files = write(TinyArchs.byName("qwen2"));
        Path windowed = dir.resolve("qwen2-window-key.gguf");
        copyWithMetadata(files[1], windowed, w -> w.putU32("qwen2.attention.sliding_window", TinyArchs.WINDOW));
        try (dev.kindling.formats.gguf.GgufFile f = dev.kindling.formats.gguf.GgufFile.open(windowed)) {
            assertEquals(0, dev.kindling.inference.gguf.GgufModelLoader.config(f).slidingWindow());
        }
        float[] with = logitsPerPosition(windowed, PROMPT)[PROMPT.length - 1];
        float[] without = logitsPerPosition(files[1], PROMPT)[PROMPT.length - 1];
        assertTrue(Arrays.equals(with, without), "the key changed the logits past the window");

        Path hfOff = dir.resolve("qwen2-window-off");
        copyWithConfig(files[0], hfOff, cfg -> cfg.put("sliding_window", TinyArchs.WINDOW).put("use_sliding_window", false));
        assertEquals(0, dev.kindling.inference.hf.HfModelLoader.config(hfOff).slidingWindow());
        Path hfOn = dir.resolve("qwen2-window-on");
        copyWithConfig(files[0], hfOn, cfg -> cfg.put("sliding_window", TinyArchs.WINDOW).put("use_sliding_window", true));
        RuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> dev.kindling.inference.hf.HfModelLoader.config(hfOn));
        assertTrue(refused.getMessage().contains("use_sliding_window"), refused.getMessage());
    }

    /** A copy of a GGUF file with metadata added after its own ({@code add}); the tensors are copied as they are. */
    static void copyWithMetadata(Path from, Path to, java.util.function.Consumer<dev.kindling.formats.gguf.GgufWriter> add)
            throws Exception {
        try (dev.kindling.formats.gguf.GgufFile in = dev.kindling.formats.gguf.GgufFile.open(from)) {
            dev.kindling.formats.gguf.GgufWriter w = new dev.kindling.formats.gguf.GgufWriter();
            in.metadata().forEach(w::put);
            add.accept(w);
            for (dev.kindling.formats.gguf.GgufTensorInfo t : in.tensorList()) {
                byte[] b = new byte[(int) t.byteSize()];
                in.map(t).get(b);
                w.tensor(t.name(), t.type(), t.dims(), b);
            }
            w.write(to);
        }
    }

    /** A copy of an HF directory with edits to its config.json. */
    static void copyWithConfig(Path from, Path to, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Files.createDirectories(to);
        Files.copy(from.resolve("model.safetensors"), to.resolve("model.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(from.resolve("config.json").toFile());
        edit.accept(cfg);
        Files.writeString(to.resolve("config.json"), cfg.toPrettyString());
    }

    @Test
    void familiesAreDescriptionsOfSharedBlocks() throws Exception {
        Path[] files = write(TinyArchs.byName("gptneox"));
        Architecture a = dev.kindling.inference.hf.HfModelLoader.config(files[0]).architecture();
        assertEquals(Architecture.Residual.PARALLEL, a.residual());
        assertEquals(Architecture.Norm.LAYER, a.norm());
        assertEquals(Architecture.Activation.GELU, a.activation());
    }
}
