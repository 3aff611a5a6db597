package dev.kindling.inference.tensor;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.cpu.Simd;

/** IEEE half-precision weights, converted to float on the fly. */
public final class F16Tensor extends HalfTensor {
    F16Tensor(String name, int cols, StoredRows stored) {
        super(name, cols, stored);
    }

    static F16Tensor read(String name, int rows, int cols, RowSource src) {
        return new F16Tensor(name, cols, StoredRows.contiguous(rows, 2L * cols, src));
    }

    @Override
    public dev.kindling.inference.cpu.ActivationFormat activationFormat() {
        return dev.kindling.inference.cpu.ActivationFormat.F16;
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    void toFloats(short[] a, int off, float[] dst, int dOff, int n) {
        Simd.halvesToFloats(a, off, dst, dOff, n);
    }

    @Override
    float convert(short h) {
        return ScalarKernels.halfToFloat(h);
    }
}
