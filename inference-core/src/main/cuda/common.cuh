// Shared by every Kindling kernel: element kinds, half/bfloat16 conversions, the packed weight
// layouts (as WeightPacker writes them), and small warp/block helpers.
//
// Compiled with -fmad=false: a*b+c is never contracted unless written fmaf(), so the element-wise
// arithmetic matches the Java code it mirrors (Java never fuses), and the Java references in
// dev.kindling.inference.cuda.ref compute bit-identical values wherever no reduction order differs.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

#define KD __device__ __forceinline__

// Element kinds (= dev.kindling.inference.cuda.Kind ordinals).
#define KIND_F32 0
#define KIND_F16 1
#define KIND_BF16 2
#define KIND_Q8_0 3
#define KIND_Q4_0 4
#define KIND_Q4_K 5

KD float half_to_float(uint16_t h) { return __half2float(__ushort_as_half(h)); }
KD float bf16_to_float(uint16_t h) { return __uint_as_float(((uint32_t)h) << 16); }
KD uint16_t float_to_half(float f) { return __half_as_ushort(__float2half_rn(f)); }
KD uint16_t float_to_bf16(float f) { return __bfloat16_as_ushort(__float2bfloat16_rn(f)); }

/** Writes activation element i of a buffer of the given kind (F32, F16 or BF16). */
KD void store_act(void* out, int kind, size_t i, float v) {
    if (kind == KIND_F32) {
        ((float*)out)[i] = v;
    } else if (kind == KIND_F16) {
        ((uint16_t*)out)[i] = float_to_half(v);
    } else {
        ((uint16_t*)out)[i] = float_to_bf16(v);
    }
}

/*
 * Packed weight layouts (a matrix of N rows of K values; "data", "scales" and "dm" are the three
 * arrays of one packed matrix):
 *   F32  data float[N][K]
 *   F16  data u16[N][K]          BF16 data u16[N][K]
 *   Q8_0 data int8[N][K]          scales half[N][K/32]              w = q * d
 *   Q4_0 data u8[N][K/2]          scales half[N][K/32]              w = fma(q, d, -8d)
 *        (per 32-value block: 16 bytes, low nibble = value j, high nibble = value j+16: ggml's order)
 *   Q4_K data u8[N][K/2]          scales u8[N][K/32][2] (sc, m)     dm half2[N][K/256] (d, dmin)
 *        (per 256-value super-block: 128 bytes, for each 64 values 32 bytes whose low nibbles are
 *         values 0..31 and high nibbles 32..63: ggml's order)    w = fma(q, d*sc, -(dmin*m))
 */
KD float weight_value(int kind, const void* data, const void* scales, const void* dm, int K, size_t row, int k) {
    switch (kind) {
        case KIND_F32:
            return ((const float*)data)[row * K + k];
        case KIND_F16:
            return half_to_float(((const uint16_t*)data)[row * K + k]);
        case KIND_BF16:
            return bf16_to_float(((const uint16_t*)data)[row * K + k]);
        case KIND_Q8_0: {
            float d = half_to_float(((const uint16_t*)scales)[row * (K / 32) + k / 32]);
            return (float)((const int8_t*)data)[row * K + k] * d;
        }
        case KIND_Q4_0: {
            float d = half_to_float(((const uint16_t*)scales)[row * (K / 32) + k / 32]);
            int j = k % 32;
            uint8_t b = ((const uint8_t*)data)[row * (K / 2) + (k / 32) * 16 + (j % 16)];
            int q = j < 16 ? (b & 15) : (b >> 4);
            return fmaf((float)q, d, -8.0f * d);
        }
        default: { // KIND_Q4_K
            int sb = k / 256, j = k % 256, g = j / 64, l = j % 64;
            uint8_t b = ((const uint8_t*)data)[row * (K / 2) + sb * 128 + g * 32 + (l % 32)];
            int q = l < 32 ? (b & 15) : (b >> 4);
            int sub = k / 32;
            const uint8_t* sm = (const uint8_t*)scales + (row * (K / 32) + sub) * 2;
            const uint16_t* d2 = (const uint16_t*)dm + (row * (K / 256) + sb) * 2;
            float d = half_to_float(d2[0]), dmin = half_to_float(d2[1]);
            return fmaf((float)q, d * (float)sm[0], -(dmin * (float)sm[1]));
        }
    }
}

KD float warp_sum(float v) {
    for (int off = 16; off > 0; off >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, off);
    }
    return v;
}

KD double warp_sum_double(double v) {
    for (int off = 16; off > 0; off >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, off);
    }
    return v;
}

KD float warp_max(float v) {
    for (int off = 16; off > 0; off >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
    }
    return v;
}
