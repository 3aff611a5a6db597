// Matrix products of the forward pass (included by gemm_<kind>.cu: one PTX module per weight kind,
// so a model's driver JIT compiles only the kernels it uses): out[M][N] (+)= A[M][K] . W[N][K]^T, W a packed weight matrix
// (common.cuh), A the activations of the step's tokens.
//
// Tensor-core kernels (gemm_<kind>_<config>): A in F16 or BF16, W in F16/BF16 or dequantized
// from Q8_0/Q4_0/Q4_K into F16 in shared memory, mma.sync m16n8k16 with F32 accumulators.
// gemm_f32: a plain F32 kernel for all-F32 models (exact checks, llama2.c checkpoints).
//
// Batch invariance (the engine promises a token's result does not depend on the rest of the
// batch): every output element is accumulated by the same sequence of m16n8k16 steps in
// increasing k, whatever the configuration (s, m, l: only the CTA tile differs), and there is no
// split over K. So the same token gives bit-identical results in a batch of 1 or 512.
//
// Epilogues: EPI_STORE out = acc (F32); EPI_ACCUM out += acc (F32, the residual stream);
// EPI_SWIGLU: W holds gate and up rows interleaved (row 2i = gate i, row 2i+1 = up i), and
// out[m][i] = silu(gate) * up, written in the activation kind of the next product.
#pragma once
#include "common.cuh"

#define EPI_STORE 0
#define EPI_ACCUM 1
#define EPI_SWIGLU 2

#define BK 64          // K per pipeline stage
#define LDS (BK + 8)   // shared-memory row stride in halves: 144 bytes, conflict-free ldmatrix

KD void cp_async16(void* smem, const void* gmem, bool pred) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    int n = pred ? 16 : 0;  // 0: zero-fill, reads nothing
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(n));
}

KD void cp_async4(void* smem, const void* gmem, bool pred) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    int n = pred ? 4 : 0;
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(s), "l"(gmem), "r"(n));
}

KD void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int N>
KD void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

KD void ldmatrix_x4(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3, const void* smem) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(s));
}

KD void ldmatrix_x2(uint32_t& r0, uint32_t& r1, const void* smem) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0,%1}, [%2];\n" : "=r"(r0), "=r"(r1) : "r"(s));
}

template <bool BF16>
KD void mma16816(float* c, const uint32_t* a, const uint32_t* b) {
    if constexpr (BF16) {
        asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
            "{%0,%1,%2,%3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    } else {
        asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
            "{%0,%1,%2,%3};\n"
            : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    }
}

KD float silu_mul(float g, float u) { return g / (1.0f + expf(-g)) * u; }

/** Bytes of the raw (still quantized) W tile rows per stage, and of its per-row scale words. */
template <int WKIND>
struct RawTile {
    static constexpr int ROW = WKIND == KIND_Q8_0 ? BK : (WKIND == KIND_F16 || WKIND == KIND_BF16 ? 0 : BK / 2);
    static constexpr int SCALE = (WKIND == KIND_Q8_0 || WKIND == KIND_Q4_0 || WKIND == KIND_Q4_K) ? 4 : 0;
    static constexpr int DM = WKIND == KIND_Q4_K ? 4 : 0;
};

template <int WKIND, int BM, int BN, int STAGES>
struct Smem {
    static constexpr bool QUANT = WKIND == KIND_Q8_0 || WKIND == KIND_Q4_0 || WKIND == KIND_Q4_K;
    static constexpr int A_STAGE = BM * LDS * 2;
    static constexpr int W_STAGE = QUANT ? BN * (RawTile<WKIND>::ROW + RawTile<WKIND>::SCALE + RawTile<WKIND>::DM)
                                         : BN * LDS * 2;
    static constexpr int W_STAGE_ALIGNED = (W_STAGE + 15) / 16 * 16;
    static constexpr int WT = QUANT ? BN * LDS * 2 : 0;  // dequantized tile
    static constexpr int BYTES = STAGES * (A_STAGE + W_STAGE_ALIGNED) + WT;
};

/**
 * One CTA: rows [m0, m0+BM) x columns [n0, n0+BN); WM x WN warps, each MT m16-tiles x NT n8-tiles.
 */
template <int WKIND, bool BF16, int MT, int NT, int WM, int WN, int STAGES>
KD void gemm_tc(const uint16_t* __restrict__ A, const uint8_t* __restrict__ W, const uint8_t* __restrict__ WS,
                const uint8_t* __restrict__ WD, void* out, int M, int N, int K, int epilogue, int out_kind) {
    constexpr int BM = WM * MT * 16;
    constexpr int BN = WN * NT * 8;
    constexpr int THREADS = WM * WN * 32;
    typedef Smem<WKIND, BM, BN, STAGES> S;
    typedef RawTile<WKIND> R;
    extern __shared__ __align__(16) uint8_t smem[];
    uint16_t* As = (uint16_t*)smem;                                  // [STAGES][BM][LDS]
    uint8_t* Ws = smem + STAGES * S::A_STAGE;                        // [STAGES][W_STAGE_ALIGNED]
    uint16_t* Wt = (uint16_t*)(Ws + STAGES * S::W_STAGE_ALIGNED);    // [BN][LDS] (quantized kinds)

    const int tid = threadIdx.x;
    const int warp = tid / 32, lane = tid % 32;
    const int wm = warp / WN, wn = warp % WN;
    const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int KT = (K + BK - 1) / BK;

    auto load_tile = [&](int stage, int kt) {
        const int k0 = kt * BK;
        uint16_t* as = As + stage * BM * LDS;
        for (int c = tid; c < BM * (BK / 8); c += THREADS) {
            int r = c / (BK / 8), cc = c % (BK / 8);
            int gm = m0 + r, k = k0 + cc * 8;
            bool p = gm < M && k < K;
            cp_async16(as + r * LDS + cc * 8, A + (p ? (size_t)gm * K + k : 0), p);
        }
        uint8_t* ws = Ws + stage * S::W_STAGE_ALIGNED;
        if constexpr (!S::QUANT) {
            const uint16_t* W16 = (const uint16_t*)W;
            uint16_t* w16 = (uint16_t*)ws;
            for (int c = tid; c < BN * (BK / 8); c += THREADS) {
                int r = c / (BK / 8), cc = c % (BK / 8);
                int gn = n0 + r, k = k0 + cc * 8;
                bool p = gn < N && k < K;
                cp_async16(w16 + r * LDS + cc * 8, W16 + (p ? (size_t)gn * K + k : 0), p);
            }
        } else {
            // quantized kinds: K % BK == 0 (the packer guarantees it), so only rows need a bound
            constexpr int CH = R::ROW / 16;  // 16-byte chunks per row
            const size_t rowBytes = WKIND == KIND_Q8_0 ? (size_t)K : (size_t)K / 2;
            const size_t koff = WKIND == KIND_Q8_0 ? (size_t)k0 : (size_t)k0 / 2;
            for (int c = tid; c < BN * CH; c += THREADS) {
                int r = c / CH, cc = c % CH;
                int gn = n0 + r;
                bool p = gn < N;
                cp_async16(ws + r * R::ROW + cc * 16, W + (p ? gn * rowBytes + koff + cc * 16 : 0), p);
            }
            uint8_t* sc = ws + BN * R::ROW;
            for (int r = tid; r < BN; r += THREADS) {
                int gn = n0 + r;
                bool p = gn < N;
                // Q8_0/Q4_0: two half scales (blocks k0/32, k0/32+1); Q4_K: (sc, m) of two sub-blocks
                size_t off = WKIND == KIND_Q4_K ? ((size_t)gn * (K / 32) + k0 / 32) * 2 : ((size_t)gn * (K / 32) + k0 / 32) * 2;
                cp_async4(sc + r * 4, WS + (p ? off : 0), p);
                if constexpr (WKIND == KIND_Q4_K) {
                    cp_async4(sc + BN * 4 + r * 4, WD + (p ? ((size_t)gn * (K / 256) + k0 / 256) * 4 : 0), p);
                }
            }
        }
    };

    // Quantized W: the raw tile of `stage` -> F16 values in Wt (same rounding as WeightPacker's
    // conversion to F16: the float value, then round to nearest even).
    auto dequant_tile = [&](int stage, int kt) {
        const uint8_t* ws = Ws + stage * S::W_STAGE_ALIGNED;
        const uint8_t* sc = ws + BN * R::ROW;
        if constexpr (WKIND == KIND_Q8_0) {
            for (int c = tid; c < BN * 4; c += THREADS) {  // 16 values per chunk
                int r = c / 4, cc = c % 4;
                float d = half_to_float(((const uint16_t*)(sc + r * 4))[cc / 2]);
                const int8_t* q = (const int8_t*)(ws + r * BK + cc * 16);
                uint16_t* dst = Wt + r * LDS + cc * 16;
#pragma unroll
                for (int j = 0; j < 16; j++) {
                    dst[j] = float_to_half((float)q[j] * d);
                }
            }
        } else if constexpr (WKIND == KIND_Q4_0) {
            for (int c = tid; c < BN * 2; c += THREADS) {  // one 32-value block per chunk
                int r = c / 2, b = c % 2;
                float d = half_to_float(((const uint16_t*)(sc + r * 4))[b]);
                float o = -8.0f * d;
                const uint8_t* q = ws + r * (BK / 2) + b * 16;
                uint16_t* dst = Wt + r * LDS + b * 32;
#pragma unroll
                for (int j = 0; j < 16; j++) {
                    dst[j] = float_to_half(fmaf((float)(q[j] & 15), d, o));
                    dst[j + 16] = float_to_half(fmaf((float)(q[j] >> 4), d, o));
                }
            }
        } else if constexpr (WKIND == KIND_Q4_K) {
            // the tile's 64 values are one 64-value group of a super-block: low nibbles of its 32
            // bytes = sub-block 0 of the tile, high nibbles = sub-block 1
            for (int c = tid; c < BN * 2; c += THREADS) {
                int r = c / 2, half = c % 2;
                const uint8_t* s4 = sc + r * 4;
                const uint16_t* d2 = (const uint16_t*)(sc + BN * 4 + r * 4);
                float d = half_to_float(d2[0]), dmin = half_to_float(d2[1]);
                float a0 = d * (float)s4[0], b0 = -(dmin * (float)s4[1]);
                float a1 = d * (float)s4[2], b1 = -(dmin * (float)s4[3]);
                const uint8_t* q = ws + r * (BK / 2) + half * 16;
                uint16_t* dst = Wt + r * LDS + half * 16;
#pragma unroll
                for (int j = 0; j < 16; j++) {
                    dst[j] = float_to_half(fmaf((float)(q[j] & 15), a0, b0));
                    dst[j + 32] = float_to_half(fmaf((float)(q[j] >> 4), a1, b1));
                }
            }
        }
        (void)kt;
    };

    float acc[MT][NT][4];
#pragma unroll
    for (int i = 0; i < MT; i++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[i][j][e] = 0.0f;

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < KT) load_tile(s, s);
        cp_async_commit();
    }

    for (int kt = 0; kt < KT; kt++) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
        const int stage = kt % STAGES;
        if constexpr (S::QUANT) {
            dequant_tile(stage, kt);
            __syncthreads();
        }
        {
            int next = kt + STAGES - 1;
            if (next < KT) load_tile(next % STAGES, next);
            cp_async_commit();
        }
        const uint16_t* as = As + stage * BM * LDS;
        const uint16_t* wsrc = S::QUANT ? Wt : (const uint16_t*)(Ws + stage * S::W_STAGE_ALIGNED);
#pragma unroll
        for (int kk = 0; kk < BK / 16; kk++) {
            uint32_t af[MT][4];
            uint32_t bf[NT][2];
#pragma unroll
            for (int mt = 0; mt < MT; mt++) {
                const uint16_t* p = as + (wm * MT * 16 + mt * 16 + (lane % 16)) * LDS + kk * 16 + (lane / 16) * 8;
                ldmatrix_x4(af[mt][0], af[mt][1], af[mt][2], af[mt][3], p);
            }
            if constexpr (NT == 1) {
                const uint16_t* p = wsrc + (wn * NT * 8 + (lane % 8)) * LDS + kk * 16 + ((lane / 8) % 2) * 8;
                ldmatrix_x2(bf[0][0], bf[0][1], p);
            } else {
#pragma unroll
                for (int np = 0; np < NT / 2; np++) {
                    const uint16_t* p = wsrc + (wn * NT * 8 + np * 16 + (lane / 16) * 8 + (lane % 8)) * LDS + kk * 16
                                        + ((lane / 8) % 2) * 8;
                    ldmatrix_x4(bf[2 * np][0], bf[2 * np][1], bf[2 * np + 1][0], bf[2 * np + 1][1], p);
                }
            }
#pragma unroll
            for (int mt = 0; mt < MT; mt++)
#pragma unroll
                for (int nt = 0; nt < NT; nt++) mma16816<BF16>(acc[mt][nt], af[mt], bf[nt]);
        }
    }
    cp_async_wait<0>();

    // epilogue: thread holds (row g, cols 2t, 2t+1) and (row g+8, same cols) of each m16n8 tile
    const int g = lane / 4, t = lane % 4;
#pragma unroll
    for (int mt = 0; mt < MT; mt++) {
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
            int col = n0 + wn * NT * 8 + nt * 8 + 2 * t;
#pragma unroll
            for (int h = 0; h < 2; h++) {
                int row = m0 + wm * MT * 16 + mt * 16 + g + h * 8;
                if (row >= M) continue;
                float v0 = acc[mt][nt][2 * h], v1 = acc[mt][nt][2 * h + 1];
                if (epilogue == EPI_SWIGLU) {
                    if (col + 1 < N) store_act(out, out_kind, (size_t)row * (N / 2) + col / 2, silu_mul(v0, v1));
                } else {
                    float* o = (float*)out + (size_t)row * N + col;
                    if (epilogue == EPI_ACCUM) {
                        if (col < N) o[0] += v0;
                        if (col + 1 < N) o[1] += v1;
                    } else {
                        if (col < N) o[0] = v0;
                        if (col + 1 < N) o[1] = v1;
                    }
                }
            }
        }
    }
}

// The configurations (MT, NT, WM, WN, STAGES): s (M <= 16: a 16x32 CTA, 4 warps streaming the
// weights side by side), m (64x32, decode batches of tens of tokens), l (128x128, prefill). Same
// results for all. Dynamic shared memory: Smem<>::BYTES, mirrored by GemmConfig on the host.
#define CFG_S 1, 1, 1, 4, 4
#define CFG_M 2, 2, 2, 2, 4
#define CFG_L 4, 4, 2, 4, 3

#define GEMM_KERNEL(NAME, WKIND, BF16, CFG, THREADS)                                                                  \
    extern "C" __global__ void __launch_bounds__(THREADS)                                                             \
        NAME(const uint16_t* A, const uint8_t* W, const uint8_t* WS, const uint8_t* WD, void* out, int M, int N, int K, \
             int epilogue, int out_kind) {                                                                            \
        gemm_tc<WKIND, BF16, CFG>(A, W, WS, WD, out, M, N, K, epilogue, out_kind);                                    \
    }

#define GEMM_KIND(KNAME, WKIND, BF16)                    \
    GEMM_KERNEL(gemm_##KNAME##_s, WKIND, BF16, CFG_S, 128) \
    GEMM_KERNEL(gemm_##KNAME##_m, WKIND, BF16, CFG_M, 128) \
    GEMM_KERNEL(gemm_##KNAME##_l, WKIND, BF16, CFG_L, 256)


