package dev.kindling.inference.cuda.pack;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Turns GGML rows into the GPU's packed layouts ({@link Kind}; {@code common.cuh} describes them).
 *
 * <p>Quantized types the kernels read directly (Q8_0, Q4_0, Q4_K) keep their values and only lose
 * the interleaving of scales and quants, so every array is 16-byte aligned for vector loads:
 * <ul>
 *   <li>Q8_0 (34-byte blocks: f16 d, 32 int8) → data int8[K], scales half[K/32];</li>
 *   <li>Q4_0 (18-byte blocks: f16 d, 16 bytes of nibbles) → data u8[K/2] (ggml's nibble order),
 *       scales half[K/32];</li>
 *   <li>Q4_K (144-byte super-blocks: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of
 *       nibbles) → data u8[K/2] (ggml's order), scales u8[K/32][2] = (scale, min) unpacked from
 *       the 6-bit fields, dm half2[K/256] = (d, dmin).</li>
 * </ul>
 * Every other conversion goes through the float value of each weight (the same value the CPU
 * backend computes) rounded to the target kind with {@link HalfFloats}: e.g. a Q6_K output matrix
 * becomes F16. A quantized target is only ever its own source type (nothing is re-quantized).
 */
public final class WeightPacker {
    private WeightPacker() {}

    /**
     * The activation kind of a model: F32 when every matrix is F32 or some row length is not a
     * multiple of 8 (the tensor-core kernels load 16 bytes at a time); BF16 when any matrix is
     * BF16; F16 otherwise.
     */
    public static Kind activationKind(List<WeightSource> matrices) {
        boolean allF32 = true;
        boolean anyBf16 = false;
        for (WeightSource m : matrices) {
            allF32 &= m.type() == GgmlType.F32;
            anyBf16 |= m.type() == GgmlType.BF16;
            if (m.cols() % 8 != 0) {
                return Kind.F32;
            }
        }
        return allF32 ? Kind.F32 : anyBf16 ? Kind.BF16 : Kind.F16;
    }

    /** The kind a matrix is uploaded in, given the model's activation kind. */
    public static Kind matrixKind(GgmlType src, Kind act, int cols) {
        if (act == Kind.F32 || act == Kind.BF16) {
            return act;
        }
        return switch (src) {
            case Q8_0, Q4_0 -> cols % 64 == 0 ? Kind.of(src) : Kind.F16;
            case Q4_K -> Kind.Q4_K;
            default -> Kind.F16;
        };
    }

    /**
     * How the CPU engine (and llama.cpp) rounds a product's input for weights of {@code src}
     * ({@code Tensor.activationFormat()}): the GPU rounds the same way before its product, so both
     * backends see the same activations whatever the GPU stores the weights as.
     */
    public static ActivationFormat activationFormat(GgmlType src) {
        return switch (src) {
            case F16 -> ActivationFormat.F16;
            case BF16 -> ActivationFormat.BF16;
            case Q8_0, Q4_0 -> ActivationFormat.Q8_0;
            case Q4_K, Q5_K, Q6_K -> ActivationFormat.Q8_K;
            default -> ActivationFormat.F32;
        };
    }

    /** The kind an embedding table is uploaded in when it is only gathered (not tied to the output). */
    public static Kind embeddingKind(GgmlType src, Kind act) {
        Kind k = Kind.of(src);
        if (k != null && (!k.quantized() || act != Kind.F32)) {
            return k;
        }
        return act == Kind.F32 ? Kind.F32 : act;
    }

    /** Packs rows {@code [first, first+count)} of {@code src} as {@code target}. */
    public static PackedChunk pack(WeightSource src, int first, int count, Kind target) {
        int cols = src.cols();
        Kind same = Kind.of(src.type());
        if (target.quantized() && same != target) {
            throw new IllegalArgumentException(src.name() + ": cannot pack " + src.type() + " as " + target
                    + " (quantized kinds are only kept, never re-quantized)");
        }
        ByteBuffer raw = src.rows(first, count).order(ByteOrder.LITTLE_ENDIAN);
        PackedChunk out = PackedChunk.allocate(target, cols, first, count);
        int rowBytes = Math.toIntExact(src.rowBytes());
        if (same == target) {
            for (int r = 0; r < count; r++) {
                repack(target, raw, r * rowBytes, cols, out, r);
            }
            return out;
        }
        RowDecoder dec = new RowDecoder(src, raw, count);
        float[] row = new float[cols];
        ByteBuffer data = ByteBuffer.wrap(out.data()).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < count; r++) {
            dec.floats(r, row);
            for (float v : row) {
                switch (target) {
                    case F32 -> data.putFloat(v);
                    case F16 -> data.putShort(ScalarKernels.floatToHalf(v));
                    case BF16 -> data.putShort(HalfFloats.floatToBf16(v));
                    default -> throw new AssertionError(target);
                }
            }
        }
        return out;
    }

    /** Same type: copies (F32/F16/BF16) or splits blocks (quantized) of one row. */
    private static void repack(Kind k, ByteBuffer raw, int p, int cols, PackedChunk out, int r) {
        byte[] data = out.data();
        byte[] scales = out.scales();
        int d0 = r * out.dataRowBytes();
        int s0 = r * out.scaleRowBytes();
        switch (k) {
            case F32, F16, BF16 -> raw.get(p, data, d0, out.dataRowBytes());
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++, p += 34) {
                    scales[s0 + 2 * b] = raw.get(p);
                    scales[s0 + 2 * b + 1] = raw.get(p + 1);
                    raw.get(p + 2, data, d0 + 32 * b, 32);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++, p += 18) {
                    scales[s0 + 2 * b] = raw.get(p);
                    scales[s0 + 2 * b + 1] = raw.get(p + 1);
                    raw.get(p + 2, data, d0 + 16 * b, 16);
                }
            }
            case Q4_K -> {
                byte[] dm = out.dm();
                int m0 = r * out.dmRowBytes();
                for (int sb = 0; sb < cols / 256; sb++, p += 144) {
                    raw.get(p, dm, m0 + 4 * sb, 4);
                    for (int j = 0; j < 8; j++) {
                        int sc;
                        int m;
                        if (j < 4) {
                            sc = raw.get(p + 4 + j) & 63;
                            m = raw.get(p + 4 + j + 4) & 63;
                        } else {
                            int a = raw.get(p + 4 + j + 4) & 0xFF;
                            sc = (a & 0xF) | (((raw.get(p + 4 + j - 4) & 0xFF) >> 6) << 4);
                            m = (a >> 4) | (((raw.get(p + 4 + j) & 0xFF) >> 6) << 4);
                        }
                        scales[s0 + 2 * (sb * 8 + j)] = (byte) sc;
                        scales[s0 + 2 * (sb * 8 + j) + 1] = (byte) m;
                    }
                    raw.get(p + 16, data, d0 + 128 * sb, 128);
                }
            }
        }
    }

    /** Float values of the rows of a raw chunk of any supported GGML type. */
    private static final class RowDecoder {
        private final WeightSource src;
        private final ByteBuffer raw;
        private final int rowBytes;
        private final Tensor tensor;

        RowDecoder(WeightSource src, ByteBuffer raw, int count) {
            this.src = src;
            this.raw = raw;
            this.rowBytes = Math.toIntExact(src.rowBytes());
            GgmlType t = src.type();
            boolean plain = t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16;
            // the CPU engine's own decoding of the quantized types, so values agree with it exactly
            this.tensor = plain ? null
                    : Tensors.read(src.name(), t, count, src.cols(), (first, n) -> raw.slice(
                            Math.toIntExact(first * rowBytes), n * rowBytes).order(ByteOrder.LITTLE_ENDIAN));
        }

        void floats(int r, float[] dst) {
            int p = r * rowBytes;
            switch (src.type()) {
                case F32 -> {
                    for (int i = 0; i < dst.length; i++) {
                        dst[i] = raw.getFloat(p + 4 * i);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < dst.length; i++) {
                        dst[i] = ScalarKernels.halfToFloat(raw.getShort(p + 2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < dst.length; i++) {
                        dst[i] = ScalarKernels.bf16ToFloat(raw.getShort(p + 2 * i));
                    }
                }
                default -> tensor.dequantizeRowScalar(r, dst, 0);
            }
        }
    }
}
