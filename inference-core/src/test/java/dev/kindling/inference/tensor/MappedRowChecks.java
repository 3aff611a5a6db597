package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.MatMul;
import dev.kindling.inference.cpu.WorkerPool;
import java.util.Arrays;
import java.util.Random;

/**
 * The row-copy paths of the mapped F32/F16/BF16 tensors at the JVM's vector width (run at 512 bits
 * by {@link TensorKernelTest}, at 256 and scalar by {@code SimdSelfCheck}): a tensor whose views
 * are cut into many buffers, and one whose rows are gathered through a row map, give for every row
 * exactly the bits of the plain tensor's scalar twin (the oracle reads value by value with absolute
 * gets, the kernels copy rows in bulk), through {@code dequantizeRow} with and without the caller's
 * staging, and through matrix products of 1, 2 and 11 tokens (decode's row-at-a-time path and the
 * prefill tile). Rows of 516 values: not a multiple of 8 or 16 lanes, so the scalar tails run too.
 */
public final class MappedRowChecks {
    static final int ROWS = 37;
    static final int COLS = 516;

    private MappedRowChecks() {}

    /** Throws an AssertionError naming the type, variant and row at the first difference. */
    public static void check(GgmlType type) {
        byte[] data = RandomBlocks.bytes(type, ROWS, COLS, 13);
        long rowBytes = type.byteSize(COLS);
        Tensor plain = RandomBlocks.tensor(type, ROWS, COLS, data);
        int[] identity = new int[ROWS];
        Arrays.setAll(identity, i -> i);
        int[] shuffle = RandomBlocks.shuffledRows(ROWS, 17);
        check(type, "chunked", plain, RandomBlocks.chunked(type, ROWS, COLS, data, 5 * rowBytes), identity);
        check(type, "gathered", plain, RandomBlocks.gathered(type, COLS, data, shuffle, 7 * rowBytes), shuffle);
        check(type, "gathered in one view", plain, RandomBlocks.gathered(type, COLS, data, shuffle, Long.MAX_VALUE), shuffle);
        if (!plain.mapped() || !plain.stored().buffers()[0].isReadOnly()) {
            throw new AssertionError(type + ": not read in place from a read-only direct buffer");
        }
    }

    private static void check(GgmlType type, String variant, Tensor plain, Tensor t, int[] rowMap) {
        String what = type + " " + variant;
        if (!t.mapped() || t.rows() != rowMap.length || t.cols() != COLS) {
            throw new AssertionError(what + ": " + t + " is not a mapped tensor of " + rowMap.length + " x " + COLS);
        }
        float[] expected = new float[COLS];
        float[] got = new float[COLS + 3];
        short[] halves = new short[COLS];
        for (int row = 0; row < rowMap.length; row++) {
            plain.dequantizeRowScalar(rowMap[row], expected, 0);
            t.dequantizeRow(row, got, 3);
            same(what + " dequantizeRow", row, expected, Arrays.copyOfRange(got, 3, 3 + COLS));
            t.dequantizeRow(row, got, 0, halves);
            same(what + " dequantizeRow with staging", row, expected, Arrays.copyOf(got, COLS));
            t.dequantizeRowScalar(row, got, 0);
            same(what + " dequantizeRowScalar", row, expected, Arrays.copyOf(got, COLS));
        }
        int tokens = 11;
        float[] x = new float[tokens * COLS];
        Random r = new Random(19);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        try (WorkerPool pool = new WorkerPool(2, 0)) { // every product split: the workers' path
            MatMul.Scratch[] s = {new MatMul.Scratch(COLS), new MatMul.Scratch(COLS)};
            for (int n : new int[] {1, 2, tokens}) {
                float[] want = new float[n * ROWS];
                float[] have = new float[n * rowMap.length];
                MatMul.run(pool, s, n, new MatMul.Job(plain, x, want));
                MatMul.run(pool, s, n, new MatMul.Job(t, x, have));
                for (int tok = 0; tok < n; tok++) {
                    for (int row = 0; row < rowMap.length; row++) {
                        float a = want[tok * ROWS + rowMap[row]];
                        float b = have[tok * rowMap.length + row];
                        if (Float.floatToIntBits(a) != Float.floatToIntBits(b)) {
                            throw new AssertionError(what + ": product of " + n + " tokens, token " + tok + " row " + row
                                    + ": " + b + " vs " + a);
                        }
                    }
                }
            }
        }
    }

    private static void same(String what, int row, float[] expected, float[] got) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(got[i])) {
                throw new AssertionError(what + ": row " + row + " value " + i + " is " + got[i] + ", expected " + expected[i]);
            }
        }
    }
}
