package dev.kindling.inference.tensor;

import static dev.kindling.inference.cpu.Simd.B;
import static dev.kindling.inference.cpu.Simd.F;
import static dev.kindling.inference.cpu.Simd.I;
import static dev.kindling.inference.cpu.Simd.S;
import static dev.kindling.inference.cpu.Simd.S2;
import static dev.kindling.inference.cpu.Simd.L;

import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cpu.Simd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * Weights made of 32-value blocks of small integers with one f16 scale per block — ggml's Q8_0
 * ({@link Q8_0Tensor}, int8) and Q4_0 ({@link Q4_0Tensor}, int4) — multiplied with activations
 * quantized to Q8_0 blocks ({@link ActivationFormat#quantizeQ8_0}) as llama.cpp multiplies them:
 * block by block in integers, then scaled.
 *
 * <h2>The arithmetic (one definition, every path gives the same bits)</h2>
 * For row {@code r} and one token with integers {@code xq} and block scales {@code dx}:
 * <pre>
 *   acc = 0
 *   for each block b, in order:
 *       P   = sum over the block's 32 columns of w_int * xq      (an integer: |P| < 2^19, exact in float)
 *       acc = fma(P, dw[r][b] * dx[b], acc)                     (the scale product is exact: 11 x 11 bits)
 *   result = acc
 * </pre>
 * {@link #productScalar} is this, written plainly (the test oracle). The vector kernels compute
 * {@code P} with float FMAs on integer values, which is exact in any order, so the decode kernel
 * (one token, weights read straight from storage), the tiled kernel (many tokens over a dequantized
 * tile) and the scalar twin agree bit for bit, at every vector width: a token's logits never depend
 * on its batch. Against llama.cpp the only difference is the order of the per-block float sums.
 *
 * <h2>Layout</h2>
 * Rows are stored in panels of {@link #PANEL_ROWS} (= four vectors of {@link #GROUP} float lanes),
 * the panel's rows interleaved column by column: one column (Q8_0) or one column pair (Q4_0) of the
 * whole panel is {@code PANEL_ROWS} consecutive bytes, so that a panel is one sequential stream
 * (what the hardware prefetcher follows best) and one vector load of {@code GROUP} bytes holds one
 * column of {@code GROUP} rows: a product is a broadcast input value times a weight vector, the
 * lanes of the accumulator are the outputs (no horizontal sums). The decode kernel keeps four such
 * accumulator chains (the panel's four groups) side by side. Rows are padded with zero weights to
 * whole panels; block scales are kept as f16 bits (as in the file), per panel block-major.
 * Scales are converted in the kernels by bit moves (exact for finite halves); a tensor with a
 * non-finite scale (a damaged file) is computed by the scalar twin instead, which propagates it.
 *
 * <h2>Block offsets (Q4_K, Q5_K)</h2>
 * Q4_K's and Q5_K's weights are {@code w = fma(q, a, b)} per 32-value block, {@code q} the file's integer
 * (0..15, 0..31), {@code a = d * sc} and {@code b = -dmin * m} floats (exact: f16 times a 6-bit integer). They
 * are stored as integers {@code v = q - c} ({@link #offsetCentre}: Q4_K as Q4_0's centred nibbles, c = 8;
 * Q5_K as Q8_0's bytes, c = 0) with {@code a} and {@code b} as floats ({@link #hasBlockOffsets}; Q4_K keeps
 * the file's 6-bit {@code sc}, {@code m} and its {@code d}, {@code dmin} instead, {@link #compactScales}),
 * and multiplied with activations quantized to Q8_K ({@link ActivationFormat#quantizeQ8_K}: one scale per
 * 256 values, given per block as {@code dx}, and {@code u = dx * S}, {@code S} the block's integer sum):
 * <pre>
 *   acc = 0, off = 0
 *   for each block b, in order:  acc = fma(P, a[r][b] * dx[b], acc)        (P = sum v * xq, as above)
 *   for each block b, in order:  off = fma(fma(c, a[r][b], b[r][b]), u[b], off)
 *   result = acc + off
 * </pre>
 * since {@code sum w x = dx (a P + (c a + b) S)}. The integer part is Q4_0's or Q8_0's, so the K-quants run on
 * their kernels (integer block sums; int16 lanes for Q4_K) where the repacked values used to be widened to
 * floats and scaled value by value; {@link #productScalar} is again the definition.
 *
 * <p>Q6_K ({@link Q6KTensor}) needs no offsets: it keeps the first contract, its integer weight being
 * {@code (q - 32) * sc} with {@code sc} the int8 scale of the value's 16-value group, and its block scale the
 * super-block's f16 {@code d}; its inputs are quantized to Q8_K as well.
 */
public abstract class Q8BlockTensor extends Tensor {
    /** Rows per vector of outputs (16 with AVX-512, 8 with AVX2; 16 when scalar). */
    public static final int GROUP = L > 0 ? L : 16;
    /** Vectors of outputs per panel. */
    static final int PANEL_GROUPS = 4;
    /** Rows per panel, the unit a thread computes. */
    public static final int PANEL_ROWS = PANEL_GROUPS * GROUP;
    /** Columns per dequantized tile of the many-token path (4 blocks: 32 KiB of floats with AVX-512). */
    static final int TILE_COLS = 128;
    /**
     * Tokens whose accumulators a thread keeps at once in the many-token path: each tile is dequantized
     * once per chunk. 128 against 64 measured +2.5-5.6% (Q4_0) and +4-5% (Q8_0) on 128-token products
     * (PrefillProbe, the two sizes alternated rep by rep in one JVM).
     */
    static final int TOKEN_CHUNK = 128;
    /** From this many tokens on, products run over a dequantized tile (weights converted once for all tokens). */
    public static final int TILED_FROM_TOKENS = 4;
    /**
     * Whether the int16 tiles take eight tokens per pass ({@link #tile8Int16}) before four: its 16 accumulators,
     * two weight vectors and an input take 19 vector registers, which AVX-512 has (32) and AVX2 (16) has not.
     */
    static final boolean EIGHT_TOKEN_TILES = GROUP >= 16;

    protected final int blocks;
    protected final int panels;
    /** Stored bytes of one panel (all its rows and columns). */
    protected final int panelBytes;
    private final int panelsPerChunk;
    /** False when some block scale is inf or NaN: then the scalar twin computes the products. */
    private final boolean finiteScales;
    private final byte[][] values;
    /** f16 block scales, or null with {@link #hasBlockOffsets}. */
    private final short[][] scales;
    /** With {@link #hasBlockOffsets} but not {@link #compactScales}: the float block scales {@code a} and offsets {@code b}, laid out as {@link #scales}. */
    private final float[][] blockScales;
    private final float[][] blockOffsets;
    /**
     * With {@link #compactScales} (Q4_K), else null: each 32-value block's 6-bit scale {@code sc} and min {@code m}
     * as bytes, laid out as {@link #scales}, and each 256-value super-block's {@code d} and {@code dmin} as floats
     * (panel {@code p}'s super-block {@code j}, row {@code r}: {@code scaleOffset(p) / 8 + j * PANEL_ROWS + r} in its
     * chunk); a block's {@code a = d * sc} and {@code b = -(dmin * m)}.
     */
    private final byte[][] blockScaleInts;
    private final byte[][] blockMinInts;
    private final float[][] superScales;
    private final float[][] superMins;
    private final long fileBytes;

    /**
     * @param rowBytes     stored bytes of one row's integers (cols for Q8_0, cols/2 for Q4_0)
     * @param fileRowBytes bytes of one row in the file
     */
    Q8BlockTensor(String name, int rows, int cols, int rowBytes, long fileRowBytes, RowSource src) {
        super(name, rows, cols, (long) rowBytes + 2L * (cols / 32));
        this.blocks = cols / 32;
        this.panels = (rows + PANEL_ROWS - 1) / PANEL_ROWS;
        this.panelBytes = PANEL_ROWS * rowBytes;
        this.fileBytes = fileRowBytes * rows;
        this.panelsPerChunk = (int) Math.max(1, Math.min(panels, MAX_CHUNK_BYTES / panelBytes));
        int chunks = (panels + panelsPerChunk - 1) / panelsPerChunk;
        values = new byte[chunks][];
        scales = new short[chunks][];
        boolean offsets = hasBlockOffsets();
        boolean compact = offsets && compactScales();
        blockScales = offsets && !compact ? new float[chunks][] : null;
        blockOffsets = offsets && !compact ? new float[chunks][] : null;
        blockScaleInts = compact ? new byte[chunks][] : null;
        blockMinInts = compact ? new byte[chunks][] : null;
        superScales = compact ? new float[chunks][] : null;
        superMins = compact ? new float[chunks][] : null;
        int superBlocks = (blocks + 7) / 8;
        UnpackedRow row = new UnpackedRow(new int[cols], new short[blocks], new byte[blocks], new byte[blocks],
                new float[superBlocks], new float[superBlocks]);
        for (int c = 0; c < chunks; c++) {
            int n = Math.min(panelsPerChunk, panels - c * panelsPerChunk);
            values[c] = new byte[Math.toIntExact((long) n * panelBytes)];
            if (offsets && !compact) {
                blockScales[c] = new float[n * blocks * PANEL_ROWS];
                blockOffsets[c] = new float[n * blocks * PANEL_ROWS];
            } else if (compact) {
                blockScaleInts[c] = new byte[n * blocks * PANEL_ROWS];
                blockMinInts[c] = new byte[n * blocks * PANEL_ROWS];
                superScales[c] = new float[n * superBlocks * PANEL_ROWS];
                superMins[c] = new float[n * superBlocks * PANEL_ROWS];
            } else {
                scales[c] = new short[n * blocks * PANEL_ROWS];
            }
        }
        boolean finite = true;
        for (int p = 0; p < panels; p++) {
            int first = p * PANEL_ROWS;
            int count = Math.min(PANEL_ROWS, rows - first);
            ByteBuffer b = src.rows(first, count).order(ByteOrder.LITTLE_ENDIAN);
            int so = scaleOffset(p);
            for (int i = 0; i < count; i++) {
                unpackRow(b, i * fileRowBytes, row);
                storeRow(values[p / panelsPerChunk], valueOffset(p), i, row.values());
                for (int bl = 0; bl < blocks; bl++) {
                    int at = so + bl * PANEL_ROWS + i;
                    if (offsets && !compact) {
                        float a = KQuants.blockScale(row.d()[bl / 8], row.sc()[bl]);
                        float b0 = KQuants.blockOffset(row.dmin()[bl / 8], row.m()[bl]);
                        blockScales[p / panelsPerChunk][at] = a;
                        blockOffsets[p / panelsPerChunk][at] = b0;
                        finite &= Float.isFinite(a) && Float.isFinite(b0);
                    } else if (compact) {
                        blockScaleInts[p / panelsPerChunk][at] = row.sc()[bl];
                        blockMinInts[p / panelsPerChunk][at] = row.m()[bl];
                        if (bl % 8 == 0) {
                            int st = so / 8 + bl / 8 * PANEL_ROWS + i;
                            superScales[p / panelsPerChunk][st] = row.d()[bl / 8];
                            superMins[p / panelsPerChunk][st] = row.dmin()[bl / 8];
                            // a = d * sc and b = -(dmin * m) are finite exactly when d and dmin are (sc, m < 64)
                            finite &= Float.isFinite(row.d()[bl / 8]) && Float.isFinite(row.dmin()[bl / 8]);
                        }
                    } else {
                        scales[p / panelsPerChunk][at] = row.scales()[bl];
                        finite &= (row.scales()[bl] & 0x7C00) != 0x7C00;
                    }
                }
            }
        }
        this.finiteScales = finite;
    }

    /**
     * One file row decoded by {@link #unpackRow}: the integer weights, and per 32-value block the f16 scale
     * ({@code scales}), or with {@link #hasBlockOffsets} the 6-bit scale {@code sc} and min {@code m}, with the
     * f16 {@code d} and {@code dmin} of each 256-value super-block as floats.
     */
    record UnpackedRow(int[] values, short[] scales, byte[] sc, byte[] m, float[] d, float[] dmin) {}

    /**
     * Decodes one file row at {@code src[pos]} into {@code row}: the integer weights (Q8_0: -128..127, Q4_0: -8..7,
     * with {@link #hasBlockOffsets} {@code q - }{@link #offsetCentre}) and the block scales of this type's kind.
     */
    abstract void unpackRow(ByteBuffer src, long pos, UnpackedRow row);

    /**
     * True for weights with a float scale and offset per block (Q4_K, Q5_K; see the class comment), which
     * {@link #unpackRow} gives as {@code a} and {@code b} ({@code w = fma(q, a, b)}).
     */
    boolean hasBlockOffsets() {
        return false;
    }

    /** Stores one row's integers as row {@code r} of the panel at {@code dst[panelOff]}. */
    abstract void storeRow(byte[] dst, int panelOff, int r, int[] values);

    /** The integer weight of column {@code k} of row {@code r} of the panel at {@code src[panelOff]}. */
    abstract int value(byte[] src, int panelOff, int r, int k);

    /**
     * Decode kernel: the panel at {@code q[qOff]} (scales at {@code s[sOff]}) times one token
     * (integers {@code xq[xOff..]}, the same as int16 in {@code xq16[xOff..]}, block scales {@code dx[dOff..]}, block sums of the integers
     * {@code xs[dOff..]}); the {@link #PANEL_ROWS} results (padding rows included) to {@code out[outOff..]}.
     * {@code panel} is the panel's index, for types with more per-panel data than values and scales (Q6_K).
     */
    abstract void decodePanel(byte[] q, int qOff, short[] s, int sOff, float[] xq, short[] xq16, int xOff, float[] dx,
            float[] xs, int dOff, float[] out, int outOff, short[] spill, boolean int16Decode, OffsetBlocks ob, int panel);

    /**
     * What a decode kernel of a {@link #hasBlockOffsets} tensor reads besides the f16 types' arguments: the
     * panel's float scales {@code a} and offsets {@code b} (at the same {@code sOff}), or, for a kernel that
     * {@link #decodesCompactScales}, the scales as stored ({@code compact}; then {@code a} and {@code b} are null),
     * and the token's {@code u = dx * S} per block (at the same {@code dOff}). For a tensor without offsets that
     * {@link #ownsInputForm}, only {@code u}: what its {@link #quantizeInput} put there. {@code scratch} is the
     * thread's {@link Scratch#blockScratch}, for a kernel that keeps floats per block ({@link Q6KLanesTensor}).
     */
    record OffsetBlocks(float[] a, float[] b, float[] u, CompactScales compact, float[] scratch) {}

    /**
     * A {@link #hasBlockOffsets} panel's scales as stored, for a kernel that computes {@code a = d * sc} and
     * {@code b = -(dmin * m)} per block itself: {@code sc} and {@code m} at the kernel's {@code sOff}, {@code d} and
     * {@code dmin} of super-block {@code j} at {@code superOff + j * PANEL_ROWS}.
     */
    record CompactScales(byte[] sc, byte[] m, float[] d, float[] dmin, int superOff) {}

    /**
     * Writes the integer weights of columns {@code [k0, k0 + n)} of the panel at {@code q[qOff]} as
     * floats to {@code tile[(g * TILE_COLS + k - k0) * GROUP + lane]} for panel row
     * {@code g * GROUP + lane} (n a multiple of 32): the integers {@link #value(int, int)} gives.
     */
    abstract void dequantizeTile(int panel, byte[] q, int qOff, int k0, int n, float[] tile);

    /**
     * True when the weights fit the int16 tile kernels ({@link #tile4Int16}): a block's 32 products
     * with Q8_0 or Q8_K inputs (both -127..127) must stay below 2^15 in magnitude, which holds for centred
     * 4-bit weights (8 * 127 * 32 = 32512: Q4_0, Q4_K) and not for wider ones (Q8_0, Q5_K, Q6_K).
     */
    boolean hasInt16Tiles() {
        return false;
    }

    /** True when {@link #multiplyPanel} reads the int16 copy of its input ({@link #toInt16}) with this JVM's kernels. */
    public final boolean takesInt16Input() {
        return hasInt16Tiles() && (Simd.INT16_TILES || Simd.INT16_DECODE);
    }

    /**
     * Writes the integer weights of columns {@code [k0, k0 + n)} of the panel at {@code q[qOff]} as
     * int16 to {@code tile[(k - k0) * PANEL_ROWS + r]} for panel row {@code r} (only where
     * {@link #hasInt16Tiles}).
     */
    void dequantizeTile16(byte[] q, int qOff, int k0, int n, short[] tile) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no int16 tiles: callers check hasInt16Tiles() first");
    }

    // ---- layout

    /** Panels per backing array ({@link #valueOffset} and {@link #scaleOffset} are within one). */
    final int panelsPerChunk() {
        return panelsPerChunk;
    }

    /** Offset of panel {@code p} in its chunk's value array. */
    final int valueOffset(int p) {
        return (p % panelsPerChunk) * panelBytes;
    }

    /** Offset of panel {@code p}'s scales (block-major, {@link #PANEL_ROWS} per block) in its chunk's scale array. */
    final int scaleOffset(int p) {
        return (p % panelsPerChunk) * blocks * PANEL_ROWS;
    }

    /** Panels (groups of {@link #PANEL_ROWS} rows, the last padded). */
    public final int panels() {
        return panels;
    }

    @Override
    public long storedBytes() {
        return fileBytes;
    }

    @Override
    public ActivationFormat activationFormat() {
        return ActivationFormat.Q8_0;
    }

    /** The weights' scale of a block: the f16 {@code d}, or {@code a = d * sc} with {@link #hasBlockOffsets}. */
    final float scale(int row, int block) {
        int p = row / PANEL_ROWS;
        int at = scaleOffset(p) + block * PANEL_ROWS + row % PANEL_ROWS;
        if (blockScales != null) {
            return blockScales[p / panelsPerChunk][at];
        }
        if (blockScaleInts == null) {
            return ScalarKernels.halfToFloat(scales[p / panelsPerChunk][at]);
        }
        return KQuants.blockScale(superScales[p / panelsPerChunk][superIndex(p, block, row)], blockScaleInts[p / panelsPerChunk][at]);
    }

    /** With {@link #hasBlockOffsets}, a block's offset {@code b = -(dmin * m)}; else 0. */
    final float offset(int row, int block) {
        int p = row / PANEL_ROWS;
        int at = scaleOffset(p) + block * PANEL_ROWS + row % PANEL_ROWS;
        if (blockOffsets != null) {
            return blockOffsets[p / panelsPerChunk][at];
        }
        if (blockMinInts == null) {
            return 0f;
        }
        return KQuants.blockOffset(superMins[p / panelsPerChunk][superIndex(p, block, row)], blockMinInts[p / panelsPerChunk][at]);
    }

    private int superIndex(int p, int block, int row) {
        return scaleOffset(p) / 8 + block / 8 * PANEL_ROWS + row % PANEL_ROWS;
    }

    /**
     * Panel {@code panel}'s block scales {@code a} and offsets {@code b} as floats, laid out as {@link #scales} from 0
     * ({@code a[block * PANEL_ROWS + row]}): the same products as {@link #scale} and {@link #offset}, so the same bits.
     */
    final void expandScales(int panel, float[] a, float[] b) {
        int c = panel / panelsPerChunk;
        byte[] sc = blockScaleInts[c];
        byte[] m = blockMinInts[c];
        float[] d = superScales[c];
        float[] dmin = superMins[c];
        int so = scaleOffset(panel);
        for (int bl = 0; bl < blocks; bl++) {
            int s0 = so + bl * PANEL_ROWS;
            int d0 = so / 8 + bl / 8 * PANEL_ROWS;
            int o = bl * PANEL_ROWS;
            for (int g = 0; g < PANEL_ROWS; g += GROUP) {
                FloatVector.fromArray(F, d, d0 + g).mul((FloatVector) ByteVector.fromArray(B, sc, s0 + g).castShape(F, 0))
                        .intoArray(a, o + g);
                FloatVector.fromArray(F, dmin, d0 + g).mul((FloatVector) ByteVector.fromArray(B, m, s0 + g).castShape(F, 0))
                        .neg().intoArray(b, o + g);
            }
        }
    }

    /**
     * With {@link #hasBlockOffsets}: whether the scales are kept as the file has them ({@link #blockScaleInts}) rather
     * than as float {@code a} and {@code b}. Q4_K: its int16 decode kernel computes {@code a} and {@code b} per
     * block from them and streams 0.59 bytes per weight instead of 0.75 (engine decode 1.2-1.4x, alternated JVMs;
     * docs/cpu-inference-log.md). Q5_K's byte-panel kernel did not gain from it and keeps the floats.
     */
    boolean compactScales() {
        return false;
    }

    /**
     * With {@link #compactScales}: whether this type's one-token kernel (with {@code int16Decode}) reads the compact
     * scales itself ({@link CompactScales}); otherwise the panel's {@code a} and {@code b} are expanded into scratch
     * first ({@link #expandScales}), as for the tiles.
     */
    boolean decodesCompactScales(boolean int16Decode) {
        return false;
    }

    /**
     * With {@link #hasBlockOffsets}, the integer {@code c} the stored values are centred by, {@code q = v + c}:
     * 8 for Q4_K (so that its int16 sums stay in range), 0 for Q5_K.
     */
    int offsetCentre() {
        return 0;
    }

    /**
     * The integer weight at (row, k): the stored integer, or for Q6_K the stored integer times its 16-value
     * group's scale (still an integer; the contract's {@code P} is a sum of these times the input's).
     */
    int value(int row, int k) {
        int p = row / PANEL_ROWS;
        return value(values[p / panelsPerChunk], valueOffset(p), row % PANEL_ROWS, k);
    }

    /** Rows are read once per token (embedding lookups): the scalar form is the only one. */
    @Override
    public void dequantizeRow(int row, float[] dst, int off) {
        dequantizeRowScalar(row, dst, off);
    }

    @Override
    public void dequantizeRowScalar(int row, float[] dst, int off) {
        for (int b = 0; b < blocks; b++) {
            float d = scale(row, b);
            if (hasBlockOffsets()) {
                float o = offset(row, b);
                for (int i = 0; i < 32; i++) {
                    dst[off + b * 32 + i] = Math.fma((float) (value(row, b * 32 + i) + offsetCentre()), d, o); // ggml's d*sc*q - dmin*m
                }
                continue;
            }
            for (int i = 0; i < 32; i++) {
                dst[off + b * 32 + i] = value(row, b * 32 + i) * d; // exact: small integer times an f16 value
            }
        }
    }

    /**
     * The scalar twin of the products (the contract above): row {@code row} times one token
     * quantized by {@link ActivationFormat#quantizeQ8_0} ({@code xq[xOff..]}, {@code dx[dOff..]}), or with
     * {@link #hasBlockOffsets} by {@link ActivationFormat#quantizeQ8_K} (also {@code xu[dOff..]}; null otherwise).
     */
    public float productScalar(int row, float[] xq, int xOff, float[] dx, float[] xu, int dOff) {
        float acc = 0f;
        for (int b = 0; b < blocks; b++) {
            float p = 0f; // integer-valued, exact (float, so that a NaN input propagates as in the kernels)
            for (int i = 0; i < 32; i++) {
                p += value(row, b * 32 + i) * xq[xOff + b * 32 + i];
            }
            acc = Math.fma(p, scale(row, b) * dx[dOff + b], acc);
        }
        if (!hasBlockOffsets()) {
            return acc;
        }
        float off = 0f;
        for (int b = 0; b < blocks; b++) {
            off = Math.fma(Math.fma((float) offsetCentre(), scale(row, b), offset(row, b)), xu[dOff + b], off);
        }
        return acc + off;
    }

    /**
     * One token's input {@code x[off ..]} ({@link #cols} values) quantized as this tensor's products take it
     * ({@link #activationFormat}): {@link ActivationFormat#quantizeQ8_K} for the K-quants (which fills
     * {@code xu}), else {@link ActivationFormat#quantizeQ8_0} ({@code xu} unused, may be null).
     */
    public void quantizeInput(float[] x, int off, float[] xq, int qOff, float[] dx, float[] xs, float[] xu, int dOff) {
        if (activationFormat() == ActivationFormat.Q8_K) {
            ActivationFormat.quantizeQ8_K(x, off, cols, xq, qOff, dx, xs, xu, dOff);
        } else {
            ActivationFormat.quantizeQ8_0(x, off, cols, xq, qOff, dx, xs, dOff);
        }
    }

    /**
     * Whether {@link #quantizeInput} gives this tensor's own form of the input (the same products, other numbers),
     * which tensors without it cannot share: the lanes tensors' ({@link Q8_0Tensor#lanes}).
     */
    public boolean ownsInputForm() {
        return false;
    }

    /** The quantized inputs {@code xq[off..off+n)} (integers in -127..127) as int16, one row per token. */
    public static void toInt16(float[] xq, int off, int n, short[] dst) {
        for (int i = off; i < off + n; i++) {
            dst[i] = (short) xq[i];
        }
    }

    /**
     * Token {@code t}'s quantized inputs {@code xq[t * cols ..]} of a step of {@code nTokens} tokens as int16,
     * where {@link #multiplyPanel} reads them ({@link #int16Index}): in the decode kernels' form
     * ({@link #toInt16Decode}) when the step is below {@link #TILED_FROM_TOKENS}, else as they are.
     */
    public static void toInt16(float[] xq, int t, int cols, int nTokens, short[] dst) {
        if (nTokens < TILED_FROM_TOKENS) {
            toInt16Decode(xq, t * cols, cols, dst);
            return;
        }
        if (t >= fullGroupTokens(nTokens)) {
            toInt16(xq, t * cols, cols, dst); // a row of its own, where int16Index puts it
            return;
        }
        int base = int16Index(t, 0, cols, nTokens);
        for (int k = 0; k < cols; k++) {
            dst[base + 4 * k] = (short) xq[t * cols + k];
        }
    }

    /**
     * The quantized inputs {@code xq[off..off+n)} (whole 32-value blocks) in the form of the int16 decode kernels
     * ({@link Q4_0Tensor#decodePanelInt16}): per block, {@code x_j} at {@code j < 16} as it is and
     * {@code x_{j+16} - 16 * x_j} at {@code j + 16}, wrapped to 16 bits. A stored nibble byte {@code v} is
     * {@code 16 * hi + lo}, so {@code v * x_j + hi * (x_{j+16} - 16 * x_j) = lo * x_j + hi * x_{j+16}}: the
     * kernel needs neither the mask for {@code lo} nor a second input per column.
     */
    public static void toInt16Decode(float[] xq, int off, int n, short[] dst) {
        for (int b = off; b < off + n; b += 32) {
            for (int j = 0; j < 16; j++) {
                int lo = (int) xq[b + j];
                dst[b + j] = (short) lo;
                dst[b + j + 16] = (short) ((int) xq[b + j + 16] - 16 * lo);
            }
        }
    }

    /**
     * Where {@link #multiplyPanel} reads input {@code k} of token {@code t} in the int16 copy of a step of
     * {@code nTokens} tokens. The tokens that the tiles take four at a time (the first
     * {@code 4 * (nTokens / 4)} when {@code nTokens >= TILED_FROM_TOKENS}) are interleaved in groups of four,
     * {@code [group][k][t % 4]}: the tile's four inputs per column share a cache line and one index, where four
     * rows {@code cols} apart would map to the same L1 sets whenever {@code 2 * cols} is a multiple of 4 KiB.
     * The other tokens have a row each, {@code [t][k]}, as the decode kernels read them.
     */
    public static int int16Index(int t, int k, int cols, int nTokens) {
        return t < fullGroupTokens(nTokens) ? (t & ~3) * cols + 4 * k + (t & 3) : t * cols + k;
    }

    private static int fullGroupTokens(int nTokens) {
        return nTokens >= TILED_FROM_TOKENS ? nTokens & ~3 : 0;
    }

    /** Per-thread buffers of the many-token path. */
    public static final class Scratch {
        final float[] tile = new float[PANEL_GROUPS * TILE_COLS * GROUP];
        final float[] tileScales = new float[PANEL_GROUPS * (TILE_COLS / 32) * GROUP];
        final float[] acc = new float[TOKEN_CHUNK * PANEL_ROWS];
        final float[] panelOut = new float[PANEL_ROWS];
        /** A decode kernel's floats per block (Q6KLanesTensor: its eight group scales, then the first half's sums). */
        final float[] blockScratch = new float[2 * PANEL_ROWS];
        /** The int16 tile ({@link #dequantizeTile16}). */
        final short[] tile16 = new short[TILE_COLS * PANEL_ROWS];
        /**
         * Int16 block sums on their way to floats: one token's in the decode kernels, two blocks' of up to eight
         * tokens in the tile kernels ({@link #addBlockSumPair}); the two never run at once on a thread.
         */
        final short[] spill = new short[2 * 8 * PANEL_ROWS];
        /** A {@link #hasBlockOffsets} panel's scales and offsets ({@link #expandScales}), grown to the widest product. */
        float[] blockA = new float[0];
        float[] blockB = new float[0];

        void fitBlockScales(int n) {
            if (blockA.length < n) {
                blockA = new float[n];
                blockB = new float[n];
            }
        }
        /** The sum of the bytes {@link #touchLines} read: written so that C2 keeps the loads. */
        int touched;
    }

    /**
     * Rows of panel {@code panel} for {@code nTokens} tokens: token {@code t}'s input is
     * {@code xq[t * cols ..]} (and as int16 in {@code xq16} at {@link #int16Index} when {@link Simd#INT16_DECODE}
     * or {@link Simd#INT16_TILES}, else {@code xq16} may be null; see
     * {@link #toInt16(float[], int, int, int, short[])}) with scales {@code dx[t * blocks ..]} and block sums
     * {@code xs[t * blocks ..]} (see {@link ActivationFormat#quantizeQ8_0}), and with {@link #hasBlockOffsets}
     * {@code xu[t * blocks ..]} ({@link ActivationFormat#quantizeQ8_K}; for a tensor that {@link #ownsInputForm}, what
     * its {@link #quantizeInput} wrote there; else null); its result for row
     * {@code r} goes to {@code out[t * outStride + outOff + r]} (rows past {@link #rows()} are not written).
     */
    public final void multiplyPanel(int panel, float[] xq, short[] xq16, float[] dx, float[] xs, float[] xu, int nTokens,
            float[] out, int outStride, int outOff, Scratch s) {
        multiplyPanel(panel, xq, xq16, dx, xs, xu, nTokens, out, outStride, outOff, s, Simd.INT16_DECODE, Simd.INT16_TILES);
    }

    /** {@link #multiplyPanel} with the choice of kernels given (tests run each). */
    final void multiplyPanel(int panel, float[] xq, short[] xq16, float[] dx, float[] xs, float[] xu, int nTokens, float[] out,
            int outStride, int outOff, Scratch s, boolean int16Decode, boolean int16Tiles) {
        multiplyPanel(panel, xq, xq16, dx, xs, xu, nTokens, out, outStride, outOff, s, int16Decode, int16Tiles, Simd.HALF_TILES);
    }

    /** {@link #multiplyPanel} with the choice of kernels given, the float tile's shape ({@link Simd#HALF_TILES}) included. */
    final void multiplyPanel(int panel, float[] xq, short[] xq16, float[] dx, float[] xs, float[] xu, int nTokens, float[] out,
            int outStride, int outOff, Scratch s, boolean int16Decode, boolean int16Tiles, boolean halfTiles) {
        int r0 = panel * PANEL_ROWS;
        int nr = Math.min(PANEL_ROWS, rows - r0);
        if (L == 0 || !finiteScales) {
            for (int t = 0; t < nTokens; t++) {
                for (int r = 0; r < nr; r++) {
                    out[t * outStride + outOff + r0 + r] = productScalar(r0 + r, xq, t * cols, dx, xu, t * blocks);
                }
            }
            return;
        }
        byte[] q = values[panel / panelsPerChunk];
        short[] sc = hasBlockOffsets() ? null : scales[panel / panelsPerChunk];
        float[] fa = blockScales != null ? blockScales[panel / panelsPerChunk] : null;
        float[] fb = blockOffsets != null ? blockOffsets[panel / panelsPerChunk] : null;
        int qOff = valueOffset(panel);
        int sOff = scaleOffset(panel);
        CompactScales cs = null;
        if (blockScaleInts != null) {
            int c = panel / panelsPerChunk;
            if (nTokens < TILED_FROM_TOKENS && decodesCompactScales(int16Decode)) {
                cs = new CompactScales(blockScaleInts[c], blockMinInts[c], superScales[c], superMins[c], sOff / 8);
            } else {
                s.fitBlockScales(blocks * PANEL_ROWS);
                expandScales(panel, s.blockA, s.blockB);
                fa = s.blockA;
                fb = s.blockB;
                sOff = 0; // where the panel's scales are in fa and fb
            }
        }
        if (nTokens < TILED_FROM_TOKENS) {
            // a tensor that owns its input form may keep more per block in xu (Q6KLanesTensor: its second halves' sums)
            OffsetBlocks ob = hasBlockOffsets() ? new OffsetBlocks(fa, fb, xu, cs, s.blockScratch)
                    : ownsInputForm() && xu != null ? new OffsetBlocks(null, null, xu, null, s.blockScratch) : null;
            for (int t = 0; t < nTokens; t++) {
                int o = t * outStride + outOff + r0;
                if (nr == PANEL_ROWS) {
                    decodePanel(q, qOff, sc, sOff, xq, xq16, t * cols, dx, xs, t * blocks, out, o, s.spill, int16Decode, ob, panel);
                } else {
                    decodePanel(q, qOff, sc, sOff, xq, xq16, t * cols, dx, xs, t * blocks, s.panelOut, 0, s.spill, int16Decode, ob, panel);
                    System.arraycopy(s.panelOut, 0, out, o, nr);
                }
            }
            return;
        }
        multiplyTiles(panel, q, qOff, sc, sOff, fa, fb, xq, xq16, dx, xu, nTokens, out, outStride, outOff, r0, nr, s, int16Tiles,
                halfTiles);
    }

    /**
     * {@link #multiplyPanel}'s many-token path (from {@link #TILED_FROM_TOKENS} tokens), a method of its own: far above
     * C2's inlining size, it keeps its compiled code when the caller's is discarded. C2 compiles {@code multiplyPanel}
     * with a path that has not run yet as an uncommon trap, and the first product on it (a one-token product after a
     * batch-16 start, or a prefill after decoding) deoptimized the whole method, this loop and the dequantization
     * inlined in it included, which ran in the interpreter with boxed vectors until C2 compiled it again (1.2 s later
     * in one batch-16 Q8_0 run, {@code -XX:+PrintCompilation}). Now only the short caller is recompiled. A small,
     * one-time cost either way: the fifty 16-token products after the first one-token one took 44-55 ms (Q8_0) and
     * 25-53 ms (Q4_0) longer than fifty steady ones before, 7-23 and 6-18 ms now, three JVMs each ({@code
     * inference-core/bench/PathSwitchProbe.java}, 2026-12-04).
     */
    private void multiplyTiles(int panel, byte[] q, int qOff, short[] sc, int sOff, float[] fa, float[] fb, float[] xq,
            short[] xq16, float[] dx, float[] xu, int nTokens, float[] out, int outStride, int outOff, int r0, int nr, Scratch s,
            boolean int16Tiles, boolean halfTiles) {
        for (int t0 = 0; t0 < nTokens; t0 += TOKEN_CHUNK) {
            int tn = Math.min(TOKEN_CHUNK, nTokens - t0);
            Arrays.fill(s.acc, 0, tn * PANEL_ROWS, 0f);
            boolean tiles16 = int16Tiles && hasInt16Tiles();
            for (int k0 = 0; k0 < cols; k0 += TILE_COLS) {
                int n = Math.min(TILE_COLS, cols - k0);
                if (fa != null) {
                    tileScales(fa, sOff, k0 / 32, n / 32, s.tileScales);
                } else {
                    tileScales(sc, sOff, k0 / 32, n / 32, s.tileScales);
                }
                int t = 0;
                if (tiles16) {
                    dequantizeTile16(q, qOff, k0, n, s.tile16);
                    // the next tile's bytes and block scales follow this one's (at the end of a panel: the next
                    // panel's, which may be another thread's; touching it costs no more than any other tile)
                    int bytesPerCol = panelBytes / cols;
                    int next = qOff + (k0 + n) * bytesPerCol;
                    int nextScales = sOff + (k0 + n) / 32 * PANEL_ROWS;
                    s.touched += touchLines(q, next, Math.min(q.length, next + TILE_COLS * bytesPerCol), 128);
                    if (sc != null) {
                        s.touched += touchLines(sc, nextScales, Math.min(sc.length, nextScales + TILE_COLS / 32 * PANEL_ROWS));
                    }
                    for (; EIGHT_TOKEN_TILES && t + 8 <= tn; t += 8) {
                        tile8Int16(s.tile16, s.tileScales, n / 32, xq16, (t0 + t) * cols + 4 * k0, 4 * cols, dx,
                                (t0 + t) * blocks + k0 / 32, blocks, s.acc, t * PANEL_ROWS, s.spill);
                    }
                    for (; t + 4 <= tn; t += 4) {
                        tile4Int16(s.tile16, s.tileScales, n / 32, xq16, (t0 + t) * cols + 4 * k0, dx,
                                (t0 + t) * blocks + k0 / 32, blocks, s.acc, t * PANEL_ROWS, s.spill);
                    }
                    for (; t < tn; t++) {
                        tile1Int16(s.tile16, s.tileScales, n / 32, xq16, (t0 + t) * cols + k0, dx, (t0 + t) * blocks + k0 / 32,
                                s.acc, t * PANEL_ROWS, s.spill);
                    }
                    continue;
                }
                dequantizeTile(panel, q, qOff, k0, n, s.tile);
                for (; t + 4 <= tn; t += 4) {
                    if (halfTiles) {
                        for (int g0 = 0; g0 < PANEL_GROUPS; g0 += 2) {
                            tile4Half(s.tile, s.tileScales, n / 32, xq, (t0 + t) * cols + k0, cols, dx, (t0 + t) * blocks + k0 / 32,
                                    blocks, s.acc, t * PANEL_ROWS, g0);
                        }
                    } else {
                        tile4(s.tile, s.tileScales, n / 32, xq, (t0 + t) * cols + k0, cols, dx, (t0 + t) * blocks + k0 / 32,
                                blocks, s.acc, t * PANEL_ROWS);
                    }
                }
                for (; t < tn; t++) {
                    tile1(s.tile, s.tileScales, n / 32, xq, (t0 + t) * cols + k0, dx, (t0 + t) * blocks + k0 / 32,
                            s.acc, t * PANEL_ROWS);
                }
            }
            if (fa != null) {
                addOffsets(fa, fb, offsetCentre(), sOff, blocks, xu, t0 * blocks, tn, s.acc);
            }
            for (int t = 0; t < tn; t++) {
                System.arraycopy(s.acc, t * PANEL_ROWS, out, (t0 + t) * outStride + outOff + r0, nr);
            }
        }
    }

    /**
     * One byte load per {@code step} bytes of {@code q[from, to)}: for the int16 tiles every 128 (every other
     * 64-byte cache line; and, below, one per line of a tile's block scales), so
     * that the next int16 tile's dequantization reads from cache. That dequantization is the first touch of
     * every weight byte in a many-token step, and in a batch-16 Q4_0 decode it took 17.4% of the JFR samples
     * for a tenth of the tile kernel's instructions: it waits on DRAM. Java has no prefetch instruction, and a
     * load that misses holds up retirement, so these loads stall too (JFR: dequantization 4.8%, this loop
     * 8.4%), but a burst of independent loads keeps more lines in flight than the dequantization's loop of
     * loads, widenings and stores. Batch-16 Q4_0 decode, in-process A/B (one engine, with and without, 6-8
     * pairs per run): x1.054, x1.040, x1.008, x1.100 and x1.036 in five runs; across alternating JVMs the
     * per-JVM spread is larger than that (seven pairs, 0.86-1.14x, median 1.01). Touching only the first
     * lines, to set off the hardware prefetcher, did nothing. Touching the scales as well (8 lines per tile,
     * read by {@link #tileScales}): x1.038, x1.012, x1.015. Not done for the float tile: Q8_0 batch 16 ran
     * x0.984 (docs/cpu-inference-log.md). Every other line rather than every line (the core's adjacent-line
     * prefetch brings the pair): 16-token products over a 75 MB Q4_0 matrix, 2 threads, the two alternated in
     * one JVM, 376 against 349 GFLOP/s; batch-16 decode about 2% faster (the Zen 5 host of 2026-12-01; on the
     * Zen 4 host of 2026-11-30 every 128 bytes had measured x0.94-0.98).
     */
    private static int touchLines(byte[] q, int from, int to, int step) {
        int sum = 0;
        for (int o = from; o < to; o += step) {
            sum += q[o];
        }
        return sum;
    }

    /**
     * One byte load per 64-byte line of a panel's next block, {@code q[blockStart + blockBytes, blockStart + 2 *
     * blockBytes)}, made at the start of each block by the one-token kernels; returns the bytes' sum, which the
     * kernel stores (into its scratch) so that C2 keeps the loads. A decode kernel streams its panel from memory
     * with about 20 instructions per 64-byte line, so the out-of-order window alone keeps few lines in flight: one
     * thread converts 55-59 GB/s of Q8_0 weights from cache but 16-21 from memory, where a plain read streams 35-40.
     * A burst of 32 independent loads a block ahead puts more lines in flight (Java has no prefetch instruction).
     * Used by the byte-panel kernels: Q8_0 decode, alternated JVMs, 29.8-37.7 against 22.5-28.6 tok/s (7 pairs);
     * Q5_K 24.6-25.9 against 22.5-24.9 (3 pairs); Q6_K 22.8-26.1 against 17.6-18.6 (3 pairs). The nibble kernels (Q4_0, Q4_K), twice the work per byte, were
     * not helped (Q4_0 49.4-52.9 against 49.1-52.7, Q4_K 40.8-42.1 against 42.4-43.2) and do without
     * (docs/cpu-inference-log.md).
     */
    static int touchNextBlock(byte[] q, int blockStart, int blockBytes) {
        return touchLines(q, blockStart + blockBytes, Math.min(q.length, blockStart + 2 * blockBytes), 64);
    }

    /** {@link #touchLines(byte[], int, int, int)} for block scales: one load per 32 halves. */
    private static int touchLines(short[] scales, int from, int to) {
        int sum = 0;
        for (int o = from; o < to; o += 32) {
            sum += scales[o];
        }
        return sum;
    }

    /**
     * The offset part of the {@link #hasBlockOffsets} contract, added to the main part in {@code acc} for
     * {@code tn} tokens ({@code u} of token {@code t} at {@code xu[uOff + t * blocks ..]}): per panel row,
     * {@code off = fma(fma(8, a, b), u, off)} over the blocks in order, then {@code acc + off}, as the decode
     * kernels and the scalar twin compute it.
     */
    static void addOffsets(float[] fa, float[] fb, int centreValue, int sOff, int blocks, float[] xu, int uOff, int tn, float[] acc) {
        for (int t = 0; t < tn; t++) {
            for (int g = 0; g < PANEL_GROUPS; g++) {
                FloatVector off = FloatVector.zero(F);
                FloatVector centre = FloatVector.broadcast(F, centreValue);
                int so = sOff + g * GROUP;
                for (int b = 0; b < blocks; b++, so += PANEL_ROWS) {
                    FloatVector c = FloatVector.fromArray(F, fa, so).fma(centre, FloatVector.fromArray(F, fb, so));
                    off = c.fma(FloatVector.broadcast(F, xu[uOff + t * blocks + b]), off);
                }
                int a = t * PANEL_ROWS + g * GROUP;
                FloatVector.fromArray(F, acc, a).add(off).intoArray(acc, a);
            }
        }
    }

    /** {@link #tileScales(short[], int, int, int, float[])} for float block scales: copied into the tile's layout. */
    private static void tileScales(float[] fa, int sOff, int b0, int nb, float[] dst) {
        for (int g = 0; g < PANEL_GROUPS; g++) {
            for (int b = 0; b < nb; b++) {
                System.arraycopy(fa, sOff + (b0 + b) * PANEL_ROWS + g * GROUP, dst, (g * (TILE_COLS / 32) + b) * GROUP, GROUP);
            }
        }
    }

    /**
     * Block scales of the tile's columns as floats: {@code dst[(g * TILE_COLS/32 + b) * GROUP + lane]}
     * (the bit moves of {@link Q8_0Tensor#decodePanel}, then the factor 2^112: exact for finite halves).
     */
    private static void tileScales(short[] sc, int sOff, int b0, int nb, float[] dst) {
        for (int g = 0; g < PANEL_GROUPS; g++) {
            for (int b = 0; b < nb; b++) {
                IntVector h = (IntVector) ShortVector.fromArray(S, sc, sOff + (b0 + b) * PANEL_ROWS + g * GROUP).castShape(I, 0);
                h.and(0x7FFF).mul(8192).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f)
                        .intoArray(dst, (g * (TILE_COLS / 32) + b) * GROUP);
            }
        }
    }

    /**
     * Four groups x four tokens over the dequantized tile ({@code nb} blocks): per block the 16
     * integer sums P in registers, then {@code acc = fma(P, dw * dx, acc)} into the token's
     * accumulators at {@code acc[accOff + t * PANEL_ROWS + g * GROUP]}. Token {@code t}'s
     * integers are at {@code xq[xOff + t * xStride ..]}, its scales at {@code dx[dOff + t * dStride ..]}.
     */
    private static void tile4(float[] tile, float[] ts, int nb, float[] xq, int xOff, int xStride, float[] dx, int dOff,
            int dStride, float[] acc, int accOff) {
        final int gt = TILE_COLS * GROUP;
        for (int b = 0; b < nb; b++) {
            FloatVector z = FloatVector.zero(F);
            FloatVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            FloatVector p20 = z, p21 = z, p22 = z, p23 = z, p30 = z, p31 = z, p32 = z, p33 = z;
            int x0 = xOff + b * 32, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
            int wb = b * 32 * GROUP;
            for (int i = 0; i < 32; i++) {
                int w = wb + i * GROUP;
                FloatVector w0 = FloatVector.fromArray(F, tile, w);
                FloatVector w1 = FloatVector.fromArray(F, tile, w + gt);
                FloatVector w2 = FloatVector.fromArray(F, tile, w + 2 * gt);
                FloatVector w3 = FloatVector.fromArray(F, tile, w + 3 * gt);
                FloatVector x = FloatVector.broadcast(F, xq[x0 + i]);
                p00 = w0.fma(x, p00);
                p10 = w1.fma(x, p10);
                p20 = w2.fma(x, p20);
                p30 = w3.fma(x, p30);
                x = FloatVector.broadcast(F, xq[x1 + i]);
                p01 = w0.fma(x, p01);
                p11 = w1.fma(x, p11);
                p21 = w2.fma(x, p21);
                p31 = w3.fma(x, p31);
                x = FloatVector.broadcast(F, xq[x2 + i]);
                p02 = w0.fma(x, p02);
                p12 = w1.fma(x, p12);
                p22 = w2.fma(x, p22);
                p32 = w3.fma(x, p32);
                x = FloatVector.broadcast(F, xq[x3 + i]);
                p03 = w0.fma(x, p03);
                p13 = w1.fma(x, p13);
                p23 = w2.fma(x, p23);
                p33 = w3.fma(x, p33);
            }
            final int sg = (TILE_COLS / 32) * GROUP;
            FloatVector s0 = FloatVector.fromArray(F, ts, b * GROUP);
            FloatVector s1 = FloatVector.fromArray(F, ts, b * GROUP + sg);
            FloatVector s2 = FloatVector.fromArray(F, ts, b * GROUP + 2 * sg);
            FloatVector s3 = FloatVector.fromArray(F, ts, b * GROUP + 3 * sg);
            int a = accOff;
            float d = dx[dOff + b];
            p00.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p10.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            p20.fma(s2.mul(d), FloatVector.fromArray(F, acc, a + 2 * GROUP)).intoArray(acc, a + 2 * GROUP);
            p30.fma(s3.mul(d), FloatVector.fromArray(F, acc, a + 3 * GROUP)).intoArray(acc, a + 3 * GROUP);
            a += PANEL_ROWS;
            d = dx[dOff + dStride + b];
            p01.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p11.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            p21.fma(s2.mul(d), FloatVector.fromArray(F, acc, a + 2 * GROUP)).intoArray(acc, a + 2 * GROUP);
            p31.fma(s3.mul(d), FloatVector.fromArray(F, acc, a + 3 * GROUP)).intoArray(acc, a + 3 * GROUP);
            a += PANEL_ROWS;
            d = dx[dOff + 2 * dStride + b];
            p02.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p12.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            p22.fma(s2.mul(d), FloatVector.fromArray(F, acc, a + 2 * GROUP)).intoArray(acc, a + 2 * GROUP);
            p32.fma(s3.mul(d), FloatVector.fromArray(F, acc, a + 3 * GROUP)).intoArray(acc, a + 3 * GROUP);
            a += PANEL_ROWS;
            d = dx[dOff + 3 * dStride + b];
            p03.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p13.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            p23.fma(s2.mul(d), FloatVector.fromArray(F, acc, a + 2 * GROUP)).intoArray(acc, a + 2 * GROUP);
            p33.fma(s3.mul(d), FloatVector.fromArray(F, acc, a + 3 * GROUP)).intoArray(acc, a + 3 * GROUP);
        }
    }

    /**
     * {@link #tile4} for the two groups {@code g0} and {@code g0 + 1} only (the same sums in the same order): eight
     * accumulators, two weight vectors and an input take 11 vector registers, where tile4's 21 exceed AVX2's 16 and
     * C2 keeps some accumulators on the stack, a load and a store around their FMAs. See {@link Simd#HALF_TILES}.
     */
    private static void tile4Half(float[] tile, float[] ts, int nb, float[] xq, int xOff, int xStride, float[] dx, int dOff,
            int dStride, float[] acc, int accOff, int g0) {
        final int gt = TILE_COLS * GROUP;
        final int sg = (TILE_COLS / 32) * GROUP;
        for (int b = 0; b < nb; b++) {
            FloatVector z = FloatVector.zero(F);
            FloatVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            int x0 = xOff + b * 32, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
            int wb = g0 * gt + b * 32 * GROUP;
            for (int i = 0; i < 32; i++) {
                int w = wb + i * GROUP;
                FloatVector w0 = FloatVector.fromArray(F, tile, w);
                FloatVector w1 = FloatVector.fromArray(F, tile, w + gt);
                FloatVector x = FloatVector.broadcast(F, xq[x0 + i]);
                p00 = w0.fma(x, p00);
                p10 = w1.fma(x, p10);
                x = FloatVector.broadcast(F, xq[x1 + i]);
                p01 = w0.fma(x, p01);
                p11 = w1.fma(x, p11);
                x = FloatVector.broadcast(F, xq[x2 + i]);
                p02 = w0.fma(x, p02);
                p12 = w1.fma(x, p12);
                x = FloatVector.broadcast(F, xq[x3 + i]);
                p03 = w0.fma(x, p03);
                p13 = w1.fma(x, p13);
            }
            FloatVector s0 = FloatVector.fromArray(F, ts, g0 * sg + b * GROUP);
            FloatVector s1 = FloatVector.fromArray(F, ts, (g0 + 1) * sg + b * GROUP);
            int a = accOff + g0 * GROUP;
            float d = dx[dOff + b];
            p00.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p10.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            a += PANEL_ROWS;
            d = dx[dOff + dStride + b];
            p01.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p11.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            a += PANEL_ROWS;
            d = dx[dOff + 2 * dStride + b];
            p02.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p12.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
            a += PANEL_ROWS;
            d = dx[dOff + 3 * dStride + b];
            p03.fma(s0.mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p13.fma(s1.mul(d), FloatVector.fromArray(F, acc, a + GROUP)).intoArray(acc, a + GROUP);
        }
    }

    /**
     * {@link #tile4} in 16-bit integer lanes, for {@link #hasInt16Tiles} weights when {@link Simd#INT16_TILES}:
     * per block, the exact integer sums P of four tokens for the panel's two halves ({@code 2 * GROUP}
     * rows per int16 vector: twice the rows of a float vector per instruction), then the same
     * {@code acc = fma(P, dw * dx, acc)} per group ({@link #addBlockSums}); the four tokens' int16 inputs are
     * interleaved from {@code xq[xOff]} ({@code xq[xOff + 4 * k + t]}, see {@link #int16Index}). Same bits as the
     * float tile and the scalar twin.
     */
    private static void tile4Int16(short[] tile, float[] ts, int nb, short[] xq, int xOff, float[] dx, int dOff,
            int dStride, float[] acc, int accOff, short[] sums) {
        final int half = 2 * GROUP;
        ShortVector z = ShortVector.zero(S2);
        for (int b = 0; b < nb; b++) {
            ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            int xb = xOff + b * 128;
            int wb = b * 32 * PANEL_ROWS;
            int so = (b & 1) * 4 * PANEL_ROWS;
            // indices from the loop counter, not stepped as second induction variables: with those, C2 on
            // JDK 17 kept the tile's range checks in the loop and, in some JVMs, spilled accumulators in it
            for (int i = 0; i < 32; i++) {
                int w = wb + i * PANEL_ROWS;
                int xi = xb + 4 * i;
                ShortVector w0 = ShortVector.fromArray(S2, tile, w);
                ShortVector w1 = ShortVector.fromArray(S2, tile, w + half);
                ShortVector x = ShortVector.broadcast(S2, xq[xi]);
                p00 = w0.mul(x).add(p00);
                p10 = w1.mul(x).add(p10);
                x = ShortVector.broadcast(S2, xq[xi + 1]);
                p01 = w0.mul(x).add(p01);
                p11 = w1.mul(x).add(p11);
                x = ShortVector.broadcast(S2, xq[xi + 2]);
                p02 = w0.mul(x).add(p02);
                p12 = w1.mul(x).add(p12);
                x = ShortVector.broadcast(S2, xq[xi + 3]);
                p03 = w0.mul(x).add(p03);
                p13 = w1.mul(x).add(p13);
            }
            p00.intoArray(sums, so);
            p10.intoArray(sums, so + half);
            p01.intoArray(sums, so + PANEL_ROWS);
            p11.intoArray(sums, so + PANEL_ROWS + half);
            p02.intoArray(sums, so + 2 * PANEL_ROWS);
            p12.intoArray(sums, so + 2 * PANEL_ROWS + half);
            p03.intoArray(sums, so + 3 * PANEL_ROWS);
            p13.intoArray(sums, so + 3 * PANEL_ROWS + half);
            if ((b & 1) == 1) {
                addBlockSumPair(sums, 4, ts, b - 1, dx, dOff + b - 1, dStride, acc, accOff);
            }
        }
        if ((nb & 1) == 1) {
            addBlockSums(sums, 4, ts, nb - 1, dx, dOff + nb - 1, dStride, acc, accOff);
        }
    }

    /**
     * {@link #tile4Int16} for eight tokens, where {@link #EIGHT_TOKEN_TILES}: the same integer sums and the same
     * {@code fma} per block, with each weight vector loaded once for eight tokens instead of four. The loop is
     * bound by the vector ALUs (16 {@code vpmullw} and 16 {@code vpaddw} per column); it reads the inputs of two
     * groups of four tokens, the second {@code xGroupStride} after the first ({@link #int16Index}).
     * Written out beside {@link #tile4Int16}, not as one kernel with a loop over tokens: the accumulators must be
     * locals to stay in registers (a loop over an array of them does not compile to this form), and AVX2's 16
     * registers cannot hold this one's 19, so the four-token kernel stays for AVX2 and for a chunk's last 4-7 tokens.
     * Measured against two {@link #tile4Int16} passes: 1.2x the 16-token GFLOP/s in {@code KernelBench}, 1.11x
     * Q4_0 batch-16 decode and 1.23x its prefill (alternated JVMs; docs/cpu-inference-log.md).
     */
    private static void tile8Int16(short[] tile, float[] ts, int nb, short[] xq, int xOff, int xGroupStride, float[] dx,
            int dOff, int dStride, float[] acc, int accOff, short[] sums) {
        final int half = 2 * GROUP;
        ShortVector z = ShortVector.zero(S2);
        for (int b = 0; b < nb; b++) {
            ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            ShortVector p04 = z, p05 = z, p06 = z, p07 = z, p14 = z, p15 = z, p16 = z, p17 = z;
            int xb = xOff + b * 128;
            int wb = b * 32 * PANEL_ROWS;
            int so = (b & 1) * 8 * PANEL_ROWS;
            for (int i = 0; i < 32; i++) {
                int w = wb + i * PANEL_ROWS;
                int xi = xb + 4 * i;
                int xj = xi + xGroupStride;
                ShortVector w0 = ShortVector.fromArray(S2, tile, w);
                ShortVector w1 = ShortVector.fromArray(S2, tile, w + half);
                ShortVector x = ShortVector.broadcast(S2, xq[xi]);
                p00 = w0.mul(x).add(p00);
                p10 = w1.mul(x).add(p10);
                x = ShortVector.broadcast(S2, xq[xi + 1]);
                p01 = w0.mul(x).add(p01);
                p11 = w1.mul(x).add(p11);
                x = ShortVector.broadcast(S2, xq[xi + 2]);
                p02 = w0.mul(x).add(p02);
                p12 = w1.mul(x).add(p12);
                x = ShortVector.broadcast(S2, xq[xi + 3]);
                p03 = w0.mul(x).add(p03);
                p13 = w1.mul(x).add(p13);
                x = ShortVector.broadcast(S2, xq[xj]);
                p04 = w0.mul(x).add(p04);
                p14 = w1.mul(x).add(p14);
                x = ShortVector.broadcast(S2, xq[xj + 1]);
                p05 = w0.mul(x).add(p05);
                p15 = w1.mul(x).add(p15);
                x = ShortVector.broadcast(S2, xq[xj + 2]);
                p06 = w0.mul(x).add(p06);
                p16 = w1.mul(x).add(p16);
                x = ShortVector.broadcast(S2, xq[xj + 3]);
                p07 = w0.mul(x).add(p07);
                p17 = w1.mul(x).add(p17);
            }
            p00.intoArray(sums, so);
            p10.intoArray(sums, so + half);
            p01.intoArray(sums, so + PANEL_ROWS);
            p11.intoArray(sums, so + PANEL_ROWS + half);
            p02.intoArray(sums, so + 2 * PANEL_ROWS);
            p12.intoArray(sums, so + 2 * PANEL_ROWS + half);
            p03.intoArray(sums, so + 3 * PANEL_ROWS);
            p13.intoArray(sums, so + 3 * PANEL_ROWS + half);
            p04.intoArray(sums, so + 4 * PANEL_ROWS);
            p14.intoArray(sums, so + 4 * PANEL_ROWS + half);
            p05.intoArray(sums, so + 5 * PANEL_ROWS);
            p15.intoArray(sums, so + 5 * PANEL_ROWS + half);
            p06.intoArray(sums, so + 6 * PANEL_ROWS);
            p16.intoArray(sums, so + 6 * PANEL_ROWS + half);
            p07.intoArray(sums, so + 7 * PANEL_ROWS);
            p17.intoArray(sums, so + 7 * PANEL_ROWS + half);
            if ((b & 1) == 1) {
                addBlockSumPair(sums, 8, ts, b - 1, dx, dOff + b - 1, dStride, acc, accOff);
            }
        }
        if ((nb & 1) == 1) {
            addBlockSums(sums, 8, ts, nb - 1, dx, dOff + nb - 1, dStride, acc, accOff);
        }
    }

    /**
     * {@code acc[accOff + t * PANEL_ROWS + r] = fma(P, dw * dx, acc[..])} for {@code tokens} tokens of one block
     * {@code b}: the int16 sums P of token {@code t}, panel row {@code r}, at {@code sums[t * PANEL_ROWS + r]}, the
     * token's scale at {@code dx[dOff + t * dStride]}, the weights' at {@link #tileScales}' place. The sums go
     * through memory, and to floats at one call site in a loop, on purpose: written out per group (16
     * {@code castShape(F, part)} of register values, each ~1,600 bytecodes inlined), the tile kernel outgrew
     * C2's inlining budget, and in some JVMs (5 of 6 running KernelBench, about 1 in 5 running the engine, JDK
     * 17) the later conversions and stores compiled as calls into the Vector API's boxed fallback: the
     * many-token products ran 3-5x slower for that JVM's life. This form costs about 3% against the old one
     * compiled well (docs/cpu-inference-log.md).
     */
    private static void addBlockSums(short[] sums, int tokens, float[] ts, int b, float[] dx, int dOff, int dStride,
            float[] acc, int accOff) {
        final int sg = (TILE_COLS / 32) * GROUP;
        for (int t = 0; t < tokens; t++) {
            float d = dx[dOff + t * dStride];
            int a = accOff + t * PANEL_ROWS;
            for (int g = 0; g < PANEL_GROUPS; g++) {
                FloatVector p = (FloatVector) ShortVector.fromArray(S, sums, t * PANEL_ROWS + g * GROUP).castShape(F, 0);
                FloatVector s = FloatVector.fromArray(F, ts, b * GROUP + g * sg);
                p.fma(s.mul(d), FloatVector.fromArray(F, acc, a + g * GROUP)).intoArray(acc, a + g * GROUP);
            }
        }
    }

    /**
     * {@link #addBlockSums} for blocks {@code b} and {@code b + 1} at once, the second block's sums
     * {@code tokens * PANEL_ROWS} after the first's: the two {@code fma}s in block order, as one after the other
     * would round them, with one load and store of the accumulators instead of two. The tile kernels' epilogue
     * took 16% of a Q4_0 batch-16 decode (JFR); by pairs, 16-token products ran 1.04-1.07x (KernelBench). The
     * weights' scales of both blocks ({@link #PANEL_GROUPS} = 4 groups) are loaded once, before the tokens' loop, and
     * the indices step with it: KernelBench tiled16 faster in 5 of 6 alternated JVMs (1.03-1.12x, and 1.44x against
     * one slow JVM; 0.92x in the sixth), batch-16 decode and prefill 1.01-1.06x in 3 of 3 (docs/cpu-inference-log.md).
     */
    private static void addBlockSumPair(short[] sums, int tokens, float[] ts, int b, float[] dx, int dOff, int dStride,
            float[] acc, int accOff) {
        final int sg = (TILE_COLS / 32) * GROUP;
        final int second = tokens * PANEL_ROWS;
        FloatVector s00 = FloatVector.fromArray(F, ts, b * GROUP), s10 = FloatVector.fromArray(F, ts, (b + 1) * GROUP);
        FloatVector s01 = FloatVector.fromArray(F, ts, b * GROUP + sg), s11 = FloatVector.fromArray(F, ts, (b + 1) * GROUP + sg);
        FloatVector s02 = FloatVector.fromArray(F, ts, b * GROUP + 2 * sg), s12 = FloatVector.fromArray(F, ts, (b + 1) * GROUP + 2 * sg);
        FloatVector s03 = FloatVector.fromArray(F, ts, b * GROUP + 3 * sg), s13 = FloatVector.fromArray(F, ts, (b + 1) * GROUP + 3 * sg);
        for (int t = 0, d = dOff, a = accOff, o = 0; t < tokens; t++, d += dStride, a += PANEL_ROWS, o += PANEL_ROWS) {
            float d0 = dx[d];
            float d1 = dx[d + 1];
            FloatVector p0 = (FloatVector) ShortVector.fromArray(S, sums, o).castShape(F, 0);
            FloatVector p1 = (FloatVector) ShortVector.fromArray(S, sums, second + o).castShape(F, 0);
            p1.fma(s10.mul(d1), p0.fma(s00.mul(d0), FloatVector.fromArray(F, acc, a))).intoArray(acc, a);
            p0 = (FloatVector) ShortVector.fromArray(S, sums, o + GROUP).castShape(F, 0);
            p1 = (FloatVector) ShortVector.fromArray(S, sums, second + o + GROUP).castShape(F, 0);
            p1.fma(s11.mul(d1), p0.fma(s01.mul(d0), FloatVector.fromArray(F, acc, a + GROUP))).intoArray(acc, a + GROUP);
            p0 = (FloatVector) ShortVector.fromArray(S, sums, o + 2 * GROUP).castShape(F, 0);
            p1 = (FloatVector) ShortVector.fromArray(S, sums, second + o + 2 * GROUP).castShape(F, 0);
            p1.fma(s12.mul(d1), p0.fma(s02.mul(d0), FloatVector.fromArray(F, acc, a + 2 * GROUP))).intoArray(acc, a + 2 * GROUP);
            p0 = (FloatVector) ShortVector.fromArray(S, sums, o + 3 * GROUP).castShape(F, 0);
            p1 = (FloatVector) ShortVector.fromArray(S, sums, second + o + 3 * GROUP).castShape(F, 0);
            p1.fma(s13.mul(d1), p0.fma(s03.mul(d0), FloatVector.fromArray(F, acc, a + 3 * GROUP))).intoArray(acc, a + 3 * GROUP);
        }
    }

    /** {@link #tile4Int16} for one token (the rest of a token chunk). */
    private static void tile1Int16(short[] tile, float[] ts, int nb, short[] xq, int xOff, float[] dx, int dOff,
            float[] acc, int accOff, short[] sums) {
        final int half = 2 * GROUP;
        for (int b = 0; b < nb; b++) {
            ShortVector p0 = ShortVector.zero(S2), p1 = p0;
            int x0 = xOff + b * 32;
            int wb = b * 32 * PANEL_ROWS;
            for (int i = 0; i < 32; i++) {
                int w = wb + i * PANEL_ROWS;
                ShortVector x = ShortVector.broadcast(S2, xq[x0 + i]);
                p0 = ShortVector.fromArray(S2, tile, w).mul(x).add(p0);
                p1 = ShortVector.fromArray(S2, tile, w + half).mul(x).add(p1);
            }
            p0.intoArray(sums, 0);
            p1.intoArray(sums, half);
            addBlockSums(sums, 1, ts, b, dx, dOff + b, 0, acc, accOff);
        }
    }

    /** {@link #tile4} for one token (the rest of a token chunk). */
    private static void tile1(float[] tile, float[] ts, int nb, float[] xq, int xOff, float[] dx, int dOff,
            float[] acc, int accOff) {
        final int gt = TILE_COLS * GROUP;
        for (int b = 0; b < nb; b++) {
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            int x0 = xOff + b * 32;
            int wb = b * 32 * GROUP;
            for (int i = 0; i < 32; i++) {
                int w = wb + i * GROUP;
                FloatVector x = FloatVector.broadcast(F, xq[x0 + i]);
                p0 = FloatVector.fromArray(F, tile, w).fma(x, p0);
                p1 = FloatVector.fromArray(F, tile, w + gt).fma(x, p1);
                p2 = FloatVector.fromArray(F, tile, w + 2 * gt).fma(x, p2);
                p3 = FloatVector.fromArray(F, tile, w + 3 * gt).fma(x, p3);
            }
            final int sg = (TILE_COLS / 32) * GROUP;
            float d = dx[dOff + b];
            int a = accOff;
            p0.fma(FloatVector.fromArray(F, ts, b * GROUP).mul(d), FloatVector.fromArray(F, acc, a)).intoArray(acc, a);
            p1.fma(FloatVector.fromArray(F, ts, b * GROUP + sg).mul(d), FloatVector.fromArray(F, acc, a + GROUP))
                    .intoArray(acc, a + GROUP);
            p2.fma(FloatVector.fromArray(F, ts, b * GROUP + 2 * sg).mul(d), FloatVector.fromArray(F, acc, a + 2 * GROUP))
                    .intoArray(acc, a + 2 * GROUP);
            p3.fma(FloatVector.fromArray(F, ts, b * GROUP + 3 * sg).mul(d), FloatVector.fromArray(F, acc, a + 3 * GROUP))
                    .intoArray(acc, a + 3 * GROUP);
        }
    }
}
