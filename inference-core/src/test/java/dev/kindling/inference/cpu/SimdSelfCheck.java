package dev.kindling.inference.cpu;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.tensor.MappedRowChecks;
import dev.kindling.inference.tensor.Q8BlockTensor;
import dev.kindling.inference.tensor.RandomBlocks;
import dev.kindling.inference.tensor.Tensor;
import java.util.Random;

/**
 * Run in a child JVM with {@code -Dkindling.simd.bits=256} (or 0) by {@link SimdWidthTest}: checks,
 * at that vector width, that every tensor type's vector dequantization equals its scalar twin and
 * that a matrix product is batch-invariant and close to the scalar oracle (Q8_0/Q4_0: equal to the
 * scalar twin of their integer block products), and that the mapped F32/F16/BF16 row copies give
 * the scalar twin's bits ({@link MappedRowChecks}), and that the attention kernels give their scalar
 * twins' bits ({@link AttentionKernelsTest}), as do the Q8_0 quantization of activations
 * ({@link QuantizeQ8_0Test}) and SwiGLU ({@link SwigluTest}). Prints "ok" + the width.
 */
public final class SimdSelfCheck {
    public static void main(String[] args) {
        int rows = 23, cols = 512, tokens = 9;
        Random r = new Random(1);
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        try (WorkerPool pool = new WorkerPool(2, 0)) { // every product split: the workers' path
            MatMul.Scratch[] s = {new MatMul.Scratch(cols), new MatMul.Scratch(cols)};
            for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
                    GgmlType.Q4_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                Tensor t = RandomBlocks.tensor(type, rows, cols, RandomBlocks.bytes(type, rows, cols, 5));
                float[] a = new float[cols], b = new float[cols];
                for (int row = 0; row < rows; row++) {
                    t.dequantizeRow(row, a, 0);
                    t.dequantizeRowScalar(row, b, 0);
                    if (!java.util.Arrays.equals(a, b)) {
                        throw new AssertionError(type + " row " + row + ": vector dequantization differs from scalar");
                    }
                }
                float[] all = new float[tokens * rows];
                MatMul.run(pool, s, tokens, new MatMul.Job(t, x, all));
                for (int tok = 0; tok < tokens; tok++) {
                    float[] xi = java.util.Arrays.copyOfRange(x, tok * cols, (tok + 1) * cols);
                    float[] one = new float[rows];
                    MatMul.run(pool, s, 1, new MatMul.Job(t, xi, one));
                    for (int row = 0; row < rows; row++) {
                        if (Float.floatToIntBits(one[row]) != Float.floatToIntBits(all[tok * rows + row])) {
                            throw new AssertionError(type + ": batch of " + tokens + " differs from one token at row " + row);
                        }
                        if (t instanceof Q8BlockTensor qb) { // integer block products: the scalar twin, bit for bit
                            float[] xq = new float[cols], dx = new float[cols / 32], xs = new float[cols / 32], xu = new float[cols / 32];
                            qb.quantizeInput(xi, 0, xq, 0, dx, xs, xu, 0);
                            if (Float.floatToIntBits(qb.productScalar(row, xq, 0, dx, xu, 0)) != Float.floatToIntBits(one[row])) {
                                throw new AssertionError(type + ": " + one[row] + " vs scalar twin " + qb.productScalar(row, xq, 0, dx, xu, 0));
                            }
                        }
                        float oracle = t.dotScalar(row, ActivationFormatCheck.rounded(t, xi), 0);
                        if (Math.abs(oracle - one[row]) > 1e-3 * Math.max(1, Math.abs(oracle))) {
                            throw new AssertionError(type + ": " + one[row] + " vs scalar " + oracle);
                        }
                    }
                }
            }
        }
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            MappedRowChecks.check(type);
        }
        new QuantizeQ8_0Test().equalsThePlainDefinitionBitForBit();
        new SwigluTest().vectorSwigluEqualsScalarTwin();
        for (int hd : new int[] {64, 80, 6}) {
            new AttentionKernelsTest().vectorKernelsEqualScalarTwins(hd, 16);
        }
        new AttentionKernelsTest().softmaxIsThePlainOneWithThePolynomialExp();
        new HalfRoundingTest().roundingToHalvesIsTheScalarDefinition();
        new HalfRoundingTest().halvesToFloatsIsTheScalarDefinition();
        System.out.println("ok " + Simd.describe());
    }

    /** The matmul rounds its input as llama.cpp does; the oracle must see the same input. */
    static final class ActivationFormatCheck {
        static float[] rounded(Tensor t, float[] x) {
            float[] out = new float[x.length];
            t.activationFormat().roundTrip(x, 0, x.length, out);
            return out;
        }
    }
}
