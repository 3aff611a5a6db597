package dev.kindling.inference.cuda.pack;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where the bytes of one weight matrix come from for the upload: {@code rows x cols} values of a
 * GGML type, read in row ranges in the file's layout (little-endian), so an 8B model goes from the
 * memory-mapped GGUF to the GPU without a copy of it on the Java heap.
 */
public interface WeightSource {
    String name();

    GgmlType type();

    int rows();

    int cols();

    /** The GGML bytes of rows {@code [first, first+count)}, position 0, little-endian. */
    ByteBuffer rows(int first, int count);

    /** Bytes of one row in the GGML layout. */
    default long rowBytes() {
        return type().byteSize(cols());
    }

    /** A tensor of a GGUF file, mapped in row ranges. */
    static WeightSource gguf(GgufFile file, String tensor, int rows, int cols) {
        GgufTensorInfo t = file.tensor(tensor);
        return new WeightSource() {
            @Override
            public String name() {
                return tensor;
            }

            @Override
            public GgmlType type() {
                return t.type();
            }

            @Override
            public int rows() {
                return rows;
            }

            @Override
            public int cols() {
                return cols;
            }

            @Override
            public ByteBuffer rows(int first, int count) {
                return file.mapRows(t, first, count).order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    /**
     * A loaded tensor (e.g. from a llama2.c checkpoint): F32, F16 and BF16 tensors give their exact
     * values in their own type; other types give their dequantized values as F32 (exact: the
     * packer then converts them like any F32 source).
     */
    static WeightSource of(Tensor t) {
        GgmlType type = switch (t.type()) {
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            default -> GgmlType.F32;
        };
        return new WeightSource() {
            @Override
            public String name() {
                return t.name();
            }

            @Override
            public GgmlType type() {
                return type;
            }

            @Override
            public int rows() {
                return t.rows();
            }

            @Override
            public int cols() {
                return t.cols();
            }

            @Override
            public ByteBuffer rows(int first, int count) {
                int cols = t.cols();
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(rowBytes() * count)).order(ByteOrder.LITTLE_ENDIAN);
                float[] row = new float[cols];
                for (int r = first; r < first + count; r++) {
                    t.dequantizeRowScalar(r, row, 0);
                    for (float v : row) {
                        switch (type) {
                            case F16 -> b.putShort(ScalarKernels.floatToHalf(v));
                            case BF16 -> b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                            default -> b.putFloat(v);
                        }
                    }
                }
                return b.flip();
            }
        };
    }

    /** A 1-row source over float values (norm weights, biases), as F32. */
    static WeightSource ofFloats(String name, float[] values) {
        return new WeightSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public GgmlType type() {
                return GgmlType.F32;
            }

            @Override
            public int rows() {
                return 1;
            }

            @Override
            public int cols() {
                return values.length;
            }

            @Override
            public ByteBuffer rows(int first, int count) {
                ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(values);
                return b;
            }
        };
    }
}
