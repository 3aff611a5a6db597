package dev.kindling.formats.safetensors;

import java.util.Arrays;

/**
 * One entry of a safetensors header: row-major (C order) values of {@code dtype} with {@code shape}
 * (PyTorch order, e.g. {@code [out_features, in_features]} for a linear weight), stored at
 * {@code [fileOffset, fileOffset + byteSize)} of its file.
 *
 * @param name       tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype      element type
 * @param shape      dimensions, outermost first (empty for a scalar)
 * @param fileOffset absolute offset of the first byte in the file
 * @param byteSize   bytes of data ({@code elementCount * dtype.size}, checked when the file is read)
 */
public record SafetensorsTensor(String name, SafetensorsDtype dtype, long[] shape, long fileOffset, long byteSize) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Size of the innermost dimension (1 for a scalar): the length of a "row". */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** All dimensions but the innermost, multiplied (1 for a vector). */
    public long rows() {
        long c = cols();
        return c == 0 ? 0 : elementCount() / c;
    }

    public long rowBytes() {
        return cols() * dtype.size;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsTensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && fileOffset == t.fileOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
