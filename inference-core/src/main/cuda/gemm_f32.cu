// The F32 product (all-F32 models): see gemm.cuh.
#include "gemm.cuh"

/**
 * All-F32 models: a warp computes columns n, n+1 for 8 rows; lane l sums k = l, l+32, ... in
 * order (fmaf), then the lanes are combined by the xor butterfly (16, 8, 4, 2, 1); the value of
 * lane 0 is written. The order does not depend on M. Grid (ceil(N/8), ceil(M/8)), 128 threads.
 */
extern "C" __global__ void __launch_bounds__(128)
    gemm_f32(const float* __restrict__ A, const float* __restrict__ W, void* out, int M, int N, int K, int epilogue,
             int out_kind) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int n = (blockIdx.x * 4 + warp) * 2;
    const int mBase = blockIdx.y * 8;
    if (n >= N) return;
    const bool two = n + 1 < N;
    float acc[8][2];
#pragma unroll
    for (int i = 0; i < 8; i++) acc[i][0] = acc[i][1] = 0.0f;
    const float* w0 = W + (size_t)n * K;
    const float* w1 = W + (size_t)(two ? n + 1 : n) * K;
    for (int k = lane; k < K; k += 32) {
        float a0 = w0[k], a1 = w1[k];
#pragma unroll
        for (int i = 0; i < 8; i++) {
            int m = mBase + i;
            if (m < M) {
                float x = A[(size_t)m * K + k];
                acc[i][0] = fmaf(a0, x, acc[i][0]);
                acc[i][1] = fmaf(a1, x, acc[i][1]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 8; i++) {
        acc[i][0] = warp_sum(acc[i][0]);
        acc[i][1] = warp_sum(acc[i][1]);
    }
    if (lane != 0) return;
    for (int i = 0; i < 8; i++) {
        int m = mBase + i;
        if (m >= M) break;
        if (epilogue == EPI_SWIGLU) {
            store_act(out, out_kind, (size_t)m * (N / 2) + n / 2, silu_mul(acc[i][0], acc[i][1]));
        } else {
            float* o = (float*)out + (size_t)m * N + n;
            if (epilogue == EPI_ACCUM) {
                o[0] += acc[i][0];
                if (two) o[1] += acc[i][1];
            } else {
                o[0] = acc[i][0];
                if (two) o[1] = acc[i][1];
            }
        }
    }
}
