package dev.kindling.inference.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Where an F32, F16 or BF16 tensor's values live: read-only views of the memory-mapped file, never a
 * heap copy. The views are several buffers of whole stored rows ({@link Tensor#MAX_CHUNK_BYTES} at
 * most each, so tensors over 2 GiB work); a tensor whose rows are gathered from a stored tensor in
 * another order (a QKV fused per head) keeps a row map, canonical row -> stored row, beside them.
 *
 * <p>The buffers are held for as long as the tensor is: a mapping is released only when the garbage
 * collector frees its buffer, so the weights stay readable after the file's channel is closed, and
 * no use of a tensor can touch unmapped memory.
 */
final class StoredRows {
    private final ByteBuffer[] buffers;
    private final int rowsPerBuffer;
    /** Canonical row -> stored row (relative to the first stored row mapped), or null when they are equal. */
    private final int[] rowMap;
    private final int rows;

    private StoredRows(ByteBuffer[] buffers, int rowsPerBuffer, int[] rowMap, int rows) {
        this.buffers = buffers;
        this.rowsPerBuffer = rowsPerBuffer;
        this.rowMap = rowMap;
        this.rows = rows;
    }

    /** Rows {@code [0, rows)} of {@code src}, in their stored order. */
    static StoredRows contiguous(int rows, long rowBytes, RowSource src) {
        return contiguous(rows, rowBytes, src, Tensor.MAX_CHUNK_BYTES);
    }

    /** As {@link #contiguous(int, long, RowSource)} with at most {@code maxBufferBytes} per buffer (tests: many buffers). */
    static StoredRows contiguous(int rows, long rowBytes, RowSource src, long maxBufferBytes) {
        int rpb = rowsPerBuffer(rows, rowBytes, maxBufferBytes);
        return new StoredRows(map(0, rows, rpb, src), rpb, null, rows);
    }

    /**
     * Canonical row {@code i} is stored row {@code rowMap[i]} of {@code src}; only the stored rows
     * between the smallest and the largest entry are mapped.
     */
    static StoredRows gathered(int[] rowMap, long rowBytes, RowSource src, long maxBufferBytes) {
        if (rowMap.length == 0) {
            return new StoredRows(new ByteBuffer[0], 1, null, 0);
        }
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int r : rowMap) {
            min = Math.min(min, r);
            max = Math.max(max, r);
        }
        int span = max - min + 1;
        int rpb = rowsPerBuffer(span, rowBytes, maxBufferBytes);
        int[] relative = new int[rowMap.length];
        for (int i = 0; i < rowMap.length; i++) {
            relative[i] = rowMap[i] - min;
        }
        return new StoredRows(map(min, span, rpb, src), rpb, relative, rowMap.length);
    }

    private static int rowsPerBuffer(int rows, long rowBytes, long maxBufferBytes) {
        return (int) Math.max(1, Math.min(rows, maxBufferBytes / Math.max(1, rowBytes)));
    }

    private static ByteBuffer[] map(long first, int rows, int rpb, RowSource src) {
        ByteBuffer[] b = new ByteBuffer[(rows + rpb - 1) / rpb];
        for (int i = 0; i < b.length; i++) {
            // read-only whatever the source gave (asReadOnlyBuffer forgets the byte order: set it after)
            b[i] = src.rows(first + (long) i * rpb, Math.min(rpb, rows - i * rpb)).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        return b;
    }

    int rows() {
        return rows;
    }

    /** The buffers (each whole stored rows, little-endian); what the tests check is the mapped file. */
    ByteBuffer[] buffers() {
        return buffers.clone();
    }

    /** True when rows are gathered through a row map rather than stored in order. */
    boolean gathered() {
        return rowMap != null;
    }

    /** Index into {@link #floats()}/{@link #shorts()} of the buffer holding {@code row}. */
    int buffer(int row) {
        return stored(row) / rowsPerBuffer;
    }

    /** Position of {@code row} in its buffer, in rows. */
    int rowInBuffer(int row) {
        return stored(row) % rowsPerBuffer;
    }

    private int stored(int row) {
        return rowMap == null ? row : rowMap[row];
    }

    /** Float views of the buffers (F32). */
    FloatBuffer[] floats() {
        FloatBuffer[] f = new FloatBuffer[buffers.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = buffers[i].asFloatBuffer();
        }
        return f;
    }

    /** The values of float views copied into arrays, one per buffer (for {@code -Dkindling.weights=heap}). */
    static float[][] copy(FloatBuffer[] views) {
        float[][] a = new float[views.length][];
        for (int i = 0; i < a.length; i++) {
            a[i] = new float[views[i].capacity()];
            views[i].get(0, a[i], 0, a[i].length);
        }
        return a;
    }

    /** The values of 16-bit views copied into arrays, one per buffer (for {@code -Dkindling.weights=heap}). */
    static short[][] copy(ShortBuffer[] views) {
        short[][] a = new short[views.length][];
        for (int i = 0; i < a.length; i++) {
            a[i] = new short[views[i].capacity()];
            views[i].get(0, a[i], 0, a[i].length);
        }
        return a;
    }

    /** 16-bit views of the buffers (F16, BF16). */
    ShortBuffer[] shorts() {
        ShortBuffer[] s = new ShortBuffer[buffers.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = buffers[i].asShortBuffer();
        }
        return s;
    }
}
