package dev.kindling.inference.arch;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.safetensors.SafetensorsCheckpoint;
import dev.kindling.formats.safetensors.SafetensorsFile;
import dev.kindling.formats.safetensors.SafetensorsTensor;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * A Hugging Face safetensors checkpoint under canonical names: each canonical tensor is found through
 * the family's {@link TensorNames} (name and row order) and read in place from the memory-mapped
 * shard, as the same tensor classes a GGUF file of that type gives ({@code F32Tensor},
 * {@code F16Tensor}, {@code BF16Tensor}): the weights are never copied to the heap. Where the stored
 * row order differs, the tensor keeps a row map over the mapped stored rows ({@link Tensors#gather}):
 * Q, K and V out of a QKV product fused per head; one expert of a stacked tensor is a contiguous run
 * of rows and is mapped as a plain range. Only 1-D vectors (norms, biases) are read into float
 * arrays ({@link #floats}).
 * Tensors the family's names fix from {@code config.json} ({@link TensorNames.Builder#constant}: a
 * LayerNorm without parameters) are vectors of that value, not read from any file.
 */
public final class HfCheckpoint implements Checkpoint {
    private final SafetensorsCheckpoint st;
    private final TensorNames names;

    public HfCheckpoint(SafetensorsCheckpoint st, TensorNames names) {
        this.st = st;
        this.names = names;
    }

    @Override
    public Path path() {
        return st.dir();
    }

    private record Resolved(SafetensorsTensor tensor, SafetensorsFile file, IntUnaryOperator rows) {}

    private Resolved resolve(String name, boolean required) {
        TensorNames.Source s = names.resolve(name);
        if (s == null || !st.has(s.name())) {
            if (required) {
                throw new ModelFormatException(st.dir(), "missing tensor " + (s == null ? "for " + name : s.name() + " (" + name + ")"));
            }
            return null;
        }
        SafetensorsTensor t = st.tensor(s.name());
        return new Resolved(t, st.file(t), s.rows());
    }

    @Override
    public String describe(String name) {
        if (names.isConstant(name)) {
            return name + " (not stored: fixed by config.json)";
        }
        TensorNames.Source s = names.resolve(name);
        return s == null || s.name().equals(name) ? name : s.name() + " (" + name + ")";
    }

    @Override
    public boolean has(String name) {
        return names.isConstant(name) || resolve(name, false) != null;
    }

    @Override
    public boolean omitted(String name) {
        return names.omitted(name);
    }

    @Override
    public long[] shape(String name) {
        float[] constant = names.constant(name);
        if (constant != null) {
            return new long[] {1, constant.length};
        }
        Resolved r = resolve(name, true);
        return new long[] {r.tensor.rows(), r.tensor.cols()};
    }

    static GgmlType ggmlType(SafetensorsFile f, SafetensorsTensor t) {
        f.requireFloatWeight(t);
        return switch (t.dtype()) {
            case F32 -> GgmlType.F32;
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            default -> throw new IllegalStateException("unreachable: " + t.dtype());
        };
    }

    @Override
    public Tensor matrix(String name, int first, int rows) {
        if (names.isConstant(name)) {
            throw new ModelFormatException(st.dir(), name + " is fixed by config.json, not a stored weight matrix");
        }
        Resolved r = resolve(name, true);
        SafetensorsTensor t = r.tensor;
        GgmlType type = ggmlType(r.file, t);
        if (t.shape().length != 2 && !(t.shape().length == 3 && r.rows != null)) {
            // a [8, 8, 64] q_proj was read as 64 rows of 64 (its leading dimensions folded), where transformers refuses the
            // size mismatch; only stacked experts ([experts, rows, cols], read one expert's rows at a time) have three
            throw new ModelFormatException(r.file.path(), "tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                    + "; " + name + " is a matrix (two dimensions: rows, columns)");
        }
        long cols = t.cols();
        if (cols > Integer.MAX_VALUE) {
            throw new ModelFormatException(r.file.path(), "tensor " + t.name() + ": row length " + cols + " is too large");
        }
        long stored = t.rows();
        IntUnaryOperator map = r.rows;
        for (int probe : new int[] {first, first + rows - 1}) {
            long src = map == null ? probe : map.applyAsInt(probe);
            if (rows > 0 && (probe < 0 || src < 0 || src >= stored)) {
                throw new ModelFormatException(r.file.path(), "tensor " + t.name() + " has " + stored + " rows of " + cols
                        + "; " + name + " needs rows " + first + ".." + (first + rows - 1) + " (shape " + Arrays.toString(t.shape()) + ")");
            }
        }
        try {
            if (map == null) {
                return Tensors.read(t.name(), type, rows, (int) cols, (f, c) -> r.file.mapRows(t, first + f, c));
            }
            int[] rowMap = new int[rows];
            for (int i = 0; i < rows; i++) {
                rowMap[i] = map.applyAsInt(first + i);
            }
            return Tensors.gather(t.name(), type, (int) cols, stored, rowMap, (f, c) -> r.file.mapRows(t, f, c));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ModelFormatException(r.file.path(), "tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public float[] floats(String name, int first, int count) {
        float[] constant = names.constant(name);
        if (constant != null) {
            if (first < 0 || first + (long) count > constant.length) {
                throw new ModelFormatException(st.dir(), name + " (fixed by config.json) has " + constant.length
                        + " values; " + first + ".." + (first + count - 1) + " asked");
            }
            return Arrays.copyOfRange(constant, first, first + count);
        }
        Resolved r = resolve(name, true);
        SafetensorsTensor t = r.tensor;
        ggmlType(r.file, t);
        long wide = Arrays.stream(t.shape()).filter(d -> d > 1).count();
        if (wide > 1 && r.rows == null) {
            // an [8, 8] norm was read as its 64 values
            throw new ModelFormatException(r.file.path(), "tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                    + "; " + name + " is a vector (one dimension)");
        }
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(r.file.path(), "tensor " + t.name() + " is too large to read as a vector");
        }
        ByteBuffer b = r.file.map(t);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            int e = r.rows == null ? first + i : r.rows.applyAsInt(first + i);
            if (e < 0 || e >= n) {
                throw new ModelFormatException(r.file.path(), "tensor " + t.name() + " has " + n + " values; " + name
                        + " needs value " + e);
            }
            out[i] = switch (t.dtype()) {
                case F32 -> b.getFloat(4 * e);
                case F16 -> ScalarKernels.halfToFloat(b.getShort(2 * e));
                default -> ScalarKernels.bf16ToFloat(b.getShort(2 * e));
            };
        }
        return out;
    }
}
