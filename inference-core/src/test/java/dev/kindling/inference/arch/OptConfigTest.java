package dev.kindling.inference.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.safetensors.SafetensorsFile;
import dev.kindling.formats.safetensors.SafetensorsTensor;
import dev.kindling.formats.safetensors.SafetensorsWriter;
import dev.kindling.inference.hf.HfModelLoader;
import dev.kindling.inference.model.LayerWeights;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.model.Norm;
import dev.kindling.inference.model.Weights;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an OPT model is built of follows {@code config.json} as transformers' {@code modeling_opt.py}
 * builds it, whatever the file holds (the logits are checked against a numpy transcription of it in
 * {@link OptReferenceTest}; these checks need no Python).
 */
class OptConfigTest {
    @TempDir
    static Path dir;

    static Weights load(String kase) throws Exception {
        Path hf = dir.resolve(kase);
        TinyArchs.write(TinyArchs.byName(kase), hf, null);
        Model m = HfModelLoader.load(hf);
        return m.weights();
    }

    @Test
    void preNormOptHasItsFinalLayerNorm() throws Exception {
        Weights w = load("opt");
        assertNotNull(w.finalNorm());
        assertNotNull(w.finalNorm().bias());
        assertNull(w.projectIn());
        assertNotNull(w.layers()[0].query().bias());
    }

    /** OPT-350m: post-norm builds no final LayerNorm, so the one its file holds is not used. */
    @Test
    void postNormIgnoresAStoredFinalLayerNorm() throws Exception {
        Weights w = load("opt350m");
        assertNull(w.finalNorm());
        assertEquals(TinyArchs.OPT_PROJ, w.tokenEmbedding().cols());
        assertNotNull(w.projectIn());
        assertNotNull(w.projectOut());
    }

    @Test
    void removeFinalLayerNormIsFollowed() throws Exception {
        assertNull(load("opt-no-final-norm").finalNorm());
    }

    /** Galactica-30b/120b: no biases, and LayerNorms without parameters are LayerNorms with weight 1. */
    @Test
    void noBiasesAndParameterFreeLayerNorms() throws Exception {
        Weights w = load("galactica30b");
        for (LayerWeights l : w.layers()) {
            for (Norm n : new Norm[] {l.attentionNorm(), l.feedForwardNorm()}) {
                assertNull(n.bias());
                for (float v : n.weight()) {
                    assertEquals(1f, v);
                }
            }
            assertNull(l.query().bias());
            assertNull(l.attentionOutput().bias());
            assertNull(l.feedForward().up().bias());
        }
        assertNotNull(w.finalNorm());
        assertNull(w.finalNorm().bias());
    }

    /** The same file with {@code _remove_final_layer_norm} taken out of its config: the stored final LayerNorm is used. */
    @Test
    void storedFinalLayerNormIsUsedWhenTheConfigBuildsOne() throws Exception {
        Path from = dir.resolve("opt-no-final-norm-src");
        TinyArchs.write(TinyArchs.byName("opt-no-final-norm"), from, null);
        Path withFinal = dir.resolve("opt-with-final-norm");
        ArchFormatsTest.copyWithConfig(from, withFinal, cfg -> cfg.remove("_remove_final_layer_norm"));
        assertNotNull(HfModelLoader.load(withFinal).weights().finalNorm());
    }

    /** A config whose LayerNorms have parameters, over a file without them: an error naming the tensor. */
    @Test
    void missingLayerNormParametersAreAnError() throws Exception {
        Path from = dir.resolve("galactica30b-src");
        TinyArchs.write(TinyArchs.byName("galactica30b"), from, null);
        Path affine = dir.resolve("galactica30b-affine");
        ArchFormatsTest.copyWithConfig(from, affine, cfg -> cfg.put("layer_norm_elementwise_affine", true));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfModelLoader.load(affine));
        assertTrue(e.getMessage().contains("model.decoder.layers.0.self_attn_layer_norm.weight"), e.getMessage());
    }

    /**
     * A copy of an HF directory with its tensors renamed (bytes as they are): {@code OPTModel}
     * exports name them {@code decoder.*} where {@code OPTForCausalLM} says {@code model.decoder.*}.
     */
    static void renamed(Path from, Path to, UnaryOperator<String> rename) throws Exception {
        Files.createDirectories(to);
        Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f =
                SafetensorsFile.open(from.resolve("model.safetensors"))) {
            for (SafetensorsTensor t : f.tensors().values()) {
                ByteBuffer b = f.map(t);
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                w.putBytes(rename.apply(t.name()), t.dtype(), t.shape(), bytes);
            }
        }
        w.write(to.resolve("model.safetensors"));
    }

    /** An OPTModel export ({@code decoder.*}, no {@code model.} prefix) gives the same logits. */
    @Test
    void decoderPrefixedExportReadsTheSame() throws Exception {
        Path from = dir.resolve("opt350m-src");
        TinyArchs.write(TinyArchs.byName("opt350m"), from, null);
        Path export = dir.resolve("opt350m-decoder-prefix");
        renamed(from, export, n -> n.replaceFirst("^model\\.", ""));
        float[][] a = ArchFormatsTest.logitsPerPosition(from, OptReferenceTest.PROMPT);
        float[][] b = ArchFormatsTest.logitsPerPosition(export, OptReferenceTest.PROMPT);
        for (int t = 0; t < a.length; t++) {
            assertArrayEquals(a[t], b[t], "position " + t);
        }
    }
}
