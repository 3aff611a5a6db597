package dev.kindling.inference.cuda.ref;

import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cuda.StepPlan;
import dev.kindling.inference.cuda.pack.HalfFloats;
import dev.kindling.inference.cuda.pack.Kind;
import dev.kindling.inference.cuda.pack.PackedChunk;

/**
 * Java twins of the CUDA kernels ({@code src/main/cuda}), written to the same decomposition so
 * they can be checked on a machine without a GPU and then serve as the oracle of the GPU checks
 * ({@code GpuCheck}): the same packed weight layouts, the same rounding of activations and KV
 * entries, the same chunk and split order of the online softmax. Where the GPU sums in another
 * order (tensor-core products, block reductions), the twin says so and the checks allow for it.
 */
public final class KernelMath {
    private KernelMath() {}

    public static final int EPI_STORE = 0;
    public static final int EPI_ACCUM = 1;
    public static final int EPI_SWIGLU = 2;

    /** {@code weight_value}: one weight of a packed matrix (all rows in {@code w}). */
    public static float weightValue(PackedChunk w, int row, int k) {
        int K = w.cols();
        byte[] d = w.data();
        switch (w.kind()) {
            case F32: {
                int p = (row * K + k) * 4;
                return Float.intBitsToFloat((d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8 | (d[p + 2] & 0xFF) << 16 | (d[p + 3] & 0xFF) << 24);
            }
            case F16:
                return ScalarKernels.halfToFloat(u16(d, (row * K + k) * 2));
            case BF16:
                return ScalarKernels.bf16ToFloat(u16(d, (row * K + k) * 2));
            case Q8_0: {
                float s = ScalarKernels.halfToFloat(u16(w.scales(), (row * (K / 32) + k / 32) * 2));
                return (float) d[row * K + k] * s;
            }
            case Q4_0: {
                float s = ScalarKernels.halfToFloat(u16(w.scales(), (row * (K / 32) + k / 32) * 2));
                int j = k % 32;
                int b = d[row * (K / 2) + (k / 32) * 16 + (j % 16)] & 0xFF;
                int q = j < 16 ? b & 15 : b >>> 4;
                return Math.fma((float) q, s, -8f * s);
            }
            default: {
                int sb = k / 256, j = k % 256, g = j / 64, l = j % 64;
                int b = d[row * (K / 2) + sb * 128 + g * 32 + (l % 32)] & 0xFF;
                int q = l < 32 ? b & 15 : b >>> 4;
                int sm = (row * (K / 32) + k / 32) * 2;
                int sc = w.scales()[sm] & 0xFF, m = w.scales()[sm + 1] & 0xFF;
                int dm = (row * (K / 256) + sb) * 4;
                float dd = ScalarKernels.halfToFloat(u16(w.dm(), dm));
                float dmin = ScalarKernels.halfToFloat(u16(w.dm(), dm + 2));
                return Math.fma((float) q, dd * (float) sc, -(dmin * (float) m));
            }
        }
    }

    private static short u16(byte[] a, int p) {
        return (short) ((a[p] & 0xFF) | (a[p + 1] & 0xFF) << 8);
    }

    /** The weight as the tensor-core kernels multiply it: quantized kinds are dequantized to F16 in shared memory. */
    public static float tileValue(PackedChunk w, int row, int k) {
        float v = weightValue(w, row, k);
        return w.kind().quantized() ? HalfFloats.round(v, Kind.F16) : v;
    }

    /** {@code store_act}: the value an activation buffer of {@code kind} holds after storing {@code v}. */
    public static float act(float v, Kind kind) {
        return HalfFloats.round(v, kind);
    }

    /**
     * A product's input as the kernels prepare it ({@code quantize_act}, or the producer's own
     * store): rounded as the CPU engine rounds it for the weights' type ({@code format}), then stored
     * in {@code storage} (the tensor cores' F16/BF16, or F32).
     */
    public static void roundInput(float[] x, int off, int n, ActivationFormat format, Kind storage) {
        format.roundTrip(x, off, n, x);
        for (int i = off; i < off + n; i++) {
            x[i] = HalfFloats.round(x[i], storage);
        }
    }

    /** silu(g) * u as the epilogue computes it. */
    public static float siluMul(float g, float u) {
        return g / (1f + (float) Math.exp(-g)) * u;
    }

    /**
     * The products of {@code gemm_*}: {@code out[m][n] (+)= a[m][.] . w[n][.]} for {@code m < M}
     * over all rows of {@code w} (N), with the epilogue. {@code a} holds activations already
     * rounded to the model's activation kind. F32 weights follow {@code gemm_f32}'s order exactly
     * (32 lane sums in order, xor butterfly); the tensor-core kinds sum in float in k order, while
     * the GPU's m16n8k16 steps add 16 products at a time (so the GPU differs from this by
     * rounding only, about 1e-6 relative).
     */
    public static void gemm(PackedChunk w, float[] a, int M, float[] out, int epilogue, Kind outKind) {
        int N = w.rows(), K = w.cols();
        float[] wr = new float[K];
        float[] col = new float[M * N];
        for (int n = 0; n < N; n++) {
            for (int k = 0; k < K; k++) {
                wr[k] = w.kind() == Kind.F32 ? weightValue(w, n, k) : tileValue(w, n, k);
            }
            for (int m = 0; m < M; m++) {
                col[m * N + n] = w.kind() == Kind.F32 ? dotF32(wr, a, m * K, K) : dotSequential(wr, a, m * K, K);
            }
        }
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                float v = col[m * N + n];
                switch (epilogue) {
                    case EPI_STORE -> out[m * N + n] = v;
                    case EPI_ACCUM -> out[m * N + n] += v;
                    default -> {
                        if (n % 2 == 0 && n + 1 < N) {
                            out[m * (N / 2) + n / 2] = act(siluMul(v, col[m * N + n + 1]), outKind);
                        }
                    }
                }
            }
        }
    }

    private static float dotSequential(float[] w, float[] a, int off, int K) {
        float s = 0f;
        for (int k = 0; k < K; k++) {
            s = Math.fma(w[k], a[off + k], s);
        }
        return s;
    }

    /** gemm_f32: lane l sums k = l, l+32, ...; then v += v[l ^ off] for off = 16, 8, 4, 2, 1; lane 0's value. */
    public static float dotF32(float[] w, float[] a, int off, int K) {
        float[] lanes = new float[32];
        for (int l = 0; l < 32; l++) {
            float s = 0f;
            for (int k = l; k < K; k += 32) {
                s = Math.fma(w[k], a[off + k], s);
            }
            lanes[l] = s;
        }
        for (int o = 16; o > 0; o >>= 1) {
            float[] next = new float[32];
            for (int l = 0; l < 32; l++) {
                next[l] = lanes[l] + lanes[l ^ o];
            }
            lanes = next;
        }
        return lanes[0];
    }

    /** {@code rmsnorm}: (x * scale) * w per element, the mean of squares in double. */
    public static void rmsnorm(float[] x, int xOff, float[] w, float eps, float[] out, int outOff, Kind outKind) {
        int dim = w.length;
        double ss = 0;
        for (int i = 0; i < dim; i++) {
            float v = x[xOff + i];
            ss += v * v;
        }
        float mean = (float) (ss / dim);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        for (int i = 0; i < dim; i++) {
            out[outOff + i] = act((x[xOff + i] * scale) * w[i], outKind);
        }
    }

    /**
     * {@code rope_store_kv} for one token: biases, rotation of q and k heads in the qkv row, then k
     * and v into the KV cache (values rounded to the cache kind).
     */
    public static void ropeStoreKv(float[] qkv, int rowOff, int heads, int kvHeads, int hd, int rdims, boolean neox,
            float[] cosSin, float[] bq, float[] bk, float[] bv, float[] kvCache, long kOff, long vOff, Kind kvKind) {
        int qdim = heads * hd, kvdim = kvHeads * hd;
        for (int i = 0; i < qdim + 2 * kvdim; i++) {
            float[] b = i < qdim ? bq : i < qdim + kvdim ? bk : bv;
            int j = i < qdim ? i : i < qdim + kvdim ? i - qdim : i - qdim - kvdim;
            if (b != null) {
                qkv[rowOff + i] += b[j];
            }
        }
        int half = rdims / 2;
        for (int p = 0; p < (heads + kvHeads) * half; p++) {
            int head = p / half, i = p % half;
            int base = rowOff + (head < heads ? head * hd : qdim + (head - heads) * hd);
            int i0 = neox ? base + i : base + 2 * i;
            int i1 = neox ? base + i + half : base + 2 * i + 1;
            float c = cosSin[2 * i], s = cosSin[2 * i + 1];
            float a0 = qkv[i0], a1 = qkv[i1];
            qkv[i0] = a0 * c - a1 * s;
            qkv[i1] = a0 * s + a1 * c;
        }
        for (int i = 0; i < kvdim; i++) {
            kvCache[Math.toIntExact(kOff + i)] = HalfFloats.round(qkv[rowOff + qdim + i], kvKind);
            kvCache[Math.toIntExact(vOff + i)] = HalfFloats.round(qkv[rowOff + qdim + kvdim + i], kvKind);
        }
    }

    /** Where the K (kv = 0) or V (kv = 1) vector of {@code slot}'s position begins in the KV pool. */
    public static long kvOffset(int slot, int blockSize, int layer, int layers, int kv, int kvDim) {
        long block = slot / blockSize, s = slot % blockSize;
        return block * layers * 2L * blockSize * kvDim + ((long) (layer * 2 + kv) * blockSize + s) * kvDim;
    }

    /**
     * {@code attention} + {@code attention_combine} for the whole step, exactly as the kernels
     * order the work: per tile, KV head and split, chunks of {@link StepPlan#ATT_CHUNK} positions in
     * increasing order with an online softmax per query row; the splits merged in order. Writes
     * {@code out[t][h*hd + d]} (rounded to {@code outKind}).
     */
    public static void attention(StepPlan p, float[] qkv, float[] kv, int layer, int layers, int blockSize, int heads,
            int kvHeads, int hd, int window, float[] out, Kind outKind) {
        int g = heads / kvHeads;
        int ldq = (heads + 2 * kvHeads) * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] part = new float[p.partSlots * (hd + 2)];
        int kvDim = kvHeads * hd;
        for (int tile = 0; tile < p.tileCount; tile++) {
            int t0 = p.tileToken[tile], T = p.tileLen[tile], seq = p.tileSeq[tile];
            int rows = T * g;
            int pos0 = p.positions[t0], posLast = pos0 + T - 1;
            for (int kh = 0; kh < kvHeads; kh++) {
                for (int s = 0; s < p.maxSplits; s++) {
                    int splitLo = s * StepPlan.ATT_SPLIT;
                    if (splitLo > posLast) {
                        continue;
                    }
                    int splitHi = Math.min(splitLo + StepPlan.ATT_SPLIT, posLast + 1);
                    int minStart = window > 0 ? Math.max(0, pos0 - window + 1) : 0;
                    int cBegin = Math.max(splitLo, minStart / StepPlan.ATT_CHUNK * StepPlan.ATT_CHUNK);
                    float[] m = new float[rows];
                    float[] l = new float[rows];
                    float[] acc = new float[rows * hd];
                    java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
                    float[] sc = new float[StepPlan.ATT_CHUNK];
                    for (int c0 = cBegin; c0 < splitHi; c0 += StepPlan.ATT_CHUNK) {
                        for (int r = 0; r < rows; r++) {
                            int t = t0 + r / g, h = kh * g + r % g;
                            int posR = pos0 + r / g;
                            int startR = window > 0 ? Math.max(0, posR - window + 1) : 0;
                            for (int c = 0; c < StepPlan.ATT_CHUNK; c++) {
                                int pos = c0 + c;
                                float v = Float.NEGATIVE_INFINITY;
                                if (pos < splitHi && pos <= posR && pos >= startR) {
                                    long kOff = kvPos(p, seq, pos, blockSize, layer, layers, 0, kvDim) + (long) kh * hd;
                                    float dot = 0f;
                                    for (int d = 0; d < hd; d++) {
                                        dot = Math.fma(qkv[t * ldq + h * hd + d], kv[Math.toIntExact(kOff + d)], dot);
                                    }
                                    v = dot * scale;
                                }
                                sc[c] = v;
                            }
                            float mc = Float.NEGATIVE_INFINITY;
                            for (float v : sc) {
                                mc = Math.max(mc, v);
                            }
                            float mNew = Math.max(m[r], mc);
                            float alpha = mNew == Float.NEGATIVE_INFINITY ? 1f : (float) Math.exp(m[r] - mNew);
                            float sum = 0f;
                            for (int c = 0; c < StepPlan.ATT_CHUNK; c++) {
                                sc[c] = sc[c] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(sc[c] - mNew);
                                sum += sc[c];
                            }
                            l[r] = l[r] * alpha + sum;
                            m[r] = mNew;
                            for (int d = 0; d < hd; d++) {
                                float a = acc[r * hd + d] * alpha;
                                for (int c = 0; c < StepPlan.ATT_CHUNK; c++) {
                                    int pos = c0 + c;
                                    float vv = 0f;
                                    if (pos < splitHi) {
                                        vv = kv[Math.toIntExact(kvPos(p, seq, pos, blockSize, layer, layers, 1, kvDim) + (long) kh * hd + d)];
                                    }
                                    a = Math.fma(sc[c], vv, a);
                                }
                                acc[r * hd + d] = a;
                            }
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        int t = t0 + r / g, h = kh * g + r % g;
                        int ns = StepPlan.splits(pos0 + r / g);
                        if (s >= ns) {
                            continue;
                        }
                        int dst = (p.partBase[t] + h * ns + s) * (hd + 2);
                        System.arraycopy(acc, r * hd, part, dst, hd);
                        part[dst + hd] = m[r];
                        part[dst + hd + 1] = l[r];
                    }
                }
            }
        }
        for (int t = 0; t < p.tokens; t++) {
            int ns = StepPlan.splits(p.positions[t]);
            for (int h = 0; h < heads; h++) {
                int base = (p.partBase[t] + h * ns) * (hd + 2);
                float mMax = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < ns; s++) {
                    mMax = Math.max(mMax, part[base + s * (hd + 2) + hd]);
                }
                float lSum = 0f;
                for (int s = 0; s < ns; s++) {
                    float ms = part[base + s * (hd + 2) + hd];
                    if (ms != Float.NEGATIVE_INFINITY) {
                        lSum += part[base + s * (hd + 2) + hd + 1] * (float) Math.exp(ms - mMax);
                    }
                }
                for (int d = 0; d < hd; d++) {
                    float o = 0f;
                    for (int s = 0; s < ns; s++) {
                        float ms = part[base + s * (hd + 2) + hd];
                        if (ms != Float.NEGATIVE_INFINITY) {
                            o += part[base + s * (hd + 2) + d] * (float) Math.exp(ms - mMax);
                        }
                    }
                    out[t * heads * hd + h * hd + d] = act(o / lSum, outKind);
                }
            }
        }
    }

    private static long kvPos(StepPlan p, int seq, int pos, int blockSize, int layer, int layers, int kv, int kvDim) {
        int slot = p.tables[p.tableOff[seq] + pos / blockSize] * blockSize + pos % blockSize;
        return kvOffset(slot, blockSize, layer, layers, kv, kvDim);
    }
}
