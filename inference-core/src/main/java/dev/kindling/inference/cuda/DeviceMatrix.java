package dev.kindling.inference.cuda;

import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.cuda.pack.Kind;
import jcuda.driver.CUdeviceptr;

/**
 * A packed weight matrix on the device: {@code rows x cols} of {@code kind}, its data, scales and dm
 * arrays in one allocation at 256-byte aligned offsets, and how its input is rounded
 * ({@code format}: as the CPU engine rounds it for the source weights' type).
 */
public record DeviceMatrix(String name, Kind kind, ActivationFormat format, int rows, int cols, DeviceBuffer buf,
        long scalesOffset, long dmOffset) {

    static long align(long v) {
        return (v + 255) / 256 * 256;
    }

    /** Allocates the three arrays of an {@code rows x cols} matrix of {@code kind}. */
    static DeviceMatrix allocate(CudaContext ctx, String name, Kind kind, ActivationFormat format, int rows, int cols) {
        long data = kind.dataBytes(rows, cols);
        long scales = kind.scaleBytes(rows, cols);
        long dm = kind.dmBytes(rows, cols);
        long so = align(data);
        long mo = align(so + scales);
        DeviceBuffer b = ctx.alloc(mo + dm, name + " (" + kind + " " + rows + "x" + cols + ")");
        return new DeviceMatrix(name, kind, format, rows, cols, b, so, mo);
    }

    public CUdeviceptr data() {
        return buf.at(0);
    }

    /** Null when the kind has no scales. */
    public CUdeviceptr scales() {
        return kind.scaleGroup == 0 ? null : buf.at(scalesOffset);
    }

    public CUdeviceptr dm() {
        return kind.dmGroup == 0 ? null : buf.at(dmOffset);
    }

    /** The code of {@link #format} for quantize_act (0 = F32: no rounding but the storage kind's). */
    int formatCode() {
        return switch (format) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            case Q8_0 -> 3;
            case Q8_K -> 4;
        };
    }

    /** Bytes a full pass over the matrix reads. */
    public long bytes() {
        return kind.dataBytes(rows, cols) + kind.scaleBytes(rows, cols) + kind.dmBytes(rows, cols);
    }
}
