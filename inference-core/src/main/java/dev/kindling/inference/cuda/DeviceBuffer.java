package dev.kindling.inference.cuda;

import jcuda.driver.CUdeviceptr;

/** A device allocation of {@code bytes}, named for error messages; freed by its {@link CudaContext}. */
public final class DeviceBuffer {
    final CUdeviceptr ptr;
    final long bytes;
    final String what;
    boolean freed;

    DeviceBuffer(CUdeviceptr ptr, long bytes, String what) {
        this.ptr = ptr;
        this.bytes = bytes;
        this.what = what;
    }

    public long bytes() {
        return bytes;
    }

    /** The device pointer {@code offset} bytes in. */
    public CUdeviceptr at(long offset) {
        if (offset < 0 || offset > bytes) {
            throw new IndexOutOfBoundsException(what + ": offset " + offset + " outside " + bytes + " bytes");
        }
        return offset == 0 ? ptr : ptr.withByteOffset(offset);
    }

    @Override
    public String toString() {
        return what + " (" + bytes + " bytes)";
    }
}
