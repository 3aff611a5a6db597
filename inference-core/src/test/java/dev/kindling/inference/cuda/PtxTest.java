package dev.kindling.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.cuda.pack.Kind;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The PTX resources: chosen by compute capability, present, loadable, holding every kernel the backend launches. */
class PtxTest {
    @Test
    void variantByComputeCapability() {
        assertEquals("sm_90", Ptx.variantFor(9, 0));
        assertEquals("sm_90", Ptx.variantFor(10, 0), "Blackwell JIT-compiles the sm_90 PTX");
        assertEquals("sm_90", Ptx.variantFor(12, 0));
        assertEquals("compute_80", Ptx.variantFor(8, 0));
        assertEquals("compute_80", Ptx.variantFor(8, 9));
        assertNull(Ptx.variantFor(7, 5));
        assertTrue(Ptx.unsupportedReason(7, 5).contains("7.5"));
    }

    static Set<String> entries(String module, String variant) {
        byte[] b = Ptx.load(module, variant);
        assertEquals(0, b[b.length - 1], "NUL-terminated for cuModuleLoadData");
        String text = new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
        assertTrue(text.contains("\n.version 8.0\n"), module + "." + variant + ": PTX ISA 8.0");
        assertTrue(text.contains("\n.target " + variant.replace("compute_", "sm_") + "\n"), module + "." + variant + ": target");
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("\\.visible \\.entry (\\w+)\\(").matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void everyKernelTheBackendLaunchesIsInItsModule() {
        for (String v : List.of("sm_90", "compute_80")) {
            for (Kind k : List.of(Kind.F16, Kind.BF16, Kind.Q8_0, Kind.Q4_0, Kind.Q4_K)) {
                for (GemmConfig g : List.of(GemmConfig.S, GemmConfig.M, GemmConfig.L)) {
                    String module = Ptx.moduleOf(g.kernel(k));
                    assertEquals("gemm_" + k.name().toLowerCase(), module);
                    assertTrue(entries(module, v).contains(g.kernel(k)), g.kernel(k) + " in " + module + "." + v);
                }
            }
            assertEquals("gemm_f32", Ptx.moduleOf("gemm_f32"));
            assertTrue(entries("gemm_f32", v).contains("gemm_f32"));
            assertEquals("ops", Ptx.moduleOf("rope_store_kv"));
            assertTrue(entries("ops", v).containsAll(List.of("embed", "rmsnorm", "rope_store_kv", "attention",
                    "attention_combine", "quantize_act", "fill_random_16", "fill_random_bytes", "fill_random_f32")), "ops." + v);
            assertEquals("sample", Ptx.moduleOf("logits_reduce"));
            assertTrue(entries("sample", v).contains("logits_reduce"), "sample." + v);
            for (String m : Ptx.MODULES) {
                assertTrue(!entries(m, v).isEmpty(), m + "." + v);
            }
        }
    }
}
