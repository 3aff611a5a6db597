package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cpu.Simd;

/** bfloat16 weights (the top 16 bits of a float32), converted on the fly. */
public final class BF16Tensor extends HalfTensor {
    BF16Tensor(String name, int cols, StoredRows stored) {
        super(name, cols, stored);
    }

    static BF16Tensor read(String name, int rows, int cols, RowSource src) {
        return new BF16Tensor(name, cols, StoredRows.contiguous(rows, 2L * cols, src));
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.BF16;
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    /** Every bfloat16 pattern converts exactly with the shift: every row can take the one-pass kernels. */
    @Override
    public boolean onePassRow(int row, short[] halves) {
        return true;
    }

    @Override
    public int widenShift() {
        return 16;
    }

    @Override
    public int widenMask() {
        return -1;
    }

    @Override
    void toFloats(short[] a, int off, float[] dst, int dOff, int n) {
        Simd.bf16ToFloats(a, off, dst, dOff, n);
    }

    @Override
    float convert(short h) {
        return ScalarKernels.bf16ToFloat(h);
    }
}
