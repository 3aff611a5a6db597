package dev.kindling.inference.cuda;

import dev.kindling.inference.cuda.pack.Kind;

/**
 * The tile configurations of the tensor-core kernels ({@code CFG_S/M/L} in gemm.cu) and the
 * choice among them: results are identical for all (see gemm.cu), so the choice is only about
 * speed, and is made per product from M (tokens) and N (rows of the matrix).
 *
 * @param suffix  kernel name suffix
 * @param bm      rows of A per CTA
 * @param bn      rows of W per CTA
 * @param threads CTA size
 * @param stages  cp.async pipeline depth
 */
public record GemmConfig(String suffix, int bm, int bn, int threads, int stages) {
    public static final GemmConfig S = new GemmConfig("s", 16, 32, 128, 4);
    public static final GemmConfig M = new GemmConfig("m", 64, 32, 128, 4);
    public static final GemmConfig L = new GemmConfig("l", 128, 128, 256, 3);
    static final int BK = 64;
    static final int LDS = BK + 8;

    /** l when it alone fills the GPU, m for tens of tokens, s for decode batches up to 16. */
    public static GemmConfig choose(int m, int n, int multiprocessors) {
        if (m >= 128 && (long) ceil(m, 128) * ceil(n, 128) >= multiprocessors) {
            return L;
        }
        return m > 16 ? M : S;
    }

    static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Dynamic shared memory of this configuration for weights of {@code kind} (= Smem<>::BYTES). */
    public int sharedBytes(Kind kind) {
        int a = bm * LDS * 2;
        int w;
        int wt = 0;
        if (kind.quantized()) {
            int row = kind == Kind.Q8_0 ? BK : BK / 2;
            w = bn * (row + 4 + (kind == Kind.Q4_K ? 4 : 0));
            wt = bn * LDS * 2;
        } else {
            w = bn * LDS * 2;
        }
        int wAligned = (w + 15) / 16 * 16;
        return stages * (a + wAligned) + wt;
    }

    /** The kernel for weights of {@code kind}. */
    public String kernel(Kind kind) {
        return "gemm_" + kind.name().toLowerCase() + "_" + suffix;
    }

    /** Dynamic shared memory of the attention kernel (ops.cu: q, acc, scores, m/l/alpha, K and V chunks). */
    public static int attentionSharedBytes(int headDim, Kind kv) {
        int esz = kv == Kind.F32 ? 4 : 2;
        int rows = StepPlan.ATT_ROWS, chunk = StepPlan.ATT_CHUNK;
        return 4 * (2 * rows * headDim + rows * chunk + 3 * rows) + 2 * chunk * (headDim * esz + 4);
    }
}
