package dev.kindling.inference.arch;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GGUF file's tensors under canonical names (which are GGUF's), renamed only where a family's
 * {@link TensorNames} says so. An expert's matrix {@code blk.N.ffn_gate.E.weight} is read from the
 * stacked {@code blk.N.ffn_gate_exps.weight} ({@code [cols, rows, experts]}) when the file stacks
 * its experts, as current llama.cpp conversions do.
 */
public final class GgufCheckpoint implements Checkpoint {
    private static final Pattern EXPERT = Pattern.compile("blk\\.(\\d+)\\.ffn_(gate|up|down)\\.(\\d+)\\.weight");

    private final GgufFile gguf;
    private final TensorNames names;
    private final java.util.Set<String> read = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public GgufCheckpoint(GgufFile gguf, TensorNames names) {
        this.gguf = gguf;
        this.names = names;
    }

    public GgufFile gguf() {
        return gguf;
    }

    @Override
    public Path path() {
        return gguf.path();
    }

    /** A tensor and the first of its rows that the canonical name stands for. */
    private record Slice(GgufTensorInfo info, long firstRow, long rows) {}

    private Optional<Slice> find(String name) {
        TensorNames.Source s = names.resolve(name);
        if (s == null) {
            return Optional.empty();
        }
        Optional<GgufTensorInfo> t = gguf.findTensor(s.name());
        if (t.isPresent()) {
            return Optional.of(new Slice(t.get(), 0, t.get().rows()));
        }
        Matcher m = EXPERT.matcher(s.name());
        if (m.matches()) {
            Optional<GgufTensorInfo> stacked = gguf.findTensor("blk." + m.group(1) + ".ffn_" + m.group(2) + "_exps.weight");
            if (stacked.isPresent()) {
                GgufTensorInfo st = stacked.get();
                int e = Integer.parseInt(m.group(3));
                if (st.dims().length != 3 || e >= st.dim(2)) {
                    throw new ModelFormatException(gguf.path(), "tensor " + st.name() + " has shape "
                            + java.util.Arrays.toString(st.dims()) + ", expected [cols, rows, experts] with expert " + e);
                }
                return Optional.of(new Slice(st, e * st.dim(1), st.dim(1)));
            }
        }
        return Optional.empty();
    }

    private Slice require(String name) {
        Slice s = find(name).orElseThrow(() -> new ModelFormatException(gguf.path(), "missing tensor " + name));
        read.add(s.info.name());
        return s;
    }

    /** The file's tensors no weight was read from (after loading): weights the model would silently go without. */
    public java.util.List<String> unreadTensors() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (GgufTensorInfo t : gguf.tensorList()) {
            if (!read.contains(t.name())) {
                out.add(t.name());
            }
        }
        return out;
    }

    @Override
    public boolean has(String name) {
        return find(name).isPresent();
    }

    /** Rows x cols; a tensor of a type this engine cannot compute with is refused here, before its shape is judged. */
    @Override
    public long[] shape(String name) {
        Slice s = require(name);
        checkType(s.info);
        return new long[] {s.rows, s.info.dim(0)};
    }

    private void checkType(GgufTensorInfo t) {
        if (!Tensors.supported(t.type())) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + " has type " + t.type()
                    + ", which this engine does not compute with (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        }
    }

    @Override
    public Tensor matrix(String name, int first, int rows) {
        Slice s = require(name);
        GgufTensorInfo t = s.info;
        checkType(t);
        if (first < 0 || rows < 0 || first + (long) rows > s.rows) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + ": rows " + first + "+" + rows + " outside 0.." + s.rows);
        }
        long cols = t.dim(0);
        if (cols > Integer.MAX_VALUE) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + ": row length " + cols + " is too large");
        }
        long base = s.firstRow + first;
        try {
            return Tensors.read(t.name(), t.type(), rows, (int) cols, (f, c) -> gguf.mapRows(t, base + f, c));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ModelFormatException(gguf.path(), "tensor " + t.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public float[] floats(String name, int first, int count) {
        Slice s = require(name);
        long n = s.rows * s.info.dim(0);
        if (first < 0 || count < 0 || first + (long) count > n) {
            throw new ModelFormatException(gguf.path(), "tensor " + s.info.name() + ": elements " + first + "+" + count
                    + " outside 0.." + n);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(gguf.path(), "tensor " + s.info.name() + " is too large to read as a vector");
        }
        float[] all = matrix(name, 0, (int) s.rows).toFloatArray();
        return java.util.Arrays.copyOfRange(all, first, first + count);
    }
}
