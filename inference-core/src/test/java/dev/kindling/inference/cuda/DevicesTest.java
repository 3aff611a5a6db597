package dev.kindling.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.testing.SharedData;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** device = auto | cpu | cuda, on a machine where CUDA is missing (skipped where it is present). */
class DevicesTest {
    @Test
    void withoutCudaAutoFallsBackAndCudaIsAClearError() {
        CudaProbe.Result probe = CudaProbe.get();
        Assumptions.assumeFalse(probe.available(), "this machine has CUDA; the fallback is checked where it does not");
        Path file = SharedData.require("llama2c/stories260K.bin");
        Model m = Llama2cLoader.load(file);
        EngineOptions o = EngineOptions.defaults().withThreads(1);
        Backend[] made = new Backend[1];
        Backend auto = Devices.open(m, o, () -> made[0] = new CpuBackend(m, 1, 16, 16, 1 << 20));
        assertTrue(auto instanceof CpuBackend && auto == made[0], "auto: the CPU backend");
        auto.close();
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> Devices.open(m, o.withDevice("cuda"), () -> new CpuBackend(m, 1, 16, 16, 1 << 20)));
        assertEquals(probe.reason() + "; the device 'cuda' needs a usable NVIDIA GPU ('auto' runs on the CPU when there is none)",
                e.getMessage());
        assertFalse(e.getMessage().contains("UnsatisfiedLinkError: java.lang.UnsatisfiedLinkError"), e.getMessage());
        // through the engine
        assertThrows(CudaUnavailableException.class, () -> Engine.open(file, o.withDevice("cuda")));
        try (Engine engine = Engine.open(file, o)) {
            assertTrue(engine.device().startsWith("cpu"), engine.device());
        }
    }

    @Test
    void aDriverThatFailsIsAWarningNamingTheErrorAndNoGpuIsNot() {
        // a machine with a GPU whose driver fails (here a kernel module and libcuda of different versions) ran on the
        // CPU with an INFO line, which the CLI shows only with --verbose: the user never learned their GPU was unused
        CudaProbe.Result mismatch = CudaProbe.probe(new CudaProbeTest.Fake(jcuda.driver.CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, 0));
        Devices.Notice n = Devices.cpuFallback(mismatch);
        assertTrue(n.warning(), n.toString());
        assertTrue(n.message().contains("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH") && n.message().contains("running on the CPU")
                && n.message().contains("nvidia-smi") && n.message().contains("--device cpu"), n.message());
        UnsatisfiedLinkError noLibcuda = new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file: No such file or directory");
        for (CudaProbe.Result noGpu : new CudaProbe.Result[] {CudaProbe.probe(new CudaProbeTest.Fake(noLibcuda, 0)),
                CudaProbe.probe(new CudaProbeTest.Fake(jcuda.driver.CUresult.CUDA_ERROR_NO_DEVICE, 0)),
                CudaProbe.probe(new CudaProbeTest.Fake(0, 0))}) {
            Devices.Notice quiet = Devices.cpuFallback(noGpu);
            assertFalse(quiet.warning(), quiet.toString());
            assertEquals("CUDA is not used: " + noGpu.reason() + "; running on the CPU", quiet.message());
        }
    }

    @Test
    void optionsAndTheirCudaCounterparts() {
        EngineOptions o = EngineOptions.defaults().withGpuDevice(3).withGpuMemoryFraction(0.5).withKvBudgetBytes(1 << 30)
                .withThreads(2).withMaxBatchTokens(512);
        assertEquals(3, o.gpuDevice(), "with-methods keep the GPU fields");
        CudaOptions c = Devices.cudaOptions(o);
        assertEquals(3, c.device());
        assertEquals(0.5, c.memoryFraction());
        assertEquals(Devices.MIN_GPU_BATCH_TOKENS, c.maxBatchTokens(), "GPU prefill chunks are at least 4096 tokens");
        assertEquals(1L << 30, c.kvBudgetBytes());
        assertEquals(0, Devices.cudaOptions(EngineOptions.defaults()).device(), "-1: the first visible device");
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withDevice("gpu"));
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withGpuDevice(-2));
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withGpuMemoryFraction(0));
        assertThrows(IllegalArgumentException.class, () -> EngineOptions.defaults().withGpuMemoryFraction(1.5));
        assertThrows(IllegalArgumentException.class, () -> CudaOptions.defaults().withDevice(-1));
    }
}
