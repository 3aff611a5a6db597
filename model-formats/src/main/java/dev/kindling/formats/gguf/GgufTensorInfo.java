package dev.kindling.formats.gguf;

import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, shape, element type and where its bytes lie.
 *
 * @param name       tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param dims       ggml order: {@code dims[0]} is the innermost (contiguous) dimension, so a weight
 *                   matrix of {@code rows} outputs by {@code cols} inputs has {@code dims = {cols, rows}}
 * @param type       element type
 * @param fileOffset absolute offset of the first byte in the file
 * @param byteSize   number of bytes the tensor takes
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long fileOffset, long byteSize) {

    /** Number of elements (product of dims). */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Size of dimension {@code i} (1 beyond the tensor's rank, as in ggml). */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** Rows of a 2-D weight (all dimensions but the innermost, multiplied). */
    public long rows() {
        return elementCount() / dim(0);
    }

    /** Bytes of one row of the innermost dimension. */
    public long rowBytes() {
        return type.byteSize(dim(0));
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + fileOffset + " (" + byteSize + " bytes)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(dims, t.dims)
                && type == t.type && fileOffset == t.fileOffset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }
}
