package dev.kindling.spark.executor;

import dev.kindling.inference.EngineOptions;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The GPU a Spark task should run its engine on: the one Spark's resource scheduling assigned it.
 *
 * <p>With {@code spark.executor.resource.gpu.amount=N} and {@code spark.task.resource.gpu.amount},
 * Spark gives each task the addresses of its GPUs ({@code TaskContext.resources().get("gpu")}), as
 * the discovery script reported them (usually {@code nvidia-smi} indices). CUDA numbers only the
 * devices in {@code CUDA_VISIBLE_DEVICES}, so an address listed there becomes its position in that
 * list; otherwise it is the ordinal itself. Without an assignment (local mode, no GPU resources)
 * the answer is -1: the engine takes the first visible device, or the CPU.
 *
 * <p>Several GPUs per executor are all used when each engine is kept per JVM <em>and</em> device:
 * <pre>{@code
 * int gpu = GpuAssignment.deviceOrdinal();
 * Engine e = PerJvm.get("engine:" + model + "#gpu" + gpu,
 *         k -> Engine.open(LocalFiles.localize(model), GpuAssignment.apply(EngineOptions.defaults())));
 * }</pre>
 */
public final class GpuAssignment {
    private GpuAssignment() {}

    /** The CUDA device ordinal of the current task's first assigned GPU, or -1. */
    public static int deviceOrdinal() {
        TaskContext tc = TaskContext.get();
        String[] addresses = null;
        if (tc != null) {
            Map<String, ResourceInformation> res = tc.resourcesJMap();
            ResourceInformation gpu = res == null ? null : res.get("gpu");
            addresses = gpu == null ? null : gpu.addresses();
        }
        return ordinal(addresses, System.getenv("CUDA_VISIBLE_DEVICES"));
    }

    /** {@code options} with the task's GPU, when it has one. */
    public static EngineOptions apply(EngineOptions options) {
        int d = deviceOrdinal();
        return d >= 0 ? options.withGpuDevice(d) : options;
    }

    /**
     * The ordinal of {@code addresses[0]} given the executor's {@code CUDA_VISIBLE_DEVICES}
     * (null or blank: every device visible): its position in that list when listed, 0 when the list
     * holds a single device (a container that sees only its GPU), else the address as a number;
     * -1 without an address or when none of these applies.
     */
    static int ordinal(String[] addresses, String visible) {
        if (addresses == null || addresses.length == 0) {
            return -1;
        }
        String a = addresses[0].trim();
        if (visible != null && !visible.isBlank()) {
            String[] v = visible.split(",");
            for (int i = 0; i < v.length; i++) {
                if (v[i].trim().equals(a)) {
                    return i;
                }
            }
            if (v.length == 1) {
                return 0;
            }
        }
        try {
            int n = Integer.parseInt(a);
            return n >= 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
