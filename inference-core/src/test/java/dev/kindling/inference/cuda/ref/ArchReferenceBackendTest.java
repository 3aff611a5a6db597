package dev.kindling.inference.cuda.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.safetensors.SafetensorsDtype;
import dev.kindling.inference.arch.TinyArchs;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.cuda.Devices;
import dev.kindling.inference.hf.HfModelLoader;
import dev.kindling.inference.model.Model;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The families the CUDA backend accepts ({@link Devices#unsupportedReason} is null: Llama blocks —
 * Llama, Llama 3.1 RoPE scaling, Mistral's window, Qwen2's biases and NEOX pairing, Qwen's fused QKV)
 * through the GPU's data path run in Java ({@link ReferenceBackend}) against the CPU backend, from
 * both the GGUF and the HF checkpoint; and the others are refused with a reason. No GPU is needed.
 */
class ArchReferenceBackendTest {
    static final List<String> ACCEPTED = List.of("llama", "llama31", "mistral", "qwen2", "qwen");

    @TempDir
    static Path dir;

    static Stream<TinyArchs.Case> cases() {
        return TinyArchs.CASES.stream();
    }

    /** As CudaBackend.open plans it: a GGUF with separate Q/K/V matrices from the file, otherwise from the loaded weights. */
    static ReferenceBackend reference(Model m) {
        boolean separate = false;
        if ("gguf".equals(m.format())) {
            try (dev.kindling.formats.gguf.GgufFile f = dev.kindling.formats.gguf.GgufFile.open(m.source())) {
                separate = f.findTensor("blk.0.attn_q.weight").isPresent();
            }
        }
        return separate ? Models.reference(m, 64, 64) : new ReferenceBackend(dev.kindling.inference.cuda.pack.ModelPlan.of(m), 64, 16, 64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gpuPathMatchesTheCpuOrIsRefused(TinyArchs.Case c) throws Exception {
        Path hf = dir.resolve("hf-" + c.name());
        Path gguf = dir.resolve(c.name() + ".gguf");
        TinyArchs.write(c, hf, gguf);
        List<Model> models = new java.util.ArrayList<>(List.of(HfModelLoader.load(hf)));
        if (c.ggufArch() != null && !c.referenceOnly()) {
            models.add(Models.load(gguf));
        }
        for (Model m : models) {
            String reason = Devices.unsupportedReason(m);
            if (!ACCEPTED.contains(c.name())) {
                assertNotNull(reason, c.name() + " " + m.format() + " should run on the CPU only");
                continue;
            }
            assertEquals(null, reason, c.name() + " " + m.format());
            int[] tokens = ReferenceBackendTest.prompt(12, m.config().vocabSize(), 3);
            try (CpuBackend cpu = new CpuBackend(m, 1, 64, 16, 64L << 20); ReferenceBackend ref = reference(m)) {
                double err = Models.worstRowError(Models.prefillLogits(ref, tokens), Models.prefillLogits(cpu, tokens),
                        m.config().vocabSize());
                double limit = c.dtype() == SafetensorsDtype.F32 ? 1e-3 : 1e-2;
                System.out.printf("%s %s: GPU path (Java twin) vs CPU worst row relative error %.3e%n", c.name(), m.format(), err);
                assertTrue(err < limit, c.name() + " " + m.format() + ": worst row relative error " + err);
            }
        }
    }
}
