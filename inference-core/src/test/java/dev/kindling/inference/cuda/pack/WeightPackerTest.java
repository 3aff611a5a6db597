package dev.kindling.inference.cuda.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cuda.ref.KernelMath;
import dev.kindling.inference.tensor.RandomBlocks;
import dev.kindling.inference.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Packed layouts hold exactly the values the CPU engine decodes from the same GGML bytes. */
class WeightPackerTest {
    static WeightSource bytes(String name, GgmlType type, int rows, int cols, byte[] data) {
        long rb = type.byteSize(cols);
        return new WeightSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public GgmlType type() {
                return type;
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
                return ByteBuffer.wrap(data, (int) (first * rb), (int) (count * rb)).slice().order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K"})
    void keptKindsHoldTheCpuValues(GgmlType type) {
        int rows = 7, cols = 512;
        byte[] data = RandomBlocks.bytes(type, rows, cols, 11 + type.id);
        Tensor cpu = RandomBlocks.tensor(type, rows, cols, data);
        PackedChunk p = WeightPacker.pack(bytes("w", type, rows, cols, data), 0, rows, Kind.of(type));
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            cpu.dequantizeRowScalar(r, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(Float.floatToRawIntBits(row[k]), Float.floatToRawIntBits(KernelMath.weightValue(p, r, k)),
                        type + " row " + r + " col " + k);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void conversionsRoundTheCpuValues(GgmlType type) {
        int rows = 3, cols = 256;
        byte[] data = RandomBlocks.bytes(type, rows, cols, 5 + type.id);
        Tensor cpu = RandomBlocks.tensor(type, rows, cols, data);
        float[] row = new float[cols];
        for (Kind target : List.of(Kind.F32, Kind.F16, Kind.BF16)) {
            PackedChunk p = WeightPacker.pack(bytes("w", type, rows, cols, data), 0, rows, target);
            for (int r = 0; r < rows; r++) {
                cpu.dequantizeRowScalar(r, row, 0);
                for (int k = 0; k < cols; k++) {
                    assertEquals(HalfFloats.round(row[k], target), KernelMath.weightValue(p, r, k), 0f, type + "->" + target);
                }
            }
        }
    }

    @Test
    void tensorCoreTilesRoundDequantizedValuesToHalf() {
        byte[] data = RandomBlocks.bytes(GgmlType.Q4_K, 2, 256, 3);
        Tensor cpu = RandomBlocks.tensor(GgmlType.Q4_K, 2, 256, data);
        PackedChunk p = WeightPacker.pack(bytes("w", GgmlType.Q4_K, 2, 256, data), 0, 2, Kind.Q4_K);
        float[] row = new float[256];
        cpu.dequantizeRowScalar(1, row, 0);
        for (int k = 0; k < 256; k++) {
            assertEquals(HalfFloats.round(row[k], Kind.F16), KernelMath.tileValue(p, 1, k), 0f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void inputsAreRoundedAsTheCpuRoundsThem(GgmlType type) {
        Tensor cpu = RandomBlocks.tensor(type, 1, 256, RandomBlocks.bytes(type, 1, 256, 1));
        assertEquals(cpu.activationFormat(), WeightPacker.activationFormat(type), type.toString());
    }

    @Test
    void nothingIsRequantized() {
        byte[] data = RandomBlocks.bytes(GgmlType.F16, 2, 64, 1);
        assertThrows(IllegalArgumentException.class,
                () -> WeightPacker.pack(bytes("w", GgmlType.F16, 2, 64, data), 0, 2, Kind.Q8_0));
    }

    @Test
    void kindRules() {
        WeightSource f32 = bytes("a", GgmlType.F32, 1, 64, new byte[256]);
        WeightSource f16 = bytes("b", GgmlType.F16, 1, 64, new byte[128]);
        WeightSource bf16 = bytes("c", GgmlType.BF16, 1, 64, new byte[128]);
        WeightSource odd = bytes("d", GgmlType.F16, 1, 12, new byte[24]);
        assertEquals(Kind.F32, WeightPacker.activationKind(List.of(f32, f32)));
        assertEquals(Kind.F16, WeightPacker.activationKind(List.of(f32, f16)));
        assertEquals(Kind.BF16, WeightPacker.activationKind(List.of(f16, bf16)));
        assertEquals(Kind.F32, WeightPacker.activationKind(List.of(f16, odd)), "rows not a multiple of 8: F32 path");
        assertEquals(Kind.Q8_0, WeightPacker.matrixKind(GgmlType.Q8_0, Kind.F16, 4096));
        assertEquals(Kind.F16, WeightPacker.matrixKind(GgmlType.Q8_0, Kind.F16, 96), "a K tile is 64 values");
        assertEquals(Kind.F16, WeightPacker.matrixKind(GgmlType.Q6_K, Kind.F16, 4096));
        assertEquals(Kind.BF16, WeightPacker.matrixKind(GgmlType.Q4_K, Kind.BF16, 4096));
        assertEquals(Kind.F32, WeightPacker.matrixKind(GgmlType.F16, Kind.F32, 64));
        assertEquals(Kind.Q4_0, WeightPacker.embeddingKind(GgmlType.Q4_0, Kind.F16));
        assertEquals(Kind.F32, WeightPacker.embeddingKind(GgmlType.Q4_0, Kind.F32));
        assertEquals(Kind.F16, WeightPacker.embeddingKind(GgmlType.Q6_K, Kind.F16));
    }

    @Test
    void stackedAndInterleavedPlansPlaceRowsAndChunkTheSame() {
        int cols = 256;
        byte[] a = RandomBlocks.bytes(GgmlType.Q8_0, 6, cols, 1);
        byte[] b = RandomBlocks.bytes(GgmlType.Q8_0, 6, cols, 2);
        byte[] c = RandomBlocks.bytes(GgmlType.Q8_0, 2, cols, 3);
        WeightSource sa = bytes("a", GgmlType.Q8_0, 6, cols, a);
        WeightSource sb = bytes("b", GgmlType.Q8_0, 6, cols, b);
        WeightSource sc = bytes("c", GgmlType.Q8_0, 2, cols, c);
        MatrixPlan stacked = MatrixPlan.stacked("abc", List.of(sa, sb, sc), Kind.Q8_0);
        MatrixPlan inter = MatrixPlan.interleaved("ab", sa, sb, Kind.Q8_0);
        assertEquals(14, stacked.rows());
        assertEquals(12, inter.rows());
        PackedChunk all = stacked.pack(0, 14);
        PackedChunk ia = inter.pack(0, 12);
        PackedChunk pa = WeightPacker.pack(sa, 0, 6, Kind.Q8_0);
        PackedChunk pb = WeightPacker.pack(sb, 0, 6, Kind.Q8_0);
        PackedChunk pc = WeightPacker.pack(sc, 0, 2, Kind.Q8_0);
        for (int k = 0; k < cols; k += 7) {
            for (int r = 0; r < 6; r++) {
                assertEquals(KernelMath.weightValue(pa, r, k), KernelMath.weightValue(all, r, k), 0f);
                assertEquals(KernelMath.weightValue(pb, r, k), KernelMath.weightValue(all, 6 + r, k), 0f);
                assertEquals(KernelMath.weightValue(pa, r, k), KernelMath.weightValue(ia, 2 * r, k), 0f);
                assertEquals(KernelMath.weightValue(pb, r, k), KernelMath.weightValue(ia, 2 * r + 1, k), 0f);
            }
            assertEquals(KernelMath.weightValue(pc, 1, k), KernelMath.weightValue(all, 13, k), 0f);
        }
        // in chunks: the same bytes
        PackedChunk piece = stacked.pack(4, 6);
        for (int r = 0; r < 6; r++) {
            for (int k = 0; k < cols; k += 5) {
                assertEquals(KernelMath.weightValue(all, 4 + r, k), KernelMath.weightValue(piece, r, k), 0f);
            }
        }
        PackedChunk ipiece = inter.pack(2, 4);
        for (int r = 0; r < 4; r++) {
            assertEquals(KernelMath.weightValue(ia, 2 + r, 9), KernelMath.weightValue(ipiece, r, 9), 0f);
        }
        assertThrows(IllegalArgumentException.class, () -> inter.pack(1, 2));
    }
}
