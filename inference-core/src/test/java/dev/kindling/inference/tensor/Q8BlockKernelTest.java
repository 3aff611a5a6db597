package dev.kindling.inference.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.ScalarKernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Q8_0/Q4_0/Q4_K/Q5_K/Q6_K kernels of {@link Q8BlockTensor} against their scalar twin
 * {@link Q8BlockTensor#productScalar}, bit for bit: the decode kernel (one token), the tiled kernel
 * (many tokens), on a matrix with a partial last panel, with extreme weights and inputs (full int8
 * and nibble ranges, subnormal and large f16 scales), and a tensor with a non-finite scale.
 */
class Q8BlockKernelTest {
    static final int COLS = 512; // Q4_K: a multiple of 256
    static final int ROWS = 2 * Q8BlockTensor.PANEL_ROWS + 13;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void kernelsEqualScalarTwin(GgmlType type) {
        byte[] data = RandomBlocks.bytes(type, ROWS, COLS, 17);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        // extreme scales in some blocks: subnormal, the largest finite, negative (K-quants: their super-blocks' d)
        int d = type == GgmlType.Q6_K ? 208 : 0;
        b.putShort(d, (short) 0x0001);
        b.putShort(type.typeSize + d, (short) 0x7BFF);
        b.putShort(2 * type.typeSize + d, (short) 0xB800);
        b.putShort(3 * type.typeSize + d, (short) 0x8003);
        Q8BlockTensor t = (Q8BlockTensor) RandomBlocks.tensor(type, ROWS, COLS, data);
        for (boolean int16 : new boolean[] {false, true}) {
            check(t, 1, int16);
            check(t, 3, int16);
            check(t, Q8BlockTensor.TILED_FROM_TOKENS + 3, int16);
            check(t, Q8BlockTensor.TOKEN_CHUNK + 6, int16); // two token chunks, a tile4 and a tile1 rest in the second
        }
    }

    /**
     * Q8_0 in both layouts, {@link Q8_0Tensor} and {@link Q8_0LanesTensor} (four rows to an int lane, unsigned
     * bytes), from the same file bytes with the extreme integers -128 and 127: each equals the scalar twin bit for
     * bit in every kernel, and the two hold the same integers.
     */
    @Test
    void q8_0LayoutsEqualTheScalarTwinAndEachOther() {
        byte[] data = RandomBlocks.bytes(GgmlType.Q8_0, ROWS, COLS, 29);
        for (int i = 0; i < 32; i++) {
            data[34 * 3 + 2 + i] = (byte) (i % 2 == 0 ? -128 : 127); // row 0, block 3
            data[(int) GgmlType.Q8_0.byteSize(COLS) * (ROWS - 1) + 2 + i] = (byte) (i % 3 == 0 ? -128 : 127); // the last row
        }
        Q8BlockTensor plain = new Q8_0Tensor("plain", ROWS, COLS, RandomBlocks.source(GgmlType.Q8_0, COLS, data));
        Q8BlockTensor lanes = new Q8_0LanesTensor("lanes", ROWS, COLS, RandomBlocks.source(GgmlType.Q8_0, COLS, data));
        assertEquals(-128, lanes.value(0, 3 * 32));
        assertEquals(127, lanes.value(0, 3 * 32 + 1));
        layoutsAgree(plain, lanes);
    }

    /**
     * Q6_K in both layouts, {@link Q6KTensor} and {@link Q6KLanesTensor}, from the same file bytes with the extreme
     * integers -32 and 31 and group scales -128 and 127: each equals the scalar twin bit for bit in every kernel, and
     * the two hold the same integers and give the same outputs.
     */
    @Test
    void q6kLayoutsEqualTheScalarTwinAndEachOther() {
        byte[] data = RandomBlocks.bytes(GgmlType.Q6_K, ROWS, COLS, 31);
        int rowBytes = (int) GgmlType.Q6_K.byteSize(COLS);
        for (int i = 0; i < 192; i++) { // row 0, first super-block: ql[128] and qh[64] zero (-32), but 16..31 all ones (31)
            data[i] = (byte) ((i >= 16 && i < 32) || (i >= 128 + 16 && i < 128 + 32) ? 0xFF : 0x00);
        }
        data[192] = (byte) -128; // its first two group scales
        data[193] = 127;
        data[rowBytes * (ROWS - 1) + 192 + 5] = (byte) -128; // the last row
        Q8BlockTensor plain = new Q6KTensor("plain", ROWS, COLS, RandomBlocks.source(GgmlType.Q6_K, COLS, data));
        Q8BlockTensor lanes = new Q6KLanesTensor("lanes", ROWS, COLS, RandomBlocks.source(GgmlType.Q6_K, COLS, data));
        assertEquals(-32 * -128, lanes.value(0, 0));
        assertEquals(31 * 127, lanes.value(0, 16 + 1));
        layoutsAgree(plain, lanes);
    }

    /**
     * Q5_K in both layouts, {@link Q5KTensor} and {@link Q5KLanesTensor}, from the same file bytes with the extreme
     * integers 0 (row 1's first super-block) and 31 (row 0's): each equals the scalar twin bit for bit in every kernel,
     * and the two hold the same integers and give the same outputs.
     */
    @Test
    void q5kLayoutsEqualTheScalarTwinAndEachOther() {
        byte[] data = RandomBlocks.bytes(GgmlType.Q5_K, ROWS, COLS, 37);
        int rowBytes = (int) GgmlType.Q5_K.byteSize(COLS);
        for (int i = 16; i < 176; i++) { // qh[32] and qs[128] of the first super-block
            data[i] = (byte) 0xFF;
            data[rowBytes + i] = 0;
        }
        Q8BlockTensor plain = new Q5KTensor("plain", ROWS, COLS, RandomBlocks.source(GgmlType.Q5_K, COLS, data));
        Q8BlockTensor lanes = new Q5KLanesTensor("lanes", ROWS, COLS, RandomBlocks.source(GgmlType.Q5_K, COLS, data));
        assertEquals(31, lanes.value(0, 255));
        assertEquals(0, lanes.value(1, 0));
        layoutsAgree(plain, lanes);
    }

    /**
     * Two layouts of the same weights: they hold the same integers and, with the vector kernels on, each equals the
     * scalar twin bit for bit in every kernel ({@link #check}) and the two give the same outputs, for one token, a few,
     * and tiled steps of both tile shapes.
     */
    private static void layoutsAgree(Q8BlockTensor plain, Q8BlockTensor lanes) {
        for (int row = 0; row < ROWS; row++) {
            for (int k = 0; k < COLS; k++) {
                assertEquals(plain.value(row, k), lanes.value(row, k), "row " + row + " column " + k);
            }
        }
        if (!dev.kindling.inference.cpu.Simd.enabled()) {
            return;
        }
        for (int n : new int[] {1, 3, Q8BlockTensor.TILED_FROM_TOKENS + 3, Q8BlockTensor.TOKEN_CHUNK + 6}) {
            for (boolean halfTiles : new boolean[] {false, true}) {
                float[] a = check(plain, COLS, n, false, halfTiles);
                float[] b = check(lanes, COLS, n, false, halfTiles);
                assertTrue(Arrays.equals(a, b), lanes.name() + ", " + n + " tokens" + (halfTiles ? ", half tiles" : ""));
            }
        }
    }

    /**
     * Every way a token chunk splits (eight tokens at a time where {@code EIGHT_TOKEN_TILES}, then four, then
     * one) over rows whose last tile has an odd number of blocks (1 and 3), which the tile kernels' paired
     * epilogue finishes on its own.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void tilesOfEveryTokenCountAndAnOddLastBlock(GgmlType type) {
        for (int cols : new int[] {17 * 32, 15 * 32}) {
            Q8BlockTensor t = (Q8BlockTensor) RandomBlocks.tensor(type, ROWS, cols, RandomBlocks.bytes(type, ROWS, cols, cols));
            for (boolean int16 : new boolean[] {false, true}) {
                for (int n : new int[] {8, 13, 15, 16, Q8BlockTensor.TOKEN_CHUNK + 13}) {
                    check(t, cols, n, int16);
                }
            }
            for (int n : new int[] {4, 13, Q8BlockTensor.TOKEN_CHUNK + 13}) { // the float tile in both shapes
                check(t, cols, n, false, false);
                check(t, cols, n, false, true);
            }
        }
    }

    /**
     * The int16 copy of a step's inputs: every (token, column) lands at its own {@link Q8BlockTensor#int16Index},
     * full groups of four tokens interleaved, the rest (and steps below the tiled size) one row per token; below the
     * tiled size in the decode kernels' form.
     */
    @Test
    void int16InputsLandWhereTheKernelsReadThem() {
        int cols = 64;
        for (int n : new int[] {1, Q8BlockTensor.TILED_FROM_TOKENS - 1, 4, 7, 9}) {
            float[] xq = new float[n * cols];
            for (int i = 0; i < xq.length; i++) {
                xq[i] = (i % 255) - 127;
            }
            short[] dst = new short[n * cols];
            Arrays.fill(dst, Short.MIN_VALUE);
            Set<Integer> seen = new HashSet<>();
            for (int tok = 0; tok < n; tok++) {
                Q8BlockTensor.toInt16(xq, tok, cols, n, dst);
            }
            for (int tok = 0; tok < n; tok++) {
                for (int k = 0; k < cols; k++) {
                    int at = Q8BlockTensor.int16Index(tok, k, cols, n);
                    assertTrue(seen.add(at), "n=" + n + ": two inputs at " + at);
                    // below the tiled size the decode kernels' form: x_j, then x_{j+16} - 16 x_j (toInt16Decode)
                    int want = n >= Q8BlockTensor.TILED_FROM_TOKENS || k % 32 < 16 ? (int) xq[tok * cols + k]
                            : (int) xq[tok * cols + k] - 16 * (int) xq[tok * cols + k - 16];
                    assertEquals((short) want, dst[at], "n=" + n + " token " + tok + " column " + k);
                }
            }
            // the layout itself, spelled out: [group][k][t % 4] for full groups, [t][k] for the rest
            if (n >= Q8BlockTensor.TILED_FROM_TOKENS) {
                assertEquals(4 * 5 + 1, Q8BlockTensor.int16Index(1, 5, cols, n), "n=" + n);
                int last = n - 1; // in a full group when n is a multiple of 4, else one of the rest with a row
                assertEquals(n % 4 == 0 ? (last & ~3) * cols + 4 * 2 + (last & 3) : last * cols + 2,
                        Q8BlockTensor.int16Index(last, 2, cols, n), "n=" + n);
            } else {
                assertEquals((n - 1) * cols + 5, Q8BlockTensor.int16Index(n - 1, 5, cols, n), "n=" + n);
            }
            if (n == 9) {
                assertEquals(4 * cols + 4 * 3, Q8BlockTensor.int16Index(4, 3, cols, n)); // second group, first token
                assertEquals(8 * cols + 2, Q8BlockTensor.int16Index(8, 2, cols, n)); // the ninth token has a row
            }
        }
    }

    /**
     * The int16 decode kernels where their block sums reach the edge of int16: whole blocks of weights -8 or 7 times
     * inputs 127 or -127 (|P| = 8 * 127 * 32 = 32512), and mixed blocks whose partial sums in the kernel's form of
     * the input ({@link Q8BlockTensor#toInt16Decode}) wrap past 2^15 before they come back. Equal to the scalar twin.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K"})
    void int16DecodeAtTheEdgeOfItsRange(GgmlType type) {
        byte[] data = RandomBlocks.bytes(type, ROWS, COLS, 23);
        int rowBytes = (int) type.byteSize(COLS);
        int superBytes = type == GgmlType.Q4_0 ? 18 : 144; // a (super-)block's bytes
        int first = type == GgmlType.Q4_0 ? 2 : 16, last = superBytes; // where its nibbles are
        for (int row = 0; row < 4; row++) {
            for (int sb = 0; sb < COLS / (type == GgmlType.Q4_0 ? 32 : 256); sb++) {
                for (int i = first; i < last; i++) {
                    // row 0: every value 0 - 8; row 1: 15 - 8; row 2: low nibbles -8, high ones 7; row 3: the other way
                    data[row * rowBytes + sb * superBytes + i] = (byte) switch (row) {
                        case 0 -> 0x00;
                        case 1 -> 0xFF;
                        case 2 -> 0xF0;
                        default -> 0x0F;
                    };
                }
            }
        }
        Q8BlockTensor t = (Q8BlockTensor) RandomBlocks.tensor(type, ROWS, COLS, data);
        float[] x = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            int block = i / 32, j = i % 32;
            x[i] = switch (block % 4) {
                case 0 -> 1f;                 // all 127
                case 1 -> -1f;                // all -127
                case 2 -> j < 16 ? 1f : -1f;  // 127, then -127
                default -> j % 2 == 0 ? -1f : 1f;
            };
        }
        for (boolean int16 : new boolean[] {false, true}) {
            check(t, COLS, 1, int16, false, x);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void nonFiniteScalePropagates(GgmlType type) {
        byte[] data = RandomBlocks.bytes(type, ROWS, COLS, 19);
        int d = type == GgmlType.Q6_K ? 208 : 0; // where the first (super-)block keeps its f16 d
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putShort((int) type.byteSize(COLS) * 5 + d, (short) 0x7E00); // NaN, row 5 block 0
        Q8BlockTensor t = (Q8BlockTensor) RandomBlocks.tensor(type, ROWS, COLS, data);
        for (boolean int16 : new boolean[] {false, true}) {
            float[] out = check(t, 1, int16);
            assertTrue(Float.isNaN(out[2 + 5]));
            assertTrue(Float.isFinite(out[2 + 6]));
        }
    }

    /**
     * Runs every panel for {@code n} tokens and compares each output with the scalar twin; returns the
     * outputs. {@code int16}: the kernels that sum in 16-bit lanes ({@code Simd.INT16_DECODE},
     * {@code Simd.INT16_TILES}; Q4_0 only) instead of the float ones.
     */
    private static float[] check(Q8BlockTensor t, int n, boolean int16) {
        return check(t, COLS, n, int16);
    }

    /** {@link #check(Q8BlockTensor, int, boolean)} for a tensor of {@code cols} columns. */
    private static float[] check(Q8BlockTensor t, int cols, int n, boolean int16) {
        return check(t, cols, n, int16, dev.kindling.inference.cpu.Simd.HALF_TILES);
    }

    /** {@link #check(Q8BlockTensor, int, int, boolean)} with the float tile's shape chosen ({@code tile4} or {@code tile4Half}). */
    private static float[] check(Q8BlockTensor t, int cols, int n, boolean int16, boolean halfTiles) {
        Random r = new Random(n);
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 1e4 : 1));
        }
        return check(t, cols, n, int16, halfTiles, x);
    }

    /** {@link #check(Q8BlockTensor, int, int, boolean, boolean)} for the inputs {@code x} ({@code n * cols} values). */
    private static float[] check(Q8BlockTensor t, int cols, int n, boolean int16, boolean halfTiles, float[] x) {
        int blocks = cols / 32;
        float[] xq = new float[n * cols];
        float[] dx = new float[n * blocks];
        float[] xs = new float[n * blocks];
        float[] xu = new float[n * blocks];
        for (int tok = 0; tok < n; tok++) {
            t.quantizeInput(x, tok * cols, xq, tok * cols, dx, xs, xu, tok * blocks);
        }
        short[] xq16 = new short[n * cols];
        for (int tok = 0; tok < n; tok++) {
            Q8BlockTensor.toInt16(xq, tok, cols, n, xq16);
        }
        int stride = ROWS + 5;
        float[] out = new float[n * stride];
        Q8BlockTensor.Scratch s = new Q8BlockTensor.Scratch();
        for (int p = 0; p < t.panels(); p++) {
            t.multiplyPanel(p, xq, xq16, dx, xs, xu, n, out, stride, 2, s, int16, int16, halfTiles);
        }
        for (int tok = 0; tok < n; tok++) {
            for (int row = 0; row < ROWS; row++) {
                float want = t.productScalar(row, xq, tok * cols, dx, xu, tok * blocks);
                float got = out[tok * stride + 2 + row];
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                        t.type() + (int16 ? " int16" : "") + (halfTiles ? " half tiles" : "") + " " + n + " tokens: token " + tok + " row " + row + ": " + got + " vs " + want);
            }
            assertEquals(0f, out[tok * stride + 1]); // nothing written outside the rows
            assertEquals(0f, out[tok * stride + 2 + ROWS]);
        }
        // the scalar twin is the ggml formula: sum over blocks of (integer block sum) * dw * dx (Q4_K: the weights'
        // values d*sc*q - dmin*m times the input's integers and scale, whatever the centring and the offset chain)
        float[] w = new float[cols];
        t.dequantizeRowScalar(7, w, 0);
        double ref = 0;
        for (int i = 0; i < cols; i++) {
            ref += (double) w[i] * xq[i] * dx[i / 32];
        }
        assertEquals(ref, out[2 + 7], 1e-4 * Math.abs(ref) + 1e-3);
        return out;
    }

    /**
     * Q8_K inputs as the K-quant kernels take them: the integers and the 256-block's scale give {@code roundTrip}'s
     * values, every 32-block of a 256-block carries that scale, and the sums are the first 16 integers and
     * {@code d} times all 32 (an all-zero block: integers, scale and sums zero).
     */
    @org.junit.jupiter.api.Test
    void q8KInputsCarryTheirBlocksScaleAndSums() {
        Random r = new Random(23);
        float[] x = new float[768];
        for (int i = 0; i < 512; i++) {
            x[i] = (float) (r.nextGaussian() * (i < 256 ? 1 : 300));
        } // the third 256-block stays zero
        float[] q = new float[768];
        float[] d = new float[24];
        float[] sums = new float[24];
        float[] u = new float[24];
        ActivationFormat.quantizeQ8_K(x, 0, 768, q, 0, d, sums, u, 0);
        float[] rounded = new float[768];
        ActivationFormat.Q8_K.roundTrip(x, 0, 768, rounded);
        for (int i = 0; i < 768; i++) {
            assertTrue(q[i] == Math.rint(q[i]) && Math.abs(q[i]) <= 127, "integer " + i + ": " + q[i]);
            assertEquals(rounded[i], q[i] * d[i / 32], "value " + i);
        }
        for (int b = 0; b < 24; b++) {
            assertEquals(d[b / 8 * 8], d[b], "block " + b);
            float s16 = 0, s = 0;
            for (int i = 0; i < 32; i++) {
                s += q[b * 32 + i];
                if (i < 16) {
                    s16 += q[b * 32 + i];
                }
            }
            assertEquals(s16, sums[b], "block " + b);
            assertEquals(d[b] * s, u[b], "block " + b);
        }
        assertTrue(d[0] != 0 && Math.abs(d[8]) > 100 * Math.abs(d[0])); // d = max / -127: the sign of the largest value
        assertEquals(0f, d[16]);
        assertEquals(0f, u[23]);
    }

    @org.junit.jupiter.api.Test
    void blockSumsAreTheFirstSixteenIntegers() {
        float[] x = new float[64];
        for (int i = 0; i < 64; i++) {
            x[i] = i - 20.5f;
        }
        float[] q = new float[64];
        float[] d = new float[2];
        float[] sums = new float[2];
        ActivationFormat.quantizeQ8_0(x, 0, 64, q, 0, d, sums, 0);
        for (int b = 0; b < 2; b++) {
            float s = 0;
            for (int i = 0; i < 16; i++) {
                s += q[b * 32 + i];
            }
            assertEquals(s, sums[b]);
            assertEquals(ScalarKernels.halfToFloat(ScalarKernels.floatToHalf(d[b])), d[b]);
        }
    }
}
