// The per-token operations of the forward pass: embedding gather, RMSNorm, RoPE + KV-cache write,
// attention over the paged KV cache (one kernel for decode and prefill: flash-decoding splits,
// flash-attention-style online softmax over chunks), the split combine, and random fills for
// synthetic benchmark weights.
#include "common.cuh"

/** x[t][0..dim) = row tokens[t] of the embedding matrix (any weight kind). Grid n, 256 threads. */
extern "C" __global__ void embed(const int* __restrict__ tokens, int kind, const void* data, const void* scales,
                                 const void* dm, int dim, float* __restrict__ x) {
    const int t = blockIdx.x;
    const size_t row = (size_t)tokens[t];
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        x[(size_t)t * dim + i] = weight_value(kind, data, scales, dm, dim, row, i);
    }
}

/**
 * out[r] = rmsnorm(x[rows ? rows[r] : r]) * w, as llama.cpp and CpuBackend compute it: mean of
 * squares in double, scale = 1/sqrt(mean + eps) (mean rounded to float, eps added in float), then
 * (x * scale) * w in float. Grid = output rows, 256 threads.
 */
extern "C" __global__ void __launch_bounds__(256)
    rmsnorm(const float* __restrict__ x, const int* __restrict__ rows, const float* __restrict__ w, void* out,
            int out_kind, int dim, float eps) {
    __shared__ double partial[8];
    __shared__ float scale_s;
    const int r = blockIdx.x;
    const float* xr = x + (size_t)(rows ? rows[r] : r) * dim;
    double ss = 0.0;
    for (int i = threadIdx.x; i < dim; i += 256) {
        float v = xr[i];
        ss += (double)(v * v);
    }
    ss = warp_sum_double(ss);
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = ss;
    __syncthreads();
    if (threadIdx.x == 0) {
        double s = 0.0;
        for (int i = 0; i < 8; i++) s += partial[i];
        float mean = (float)(s / dim);
        scale_s = (float)(1.0 / sqrt((double)(mean + eps)));
    }
    __syncthreads();
    const float scale = scale_s;
    for (int i = threadIdx.x; i < dim; i += 256) {
        store_act(out, out_kind, (size_t)r * dim + i, (xr[i] * scale) * w[i]);
    }
}

/**
 * Per token of the step (grid n, 128 threads): adds the optional biases to q, k, v (the qkv row:
 * heads*hd q values, then kvHeads*hd k, then kvHeads*hd v), rotates the first rdims values of every
 * q and k head (pairs (2i, 2i+1), or (i, i+rdims/2) for NEOX) with cos/sin from rope[pos][i], keeps
 * the rotated q in place, and writes k and v to the token's KV-cache slot.
 *
 * KV pool: blocks of blockSize positions; block b holds [layers][K|V][blockSize][kvDim] elements of
 * kv_kind (F32 or F16); slots[t] = block * blockSize + position % blockSize.
 */
extern "C" __global__ void __launch_bounds__(128)
    rope_store_kv(float* __restrict__ qkv, const int* __restrict__ positions, const int* __restrict__ slots,
                  const float* __restrict__ rope, int rdims, int neox, int heads, int kv_heads, int hd,
                  const float* bq, const float* bk, const float* bv, void* kv, int kv_kind, int layer, int layers,
                  int block_size) {
    const int t = blockIdx.x;
    const int qdim = heads * hd, kvdim = kv_heads * hd;
    float* row = qkv + (size_t)t * (qdim + 2 * kvdim);
    if (bq || bk || bv) {
        for (int i = threadIdx.x; i < qdim + 2 * kvdim; i += 128) {
            const float* b = i < qdim ? bq : (i < qdim + kvdim ? bk : bv);
            int j = i < qdim ? i : (i < qdim + kvdim ? i - qdim : i - qdim - kvdim);
            if (b) row[i] += b[j];
        }
        __syncthreads();
    }
    const int half = rdims / 2;
    const float* cs = rope + (size_t)positions[t] * half * 2;
    for (int p = threadIdx.x; p < (heads + kv_heads) * half; p += 128) {
        int head = p / half, i = p % half;
        int base = head < heads ? head * hd : qdim + (head - heads) * hd;
        int i0 = neox ? base + i : base + 2 * i;
        int i1 = neox ? base + i + half : base + 2 * i + 1;
        float c = cs[2 * i], s = cs[2 * i + 1];
        float a0 = row[i0], a1 = row[i1];
        row[i0] = a0 * c - a1 * s;
        row[i1] = a0 * s + a1 * c;
    }
    __syncthreads();
    const int g = slots[t];
    const size_t block = (size_t)(g / block_size), slot = (size_t)(g % block_size);
    const size_t blockStride = (size_t)layers * 2 * block_size * kvdim;
    const size_t kOff = block * blockStride + ((size_t)(layer * 2) * block_size + slot) * kvdim;
    const size_t vOff = block * blockStride + ((size_t)(layer * 2 + 1) * block_size + slot) * kvdim;
    for (int i = threadIdx.x; i < kvdim; i += 128) {
        store_act(kv, kv_kind, kOff + i, row[qdim + i]);
        store_act(kv, kv_kind, vOff + i, row[qdim + kvdim + i]);
    }
}

/**
 * Rounds product inputs as the CPU engine and llama.cpp round them for the weights' type
 * (dev.kindling.inference.cpu.ActivationFormat): format 1 F16, 2 BF16 (each value), 3 Q8_0 (blocks of
 * 32: d = amax/127 stored as f16, q = rint(x * 127/amax)), 4 Q8_K (blocks of 256: iscale = -127/max
 * with max the value of largest magnitude, first one on ties, q = min(127, rint(iscale * x)),
 * value q/iscale); a tail shorter than a block is kept. The rounded value is then stored in out_kind
 * for the tensor cores. x is [M][K] floats; grid (M, ceil(K/256)), 256 threads.
 */
extern "C" __global__ void __launch_bounds__(256)
    quantize_act(const float* __restrict__ x, int K, int format, void* out, int out_kind) {
    __shared__ float s_ax[8];
    __shared__ int s_idx[8];
    __shared__ float s_max;
    const size_t row = blockIdx.x;
    const int k0 = blockIdx.y * 256, i = threadIdx.x, k = k0 + i;
    const int lane = i % 32, warp = i / 32;
    const float v = k < K ? x[row * K + k] : 0.0f;
    float o = v;
    if (format == 1) {
        o = half_to_float(float_to_half(v));
    } else if (format == 2) {
        o = bf16_to_float(float_to_bf16(v));
    } else if (format == 3) {
        const bool whole = k0 + warp * 32 + 32 <= K;
        float amax = whole ? fabsf(v) : 0.0f;
        for (int off = 16; off > 0; off >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, off));
        if (whole) {
            float d = amax / 127.0f;
            float dh = half_to_float(float_to_half(d));
            float id = amax != 0.0f ? 127.0f / amax : 0.0f;
            o = rintf(v * id) * dh;
        }
    } else if (format == 4) {
        const bool whole = k0 + 256 <= K;
        float ax = fabsf(v);
        int idx = i;
        for (int off = 16; off > 0; off >>= 1) {
            float oa = __shfl_xor_sync(0xffffffffu, ax, off);
            int oi = __shfl_xor_sync(0xffffffffu, idx, off);
            if (oa > ax || (oa == ax && oi < idx)) {
                ax = oa;
                idx = oi;
            }
        }
        if (lane == 0) {
            s_ax[warp] = ax;
            s_idx[warp] = idx;
        }
        __syncthreads();
        if (i == 0) {
            float ba = s_ax[0];
            int bi = s_idx[0];
            for (int w = 1; w < 8; w++) {
                if (s_ax[w] > ba || (s_ax[w] == ba && s_idx[w] < bi)) {
                    ba = s_ax[w];
                    bi = s_idx[w];
                }
            }
            s_max = ba == 0.0f ? 0.0f : x[row * K + k0 + bi];
        }
        __syncthreads();
        if (whole) {
            float mx = s_max;
            if (mx == 0.0f) {
                o = 0.0f;
            } else {
                float iscale = -127.0f / mx;
                float d = 1.0f / iscale;
                int q = (int)rintf(iscale * v);
                o = (float)min(127, q) * d;
            }
        }
    }
    if (k < K) store_act(out, out_kind, row * K + k, o);
}

#define ATT_SPLIT 512  // positions per flash-decoding split (a multiple of ATT_CHUNK)
#define ATT_CHUNK 32   // positions per online-softmax step
#define ATT_ROWS 32    // most query rows (tokens x heads of one KV head) per CTA

/**
 * Causal attention of a tile of consecutive tokens of one sequence (all query heads that share KV
 * head blockIdx.y) over the positions of split blockIdx.z: [z*SPLIT, (z+1)*SPLIT). Each query row
 * r keeps an online softmax (m, l, acc) updated chunk by chunk in increasing position; positions
 * outside the row's own range (after its position, before its sliding window) count as -inf. The
 * unnormalised result (acc, m, l) goes to the row's partial slot; attention_combine merges splits.
 *
 * Tile invariance: a row sees the same chunks, in the same order, with the same arithmetic,
 * whether its tile holds 1 token or 32 (chunks that are fully masked for it leave its state
 * exactly unchanged), so prefill and decode give identical values for a token.
 *
 * Dynamic shared memory: GemmConfig.attentionSharedBytes(hd, kv kind) on the host.
 */
extern "C" __global__ void __launch_bounds__(128)
    attention(const float* __restrict__ qkv, const void* __restrict__ kv, int kv_kind, int layer, int layers,
              int block_size, const int* __restrict__ tables, const int* __restrict__ table_off,
              const int* __restrict__ tile_token, const int* __restrict__ tile_len, const int* __restrict__ tile_seq,
              const int* __restrict__ positions, const int* __restrict__ part_base, int heads, int kv_heads, int hd,
              int window, float scale, float* __restrict__ part) {
    const int tile = blockIdx.x, kh = blockIdx.y, s = blockIdx.z;
    const int t0 = tile_token[tile], T = tile_len[tile], seq = tile_seq[tile];
    const int G = heads / kv_heads, R = T * G;
    const int pos0 = positions[t0], posLast = pos0 + T - 1;
    const int splitLo = s * ATT_SPLIT;
    if (splitLo > posLast) return;
    const int splitHi = min(splitLo + ATT_SPLIT, posLast + 1);
    const int minStart = window > 0 ? max(0, pos0 - window + 1) : 0;
    const int cBegin = max(splitLo, minStart / ATT_CHUNK * ATT_CHUNK);

    const int esz = kv_kind == KIND_F32 ? 4 : 2;
    const int rowBytes = hd * esz + 4;  // padded K/V row: an odd number of words, so the score loop's
                                        // 32 positions of one dimension fall in 32 different banks
    extern __shared__ __align__(16) uint8_t smem[];
    float* qs = (float*)smem;                           // [ATT_ROWS][hd]
    float* acc = qs + ATT_ROWS * hd;                    // [ATT_ROWS][hd]
    float* S = acc + ATT_ROWS * hd;                     // [ATT_ROWS][ATT_CHUNK]
    float* mrow = S + ATT_ROWS * ATT_CHUNK;             // [ATT_ROWS]
    float* lrow = mrow + ATT_ROWS;
    float* alpha = lrow + ATT_ROWS;
    uint8_t* kc = (uint8_t*)(alpha + ATT_ROWS);         // [ATT_CHUNK][rowBytes]
    uint8_t* vc = kc + ATT_CHUNK * rowBytes;            // [ATT_CHUNK][rowBytes]

    const int kvdim = kv_heads * hd;
    const int ldq = (heads + 2 * kv_heads) * hd;
    for (int i = threadIdx.x; i < R * hd; i += 128) {
        int r = i / hd, d = i % hd;
        int t = t0 + r / G, h = kh * G + r % G;
        qs[i] = qkv[(size_t)t * ldq + h * hd + d];
        acc[i] = 0.0f;
    }
    for (int r = threadIdx.x; r < R; r += 128) {
        mrow[r] = -INFINITY;
        lrow[r] = 0.0f;
    }
    const size_t blockStride = (size_t)layers * 2 * block_size * kvdim;
    const int* table = tables + table_off[seq];
    const int segs = hd * esz / 16;
    __syncthreads();

    for (int c0 = cBegin; c0 < splitHi; c0 += ATT_CHUNK) {
        for (int i = threadIdx.x; i < ATT_CHUNK * segs; i += 128) {
            int p = i / segs, sg = i % segs;
            int pos = c0 + p;
            uint4 kvK = make_uint4(0, 0, 0, 0), kvV = make_uint4(0, 0, 0, 0);
            if (pos < splitHi) {
                size_t blk = (size_t)table[pos / block_size];
                size_t slot = (size_t)(pos % block_size);
                size_t kOff = blk * blockStride + ((size_t)(layer * 2) * block_size + slot) * kvdim + (size_t)kh * hd;
                size_t vOff = kOff + (size_t)block_size * kvdim;
                kvK = *(const uint4*)((const uint8_t*)kv + kOff * esz + sg * 16);
                kvV = *(const uint4*)((const uint8_t*)kv + vOff * esz + sg * 16);
            }
            uint32_t* kd = (uint32_t*)(kc + p * rowBytes + sg * 16);
            uint32_t* vd = (uint32_t*)(vc + p * rowBytes + sg * 16);
            kd[0] = kvK.x; kd[1] = kvK.y; kd[2] = kvK.z; kd[3] = kvK.w;
            vd[0] = kvV.x; vd[1] = kvV.y; vd[2] = kvV.z; vd[3] = kvV.w;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < R * ATT_CHUNK; i += 128) {
            int r = i / ATT_CHUNK, c = i % ATT_CHUNK;
            int pos = c0 + c;
            int posR = pos0 + r / G;
            int startR = window > 0 ? max(0, posR - window + 1) : 0;
            float v = -INFINITY;
            if (pos < splitHi && pos <= posR && pos >= startR) {
                const float* q = qs + r * hd;
                float dot = 0.0f;
                if (kv_kind == KIND_F32) {
                    const float* k = (const float*)(kc + c * rowBytes);
                    for (int d = 0; d < hd; d++) dot = fmaf(q[d], k[d], dot);
                } else {
                    const uint16_t* k = (const uint16_t*)(kc + c * rowBytes);
                    for (int d = 0; d < hd; d++) dot = fmaf(q[d], half_to_float(k[d]), dot);
                }
                v = dot * scale;
            }
            S[i] = v;
        }
        __syncthreads();
        for (int r = threadIdx.x; r < R; r += 128) {
            float* sr = S + r * ATT_CHUNK;
            float mc = -INFINITY;
            for (int c = 0; c < ATT_CHUNK; c++) mc = fmaxf(mc, sr[c]);
            float mOld = mrow[r];
            float mNew = fmaxf(mOld, mc);
            float a = mNew == -INFINITY ? 1.0f : expf(mOld - mNew);
            float sum = 0.0f;
            for (int c = 0; c < ATT_CHUNK; c++) {
                float p = sr[c] == -INFINITY ? 0.0f : expf(sr[c] - mNew);
                sr[c] = p;
                sum += p;
            }
            lrow[r] = lrow[r] * a + sum;
            mrow[r] = mNew;
            alpha[r] = a;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < R * hd; i += 128) {
            int r = i / hd, d = i % hd;
            const float* pr = S + r * ATT_CHUNK;
            float a = acc[i] * alpha[r];
            if (kv_kind == KIND_F32) {
                for (int c = 0; c < ATT_CHUNK; c++) a = fmaf(pr[c], ((const float*)(vc + c * rowBytes))[d], a);
            } else {
                for (int c = 0; c < ATT_CHUNK; c++) a = fmaf(pr[c], half_to_float(((const uint16_t*)(vc + c * rowBytes))[d]), a);
            }
            acc[i] = a;
        }
        __syncthreads();
    }
    for (int i = threadIdx.x; i < R * (hd + 2); i += 128) {
        int r = i / (hd + 2), d = i % (hd + 2);
        int t = t0 + r / G, h = kh * G + r % G;
        int posR = pos0 + r / G;
        int ns = posR / ATT_SPLIT + 1;
        if (s >= ns) continue;
        float* dst = part + ((size_t)part_base[t] + (size_t)h * ns + s) * (hd + 2);
        dst[d] = d < hd ? acc[r * hd + d] : (d == hd ? mrow[r] : lrow[r]);
    }
}

/**
 * out[t][h*hd + d] = merged splits of (token t, head h): weights exp(m_s - max m), in split order.
 * Grid (n, heads), 128 threads.
 */
extern "C" __global__ void __launch_bounds__(128)
    attention_combine(const float* __restrict__ part, const int* __restrict__ part_base,
                      const int* __restrict__ positions, int heads, int hd, void* out, int out_kind) {
    const int t = blockIdx.x, h = blockIdx.y;
    const int ns = positions[t] / ATT_SPLIT + 1;
    const float* base = part + ((size_t)part_base[t] + (size_t)h * ns) * (hd + 2);
    float M = -INFINITY;
    for (int s = 0; s < ns; s++) M = fmaxf(M, base[s * (hd + 2) + hd]);
    float L = 0.0f;
    for (int s = 0; s < ns; s++) {
        float m = base[s * (hd + 2) + hd];
        if (m != -INFINITY) L += base[s * (hd + 2) + hd + 1] * expf(m - M);
    }
    for (int d = threadIdx.x; d < hd; d += 128) {
        float o = 0.0f;
        for (int s = 0; s < ns; s++) {
            float m = base[s * (hd + 2) + hd];
            if (m != -INFINITY) o += base[s * (hd + 2) + d] * expf(m - M);
        }
        store_act(out, out_kind, (size_t)t * heads * hd + (size_t)h * hd + d, o / L);
    }
}

KD uint64_t splitmix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/**
 * Synthetic weights for the benchmarks: p[i] = uniform in [-a, a) (a = std * sqrt(3)) as F16/BF16
 * (kind), from a hash of (seed, i), so runs are repeatable; positive=1 gives [a/2, a) (scales).
 */
extern "C" __global__ void fill_random_16(uint16_t* p, size_t n, unsigned long long seed, float stdv, int kind,
                                          int positive) {
    const float a = stdv * 1.7320508f;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint64_t h = splitmix64(seed * 0x100000001B3ull + i);
        float u = (float)(h >> 40) * (1.0f / 16777216.0f);  // [0, 1)
        float v = positive ? a * (0.5f + 0.5f * u) : a * (2.0f * u - 1.0f);
        p[i] = kind == KIND_BF16 ? float_to_bf16(v) : float_to_half(v);
    }
}

/** Random bytes (quantized weight data, Q4_K scales) from a hash of (seed, i); mask keeps bits. */
extern "C" __global__ void fill_random_bytes(uint8_t* p, size_t n, unsigned long long seed, int mask) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        p[i] = (uint8_t)(splitmix64(seed * 0x100000001B3ull + i) >> 56) & (uint8_t)mask;
    }
}

/** F32 fill (norm weights): uniform in [center - spread, center + spread). */
extern "C" __global__ void fill_random_f32(float* p, size_t n, unsigned long long seed, float center, float spread) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        float u = (float)(splitmix64(seed * 0x100000001B3ull + i) >> 40) * (1.0f / 16777216.0f);
        p[i] = center + spread * (2.0f * u - 1.0f);
    }
}
