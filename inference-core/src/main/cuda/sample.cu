// Reductions of logit rows on the device, so a decode step copies back one token id (or one
// log-probability) per sequence instead of a row of the whole vocabulary.
//
// One CTA (1024 threads) per row; the row's request (4 ints, 4 floats: kind, top-k, target, n; temperature,
// top-p, min-p, coin), n the ids considered, the first n of the row's stride (fewer than the model's
// output rows when the tokenizer has fewer ids: a padded embedding):
//   kind 0 NONE     nothing (the host copies the full row)
//   kind 1 ARGMAX   the largest logit, lowest id among ties
//   kind 2 SAMPLE   temperature, then top-k / top-p / min-p, then a draw with the coin (a uniform
//                   float the sequence's own generator drew on the host), exactly the algorithm of
//                   the engine's default sampler (LogitReduction.sample mirrors it in Java)
//   kind 3 LOGPROB  log-softmax of the logit of token `target` (scoring), in double
// ARGMAX and SAMPLE also write the chosen token's logit to out_value: NaN there (a NaN weight turns
// every logit NaN) is how the host tells a broken model from a completion.
// status[row] = 1 when a SAMPLE row's candidate set is too large for the device sort (CAP), or when
// top-p follows a top-k that reaches past the candidates (its mass needs tokens not gathered); the
// host then samples that row from the full logits with the same coin.
#include "common.cuh"

#define THREADS 1024
#define CAP 2048

#define REQ_NONE 0
#define REQ_ARGMAX 1
#define REQ_SAMPLE 2
#define REQ_LOGPROB 3

struct Shared {
    double dsum[THREADS];   // per-thread segment sums, then exclusive prefixes
    unsigned long long keys[CAP];
    int hist[256];
    float fbuf[32];
    int ibuf[32];
    double dtotal;
    int count;
    int found;
    int ibcast;
    float fbcast;
};

/** (value, index) of the largest value, lowest index among ties (NaN never wins). */
KD void better(float& bv, int& bi, float v, int i) {
    if (v > bv || (v == bv && i < bi)) {
        bv = v;
        bi = i;
    }
}

KD void block_argmax(Shared& sh, float v, int i, float& outV, int& outI) {
    for (int off = 16; off > 0; off >>= 1) {
        float ov = __shfl_xor_sync(0xffffffffu, v, off);
        int oi = __shfl_xor_sync(0xffffffffu, i, off);
        better(v, i, ov, oi);
    }
    __syncthreads();
    if (threadIdx.x % 32 == 0) {
        sh.fbuf[threadIdx.x / 32] = v;
        sh.ibuf[threadIdx.x / 32] = i;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float bv = sh.fbuf[0];
        int bi = sh.ibuf[0];
        for (int w = 1; w < THREADS / 32; w++) better(bv, bi, sh.fbuf[w], sh.ibuf[w]);
        sh.fbcast = bv;
        sh.ibcast = bi;
    }
    __syncthreads();
    outV = sh.fbcast;
    outI = sh.ibcast;
}

KD int block_count(Shared& sh, int c) {
    __syncthreads();
    if (threadIdx.x == 0) sh.count = 0;
    __syncthreads();
    for (int off = 16; off > 0; off >>= 1) c += __shfl_xor_sync(0xffffffffu, c, off);
    if (threadIdx.x % 32 == 0) atomicAdd(&sh.count, c);
    __syncthreads();
    return sh.count;
}

KD bool candidate(float e, double cutoff, float minP) { return (double)e >= cutoff && e >= minP; }

KD unsigned long long sort_key(float e, int i) {
    return ((unsigned long long)(0x7FFFFFFFu - __float_as_uint(e)) << 32) | (unsigned)i;
}

extern "C" __global__ void __launch_bounds__(THREADS)
    logits_reduce(const float* __restrict__ logits, int stride, const int* __restrict__ req_i,
                  const float* __restrict__ req_f, float* __restrict__ scratch, int* __restrict__ out_token,
                  float* __restrict__ out_value, int* __restrict__ status) {
    __shared__ Shared sh;
    const int row = blockIdx.x, tid = threadIdx.x;
    const int kind = req_i[row * 4], topK = req_i[row * 4 + 1], target = req_i[row * 4 + 2];
    // the ids considered: the row's first n of its stride (a generation whose tokenizer is smaller than the model's
    // output layer samples only ids with text)
    const int n = req_i[row * 4 + 3];
    const float temperature = req_f[row * 4], topP = req_f[row * 4 + 1], minP = req_f[row * 4 + 2];
    const float coin = req_f[row * 4 + 3];
    if (kind == REQ_NONE) {
        if (tid == 0) status[row] = 0;
        return;
    }
    const float* z = logits + (size_t)row * stride;
    float* e = scratch + (size_t)row * stride;

    float bv = -INFINITY;
    int bi = 0x7fffffff;
    for (int i = tid; i < n; i += THREADS) better(bv, bi, z[i], i);
    float mx;
    int amax;
    block_argmax(sh, bv, bi, mx, amax);
    if (amax == 0x7fffffff) amax = 0;  // every logit NaN

    if (kind == REQ_ARGMAX || (kind == REQ_SAMPLE && temperature == 0.0f)) {
        if (tid == 0) {
            out_token[row] = amax;
            out_value[row] = z[amax];
            status[row] = 0;
        }
        return;
    }
    if (kind == REQ_LOGPROB) {
        double s = 0.0;
        for (int i = tid; i < n; i += THREADS) s += exp((double)z[i] - (double)mx);
        sh.dsum[tid] = s;
        __syncthreads();
        if (tid == 0) {
            double tot = 0.0;
            for (int i = 0; i < THREADS; i++) tot += sh.dsum[i];
            double lse = (double)mx + log(tot);
            out_value[row] = (float)((double)z[target] - lse);
            out_token[row] = amax;
            status[row] = 0;
        }
        return;
    }

    // SAMPLE: e = exp((z - max) / T) in contiguous segments, one per thread
    const int seg = (n + THREADS - 1) / THREADS;
    const int lo = min(n, tid * seg), hi = min(n, lo + seg);
    double s = 0.0;
    for (int i = lo; i < hi; i++) {
        float v = (float)exp((double)((z[i] - mx) / temperature));
        e[i] = v;
        s += v;
    }
    sh.dsum[tid] = s;
    __syncthreads();
    if (tid == 0) {
        double tot = 0.0;
        for (int i = 0; i < THREADS; i++) {
            double v = sh.dsum[i];
            sh.dsum[i] = tot;  // exclusive prefix
            tot += v;
        }
        sh.dtotal = tot;
        sh.found = 0x7fffffff;
    }
    __syncthreads();
    const double sum = sh.dtotal;

    if (topK == 0 && topP >= 1.0f && minP == 0.0f) {
        // no filter: the first token whose running sum exceeds coin * sum
        double r = (double)coin * sum;
        double cdf = sh.dsum[tid];
        for (int i = lo; i < hi; i++) {
            cdf += e[i];
            if (r < cdf) {
                atomicMin(&sh.found, i);
                break;
            }
        }
        __syncthreads();
        if (tid == 0) {
            const int tok = sh.found != 0x7fffffff ? sh.found : amax;
            out_token[row] = tok;
            out_value[row] = z[tok];
            status[row] = 0;
        }
        return;
    }

    const double cutoff = topP < 1.0f ? (1.0 - (double)topP) / (n - 1) * sum : 0.0;
    int c = 0;
    for (int i = lo; i < hi; i++) c += candidate(e[i], cutoff, minP) ? 1 : 0;
    const int count = block_count(sh, c);

    // the threshold (as float bits of e) above which candidates are gathered
    unsigned threshold = 0;
    if (count > CAP) {
        if (topK <= 0 || topK > CAP) {
            if (tid == 0) status[row] = 1;
            return;
        }
        // radix select, 8 bits per pass from the top: the bits of the topK-th largest candidate
        unsigned prefix = 0, mask = 0;
        int krem = topK;
        for (int pass = 0; pass < 4; pass++) {
            const int shift = 24 - 8 * pass;
            for (int i = tid; i < 256; i += THREADS) sh.hist[i] = 0;
            __syncthreads();
            for (int i = lo; i < hi; i++) {
                unsigned u = __float_as_uint(e[i]);
                if (candidate(e[i], cutoff, minP) && (u & mask) == prefix) atomicAdd(&sh.hist[(u >> shift) & 255], 1);
            }
            __syncthreads();
            if (tid == 0) {
                int cum = 0, sel = 0;
                for (int d = 255; d >= 0; d--) {
                    if (cum + sh.hist[d] >= krem) {
                        sel = d;
                        break;
                    }
                    cum += sh.hist[d];
                }
                sh.ibuf[0] = krem - cum;
                sh.ibuf[1] = sel;
            }
            __syncthreads();
            krem = sh.ibuf[0];
            prefix |= (unsigned)sh.ibuf[1] << shift;
            mask |= 255u << shift;
            __syncthreads();
        }
        threshold = prefix;
        c = 0;
        for (int i = lo; i < hi; i++) c += candidate(e[i], cutoff, minP) && __float_as_uint(e[i]) >= threshold ? 1 : 0;
        if (block_count(sh, c) > CAP) {
            if (tid == 0) status[row] = 1;
            return;
        }
    }

    // gather, sort by (probability descending, id ascending)
    for (int i = tid; i < CAP; i += THREADS) sh.keys[i] = ~0ull;
    __syncthreads();
    if (tid == 0) sh.count = 0;
    __syncthreads();
    for (int i = lo; i < hi; i++) {
        if (candidate(e[i], cutoff, minP) && __float_as_uint(e[i]) >= threshold) {
            int at = atomicAdd(&sh.count, 1);
            sh.keys[at] = sort_key(e[i], i);
        }
    }
    __syncthreads();
    for (int k = 2; k <= CAP; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int i = tid; i < CAP; i += THREADS) {
                int ixj = i ^ j;
                if (ixj > i) {
                    unsigned long long a = sh.keys[i], b = sh.keys[ixj];
                    bool up = (i & k) == 0;
                    if ((a > b) == up) {
                        sh.keys[i] = b;
                        sh.keys[ixj] = a;
                    }
                }
            }
            __syncthreads();
        }
    }
    if (tid == 0 && count == 0) {
        out_token[row] = amax;  // as the host sampler: nothing passes the filters
        out_value[row] = z[amax];
        status[row] = 0;
    }
    if (tid == 0 && count > 0 && topP < 1.0f && topK > 0 && topK < n && count < topK) {
        // top-p measures its nucleus on what top-k kept (LogitReduction.topKMass, as HF, vLLM and llama.cpp),
        // and here top-k reaches past the candidates gathered: the host sums the rest of its mass
        status[row] = 1;
        return;
    }
    if (tid == 0 && count > 0) {
        int keep = topK > 0 ? min(count, topK) : count;
        if (topP < 1.0f) {
            double kept = sum;
            if (topK > 0 && topK < n) {  // count >= topK: the first topK keys, summed in the host's order
                kept = 0.0;
                for (int i = 0; i < keep; i++) kept += e[(int)(sh.keys[i] & 0xffffffffu)];
            }
            double goal = (double)topP * kept;
            double cum = 0.0;
            for (int i = 0; i < keep; i++) {
                cum += e[(int)(sh.keys[i] & 0xffffffffu)];
                if (cum >= goal) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double mass = 0.0;
        for (int i = 0; i < keep; i++) mass += e[(int)(sh.keys[i] & 0xffffffffu)];
        double r = (double)coin * mass;
        double cdf = 0.0;
        int tok = (int)(sh.keys[keep - 1] & 0xffffffffu);
        for (int i = 0; i < keep; i++) {
            int id = (int)(sh.keys[i] & 0xffffffffu);
            cdf += e[id];
            if (r < cdf) {
                tok = id;
                break;
            }
        }
        out_token[row] = tok;
        out_value[row] = z[tok];
        status[row] = 0;
    }
}
