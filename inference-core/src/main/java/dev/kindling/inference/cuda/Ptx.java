package dev.kindling.inference.cuda;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The committed PTX modules ({@code src/main/resources/dev/kindling/inference/cuda/<module>.<variant>.ptx},
 * built from {@code src/main/cuda} by {@link dev.kindling.inference.cuda.build.PtxBuild}) and the
 * choice between them by compute capability: {@code sm_90} PTX for Hopper and newer (the driver
 * JIT-compiles it for the device), {@code compute_80} PTX for Ampere and Ada. Older GPUs lack the
 * instructions the kernels use ({@code cp.async}, {@code mma.sync} with bf16).
 */
public final class Ptx {
    private Ptx() {}

    /** Every module: the per-token ops, the sampling reductions, and one product module per weight kind. */
    public static final List<String> MODULES = List.of("ops", "sample", "gemm_f32", "gemm_f16", "gemm_bf16", "gemm_q8_0",
            "gemm_q4_0", "gemm_q4_k");

    /** The module holding kernel {@code name} ({@code gemm_q4_k_l} is in {@code gemm_q4_k}). */
    public static String moduleOf(String name) {
        if (name.equals("gemm_f32")) {
            return name;
        }
        if (name.startsWith("gemm_")) {
            return name.substring(0, name.lastIndexOf('_')); // gemm_<kind>_<config>
        }
        return name.startsWith("logits") ? "sample" : "ops";
    }

    /** The PTX variant for a device, or null when it is too old. */
    public static String variantFor(int major, int minor) {
        if (major >= 9) {
            return "sm_90";
        }
        if (major == 8) {
            return "compute_80";
        }
        return null;
    }

    /** Why a device cannot run the kernels (for the fallback message). */
    public static String unsupportedReason(int major, int minor) {
        return "compute capability " + major + "." + minor + " is below 8.0 (Ampere), which the kernels need "
                + "(cp.async, bf16 mma.sync)";
    }

    public static String resource(String module, String variant) {
        return "/dev/kindling/inference/cuda/" + module + "." + variant + ".ptx";
    }

    /** The PTX text of a module, NUL-terminated as {@code cuModuleLoadData} wants it. */
    public static byte[] load(String module, String variant) {
        String res = resource(module, variant);
        try (InputStream in = Ptx.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + res + " is missing from the classpath (a broken jar?)");
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            b.write(0);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + res, e);
        }
    }
}
