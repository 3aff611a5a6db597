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
        short[] a = halvesOf(row, halves);
        int o = halvesOffset(row);
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

    /**
     * Per row, whether it holds no inf or NaN: 0 not yet known, 1 finite, 2 not. Filled as rows are first
     * read ({@link #onePassRow}); threads that race on a row compute and write the same value.
     */
    private final byte[] rowFinite = new byte[rows];

    /**
     * True when row {@code row} holds no inf or NaN, which the scaled conversion needs (it would turn them
     * into finite floats); checked the first time a row is asked about (copied into {@code halves} when
     * mapped), remembered after.
     */
    @Override
    public boolean onePassRow(int row, short[] halves) {
        byte known = rowFinite[row];
        if (known == 0) {
            short[] a = halvesOf(row, halves);
            int o = halvesOffset(row);
            boolean finite = true;
            for (int i = o; i < o + cols; i++) {
                finite &= (a[i] & 0x7C00) != 0x7C00;
            }
            known = finite ? (byte) 1 : (byte) 2;
            rowFinite[row] = known;
        }
        return known == 1;
    }

    @Override
    public int widenShift() {
        return 13;
    }

    @Override
    public int widenMask() {
        return 0x8FFFE000;
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
