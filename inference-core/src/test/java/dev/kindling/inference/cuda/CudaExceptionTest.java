package dev.kindling.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/** Errors name the call (and kernel), the result and what it means. */
class CudaExceptionTest {
    @Test
    void messagesNameCallResultAndMeaning() {
        CudaException oom = new CudaException(CUresult.CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc(1024 bytes for KV cache)");
        assertEquals("cuMemAlloc(1024 bytes for KV cache) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of GPU memory", oom.getMessage());
        assertTrue(oom.outOfMemory());
        CudaException launch = new CudaException(CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, "kernel attention");
        assertTrue(launch.getMessage().startsWith("kernel attention failed: CUDA_ERROR_ILLEGAL_ADDRESS (700): "), launch.getMessage());
        assertFalse(launch.outOfMemory());
        CudaException ptx = new CudaException(CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION, "cuModuleLoadData(gemm PTX)", "JIT log: x");
        assertTrue(ptx.getMessage().contains("R525") && ptx.getMessage().endsWith("\nJIT log: x"), ptx.getMessage());
        assertTrue(new CudaException(35, "cuInit").getMessage().contains("driver is older"));
        assertEquals("cuX failed: CUresult 12345 (12345)", new CudaException(12345, "cuX").getMessage());
        assertThrows(CudaException.class, () -> CudaException.check(CUresult.CUDA_ERROR_INVALID_VALUE, "cuLaunchKernel(embed)"));
        CudaException.check(CUresult.CUDA_SUCCESS, "fine");
    }
}
