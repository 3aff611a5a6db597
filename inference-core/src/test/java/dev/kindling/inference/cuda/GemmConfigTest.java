package dev.kindling.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.cuda.pack.Kind;
import org.junit.jupiter.api.Test;

/** Launch shapes: shared memory as gemm.cu's Smem<> and ops.cu lay it out; the configuration choice. */
class GemmConfigTest {
    @Test
    void sharedMemoryMirrorsTheKernels() {
        // f16 s: 4 stages x (A 16x72 halves + W 32x72 halves)
        assertEquals(4 * (16 * 72 * 2 + 32 * 72 * 2), GemmConfig.S.sharedBytes(Kind.F16));
        // q8_0 l: 3 stages x (A 128x72 halves + raw W 128 x (64 + 4)) + the dequantized 128x72 tile
        assertEquals(3 * (128 * 72 * 2 + 128 * 68) + 128 * 72 * 2, GemmConfig.L.sharedBytes(Kind.Q8_0));
        // q4_k m: raw rows of 32 bytes + 4 scale bytes + 4 dm bytes
        assertEquals(4 * (64 * 72 * 2 + 32 * 40) + 32 * 72 * 2, GemmConfig.M.sharedBytes(Kind.Q4_K));
        for (Kind k : new Kind[] {Kind.F16, Kind.BF16, Kind.Q8_0, Kind.Q4_0, Kind.Q4_K}) {
            for (GemmConfig g : new GemmConfig[] {GemmConfig.S, GemmConfig.M, GemmConfig.L}) {
                assertTrue(g.sharedBytes(k) <= 163 * 1024, g.kernel(k) + " fits an A100's 163 KiB");
            }
        }
        assertEquals(4 * (2 * 32 * 128 + 32 * 32 + 96) + 2 * 32 * 260, GemmConfig.attentionSharedBytes(128, Kind.F16));
        assertTrue(GemmConfig.attentionSharedBytes(256, Kind.F32) <= 227 * 1024);
    }

    @Test
    void choice() {
        assertEquals(GemmConfig.S, GemmConfig.choose(1, 4096, 132));
        assertEquals(GemmConfig.S, GemmConfig.choose(16, 4096, 132));
        assertEquals(GemmConfig.M, GemmConfig.choose(64, 4096, 132));
        assertEquals(GemmConfig.M, GemmConfig.choose(128, 2048, 132), "16 large tiles would leave most SMs idle");
        assertEquals(GemmConfig.L, GemmConfig.choose(8192, 4096, 132));
        assertEquals("gemm_q4_k_l", GemmConfig.L.kernel(Kind.Q4_K));
    }
}
