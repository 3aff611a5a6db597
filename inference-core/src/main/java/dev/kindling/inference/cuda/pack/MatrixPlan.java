package dev.kindling.inference.cuda.pack;

import java.util.List;

/**
 * One device matrix built from one or more source matrices with the same row length: a single
 * source, sources stacked (Q, K and V projections as one QKV matrix: one product instead of three),
 * or two sources interleaved row by row (gate and up: row 2i = gate i, row 2i+1 = up i, so the
 * product's epilogue finds both halves of SwiGLU in one thread).
 */
public final class MatrixPlan {
    public enum Layout { STACKED, INTERLEAVED }

    private final String name;
    private final List<WeightSource> parts;
    private final Layout layout;
    private final Kind kind;

    private MatrixPlan(String name, List<WeightSource> parts, Layout layout, Kind kind) {
        int cols = parts.get(0).cols();
        for (WeightSource p : parts) {
            if (p.cols() != cols) {
                throw new IllegalArgumentException(name + ": " + p.name() + " has rows of " + p.cols() + " values, expected " + cols);
            }
        }
        if (layout == Layout.INTERLEAVED && (parts.size() != 2 || parts.get(0).rows() != parts.get(1).rows())) {
            throw new IllegalArgumentException(name + ": interleaving needs two matrices of the same shape");
        }
        this.name = name;
        this.parts = List.copyOf(parts);
        this.layout = layout;
        this.kind = kind;
    }

    public static MatrixPlan single(WeightSource s, Kind kind) {
        return new MatrixPlan(s.name(), List.of(s), Layout.STACKED, kind);
    }

    public static MatrixPlan stacked(String name, List<WeightSource> parts, Kind kind) {
        return new MatrixPlan(name, parts, Layout.STACKED, kind);
    }

    public static MatrixPlan interleaved(String name, WeightSource a, WeightSource b, Kind kind) {
        return new MatrixPlan(name, List.of(a, b), Layout.INTERLEAVED, kind);
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** How the product's input is rounded: as the CPU engine rounds it for the (first) source's type. */
    public dev.kindling.inference.cpu.ActivationFormat format() {
        return WeightPacker.activationFormat(parts.get(0).type());
    }

    public Layout layout() {
        return layout;
    }

    public List<WeightSource> parts() {
        return parts;
    }

    public int cols() {
        return parts.get(0).cols();
    }

    public int rows() {
        int n = 0;
        for (WeightSource p : parts) {
            n += p.rows();
        }
        return n;
    }

    /** Bytes on the device (the three arrays). */
    public long deviceBytes() {
        return kind.dataBytes(rows(), cols()) + kind.scaleBytes(rows(), cols()) + kind.dmBytes(rows(), cols());
    }

    /** Rows per chunk so a chunk's data stays near {@code bytes}. */
    public int rowsPerChunk(long bytes) {
        long perRow = Math.max(1, kind.dataBytes(1, cols()) + kind.scaleBytes(1, cols()) + kind.dmBytes(1, cols()));
        int n = (int) Math.max(2, Math.min(rows(), bytes / perRow));
        return n - n % 2;
    }

    /** Packs output rows {@code [first, first+count)} ({@code first} and {@code count} even when interleaved). */
    public PackedChunk pack(int first, int count) {
        PackedChunk out = PackedChunk.allocate(kind, cols(), first, count);
        if (layout == Layout.INTERLEAVED) {
            if (first % 2 != 0 || count % 2 != 0) {
                throw new IllegalArgumentException(name + ": interleaved chunks start and end on even rows");
            }
            PackedChunk a = WeightPacker.pack(parts.get(0), first / 2, count / 2, kind);
            PackedChunk b = WeightPacker.pack(parts.get(1), first / 2, count / 2, kind);
            for (int i = 0; i < count / 2; i++) {
                out.copyRow(a, i, 2 * i);
                out.copyRow(b, i, 2 * i + 1);
            }
            return out;
        }
        int base = 0;
        for (WeightSource p : parts) {
            int lo = Math.max(first, base);
            int hi = Math.min(first + count, base + p.rows());
            if (lo < hi) {
                PackedChunk c = WeightPacker.pack(p, lo - base, hi - lo, kind);
                for (int i = 0; i < hi - lo; i++) {
                    out.copyRow(c, i, lo - first + i);
                }
            }
            base += p.rows();
        }
        return out;
    }
}
