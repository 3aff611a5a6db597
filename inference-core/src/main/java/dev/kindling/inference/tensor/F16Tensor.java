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

    /**
     * What {@link #dequantizeRowScaled} leaves out of the weights, for the caller to put into the input
     * instead: 2^112. An input rounded to F16 ({@link dev.kindling.inference.cpu.ActivationFormat#F16}) is
     * at most 65504 in magnitude, so times this it stays finite and exact.
     */
    public static final float INPUT_SCALE = 0x1p112f;

    /**
     * Row {@code row}'s values times 2^-112 ({@code 1 / INPUT_SCALE}), exact, to {@code dst[off ..]}, with
     * the cheap conversion of {@link Simd#halvesToScaledFloats}; products of these with inputs times
     * {@link #INPUT_SCALE} have the bits of products of {@link #dequantizeRow}'s values with the inputs.
     * Returns false, with {@code dst} undefined, when the row holds an inf or NaN: then the caller takes
     * {@link #dequantizeRow} and the unscaled input.
     */
    public boolean dequantizeRowScaled(int row, float[] dst, int off, short[] halves) {
        short[] a = rowHalves(row, halves);
        int o = rowHalvesOffset(row);
        int i = 0;
        boolean finite = true;
        if (Simd.L > 0) {
            i = cols - cols % Simd.L;
            finite = Simd.halvesToScaledFloats(a, o, dst, off, i);
        }
        for (; i < cols; i++) {
            short h = a[o + i];
            finite &= (h & 0x7C00) != 0x7C00;
            dst[off + i] = ScalarKernels.halfToFloat(h) * 0x1p-112f; // exact: see INPUT_SCALE
        }
        return finite;
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
