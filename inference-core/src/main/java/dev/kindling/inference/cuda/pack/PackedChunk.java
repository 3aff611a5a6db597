package dev.kindling.inference.cuda.pack;

/**
 * Packed rows {@code [first, first+rows)} of a matrix in a GPU layout ({@link Kind}): the three
 * arrays, each holding exactly those rows (row r of the chunk at {@code r * bytes-per-row}).
 */
public record PackedChunk(Kind kind, int cols, int first, int rows, byte[] data, byte[] scales, byte[] dm) {
    public static PackedChunk allocate(Kind kind, int cols, int first, int rows) {
        return new PackedChunk(kind, cols, first, rows, new byte[Math.toIntExact(kind.dataBytes(rows, cols))],
                new byte[Math.toIntExact(kind.scaleBytes(rows, cols))], new byte[Math.toIntExact(kind.dmBytes(rows, cols))]);
    }

    public int dataRowBytes() {
        return (int) kind.dataBytes(1, cols);
    }

    public int scaleRowBytes() {
        return (int) kind.scaleBytes(1, cols);
    }

    public int dmRowBytes() {
        return (int) kind.dmBytes(1, cols);
    }

    /** Copies row {@code r} of {@code src} to row {@code at} of this chunk. */
    void copyRow(PackedChunk src, int r, int at) {
        System.arraycopy(src.data, r * dataRowBytes(), data, at * dataRowBytes(), dataRowBytes());
        System.arraycopy(src.scales, r * scaleRowBytes(), scales, at * scaleRowBytes(), scaleRowBytes());
        System.arraycopy(src.dm, r * dmRowBytes(), dm, at * dmRowBytes(), dmRowBytes());
    }
}
